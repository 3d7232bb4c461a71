"""Ed25519 for SLIP-10: hardened derivation only, keys from ``cryptography``."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from softscm.errors import InvalidArgument, OperationNotSupported

_SIZE = 32


class Ed25519Ops:
    """SLIP-10 on Ed25519 (see :class:`softscm.wallet.curves.CurveOps`). Every
    32-byte string is a valid private key, so nothing is ever retried."""

    hmac_key = b"ed25519 seed"
    public_key_size = _SIZE
    public_derivation = False

    def master_private(self, il: bytes) -> bytes | None:
        """``IL`` itself."""
        return il

    def child_private(self, parent: bytes, il: bytes) -> bytes | None:
        """``IL`` itself: SLIP-10 Ed25519 children do not add to the parent's key."""
        return il

    def child_public(self, parent: bytes, il: bytes) -> bytes | None:
        """SLIP-10 defines no public derivation for Ed25519."""
        raise OperationNotSupported("SLIP-10 Ed25519 has no public (non-hardened) derivation")

    def public_key(self, private_key: bytes) -> bytes:
        """The 32-byte Ed25519 public key of the seed ``private_key``."""
        return Ed25519PrivateKey.from_private_bytes(bytes(private_key)).public_key() \
            .public_bytes_raw()

    def serialize_public(self, public_key: bytes) -> bytes:
        """``0x00 || key``, as SLIP-10 writes Ed25519 public keys."""
        return b"\x00" + bytes(public_key)

    def check_public(self, public_key: bytes) -> None:
        """``InvalidArgument`` unless ``public_key`` is 32 bytes that decode."""
        if len(public_key) != _SIZE:
            raise InvalidArgument(f"an ed25519 public key has {_SIZE} bytes, "
                                  f"not {len(public_key)}")
        try:
            Ed25519PublicKey.from_public_bytes(bytes(public_key))
        except ValueError:
            raise InvalidArgument("the public key is not an ed25519 point") from None


ED25519 = Ed25519Ops()
"""The one instance of :class:`Ed25519Ops`."""
