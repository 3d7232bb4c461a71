"""Every published wallet vector, through the module: seeds restored from the vectors'
mnemonics and shares (raw BIP32 / SLIP-10 seeds enter as 1-of-1 SLIP39 shares) give the
vectors' public keys and chain codes at the vectors' paths, derived with the module's
own child-key operation.

The module never shows a master seed, so each root is also checked through a hardened
child, against a small independent derivation written here (HMAC-SHA512 and the curve
arithmetic of ``coincurve`` and ``cryptography``, nothing of softscm's).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import coincurve
import mnemonic
import pytest
import shamir_mnemonic
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from softscm.errors import InvalidArgument, NoSession
from softscm.module import Module
from softscm.wallet.extended_key import ExtendedKey
from vectors import load_vectors

HARDENED = 2**31
TREZOR = base64.b64encode(b"TREZOR").decode()
ORDERS = {
    "secp256k1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
    "nistp256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
}
HMAC_KEYS = {"secp256k1": b"Bitcoin seed", "nistp256": b"Nist256p1 seed",
             "ed25519": b"ed25519 seed"}
CURVE_NAMES = {"secp256k1": "secp256k1", "nist256p1": "nistp256", "ed25519": "ed25519"}
#: A child index no vector uses: the root of every vector is checked through it.
PROBE = 7

BIP32 = load_vectors("bip32/bip32_vectors.json")
SLIP10 = load_vectors("slip10/slip10_vectors.json")
BIP39 = load_vectors("bip39/vectors.json")
SLIP39 = load_vectors("slip39/vectors.json")


# -- an independent derivation --------------------------------------------------------------


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha512).digest()


def public_of(curve: str, private: bytes) -> bytes:
    """The raw public key as the module gives it (``X||Y``, or 32 bytes on Ed25519)."""
    if curve == "secp256k1":
        return coincurve.PrivateKey(private).public_key.format(compressed=False)[1:]
    if curve == "nistp256":
        key = ec.derive_private_key(int.from_bytes(private, "big"), ec.SECP256R1())
        return key.public_key().public_bytes(serialization.Encoding.X962,
                                             serialization.PublicFormat.UncompressedPoint)[1:]
    key25519 = ed25519.Ed25519PrivateKey.from_private_bytes(private)
    return key25519.public_key().public_bytes(serialization.Encoding.Raw,
                                              serialization.PublicFormat.Raw)


def compressed(curve: str, raw: bytes) -> bytes:
    """A raw public key in the form the vectors print (SEC1 compressed; 0x00 || key)."""
    if curve == "ed25519":
        return b"\x00" + raw
    return bytes([2 + (raw[63] & 1)]) + raw[:32]


def independent_master(curve: str, seed: bytes) -> tuple[bytes, bytes]:
    """``(private key, chain code)`` of the standard master node of ``seed``."""
    digest = _hmac(HMAC_KEYS[curve], seed)
    while curve in ORDERS and not 0 < int.from_bytes(digest[:32], "big") < ORDERS[curve]:
        digest = _hmac(HMAC_KEYS[curve], digest)
    return digest[:32], digest[32:]


def independent_child(curve: str, private: bytes, chain: bytes,
                      number: int) -> tuple[bytes, bytes]:
    """``(private key, chain code)`` of child ``number`` (SLIP-10, BIP32 on secp256k1)."""
    suffix = number.to_bytes(4, "big")
    if number >= HARDENED:
        data = b"\x00" + private + suffix
    else:
        data = compressed(curve, public_of(curve, private)) + suffix
    while True:
        digest = _hmac(chain, data)
        if curve == "ed25519":
            return digest[:32], digest[32:]
        order = ORDERS[curve]
        tweak = int.from_bytes(digest[:32], "big")
        child = (tweak + int.from_bytes(private, "big")) % order
        if tweak < order and child:
            return child.to_bytes(32, "big"), digest[32:]
        data = b"\x01" + digest[32:] + suffix


def seed_share(seed: bytes) -> str:
    """A raw seed as the one share of a 1-of-1 SLIP39 set (no passphrase)."""
    ((share,),) = shamir_mnemonic.generate_mnemonics(1, [(1, 1)], seed, b"",
                                                      iteration_exponent=0)
    return str(share)


# -- through the module ---------------------------------------------------------------------


def restore_seed(module: Module, curve: str, seed: bytes, name: str = "vector") -> int:
    """The master slot of a wallet whose seed is ``seed``, restored from a share."""
    module.wallets.start_slip39_restore(curve, name)
    slot = module.wallets.add_slip39_share(seed_share(seed))
    assert isinstance(slot, int)
    return slot


def check_root(module: Module, curve: str, master: int, private: bytes, chain: bytes) -> None:
    """The master node in ``master`` is (``private``, ``chain``): its hardened child
    ``PROBE`` has the independently derived public key and chain code."""
    slot, code = module.wallets.derive_wallet_child(master, PROBE, True, True)
    expected_key, expected_chain = independent_child(curve, private, chain, PROBE + HARDENED)
    assert module.public_key(slot) == public_of(curve, expected_key)
    assert code == expected_chain
    module.remove_key(slot)


def check_chains(module: Module, curve: str, master: int, chains: list[dict[str, Any]],
                 public: str = "public", chain_code: str = "chain_code") -> None:
    """Derive every node of ``chains`` with the module, parent first, and compare."""
    slots = {"m": master}
    for node in chains:
        path = node["path_apostrophe"]
        if path == "m":
            continue
        parent, _, step = path.rpartition("/")
        hardened = step.endswith("'")
        index = int(step.rstrip("'"))
        if hardened:
            slot, code = module.wallets.derive_wallet_child(slots[parent], index, True, True)
            assert code.hex() == _field(node, chain_code), path
        else:
            slot, _ = module.wallets.derive_wallet_child(slots[parent], index, False)
        slots[path] = slot
        assert compressed(curve, module.public_key(slot)).hex() == _field(node, public), path
        assert module.wallets.wallet_node_address(slot)[0] == path


def _field(node: dict[str, Any], name: str) -> str:
    if name in node:
        return str(node[name])
    return str(node["decoded_pub"][name])


# -- BIP32 and SLIP-10 ------------------------------------------------------------------------


@pytest.mark.parametrize("vector", BIP32["vectors"], ids=lambda v: v["name"])
def test_bip32_vectors(module: Module, vector: dict[str, Any]) -> None:
    seed = bytes.fromhex(vector["seed"])
    master = restore_seed(module, "secp256k1", seed)
    root = vector["chains"][0]["decoded_prv"]
    check_root(module, "secp256k1", master, bytes.fromhex(root["private_key"]),
               bytes.fromhex(root["chain_code"]))
    check_chains(module, "secp256k1", master, vector["chains"], public="public_key")


SLIP10_CASES = [pytest.param(CURVE_NAMES[name], vector, id=vector["name"])
                for name, vectors in SLIP10["curves"].items() if name in CURVE_NAMES
                for vector in vectors]
SLIP10_CASES += [pytest.param(CURVE_NAMES[v["curve"]], v, id=v["name"]) for v in SLIP10["retry"]]


@pytest.mark.parametrize(("curve", "vector"), SLIP10_CASES)
def test_slip10_vectors(module: Module, curve: str, vector: dict[str, Any]) -> None:
    seed = bytes.fromhex(vector["seed"])
    master = restore_seed(module, curve, seed)
    root = vector["chains"][0]
    assert root["path"] == "m"
    assert independent_master(curve, seed) == (bytes.fromhex(root["private"]),
                                               bytes.fromhex(root["chain_code"]))
    check_root(module, curve, master, bytes.fromhex(root["private"]),
               bytes.fromhex(root["chain_code"]))
    check_chains(module, curve, master, vector["chains"])


def test_every_wallet_curve_has_vectors() -> None:
    curves = {case.values[0] for case in SLIP10_CASES}
    assert curves == {"secp256k1", "nistp256", "ed25519"}
    assert len(SLIP10_CASES) == 8


# -- BIP39 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", sorted(BIP39))
def test_bip39_vectors(module: Module, language: str) -> None:
    for index, (_, sentence, seed_hex, xprv) in enumerate(BIP39[language]):
        master = module.wallets.restore_wallet_bip39("secp256k1", f"{language}-{index}",
                                                     sentence, passphrase=TREZOR)
        private, chain = independent_master("secp256k1", bytes.fromhex(seed_hex))
        expected = ExtendedKey.parse(xprv)
        assert (b"\x00" + private, chain) == (expected.key, expected.chain_code)
        check_root(module, "secp256k1", master, private, chain)
        module.remove_key(master)


@pytest.mark.parametrize("language", sorted(set(mnemonic.Mnemonic.list_languages()) - set(BIP39)))
def test_bip39_languages_without_vectors(module: Module, language: str) -> None:
    """Languages the package ships but the vectors lack: mnemonics the package makes
    restore the seed the package computes."""
    words = mnemonic.Mnemonic(language)
    for size in (16, 20, 24, 28, 32):
        entropy = hashlib.sha256(language.encode() + bytes([size])).digest()[:size]
        sentence = words.to_mnemonic(entropy)
        master = module.wallets.restore_wallet_bip39("secp256k1", f"{language}-{size}",
                                                     sentence, passphrase=TREZOR)
        seed = mnemonic.Mnemonic.to_seed(sentence, "TREZOR")
        check_root(module, "secp256k1", master, *independent_master("secp256k1", seed))


def test_bip39_vector_languages_are_shipped() -> None:
    assert set(BIP39) <= set(mnemonic.Mnemonic.list_languages())


# -- SLIP39 -----------------------------------------------------------------------------------


def _slip39_cases(valid: bool) -> list[Any]:
    return [pytest.param(shares, secret, xprv, id=description)
            for description, shares, secret, xprv in SLIP39 if bool(secret) == valid]


@pytest.mark.parametrize(("shares", "secret", "xprv"), _slip39_cases(valid=True))
def test_slip39_valid_vectors(module: Module, shares: list[str], secret: str,
                              xprv: str) -> None:
    private, chain = independent_master("secp256k1", bytes.fromhex(secret))
    expected = ExtendedKey.parse(xprv)
    assert (b"\x00" + private, chain) == (expected.key, expected.chain_code)
    for order, name in ((shares, "forward"), (shares[::-1], "reverse")):
        module.wallets.start_slip39_restore("secp256k1", name, passphrase=TREZOR)
        master = None
        for share in order:
            assert master is None
            master = module.wallets.add_slip39_share(share)
        assert isinstance(master, int)
        assert module.wallets.slip39_session() is None
        check_root(module, "secp256k1", master, private, chain)


@pytest.mark.parametrize(("shares", "secret", "xprv"), _slip39_cases(valid=False))
def test_slip39_invalid_vectors(module: Module, shares: list[str], secret: str,
                                xprv: str) -> None:
    for order in (shares, shares[::-1]):
        module.wallets.start_slip39_restore("secp256k1", "invalid", passphrase=TREZOR)
        refused, made = 0, None
        for share in order:
            try:
                made = module.wallets.add_slip39_share(share) or made
            except InvalidArgument as error:
                assert share not in str(error)
                refused += 1
            except NoSession:
                refused += 1  # a share fed after a prefix of the set completed
        # A set may start with a share that is complete on its own (a 1-of-1 group fed
        # first, as one at a time allows); the whole set never restores.
        assert refused or made is None
        if made is None:
            module.wallets.cancel_slip39_session()
        else:
            module.remove_key(made)
    assert module.wallets.wallets() == []


def test_slip39_vector_shapes() -> None:
    """The valid vectors cover 20- and 33-word shares and the extendable flag."""
    lengths = {len(s.split()) for _, shares, secret, _ in SLIP39 if secret for s in shares}
    assert {20, 33} <= lengths
    assert any("xtendable" in description for description, _, secret, _ in SLIP39 if secret)


# -- Cardano (BIP32-Ed25519) --------------------------------------------------------------------


def test_cardano_vectors(module: Module) -> None:
    """The Icarus master key and hardened children of the published Cardano vectors
    whose mnemonics have no partial checksum byte (12 and 18 words)."""
    from test_wallet_cardano import HD_VECTORS

    nodes: dict[tuple[str, str], tuple[int, bytes | None]] = {}
    checked = 0
    for sentence, path, chain_code, _, _, public in HD_VECTORS:
        if len(sentence.split()) == 24:
            continue  # the Icarus-Trezor entropy form: not how a mnemonic restores here
        if (sentence, "m") not in nodes:
            master = module.wallets.restore_wallet_bip39("ed25519", f"ada-{len(nodes)}",
                                                         sentence, variant="cardano")
            nodes[(sentence, "m")] = (master, None)
        current = "m"
        for step in path.split("/")[1:]:
            parent, current = current, f"{current}/{step}"
            if (sentence, current) not in nodes:
                slot, code = module.wallets.derive_wallet_child(
                    nodes[(sentence, parent)][0], int(step.rstrip("'")), True, True)
                nodes[(sentence, current)] = (slot, code)
        slot, code = nodes[(sentence, current)]
        if code is not None:
            assert module.public_key(slot).hex() == public
            assert code.hex() == chain_code
            checked += 1
    assert checked >= 6
