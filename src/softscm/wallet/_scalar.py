"""What BIP32 and SLIP-10 do alike on the two short-Weierstrass curves: the private
master and child steps, modulo the curve's order."""

from __future__ import annotations

#: Length of a scalar, in bytes.
SCALAR_SIZE = 32


class ScalarOps:
    """Private-key arithmetic modulo ``order`` (set by each curve's subclass)."""

    order: int

    def master_private(self, il: bytes) -> bytes | None:
        """``IL`` itself when ``0 < IL < n``."""
        value = int.from_bytes(il, "big")
        return il if 0 < value < self.order else None

    def child_private(self, parent: bytes, il: bytes) -> bytes | None:
        """``(IL + k_par) mod n``; ``None`` when ``IL >= n`` or the sum is 0."""
        tweak = int.from_bytes(il, "big")
        if tweak >= self.order:
            return None
        child = (tweak + int.from_bytes(parent, "big")) % self.order
        return child.to_bytes(SCALAR_SIZE, "big") if child else None
