"""Key derivation applied to ECDH secrets (``zymkey-api.md`` §4.6, §5.6, §6 Q10)."""

from __future__ import annotations

from enum import IntEnum, unique

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from softscm.errors import InvalidArgument


@unique
class Kdf(IntEnum):
    """KDF choices, numbered as ``zymkey.kdfFuncTypes`` (the C enum is one less).
    Never renumber."""

    NONE = 0
    HKDF_SHA256 = 1
    HKDF_SHA512 = 2
    PBKDF2_SHA256 = 3
    PBKDF2_SHA512 = 4


#: API names of the KDFs, as ``zymkey.ecdh(kdf_func_type=...)`` takes them.
KDF_NAMES: dict[str, Kdf] = {
    "none": Kdf.NONE,
    "rfc5869-sha256": Kdf.HKDF_SHA256,
    "rfc5869-sha512": Kdf.HKDF_SHA512,
    "pbkdf2-sha256": Kdf.PBKDF2_SHA256,
    "pbkdf2-sha512": Kdf.PBKDF2_SHA512,
}

#: Longest salt and longest info, in bytes (Zymbit's documented limit).
MAX_SALT_SIZE = 128
MAX_INFO_SIZE = 128

#: Size in bytes of the raw ECDH secret; the most :attr:`Kdf.NONE` can return.
RAW_SECRET_SIZE = 32

#: RFC 5869 limits the output to 255 blocks of the hash.
HKDF_MAX_BLOCKS = 255

#: Most PBKDF2 iterations one call may ask for [softscm: Zymbit documents no limit]. With
#: :data:`PBKDF2_MAX_SIZE` it bounds the work of one call (about a second of one core).
PBKDF2_MAX_ITERATIONS = 1_000_000

#: Longest PBKDF2 output, in bytes [softscm: Zymbit documents no limit; RFC 8018 allows
#: 2^32 - 1 blocks]. Every block costs the full iteration count again.
PBKDF2_MAX_SIZE = 256

_HASHES: dict[Kdf, type[hashes.HashAlgorithm]] = {
    Kdf.HKDF_SHA256: hashes.SHA256,
    Kdf.HKDF_SHA512: hashes.SHA512,
    Kdf.PBKDF2_SHA256: hashes.SHA256,
    Kdf.PBKDF2_SHA512: hashes.SHA512,
}
_BYTES_LIKE = (bytes, bytearray, memoryview)


def kdf_from_name(name: str) -> Kdf:
    """The KDF an API name stands for; :class:`InvalidArgument` naming it if unknown."""
    try:
        return KDF_NAMES[name]
    except (KeyError, TypeError):
        raise InvalidArgument(f"unknown KDF {name!r}") from None


def _bytes(value: object, what: str) -> bytes:
    if not isinstance(value, _BYTES_LIKE):
        raise InvalidArgument(f"{what} must be bytes, not {type(value).__name__}")
    return bytes(value)


def _int(value: object, what: str) -> int:
    if type(value) is not int:
        raise InvalidArgument(f"{what} must be an int, not {type(value).__name__}")
    return value


def check_arguments(
    kdf: Kdf, *, salt: object = b"", info: object = b"", iterations: object = 1,
    size: object = 32, secret_size: int = RAW_SECRET_SIZE,
) -> Kdf:
    """Check the arguments of :func:`derive` without deriving anything, so that a caller
    can refuse a bad call before it touches a key; returns the KDF. Raises
    :class:`InvalidArgument` naming the first bad argument."""
    try:
        kdf = Kdf(kdf)
    except (ValueError, TypeError):
        raise InvalidArgument(f"unknown KDF {kdf!r}") from None
    size = _int(size, "size")
    if kdf == Kdf.NONE:
        if not 1 <= size <= min(RAW_SECRET_SIZE, secret_size):
            raise InvalidArgument(
                f"derived key size must be 1..{RAW_SECRET_SIZE} without a KDF, got {size}"
            )
        return kdf
    salt = _bytes(salt, "salt")
    info = _bytes(info, "info")
    if len(salt) > MAX_SALT_SIZE:
        raise InvalidArgument(f"salt must be at most {MAX_SALT_SIZE} bytes, got {len(salt)}")
    if len(info) > MAX_INFO_SIZE:
        raise InvalidArgument(f"info must be at most {MAX_INFO_SIZE} bytes, got {len(info)}")
    if kdf in (Kdf.HKDF_SHA256, Kdf.HKDF_SHA512):
        limit = HKDF_MAX_BLOCKS * _HASHES[kdf]().digest_size
        if not 1 <= size <= limit:
            raise InvalidArgument(f"derived key size must be 1..{limit} for HKDF, got {size}")
        return kdf
    iterations = _int(iterations, "iterations")
    if not 1 <= iterations <= PBKDF2_MAX_ITERATIONS:
        raise InvalidArgument(
            f"iterations must be 1..{PBKDF2_MAX_ITERATIONS} for PBKDF2, got {iterations}")
    if not 1 <= size <= PBKDF2_MAX_SIZE:
        raise InvalidArgument(
            f"derived key size must be 1..{PBKDF2_MAX_SIZE} for PBKDF2, got {size}")
    return kdf


def derive(
    kdf: Kdf,
    secret: bytes,
    *,
    salt: bytes = b"",
    info: bytes = b"",
    iterations: int = 1,
    size: int = 32,
) -> bytes:
    """Derive ``size`` bytes from ``secret`` (the raw ECDH secret).

    - :attr:`Kdf.NONE`: the first ``size`` bytes of the secret (1..32); salt, info and
      iterations are ignored.
    - HKDF (RFC 5869): IKM = secret, ``salt`` (empty: HashLen zero bytes), ``info``,
      1 <= size <= 255 * HashLen; iterations are ignored.
    - PBKDF2-HMAC (RFC 8018): password = secret, ``salt``, 1 <= ``iterations`` <=
      :data:`PBKDF2_MAX_ITERATIONS`, 1 <= size <= :data:`PBKDF2_MAX_SIZE`; info is
      ignored.

    For both KDFs salt and info are at most 128 bytes each. Every argument is checked
    (:func:`check_arguments`) before any work; a bad one raises :class:`InvalidArgument`.
    """
    kdf = check_arguments(kdf, salt=salt, info=info, iterations=iterations, size=size,
                          secret_size=len(_bytes(secret, "secret")))
    secret = bytes(secret)
    if kdf == Kdf.NONE:
        return secret[:size]
    algorithm = _HASHES[kdf]()
    if kdf in (Kdf.HKDF_SHA256, Kdf.HKDF_SHA512):
        return HKDF(algorithm=algorithm, length=size, salt=bytes(salt) or None,
                    info=bytes(info)).derive(secret)
    return PBKDF2HMAC(algorithm=algorithm, length=size, salt=bytes(salt),
                      iterations=iterations).derive(secret)
