"""Random streams keyed by (world seed, account, virtual day, purpose).

Every draw the seeder or the engine makes comes from one of these, so a world replays
identically whatever the account order, batching, parallelism or process.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import TypeVar
from uuid import UUID

import numpy as np

T = TypeVar("T")


class Stream:
    """One keyed stream of draws; a thin, typed layer over numpy's PCG64."""

    def __init__(self, world_seed: int, account_key: str, day: dt.date | None, purpose: str) -> None:
        key = f"{world_seed}|{account_key}|{day.isoformat() if day else '-'}|{purpose}".encode()
        entropy = int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big")
        self.rng = np.random.Generator(np.random.PCG64(entropy))

    def uniform(self, low: float, high: float) -> float:
        return float(self.rng.uniform(low, high))

    def uniforms(self, low: float | np.ndarray, high: float | np.ndarray, n: int) -> np.ndarray:
        return self.rng.uniform(low, high, n)

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high], both ends included."""
        return int(self.rng.integers(low, high + 1))

    def chance(self, probability: float) -> bool:
        return bool(self.rng.random() < probability)

    def choice(self, options: Sequence[T]) -> T:
        return options[int(self.rng.integers(0, len(options)))]

    def sample(self, options: Sequence[T], k: int) -> list[T]:
        picked = self.rng.choice(len(options), size=min(k, len(options)), replace=False)
        return [options[int(i)] for i in picked]

    def hex(self, digits: int) -> str:
        raw = self.rng.bytes((digits + 1) // 2)
        return raw.hex()[:digits]

    def digits(self, count: int) -> str:
        return "".join(str(int(d)) for d in self.rng.integers(0, 10, count))

    def uuid(self) -> UUID:
        return UUID(bytes=self.rng.bytes(16), version=4)

    def uuids(self, n: int) -> list[UUID]:
        raw = self.rng.bytes(16 * n)
        return [UUID(bytes=raw[i : i + 16], version=4) for i in range(0, 16 * n, 16)]

    def seconds_of_day(self) -> int:
        return int(self.rng.integers(0, 86_400))


def stream(world_seed: int, account_key: str | UUID, day: dt.date | None, purpose: str) -> Stream:
    return Stream(world_seed, str(account_key), day, purpose)
