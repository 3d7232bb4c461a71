"""secp256k1 arithmetic for BIP32, on libsecp256k1 (``coincurve``)."""

from __future__ import annotations

import coincurve

from softscm.errors import InvalidArgument
from softscm.wallet._scalar import ScalarOps

ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""The order n of secp256k1's base point."""

_SIZE = 32


class Secp256k1Ops(ScalarOps):
    """BIP32 on secp256k1 (see :class:`softscm.wallet.curves.CurveOps`)."""

    hmac_key = b"Bitcoin seed"
    public_key_size = 2 * _SIZE
    public_derivation = True
    order = ORDER

    def child_public(self, parent: bytes, il: bytes) -> bytes | None:
        """``point(IL) + K_par`` with libsecp256k1's tweak; ``None`` when invalid."""
        if int.from_bytes(il, "big") >= ORDER:
            return None
        point = coincurve.PublicKey(b"\x04" + parent)
        if not any(il):
            return parent
        try:
            return bytes(point.add(il).format(compressed=False)[1:])
        except ValueError:  # the sum is the point at infinity
            return None

    def public_key(self, private_key: bytes) -> bytes:
        """``X||Y`` of ``k * G``."""
        key = coincurve.PrivateKey(private_key)
        return bytes(key.public_key.format(compressed=False)[1:])

    def serialize_public(self, public_key: bytes) -> bytes:
        """SEC1 compressed: ``02``/``03`` by the parity of Y, then X."""
        prefix = 2 + (public_key[-1] & 1)
        return bytes([prefix]) + public_key[:_SIZE]

    def check_public(self, public_key: bytes) -> None:
        """``InvalidArgument`` unless ``X||Y`` is a point of secp256k1."""
        if len(public_key) != self.public_key_size:
            raise InvalidArgument(f"a secp256k1 public key has {self.public_key_size} "
                                  f"bytes (X||Y), not {len(public_key)}")
        try:
            coincurve.PublicKey(b"\x04" + bytes(public_key))
        except ValueError:
            raise InvalidArgument("the public key is not a point of secp256k1") from None


SECP256K1 = Secp256k1Ops()
"""The one instance of :class:`Secp256k1Ops`."""
