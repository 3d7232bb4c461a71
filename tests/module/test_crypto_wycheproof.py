"""Project Wycheproof vectors: every case of the ECDSA (P1363), Ed25519, X25519 and ECDH
files in ``tests/vectors/wycheproof``.

"valid" cases must pass and "invalid" ones fail; "acceptable" ones may go either way.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import Any

import pytest

from softscm.crypto.curves import KeyType
from softscm.crypto.keys import PublicKey, ed25519_verify, load_private_key, load_public_key
from softscm.errors import InvalidArgument
from vectors import load_vectors

CURVE_KEY_TYPES = {"secp256r1": KeyType.NISTP256, "secp256k1": KeyType.SECP256K1}

# DER of the SubjectPublicKeyInfo algorithm fields (RFC 5480).
ID_EC_PUBLIC_KEY = bytes.fromhex("06072a8648ce3d0201")
NAMED_CURVE_OIDS = {
    KeyType.NISTP256: bytes.fromhex("06082a8648ce3d030107"),
    KeyType.SECP256K1: bytes.fromhex("06052b8104000a"),
}


def cases(filename: str) -> list[Any]:
    """One pytest parameter per test case, with its group, named by tcId."""
    document = load_vectors(f"wycheproof/{filename}")
    params = [
        pytest.param(group, case, id=f"tc{case['tcId']}-{case['result']}")
        for group in document["testGroups"]
        for case in group["tests"]
    ]
    assert len(params) == document["numberOfTests"]
    return params


def private_bytes(hex_scalar: str) -> bytes:
    """Wycheproof writes EC scalars as ASN.1 integers (a leading 00 at times)."""
    return int(hex_scalar, 16).to_bytes(32, "big")


@cache
def ecdsa_public(curve: str, uncompressed_hex: str) -> PublicKey:
    return load_public_key(CURVE_KEY_TYPES[curve], bytes.fromhex(uncompressed_hex))


# -- ECDSA, raw r||s signatures ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "case"),
    cases("ecdsa_secp256r1_sha256_p1363_test.json")
    + cases("ecdsa_secp256k1_sha256_p1363_test.json"),
)
def test_ecdsa_p1363(group: dict[str, Any], case: dict[str, Any]) -> None:
    assert group["sha"] == "SHA-256"
    key = ecdsa_public(group["publicKey"]["curve"], group["publicKey"]["uncompressed"])
    digest = hashlib.sha256(bytes.fromhex(case["msg"])).digest()
    verified = key.verify_digest(digest, bytes.fromhex(case["sig"]))
    if case["result"] == "valid":
        assert verified is True
    elif case["result"] == "invalid":
        assert verified is False
    else:
        assert verified in (True, False)


# -- Ed25519 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "case"), cases("ed25519_test.json"))
def test_ed25519(group: dict[str, Any], case: dict[str, Any]) -> None:
    verified = ed25519_verify(
        bytes.fromhex(group["publicKey"]["pk"]),
        bytes.fromhex(case["msg"]),
        bytes.fromhex(case["sig"]),
    )
    if case["result"] == "valid":
        assert verified is True
    elif case["result"] == "invalid":
        assert verified is False
    else:
        assert verified in (True, False)


# -- X25519 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "case"), cases("x25519_test.json"))
def test_x25519(group: dict[str, Any], case: dict[str, Any]) -> None:
    assert group["curve"] == "curve25519"
    key = load_private_key(KeyType.X25519, bytes.fromhex(case["private"]))
    check_exchange(key.ecdh, bytes.fromhex(case["public"]), case)


def check_exchange(ecdh: Any, public: bytes, case: dict[str, Any]) -> None:
    """Valid: the vector's secret. Invalid: InvalidArgument. Acceptable: either."""
    if case["result"] == "invalid":
        with pytest.raises(InvalidArgument):
            ecdh(public)
        return
    try:
        shared = ecdh(public)
    except InvalidArgument:
        assert case["result"] == "acceptable", "a valid public key was refused"
        return
    assert shared.hex() == case["shared"]


# -- ECDH, raw points -------------------------------------------------------------------------


@pytest.mark.parametrize(("group", "case"), cases("ecdh_secp256r1_ecpoint_test.json"))
def test_ecdh_ecpoint(group: dict[str, Any], case: dict[str, Any]) -> None:
    assert group["encoding"] == "ecpoint"
    key = load_private_key(CURVE_KEY_TYPES[group["curve"]], private_bytes(case["private"]))
    check_exchange(key.ecdh, bytes.fromhex(case["public"]), case)


# -- ECDH, SubjectPublicKeyInfo ---------------------------------------------------------------


def der_element(data: bytes, pos: int) -> tuple[int, int, int] | None:
    """(tag, content start, content end) of the DER element at ``pos``, or None if it
    is not strict DER (long tags, indefinite or non-minimal lengths, overruns)."""
    if pos + 2 > len(data) or data[pos] & 0x1F == 0x1F:
        return None
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4 or pos + count > len(data) or data[pos] == 0:
            return None
        length = int.from_bytes(data[pos : pos + count], "big")
        if length < 0x80:
            return None
        pos += count
    if pos + length > len(data):
        return None
    return tag, pos, pos + length


def spki_point(der: bytes, key_type: KeyType) -> bytes | None:
    """The public point of an id-ecPublicKey SubjectPublicKeyInfo on ``key_type``'s
    named curve, or None if the structure is anything else.

    softscm takes raw points only, so what the ASN.1 layer says (the curve, explicit
    parameters, the encoding itself) is checked here, and the point is handed on."""
    outer = der_element(der, 0)
    if outer is None or outer[0] != 0x30 or outer[2] != len(der):
        return None
    algorithm = der_element(der, outer[1])
    if algorithm is None or algorithm[0] != 0x30:
        return None
    expected = ID_EC_PUBLIC_KEY + NAMED_CURVE_OIDS[key_type]
    if der[algorithm[1] : algorithm[2]] != expected:
        return None
    bits = der_element(der, algorithm[2])
    if bits is None or bits[0] != 0x03 or bits[2] != len(der) or bits[2] - bits[1] < 2:
        return None
    if der[bits[1]] != 0:  # unused bits
        return None
    return der[bits[1] + 1 : bits[2]]


@pytest.mark.parametrize(
    ("group", "case"),
    cases("ecdh_secp256r1_test.json") + cases("ecdh_secp256k1_test.json"),
)
def test_ecdh_spki(group: dict[str, Any], case: dict[str, Any]) -> None:
    assert group["encoding"] == "asn"
    key_type = CURVE_KEY_TYPES[group["curve"]]
    point = spki_point(bytes.fromhex(case["public"]), key_type)
    if point is None:
        # Refused before softscm sees a point: only invalid or acceptable cases.
        assert case["result"] != "valid", "a valid public key did not parse"
        return
    key = load_private_key(key_type, private_bytes(case["private"]))
    check_exchange(key.ecdh, point, case)
