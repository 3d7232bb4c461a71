"""secp256k1 arithmetic for BIP32, on libsecp256k1 (``coincurve``)."""

from __future__ import annotations

import coincurve

from softscm.wallet._scalar import ScalarOps

ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""The order n of secp256k1's base point."""


class Secp256k1Ops(ScalarOps):
    """BIP32 on secp256k1 (see :class:`softscm.wallet.curves.CurveOps`)."""

    name = "secp256k1"
    hmac_key = b"Bitcoin seed"
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

    def is_point(self, public_key: bytes) -> bool:
        """Whether libsecp256k1 takes ``X||Y`` as a point."""
        try:
            coincurve.PublicKey(b"\x04" + public_key)
        except ValueError:
            return False
        return True


SECP256K1 = Secp256k1Ops()
"""The one instance of :class:`Secp256k1Ops`."""
