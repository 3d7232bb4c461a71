"""Helpers shared by the key modules (internal): argument checks and library objects."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from softscm.crypto.curves import DIGEST_SIZE, SIGNATURE_SIZE, KeyType
from softscm.errors import InvalidArgument

ECDSA_SHA256_PREHASHED = ec.ECDSA(Prehashed(hashes.SHA256()))
EC_CURVES: dict[KeyType, ec.EllipticCurve] = {
    KeyType.NISTP256: ec.SECP256R1(),
    KeyType.SECP256K1: ec.SECP256K1(),
}
HALF = SIGNATURE_SIZE // 2
BYTES_LIKE = (bytes, bytearray, memoryview)


def key_type_of(key_type: KeyType | int) -> KeyType:
    """``key_type`` as a :class:`KeyType`; :class:`InvalidArgument` if it is none."""
    try:
        return KeyType(key_type)
    except (ValueError, TypeError):
        raise InvalidArgument(f"unknown key type {key_type!r}") from None


def digest32(digest: bytes) -> bytes:
    """The 32 bytes that are signed: the first 32 of ``digest`` (§4.4)."""
    if not isinstance(digest, BYTES_LIKE):
        raise InvalidArgument(f"digest must be bytes, not {type(digest).__name__}")
    if len(digest) < DIGEST_SIZE:
        raise InvalidArgument(f"digest must be at least {DIGEST_SIZE} bytes, got {len(digest)}")
    return bytes(digest[:DIGEST_SIZE])


def signature_bytes(signature: object) -> bytes | None:
    """``signature`` as bytes if it could be a signature at all, else None."""
    if isinstance(signature, BYTES_LIKE) and len(signature) == SIGNATURE_SIZE:
        return bytes(signature)
    return None


def raw_bytes(data: object, what: str) -> bytes:
    """``data`` as bytes; :class:`InvalidArgument` naming ``what`` if not bytes-like."""
    if not isinstance(data, BYTES_LIKE):
        raise InvalidArgument(f"{what} must be bytes, not {type(data).__name__}")
    return bytes(data)
