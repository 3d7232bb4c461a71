"""Stand-ins for the module's injected clock and entropy: the clock is the one
``softscm.testing`` gives every user of softscm."""

from __future__ import annotations

import hashlib

from softscm.testing import FakeClock


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

__all__ = ["CountingEntropy", "FakeClock"]
