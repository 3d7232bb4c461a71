"""The curves a wallet can be made on, and what derivation needs from each.

Each curve supplies the arithmetic of BIP32 / SLIP-10 behind one small interface,
:class:`CurveOps`: the HMAC key of the master-key step, how a candidate ``IL`` becomes a
private key, how a parent's key is tweaked, and the encodings. The derivation steps
themselves (``bip32.py``) are the same for every curve.
"""

from __future__ import annotations

from enum import Enum
from typing import Protocol

from softscm.errors import InvalidArgument
from softscm.wallet._ed25519 import ED25519
from softscm.wallet._nistp256 import NISTP256
from softscm.wallet._secp256k1 import SECP256K1


class WalletCurve(Enum):
    """The curves of the module's HD wallets (``scm-behaviour.md`` §8.1)."""

    SECP256K1 = "secp256k1"
    NISTP256 = "nistp256"
    ED25519 = "ed25519"

    @classmethod
    def parse(cls, key_type: str) -> WalletCurve:
        """The curve named by a ``zymkey`` key type: ``"secp256k1"``, ``"nistp256"``
        (or its alias ``"secp256r1"``) or ``"ed25519"``. Any other name, ``"x25519"``
        included, is ``InvalidArgument``."""
        name = _ALIASES.get(key_type, key_type) if isinstance(key_type, str) else key_type
        for curve in cls:
            if curve.value == name:
                return curve
        raise InvalidArgument(f"{key_type!r} is not a wallet curve "
                              f"(use one of {', '.join(c.value for c in cls)})")


_ALIASES = {"secp256r1": "nistp256", "nist256p1": "nistp256"}


class CurveOps(Protocol):
    """What BIP32 / SLIP-10 derivation needs from one curve. Keys are raw bytes:
    32-byte private keys, and public keys as ``zymkey`` returns them (``X||Y`` for the
    Weierstrass curves, the 32-byte encoding for Ed25519)."""

    #: HMAC-SHA512 key of the standard master-key step (``"Bitcoin seed"`` ...).
    hmac_key: bytes
    #: Length of a raw public key in bytes.
    public_key_size: int
    #: Whether non-hardened (public) derivation exists on this curve.
    public_derivation: bool

    def master_private(self, il: bytes) -> bytes | None:
        """The master private key for the left half of the master HMAC, or ``None``
        when that half is not a valid key (SLIP-10 then hashes again)."""

    def child_private(self, parent: bytes, il: bytes) -> bytes | None:
        """The child private key from the parent's and ``IL``; ``None`` when invalid
        (SLIP-10 then derives again from ``0x01 || IR``)."""

    def child_public(self, parent: bytes, il: bytes) -> bytes | None:
        """``point(IL) + parent``, the public counterpart of :meth:`child_private`."""

    def public_key(self, private_key: bytes) -> bytes:
        """The raw public key of ``private_key``."""

    def serialize_public(self, public_key: bytes) -> bytes:
        """The 33-byte form hashed by derivation and fingerprints (SEC1 compressed;
        ``0x00 || key`` for Ed25519, as SLIP-10 writes it)."""

    def check_public(self, public_key: bytes) -> None:
        """``InvalidArgument`` unless ``public_key`` is a valid raw key of the curve."""


def curve_ops(curve: WalletCurve) -> CurveOps:
    """The arithmetic of ``curve``."""
    return _OPS[curve]


_OPS: dict[WalletCurve, CurveOps] = {
    WalletCurve.SECP256K1: SECP256K1,
    WalletCurve.NISTP256: NISTP256,
    WalletCurve.ED25519: ED25519,
}
