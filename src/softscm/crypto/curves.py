"""The four key types of the module and what each can do (``zymkey-api.md`` §5.1)."""

from __future__ import annotations

from enum import IntEnum, unique

from softscm.errors import InvalidArgument


@unique
class KeyType(IntEnum):
    """Key types, numbered as Zymbit's C enum (``ZK_NISTP256`` = 0 ...). Never renumber."""

    NISTP256 = 0
    SECP256K1 = 1
    ED25519 = 2
    X25519 = 3

    @property
    def can_sign(self) -> bool:
        """Whether keys of this type sign and verify (every type but X25519)."""
        return can_sign(self)

    @property
    def can_ecdh(self) -> bool:
        """Whether keys of this type do ECDH (every type but Ed25519)."""
        return can_ecdh(self)

    @property
    def is_weierstrass(self) -> bool:
        """Whether this is one of the two short-Weierstrass ECDSA curves."""
        return self in _WEIERSTRASS

    @property
    def public_key_size(self) -> int:
        """Size in bytes of the raw public key (:data:`PUBLIC_KEY_SIZE`)."""
        return PUBLIC_KEY_SIZE[self]


#: API names of the key types, as ``zymkey`` takes them (exact, case-sensitive).
KEY_TYPE_NAMES: dict[str, KeyType] = {
    "secp256r1": KeyType.NISTP256,
    "nistp256": KeyType.NISTP256,
    "secp256k1": KeyType.SECP256K1,
    "ed25519": KeyType.ED25519,
    "x25519": KeyType.X25519,
}

_WEIERSTRASS = frozenset((KeyType.NISTP256, KeyType.SECP256K1))

#: Size in bytes of a scalar, field element or 32-byte private key, for every type.
PRIVATE_KEY_SIZE = 32

#: Size in bytes of the raw public key (``zymkey-api.md`` §5.2): ``X||Y`` without the
#: 0x04 prefix for the two ECDSA curves, the RFC 8032 / RFC 7748 encoding otherwise.
PUBLIC_KEY_SIZE: dict[KeyType, int] = {
    KeyType.NISTP256: 2 * PRIVATE_KEY_SIZE,
    KeyType.SECP256K1: 2 * PRIVATE_KEY_SIZE,
    KeyType.ED25519: PRIVATE_KEY_SIZE,
    KeyType.X25519: PRIVATE_KEY_SIZE,
}

#: Size in bytes of a signature: ``r||s`` (ECDSA) or ``R||S`` (Ed25519).
SIGNATURE_SIZE = 2 * PRIVATE_KEY_SIZE

#: Size in bytes of the digest that is signed; longer digests are cut to it.
DIGEST_SIZE = 32

#: Order n of the NIST P-256 group (FIPS 186-4 D.1.2.3).
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551

#: Order n of the secp256k1 group (SEC 2 v2 §2.4.1).
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

#: Group order of each ECDSA curve.
CURVE_ORDER: dict[KeyType, int] = {
    KeyType.NISTP256: P256_ORDER,
    KeyType.SECP256K1: SECP256K1_ORDER,
}


def key_type_from_name(name: str) -> KeyType:
    """The key type an API name stands for (``"secp256r1"``, ``"ed25519"`` ...).

    Raises :class:`InvalidArgument` naming the type if it is unknown; the match is exact.
    """
    try:
        return KEY_TYPE_NAMES[name]
    except (KeyError, TypeError):
        raise InvalidArgument(f"unknown key type {name!r}") from None


def can_sign(key_type: KeyType) -> bool:
    """Whether ``key_type`` signs and verifies: X25519 keys only do ECDH."""
    return key_type != KeyType.X25519


def can_ecdh(key_type: KeyType) -> bool:
    """Whether ``key_type`` does ECDH: Ed25519 keys only sign."""
    return key_type != KeyType.ED25519
