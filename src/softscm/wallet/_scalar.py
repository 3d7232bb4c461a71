"""What BIP32 and SLIP-10 do alike on the two short-Weierstrass curves: the private
master and child steps, modulo the curve's order, and the ``X||Y`` public keys."""

from __future__ import annotations

from softscm.errors import InvalidArgument

#: Length of a scalar, in bytes.
SCALAR_SIZE = 32


class ScalarOps:
    """Private-key arithmetic modulo ``order``, and public keys as ``X||Y`` (``order``,
    ``name`` and :meth:`is_point` are each curve's subclass's)."""

    order: int
    #: The curve's name, as messages give it.
    name: str
    public_key_size = 2 * SCALAR_SIZE

    def is_point(self, public_key: bytes) -> bool:
        """Whether ``X||Y`` (of the right length) is a point of the curve."""
        raise NotImplementedError("ScalarOps.is_point: each curve has its own")

    def serialize_public(self, public_key: bytes) -> bytes:
        """SEC1 compressed: ``02``/``03`` by the parity of Y, then X."""
        prefix = 2 + (public_key[-1] & 1)
        return bytes([prefix]) + public_key[:SCALAR_SIZE]

    def check_public(self, public_key: bytes) -> None:
        """``InvalidArgument`` unless ``X||Y`` is a point of the curve."""
        if len(public_key) != self.public_key_size:
            raise InvalidArgument(f"a {self.name} public key has {self.public_key_size} "
                                  f"bytes (X||Y), not {len(public_key)}")
        if not self.is_point(bytes(public_key)):
            raise InvalidArgument(f"the public key is not a point of {self.name}")

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
