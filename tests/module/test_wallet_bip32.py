"""BIP32 / SLIP-10 derivation against the published vectors, and its rules."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest

from softscm.errors import InvalidArgument, OperationNotSupported
from softscm.wallet import bip32
from softscm.wallet._ripemd160 import ripemd160, ripemd160_python
from softscm.wallet.bip32 import (
    Node,
    derive_child,
    derive_path,
    fingerprint,
    master_node,
    neuter,
    watch_only_root,
)
from softscm.wallet.curves import WalletCurve, curve_ops
from softscm.wallet.extended_key import ExtendedKey
from softscm.wallet.path import HARDENED, parse_path
from vectors import load_vectors

BIP32 = load_vectors("bip32/bip32_vectors.json")
SLIP10 = load_vectors("slip10/slip10_vectors.json")

SLIP10_CURVES = {
    "secp256k1": WalletCurve.SECP256K1,
    "nist256p1": WalletCurve.NISTP256,
    "ed25519": WalletCurve.ED25519,
}


def _bip32_nodes() -> list[Any]:
    return [pytest.param(vector["seed"], chain, id=f"{vector['name']} {chain['path']}")
            for vector in BIP32["vectors"] for chain in vector["chains"]]


def _slip10_nodes() -> list[Any]:
    params = []
    vectors = [*((c, v) for c, vs in SLIP10["curves"].items() for v in vs),
               *((v["curve"], v) for v in SLIP10["retry"])]
    for curve, vector in vectors:
        for chain in vector["chains"]:
            marks = [] if curve in SLIP10_CURVES else [pytest.mark.skip(
                reason=f"{curve} is not a wallet curve (x25519 keys are not derived)")]
            params.append(pytest.param(curve, vector["seed"], chain, marks=marks,
                                       id=f"{vector['name']} {chain['path']}"))
    return params


@pytest.mark.parametrize(("seed", "chain"), _bip32_nodes())
def test_bip32_vectors(seed: str, chain: dict[str, Any]) -> None:
    master = master_node(WalletCurve.SECP256K1, bytes.fromhex(seed))
    node = derive_path(master, chain["path_apostrophe"])
    assert parse_path(node.path) == tuple(chain["indices"])
    prv, pub = chain["decoded_prv"], chain["decoded_pub"]
    assert node.private_key is not None and node.private_key.hex() == prv["private_key"]
    assert node.serialized_public_key.hex() == pub["public_key"]
    assert node.chain_code.hex() == prv["chain_code"] == pub["chain_code"]
    assert node.depth == prv["depth"]
    assert node.child_number == prv["child_number"]
    assert node.parent_fingerprint.hex() == prv["parent_fingerprint"]
    assert ExtendedKey.from_node(node, private=True).serialize() == chain["ext_prv"]
    assert ExtendedKey.from_node(node, private=False).serialize() == chain["ext_pub"]
    assert ExtendedKey.parse(chain["ext_prv"]) == ExtendedKey.from_node(node, private=True)
    assert ExtendedKey.parse(chain["ext_pub"]) == ExtendedKey.from_node(node, private=False)


@pytest.mark.parametrize("case", BIP32["invalid_extended_keys"],
                         ids=lambda case: case["reason"])
def test_bip32_invalid_extended_keys_are_refused(case: dict[str, str]) -> None:
    with pytest.raises(InvalidArgument):
        ExtendedKey.parse(case["extended_key"])


@pytest.mark.parametrize(("curve", "seed", "chain"), _slip10_nodes())
def test_slip10_vectors(curve: str, seed: str, chain: dict[str, Any]) -> None:
    master = master_node(SLIP10_CURVES[curve], bytes.fromhex(seed))
    node = derive_path(master, chain["path_apostrophe"])
    assert node.private_key is not None and node.private_key.hex() == chain["private"]
    assert node.serialized_public_key.hex() == chain["public"]
    assert node.chain_code.hex() == chain["chain_code"]
    assert node.parent_fingerprint.hex() == chain["fingerprint"]
    assert node.public_key == curve_ops(node.curve).public_key(node.private_key)


@pytest.mark.parametrize("curve", [WalletCurve.SECP256K1, WalletCurve.NISTP256])
@pytest.mark.parametrize("vector", [*SLIP10["curves"]["secp256k1"],
                                    *SLIP10["curves"]["nist256p1"], *SLIP10["retry"]],
                         ids=lambda vector: vector["name"])
def test_public_derivation_matches_private(curve: WalletCurve, vector: dict[str, Any]) -> None:
    """Every non-hardened step of the vectors, derived again from the parent's public
    key alone (this covers SLIP-10's public retry: 'm/28578'/33941' on nist256p1)."""
    master = master_node(curve, bytes.fromhex(vector["seed"]))
    for chain in vector["chains"]:
        numbers = parse_path(chain["path_apostrophe"])
        if not numbers or numbers[-1] >= HARDENED:
            continue
        parent = derive_path(master, "m" + "".join(
            f"/{n - HARDENED}'" if n >= HARDENED else f"/{n}" for n in numbers[:-1]))
        private_child = derive_child(parent, numbers[-1], False)
        public_child = derive_child(neuter(parent), numbers[-1], False)
        assert public_child.private_key is None
        assert public_child == neuter(private_child)


def test_watch_only_wallet_follows_the_original() -> None:
    """The oversight tutorial: a root at m/44/60/0/0' made from a public key and chain
    code derives the same non-hardened children as the original wallet."""
    master = master_node(WalletCurve.SECP256K1, bytes(range(32)))
    original = derive_path(master, "m/44/60/0/0'")
    root = watch_only_root(WalletCurve.SECP256K1, original.public_key, original.chain_code,
                           "m/44/60/0/0'")
    assert root.watch_only and root.path == "m/44/60/0/0'" and root.depth == 4
    for index in (0, 1, 7):
        child = derive_child(root, index, False)
        assert child.path == f"m/44/60/0/0'/{index}"
        assert child.public_key == derive_child(original, index, False).public_key
    grandchild = derive_child(derive_child(root, 2, False), 5, False)
    assert grandchild.public_key == derive_path(original, "m/44/60/0/0'/2/5").public_key


def test_hardened_child_of_watch_only_node_is_refused() -> None:
    master = master_node(WalletCurve.NISTP256, bytes(range(16)))
    root = watch_only_root(WalletCurve.NISTP256, master.public_key, master.chain_code, "m/1'")
    with pytest.raises(InvalidArgument, match="watch-only"):
        derive_child(root, 0, True)


def test_ed25519_derives_hardened_children_only() -> None:
    master = master_node(WalletCurve.ED25519, bytes(range(32)))
    assert len(master.public_key) == 32
    child = derive_child(master, 0, True)
    assert child.path == "m/0'"
    with pytest.raises(InvalidArgument, match="hardened"):
        derive_child(master, 0, False)
    with pytest.raises(OperationNotSupported):
        curve_ops(WalletCurve.ED25519).child_public(child.public_key, bytes(32))


@pytest.mark.parametrize("curve", list(WalletCurve))
def test_master_gen_key_replaces_the_hmac_key(curve: WalletCurve) -> None:
    seed = bytes(range(64))
    standard = master_node(curve, seed)
    keyed = master_node(curve, seed, master_gen_key=b"3xampleM@sterK3Y")
    assert keyed.private_key != standard.private_key
    digest = hmac.new(b"3xampleM@sterK3Y", seed, hashlib.sha512).digest()
    assert keyed.private_key == digest[:32] and keyed.chain_code == digest[32:]
    assert master_node(curve, seed, master_gen_key="3xampleM@sterK3Y") == keyed
    assert master_node(curve, seed, master_gen_key=bytearray()) == standard
    assert master_node(curve, seed, master_gen_key="") == standard


@pytest.mark.parametrize("length", [0, 15, 65])
def test_seed_length_is_checked(length: int) -> None:
    with pytest.raises(InvalidArgument, match="seed"):
        master_node(WalletCurve.SECP256K1, bytes(length))


def test_variants() -> None:
    seed = bytes(32)
    assert master_node(WalletCurve.ED25519, seed, variant="") == \
        master_node(WalletCurve.ED25519, seed)
    assert master_node(WalletCurve.ED25519, seed, variant="cardano").is_cardano
    with pytest.raises(InvalidArgument, match="cardano"):
        master_node(WalletCurve.SECP256K1, seed, variant="cardano")
    with pytest.raises(InvalidArgument, match="variant"):
        master_node(WalletCurve.ED25519, seed, variant="icarus")


def test_curve_names() -> None:
    assert WalletCurve.parse("secp256k1") is WalletCurve.SECP256K1
    assert WalletCurve.parse("nistp256") is WalletCurve.NISTP256
    assert WalletCurve.parse("secp256r1") is WalletCurve.NISTP256
    assert WalletCurve.parse("ed25519") is WalletCurve.ED25519
    for name in ("x25519", "SECP256K1", "", "p256"):
        with pytest.raises(InvalidArgument):
            WalletCurve.parse(name)


def test_watch_only_root_checks_its_inputs() -> None:
    master = master_node(WalletCurve.SECP256K1, bytes(range(32)))
    with pytest.raises(InvalidArgument):
        watch_only_root(WalletCurve.SECP256K1, master.public_key[:-1] + b"\x00",
                        master.chain_code, "m/1")
    with pytest.raises(InvalidArgument):
        watch_only_root(WalletCurve.SECP256K1, master.public_key, master.chain_code[:31],
                        "m/1")
    with pytest.raises(InvalidArgument):
        watch_only_root(WalletCurve.SECP256K1, master.serialized_public_key,
                        master.chain_code, "m/1")
    with pytest.raises(InvalidArgument):
        watch_only_root(WalletCurve.NISTP256, bytes(64), master.chain_code, "m/1")
    with pytest.raises(InvalidArgument):
        watch_only_root(WalletCurve.SECP256K1, master.public_key, master.chain_code, "m/1 ")


@pytest.mark.parametrize("curve", [WalletCurve.SECP256K1, WalletCurve.NISTP256])
def test_weierstrass_public_keys_are_checked(curve: WalletCurve) -> None:
    ops = curve_ops(curve)
    public = ops.public_key(bytes(31) + b"\x07")
    ops.check_public(public)
    assert ops.serialize_public(public)[1:] == public[:32]
    assert ops.serialize_public(public)[0] == 2 + (public[-1] & 1)
    with pytest.raises(InvalidArgument, match=f"a {curve.value} public key has 64 bytes"):
        ops.check_public(public[:-1])
    with pytest.raises(InvalidArgument, match=f"not a point of {curve.value}"):
        ops.check_public(public[:-1] + bytes([public[-1] ^ 1]))


def test_maximum_depth() -> None:
    master = master_node(WalletCurve.SECP256K1, bytes(range(32)))
    deep = Node(master.curve, master.private_key, master.public_key, master.chain_code,
                bip32.MAX_DEPTH, "m/1")
    with pytest.raises(InvalidArgument, match="depth"):
        derive_child(deep, 0, True)


def test_private_key_stays_out_of_repr() -> None:
    master = master_node(WalletCurve.SECP256K1, bytes(range(32)))
    assert master.private_key is not None
    assert master.private_key.hex() not in repr(master)
    assert "private_key" not in repr(master)


def test_fingerprint_links_children_to_parents() -> None:
    master = master_node(WalletCurve.SECP256K1, bytes.fromhex("000102030405060708090a0b0c0d0e0f"))
    assert fingerprint(master).hex() == "3442193e"
    assert derive_child(master, 0, True).parent_fingerprint == fingerprint(master)


@pytest.mark.parametrize("length", [0, 1, 55, 56, 63, 64, 65, 200])
def test_ripemd160_fallback(length: int) -> None:
    data = bytes(i % 251 for i in range(length))
    assert ripemd160_python(data) == ripemd160(data)
    assert ripemd160_python(b"abc").hex() == "8eb208f7e05d987a9b044a8e98c6b087f15a0bfc"
