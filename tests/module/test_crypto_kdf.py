"""KDFs applied to ECDH secrets: the same output as ``cryptography``, and the limits."""

from __future__ import annotations

import hashlib
import time

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from softscm.crypto.kdf import (
    KDF_NAMES,
    PBKDF2_MAX_ITERATIONS,
    PBKDF2_MAX_SIZE,
    Kdf,
    check_arguments,
    derive,
    kdf_from_name,
)
from softscm.errors import InvalidArgument

SECRET = hashlib.sha256(b"shared secret").digest()
HKDFS = [(Kdf.HKDF_SHA256, hashes.SHA256), (Kdf.HKDF_SHA512, hashes.SHA512)]
PBKDF2S = [(Kdf.PBKDF2_SHA256, hashes.SHA256), (Kdf.PBKDF2_SHA512, hashes.SHA512)]


def test_values_and_names_are_zymbits() -> None:
    assert [(k.name, int(k)) for k in Kdf] == [
        ("NONE", 0),
        ("HKDF_SHA256", 1),
        ("HKDF_SHA512", 2),
        ("PBKDF2_SHA256", 3),
        ("PBKDF2_SHA512", 4),
    ]
    assert KDF_NAMES == {
        "none": Kdf.NONE,
        "rfc5869-sha256": Kdf.HKDF_SHA256,
        "rfc5869-sha512": Kdf.HKDF_SHA512,
        "pbkdf2-sha256": Kdf.PBKDF2_SHA256,
        "pbkdf2-sha512": Kdf.PBKDF2_SHA512,
    }
    for name, kdf in KDF_NAMES.items():
        assert kdf_from_name(name) is kdf


@pytest.mark.parametrize("name", ["None", "hkdf", "rfc5869-sha384", "", "pbkdf2"])
def test_unknown_names(name: str) -> None:
    with pytest.raises(InvalidArgument, match="unknown KDF"):
        kdf_from_name(name)


def test_none_returns_a_prefix_of_the_secret() -> None:
    assert derive(Kdf.NONE, SECRET) == SECRET
    assert derive(Kdf.NONE, SECRET, size=16) == SECRET[:16]
    assert derive(Kdf.NONE, SECRET, size=1) == SECRET[:1]
    # salt and info are not used, and not limited, without a KDF.
    assert derive(Kdf.NONE, SECRET, salt=bytes(200), info=bytes(200), iterations=0) == SECRET


@pytest.mark.parametrize("size", [0, -1, 33, 64])
def test_none_sizes(size: int) -> None:
    with pytest.raises(InvalidArgument):
        derive(Kdf.NONE, SECRET, size=size)


@pytest.mark.parametrize(("kdf", "algorithm"), HKDFS)
@pytest.mark.parametrize("salt", [b"", b"salt", bytes(128)])
@pytest.mark.parametrize("info", [b"", b"info", bytes(range(128))])
@pytest.mark.parametrize("size", [1, 32, 100])
def test_hkdf_matches_cryptography(
    kdf: Kdf, algorithm: type[hashes.HashAlgorithm], salt: bytes, info: bytes, size: int
) -> None:
    expected = HKDF(algorithm=algorithm(), length=size, salt=salt or None, info=info).derive(SECRET)
    assert derive(kdf, SECRET, salt=salt, info=info, size=size) == expected
    # iterations do not matter to HKDF.
    assert derive(kdf, SECRET, salt=salt, info=info, size=size, iterations=0) == expected


def test_hkdf_empty_salt_is_hash_length_zeros() -> None:
    for kdf, algorithm in HKDFS:
        zeros = bytes(algorithm.digest_size)
        expected = HKDF(algorithm=algorithm(), length=42, salt=zeros, info=b"x").derive(SECRET)
        assert derive(kdf, SECRET, info=b"x", size=42) == expected


