"""Sealing of small secrets and the key-derivation helper."""

from __future__ import annotations

import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from softscm.crypto.seal import NONCE_SIZE, OVERHEAD, VERSION, derive_key, open_sealed, seal
from softscm.errors import InvalidArgument, VerificationFailed

KEY = hashlib.sha256(b"sealing key").digest()
NONCE = bytes(range(NONCE_SIZE))


def fixed(n: int) -> bytes:
    return NONCE[:n]


def test_format_and_round_trip() -> None:
    blob = seal(KEY, b"private key", b"slot 16", fixed)
    assert len(blob) == len(b"private key") + OVERHEAD
    assert blob[0] == VERSION and blob[1:13] == NONCE
    expected = AESGCM(KEY).encrypt(NONCE, b"private key", bytes([VERSION]) + b"slot 16")
    assert blob[13:] == expected
    assert open_sealed(KEY, blob, b"slot 16") == b"private key"
    assert open_sealed(KEY, bytearray(blob), b"slot 16") == b"private key"
    assert open_sealed(KEY, seal(KEY, b"", b"", fixed), b"") == b""


def test_every_failure_is_the_same_verification_failed() -> None:
    blob = seal(KEY, b"secret", b"aad", fixed)
    candidates: list[object] = [
        blob[:-1],
        blob[: OVERHEAD - 1],
        b"",
        blob + b"\x00",
        bytes([2]) + blob[1:],
        "not bytes",
        None,
    ]
    candidates += [blob[:i] + bytes([blob[i] ^ 1]) + blob[i + 1 :] for i in range(len(blob))]
    messages = set()
    for candidate in candidates:
        with pytest.raises(VerificationFailed) as info:
            open_sealed(KEY, candidate, b"aad")  # type: ignore[arg-type]
        messages.add(str(info.value))
    for key, aad in ((bytes(32), b"aad"), (KEY, b"other aad"), (KEY, b"")):
        with pytest.raises(VerificationFailed) as info:
            open_sealed(key, blob, aad)
        messages.add(str(info.value))
    assert len(messages) == 1
    assert "secret" not in messages.pop()


def test_bad_keys_and_entropy() -> None:
    for key in (b"", bytes(16), bytes(31), bytes(33)):
        with pytest.raises(InvalidArgument):
            seal(key, b"x", b"", fixed)
        with pytest.raises(InvalidArgument):
            open_sealed(key, b"x" * 40, b"")
    with pytest.raises(InvalidArgument):
        seal(KEY, b"x", b"", lambda n: bytes(n - 1))


def test_nonces_come_from_entropy() -> None:
    first = seal(KEY, b"x", b"", lambda n: bytes(n))
    second = seal(KEY, b"x", b"", lambda n: b"\x01" * n)
    assert first != second
    assert first == seal(KEY, b"x", b"", lambda n: bytes(n))


def test_derive_key_is_hkdf_sha256() -> None:
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"use").derive(b"ikm")
    assert derive_key(b"ikm", b"use") == expected
    salted = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"s", info=b"use").derive(b"ikm")
    assert derive_key(b"ikm", b"use", salt=b"s") == salted
    assert derive_key(b"ikm", b"use") != derive_key(b"ikm", b"other use")
