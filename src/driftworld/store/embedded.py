"""The embedded default database: a private PostgreSQL per user, created once and found again.

Its state file and log live in the driftworld home; the data directory too when the server's
user can reach it, otherwise under /var/tmp/driftworld-<hash of the home path>. No existing
directory's permissions are ever changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from driftworld.store.cluster import LocalCluster, find_server_binaries, free_tcp_port, server_user, user_can_write

STATE_FILE = "embedded.json"
EMBEDDED_PORT = 5432  # names the socket file of a home laid out before the server listened on TCP


@dataclass(frozen=True)
class EmbeddedDatabase:
    home: Path
    cluster: LocalCluster

    @property
    def url(self) -> str:
        return self.cluster.url("postgres")

    @property
    def tcp_url(self) -> str | None:
        """The server on 127.0.0.1, where logins need a password (agents in other languages or containers
        connect there); None for a home laid out before the server listened on TCP."""
        return self.cluster.tcp_url("postgres") if self.cluster.listen_tcp else None

    def ensure_running(self) -> str:
        self.cluster.start()
        return self.url


def _state_path(home: Path) -> Path:
    return home / STATE_FILE


def _choose_base_dir(home: Path, user: str | None) -> Path:
    if user_can_write(user, home):
        return home
    digest = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:16]
    return Path("/var/tmp") / f"driftworld-{digest}"


def embedded_database(home: Path) -> EmbeddedDatabase:
    """The embedded database of this home, from its state file or newly laid out (not started)."""
    home.mkdir(parents=True, exist_ok=True)
    state_path = _state_path(home)
    user = server_user()
    if state_path.exists():
        state = json.loads(state_path.read_text())
        base = Path(state["base_dir"])
        bin_dir = Path(state["bin_dir"])
        tcp_port = state.get("tcp_port")
        if not (bin_dir / "pg_ctl").exists():
            bin_dir = find_server_binaries()
    else:
        base = _choose_base_dir(home, user)
        bin_dir = find_server_binaries()
        tcp_port = free_tcp_port()  # chosen once: agents elsewhere keep their URI
    log_dir = home if base == home else base
    cluster = LocalCluster(
        bin_dir=bin_dir,
        data_dir=base / "pgdata",
        socket_dir=base / "run",
        port=tcp_port or EMBEDDED_PORT,
        log_file=log_dir / "postgres.log",
        user=user,
        listen_tcp=tcp_port is not None,
        settings={"unix_socket_permissions": "0700", "max_connections": "60"},
        password_on_tcp=True,
    )
    state = {"base_dir": str(base), "bin_dir": str(bin_dir)} | ({"tcp_port": tcp_port} if tcp_port else {})
    state_path.write_text(json.dumps(state, indent=2) + "\n")
    return EmbeddedDatabase(home=home, cluster=cluster)