def test_hkdf_rfc5869_case_1() -> None:
    ikm = bytes([0x0B] * 22)
    salt = bytes(range(13))
    info = bytes(range(0xF0, 0xFA))
    okm = derive(Kdf.HKDF_SHA256, ikm, salt=salt, info=info, size=42)
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


@pytest.mark.parametrize(("kdf", "limit"), [(Kdf.HKDF_SHA256, 8160), (Kdf.HKDF_SHA512, 16320)])
def test_hkdf_size_limits(kdf: Kdf, limit: int) -> None:
    assert len(derive(kdf, SECRET, size=limit)) == limit
    for size in (0, -5, limit + 1):
        with pytest.raises(InvalidArgument):
            derive(kdf, SECRET, size=size)


@pytest.mark.parametrize(("kdf", "algorithm"), PBKDF2S)
@pytest.mark.parametrize("salt", [b"", b"salt", bytes(128)])
@pytest.mark.parametrize(("iterations", "size"), [(1, 32), (10, 1), (100, 80)])
def test_pbkdf2_matches_cryptography(
    kdf: Kdf, algorithm: type[hashes.HashAlgorithm], salt: bytes, iterations: int, size: int
) -> None:
    expected = PBKDF2HMAC(
        algorithm=algorithm(), length=size, salt=salt, iterations=iterations
    ).derive(SECRET)
    assert derive(kdf, SECRET, salt=salt, iterations=iterations, size=size) == expected
    # info does not matter to PBKDF2.
    assert derive(kdf, SECRET, salt=salt, info=b"ignored", iterations=iterations, size=size) == (
        expected
    )


@pytest.mark.parametrize("kdf", [Kdf.PBKDF2_SHA256, Kdf.PBKDF2_SHA512])
def test_pbkdf2_limits(kdf: Kdf) -> None:
    for iterations in (0, -1):
        with pytest.raises(InvalidArgument, match="iterations"):
            derive(kdf, SECRET, iterations=iterations)
    for size in (0, -1, PBKDF2_MAX_SIZE + 1, 2**40):
        with pytest.raises(InvalidArgument, match="size"):
            derive(kdf, SECRET, size=size)
    with pytest.raises(InvalidArgument, match="iterations"):
        check_arguments(kdf, iterations=PBKDF2_MAX_ITERATIONS + 1)
    assert check_arguments(kdf, iterations=PBKDF2_MAX_ITERATIONS, size=PBKDF2_MAX_SIZE) is kdf
    assert len(derive(kdf, SECRET, size=PBKDF2_MAX_SIZE)) == PBKDF2_MAX_SIZE


@pytest.mark.parametrize("kdf", [k for k in Kdf if k != Kdf.NONE])
def test_salt_and_info_limits(kdf: Kdf) -> None:
    derive(kdf, SECRET, salt=bytes(128), info=bytes(128))
    with pytest.raises(InvalidArgument, match="salt"):
        derive(kdf, SECRET, salt=bytes(129))
    with pytest.raises(InvalidArgument, match="info"):
        derive(kdf, SECRET, info=bytes(129))


def test_arguments_are_checked_before_work() -> None:
    started = time.perf_counter()
    for bad in (
        {"salt": bytes(129)},
        {"info": bytes(129)},
        {"size": 0},
        {"salt": "text"},
    ):
        with pytest.raises(InvalidArgument):
            derive(Kdf.PBKDF2_SHA512, SECRET, iterations=10**9, **bad)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 1.0


def test_bad_types_are_invalid() -> None:
    with pytest.raises(InvalidArgument):
        derive(9, SECRET)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        derive(Kdf.HKDF_SHA256, "secret")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        derive(Kdf.HKDF_SHA256, SECRET, size=32.0)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument):
        derive(Kdf.PBKDF2_SHA256, SECRET, iterations=True)
    assert derive(Kdf.HKDF_SHA256, bytearray(SECRET), salt=bytearray(b"s")) == derive(
        Kdf.HKDF_SHA256, SECRET, salt=b"s"
    )
