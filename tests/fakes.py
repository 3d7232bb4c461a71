"""Stand-ins for the module's injected clock and entropy."""

from __future__ import annotations

import hashlib


class FakeClock:
    """A clock that moves only when told to (or when a caller sleeps): a waiter jumps."""

    #: Time passes only when a caller sleeps: waiters jump (``softscm.module.Clock``).
    jumps = True

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.time = start
        self.slept: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.time += max(0.0, seconds)

    def advance(self, seconds: float) -> None:
        self.time += seconds


class CountingEntropy:
    """Deterministic bytes (SHA-256 in counter mode over a seed)."""

    def __init__(self, seed: bytes = b"softscm-tests") -> None:
        self._seed = seed
        self._counter = 0

    def __call__(self, n: int) -> bytes:
        out = bytearray()
        while len(out) < n:
            self._counter += 1
            out += hashlib.sha256(self._seed + self._counter.to_bytes(8, "big")).digest()
        return bytes(out[:n])
