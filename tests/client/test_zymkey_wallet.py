"""The ``zymkey`` wallet methods against a real module, embedded and over the daemon: the
three digital-wallet tutorials as written, the return shapes and codes of §4.8 and Q22-Q26
of ``zymkey-api.md``, and the Zymbit Wallet SDK's calls (Appendix A.1) with Ethereum
addresses and recovered signatures checked independently."""

from __future__ import annotations

import base64
import ctypes
import re
from pathlib import Path

import coincurve
import mnemonic
import pytest
from test_wallet_ethereum import eth_address, independent_private_key, keccak256

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
PASSWORDS = ["p@ssw0rd", "T3st", "h3LlO"]


@pytest.fixture
def zymkey(home: Path):
    import zymkey

    return zymkey


@pytest.fixture(params=["inprocess", "socket"])
def zk(request: pytest.FixtureRequest, zymkey, monkeypatch):
    if request.param == "socket":
        daemon = request.getfixturevalue("daemon")
        monkeypatch.setenv("SOFTSCM_SOCKET", str(daemon.path))
    return zymkey.Zymkey()


def bad_rc(rc: int) -> str:
    return rf"^bad return code {rc}$"


class Keccak:
    """A hash object with ``digest()``, as the SDK passes pycryptodome's Keccak-256."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def digest(self) -> bytes:
        return keccak256(self._data)


# -- the BIP39 tutorial (S-75, S-79, S-80) ------------------------------------------------------


def test_bip39_tutorial(zymkey, zk) -> None:  # S-75
    slot, words = zk.gen_wallet_master_seed("secp256k1", b"3xampleM@sterK3Y", "MyExampleWallet",
                                            zymkey.RecoveryStrategyBIP39())
    assert (type(slot), type(words)) == (int, str) and slot == 16
    assert len(words.split(" ")) == 24
    child = zk.gen_wallet_child_key(slot, 3, True)
    assert type(child) is int
    pub = zk.get_public_key(child)
    assert type(pub) is bytearray and len(pub) == 64
    node = zk.get_wallet_node_addr(child)
    assert node == ("m/3'", "MyExampleWallet", slot)
    assert tuple(map(type, node)) == (str, str, int)
    assert zk.get_wallet_key_slot("m/3'", "MyExampleWallet", slot) == child
    with pytest.raises(AssertionError, match=bad_rc(-1)):
        zk.get_public_key(slot)  # S-80
    assert zk.remove_key(slot) is None
    with pytest.raises(AssertionError, match=bad_rc(-2)):
        zk.get_wallet_node_addr(child)
    zk.remove_key(child)  # the cascade emptied it already: no error (§7 item 4)
    restored = zk.restore_wallet_master_seed("secp256k1", b"3xampleM@sterK3Y", "MyExampleWallet",
                                             zymkey.RecoveryStrategyBIP39(), words)
    assert type(restored) is int
    assert zk.get_public_key(zk.gen_wallet_child_key(restored, 3, True)) == pub


def test_lookups_and_codes(zymkey, zk) -> None:  # S-79, S-77, Q25
    slot = zk.gen_wallet_master_seed("secp256k1", "", "MyExampleWallet")
    assert type(slot) is int
    child = zk.gen_wallet_child_key(slot, 3, True)
    with pytest.raises(ctypes.ArgumentError):
        zk.get_wallet_key_slot("m/3'")
    assert zk.get_wallet_key_slot("m/3'", wallet_name="MyExampleWallet") == child
    assert zk.get_wallet_key_slot("m/3'", master_seed_slot=16) == child
    assert zk.get_wallet_key_slot("m", "MyExampleWallet") == slot
    with pytest.raises(AssertionError, match=bad_rc(-2)):
        zk.get_wallet_key_slot("m/4'", "MyExampleWallet")
    with pytest.raises(AssertionError, match=bad_rc(-2)):
        zk.get_wallet_key_slot("m/3'", master_seed_slot=child)
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.get_wallet_key_slot("m/3h", "MyExampleWallet")
    assert zk.get_wallet_node_addr(slot) == ("m", "MyExampleWallet", slot)
    with pytest.raises(AssertionError, match=bad_rc(-2)):
        zk.get_wallet_node_addr(0)
    with pytest.raises(AssertionError, match=bad_rc(-17)):
        zk.gen_wallet_master_seed("nistp256", "", "MyExampleWallet")
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.gen_wallet_master_seed("x25519", "", "x")
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.gen_wallet_child_key(slot, 2**31, False)
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.gen_wallet_child_key(slot, -1, True)  # wraps to 2**32 - 1 (§2.3)
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.gen_wallet_child_key(slot, 5, False, return_chain_code=True)
    with pytest.raises(AssertionError, match=bad_rc(-2)):
        zk.gen_wallet_child_key(0, 5, True)
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.sign_digest(Keccak(b"x"), slot)
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.restore_wallet_master_seed("secp256k1", "", "other", zymkey.RecoveryStrategyBIP39(),
                                      " ".join(["abandon"] * 12))


def test_child_key_shapes(zk) -> None:  # Q26
    slot = zk.gen_wallet_master_seed("ed25519", bytearray(), "ed")
    child, chain = zk.gen_wallet_child_key(slot, 0, True, return_chain_code=True)
    assert type(child) is int and type(chain) is bytearray and len(chain) == 32
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.gen_wallet_child_key(slot, 1, False)  # S-87
    sig = zk.sign(b"hello", slot=child)
    assert zk.verify(b"hello", sig, pubkey_slot=child) is True
    cardano = zk.gen_wallet_master_seed("ed25519", "", "ada", zymkey_strategy("cardano"))
    soft = zk.gen_wallet_child_key(cardano, 0, False)
    assert zk.verify(b"ada", zk.sign(b"ada", slot=soft), pubkey_slot=soft) is True


def zymkey_strategy(variant: str):
    import zymkey

    return zymkey.RecoveryStrategy(variant)


def test_passphrases_are_base64(zymkey, zk) -> None:  # Q15, §7 item 14
    passphrase = base64.b64encode(b"TREZOR").decode()
    slot, words = zk.gen_wallet_master_seed("secp256k1", "", "p",
                                            zymkey.RecoveryStrategyBIP39("", passphrase))
    seed = mnemonic.Mnemonic.to_seed(words, "TREZOR")
    child = zk.gen_wallet_child_key(slot, 0, True)
    expected = independent_private_key(seed, [2**31])
    assert bytes(zk.get_public_key(child)) == \
        coincurve.PrivateKey(expected).public_key.format(compressed=False)[1:]
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.gen_wallet_master_seed("secp256k1", "", "q", zymkey.RecoveryStrategyBIP39("", "TREZOR"))
    # A single positional argument is the variant (Q14): "TREZOR" is not one.
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.gen_wallet_master_seed("secp256k1", "", "q", zymkey.RecoveryStrategyBIP39("TREZOR"))


def test_duck_typed_strategies(zk) -> None:
    class Strategy:
        recovery_strategy = "BIP39"
        variant = ""
        passphrase = ""

    slot, words = zk.gen_wallet_master_seed("secp256k1", b"", "w", Strategy())
    zk.remove_key(slot)
    assert zk.restore_wallet_master_seed("secp256k1", b"", "w", Strategy(), words) == slot
    assert zk.gen_wallet_master_seed("secp256k1", b"", "none", None) == 17


# -- the SLIP39 tutorial (S-81 to S-83) -----------------------------------------------------------


def slip39_tutorial(zymkey, zk) -> tuple[int, list[list[str]]]:
    strategy = zymkey.RecoveryStrategySLIP39(group_count=3, group_threshold=2,
                                             iteration_exponent=0)
    assert zk.gen_wallet_master_seed("secp256k1", "", "MyExampleWallet", strategy) == 0
    shares: list[list[str]] = [[], [], []]
    results = []
    for group, (count, threshold, passwords) in enumerate(
            [(3, 2, [""] * 3), (3, 3, PASSWORDS), (1, 1, [None])]):
        assert zk.set_gen_SLIP39_group_info(group_index=group, member_count=count,
                                            member_threshold=threshold) is None
        for password in passwords:
            ret, share = (zk.add_gen_SLIP39_member_pwd() if password is None
                          else zk.add_gen_SLIP39_member_pwd(password))
            assert type(ret) is int and type(share) is str
            results.append(ret)
            shares[group].append(share)
    assert results[:6] == [-1] * 6 and results[6] == 16
    assert all(len(share.split()) == 33 for group in shares for share in group)
    return results[6], shares


def test_slip39_generation_tutorial(zymkey, zk) -> None:  # S-81
    master, _ = slip39_tutorial(zymkey, zk)
    assert zk.get_wallet_node_addr(master) == ("m", "MyExampleWallet", master)
    with pytest.raises(AssertionError, match=bad_rc(-1)):
        zk.get_public_key(master)


@pytest.mark.parametrize("pair", [(0, 1), (1, 2), (2, 0)])
def test_slip39_restore_tutorial(zymkey, zk, pair) -> None:  # S-82
    master, shares = slip39_tutorial(zymkey, zk)
    child = zk.gen_wallet_child_key(master, 0, False)
    reference = zk.get_public_key(child)
    zk.remove_key(master)
    strategy = zymkey.RecoveryStrategySLIP39(group_count=3, group_threshold=2,
                                             iteration_exponent=0)
    assert zk.restore_wallet_master_seed("secp256k1", "", "MyExampleWallet", strategy) == -1
    fed = [(shares[g][i], PASSWORDS[i] if g == 1 else "") for g in pair
           for i in range({0: 2, 1: 3, 2: 1}[g])][::-1]
    if 1 in pair:
        assert zk.add_restore_SLIP39_mnemonic(shares[1][0], "wrong") == -1
        assert zk.add_restore_SLIP39_mnemonic(shares[1][0]) == -1
    results = [zk.add_restore_SLIP39_mnemonic(share, password) for share, password in fed]
    assert results[:-1] == [-1] * (len(fed) - 1)
    restored = results[-1]
    assert type(restored) is int and restored >= 16
    assert zk.get_public_key(zk.gen_wallet_child_key(restored, 0, False)) == reference


def test_slip39_codes_are_returned_not_raised(zymkey, zk) -> None:  # Q22, §7 item 8
    strategy = zymkey.RecoveryStrategySLIP39(1, 1, 0)
    zk.gen_wallet_master_seed("secp256k1", "", "taken")
    assert zk.add_restore_SLIP39_mnemonic("academic " * 20) == -2  # no session
    assert zk.restore_wallet_master_seed("secp256k1", "", "taken", strategy) == -17
    assert zk.restore_wallet_master_seed("x25519", "", "w", strategy) == -22
    bad = zymkey.RecoveryStrategySLIP39(1, 1, 0, passphrase="not base64")
    assert zk.restore_wallet_master_seed("secp256k1", "", "w", bad) == -22
    assert zk.restore_wallet_master_seed("secp256k1", "", "w", strategy) == -1
    assert zk.restore_wallet_master_seed("secp256k1", "", "w2", strategy) == -16
    assert zk.add_restore_SLIP39_mnemonic("hello " * 20) == -1
    assert zk.add_restore_SLIP39_mnemonic("") == -1
    with pytest.raises(AssertionError, match=bad_rc(-2)):
        zk.add_gen_SLIP39_member_pwd()
    with pytest.raises(AssertionError, match=bad_rc(-2)):
        zk.set_gen_SLIP39_group_info(0, 1, 1)
    assert zk.cancel_SLIP39_session() is None
    assert zk.cancel_SLIP39_session() is None


def test_slip39_session_blocks_generation(zymkey, zk) -> None:  # S-83, S-84
    strategy = zymkey.RecoveryStrategySLIP39(group_count=3, group_threshold=2,
                                             iteration_exponent=0)
    assert zk.gen_wallet_master_seed("secp256k1", "", "MyExampleWallet", strategy) == 0
    with pytest.raises(AssertionError, match=bad_rc(-16)):
        zk.gen_key_pair("nistp256")
    with pytest.raises(AssertionError, match=bad_rc(-16)):
        zk.gen_wallet_master_seed("nistp256", "", "other")
    with pytest.raises(AssertionError, match=bad_rc(-16)):
        zk.gen_ephemeral_key_pair("nistp256")
    sig = zk.sign(b"x", slot=0)
    assert zk.verify(b"x", sig, pubkey_slot=0)
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.set_gen_SLIP39_group_info(1, 3, 2)  # group 0 comes first
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.set_gen_SLIP39_group_info(0, 3, 1)
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.set_gen_SLIP39_group_info(0, 17, 2)
    zk.cancel_SLIP39_session()
    assert zk.gen_key_pair("nistp256") == 16
    with pytest.raises(AssertionError, match=bad_rc(-2)):
        zk.get_wallet_key_slot("m", "MyExampleWallet")
    for count, threshold, exponent in ((17, 1, 0), (3, 4, 0), (2, 1, 6)):
        with pytest.raises(AssertionError, match=bad_rc(-22)):
            zk.gen_wallet_master_seed("secp256k1", "", "w",
                                      zymkey.RecoveryStrategySLIP39(count, threshold, exponent))
    assert zk.gen_wallet_master_seed("secp256k1", "", "w",
                                     zymkey.RecoveryStrategySLIP39(16, 1, 0)) == 0
    zk.cancel_SLIP39_session()


# -- the oversight tutorial (S-85) ---------------------------------------------------------------


def test_oversight_tutorial(zk) -> None:  # S-85
    master = zk.gen_wallet_master_seed("secp256k1", "", "MyExampleWallet")
    parent = master
    for index in (44, 60, 0):
        parent = zk.gen_wallet_child_key(parent, index, False)
    child, chain_code = zk.gen_wallet_child_key(parent, 0, True, return_chain_code=True)
    pub = zk.get_public_key(child)
    watch = zk.gen_oversight_wallet("secp256k1", pub, chain_code, "m/44/60/0/0'",
                                    "Oversight_wallet")
    assert type(watch) is int
    assert zk.get_wallet_node_addr(watch) == ("m/44/60/0/0'", "Oversight_wallet", watch)
    assert zk.get_public_key(watch) == pub
    watched = zk.gen_wallet_child_key(watch, 0, False)
    assert zk.get_public_key(watched) == zk.get_public_key(zk.gen_wallet_child_key(child, 0, False))
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.sign(b"x", slot=watched)
    with pytest.raises(AssertionError, match=bad_rc(-22)):
        zk.gen_wallet_child_key(watch, 1, True)
    with pytest.raises(AssertionError, match=bad_rc(-17)):
        zk.gen_oversight_wallet("secp256k1", pub, chain_code, "m/44/60/0/0'", "MyExampleWallet")
    with pytest.raises(TypeError):
        zk.ecdh(watched, zk.get_public_key(child))


# -- the Zymbit Wallet SDK (Appendix A.1) -----------------------------------------------------


def test_wallet_sdk_flow(zymkey, zk) -> None:
    client = zk
    slot = client.gen_wallet_master_seed(key_type="secp256k1", master_gen_key=bytearray(),
                                         wallet_name="sdk",
                                         recovery_strategy=zymkey.RecoveryStrategyBIP39())[0]
    assert client.get_wallet_key_slot("m", "sdk") == slot
    with pytest.raises(AssertionError):
        client.get_wallet_key_slot("m", "unknown")
    # The SDK's keyring: m/44'/60'/0'/0 then accounts m/44'/60'/0'/0/i.
    node = slot
    for index in (44, 60, 0):
        node = client.gen_wallet_child_key(node, index, True)
    account = client.gen_wallet_child_key(node, 0, False)
    accounts = [client.gen_wallet_child_key(account, i, False) for i in range(3)]
    paths = {}
    for key_slot in client.get_slot_alloc_list()[0]:
        if key_slot > 15:
            path, wallet, master = client.get_wallet_node_addr(key_slot)
            paths[path] = key_slot
            assert (wallet, master) == ("sdk", slot)
    assert paths["m"] == slot and paths["m/44'/60'/0'/0"] == account
    assert [paths[f"m/44'/60'/0'/0/{i}"] for i in range(3)] == accounts
    for key_slot in accounts:
        public = client.get_public_key(key_slot)
        assert re.fullmatch(r"0x[0-9a-fA-F]{128}", "0x" + bytes(public).hex())
        address = "0x" + keccak256(bytes(public))[-20:].hex()
        message = b"\xf8\x6b" + key_slot.to_bytes(2, "big")  # an RLP-looking payload
        sig, recid = client.sign_digest(Keccak(message), key_slot, return_recid=True)
        assert type(sig) is bytearray and type(recid) is ctypes.c_uint
        r = int.from_bytes(sig[:32], "big")
        s = int.from_bytes(sig[-32:], "big")
        y_parity = bool(recid.value)
        if 2 * s >= SECP256K1_N:  # the SDK's low-S normalisation
            s, y_parity = SECP256K1_N - s, not y_parity
        recovered = coincurve.PublicKey.from_signature_and_message(
            r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([y_parity]),
            keccak256(message), hasher=None)
        assert "0x" + keccak256(recovered.format(compressed=False)[1:])[-20:].hex() == address
    # Teardown as the SDK does it: reversed, children before the master.
    for key_slot in reversed(client.get_slot_alloc_list()[0]):
        if key_slot > 15:
            client.remove_key(key_slot)
    assert client.get_slot_alloc_list()[0] == list(range(16))


def test_ethereum_addresses_match_an_independent_derivation(zymkey, zk) -> None:
    sentence = "test test test test test test test test test test test junk"
    master = zk.restore_wallet_master_seed("secp256k1", "", "hardhat",
                                           zymkey.RecoveryStrategyBIP39(), sentence)
    node = master
    for index in (44, 60, 0):
        node = zk.gen_wallet_child_key(node, index, True)
    account = zk.gen_wallet_child_key(node, 0, False)
    seed = mnemonic.Mnemonic.to_seed(sentence)
    expected = ["0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"]
    for index, address in enumerate(expected):
        key = zk.gen_wallet_child_key(account, index, False)
        public = bytes(zk.get_public_key(key))
        assert eth_address(public) == address
        private = independent_private_key(seed, [44 + 2**31, 60 + 2**31, 2**31, 0, index])
        assert coincurve.PrivateKey(private).public_key.format(compressed=False)[1:] == public
        digest = Keccak(b"transfer")
        sig, recid = zk.sign_digest(digest, key, return_recid=True)
        recovered = coincurve.PublicKey.from_signature_and_message(
            bytes(sig) + bytes([recid.value]), digest.digest(), hasher=None)
        assert eth_address(recovered.format(compressed=False)[1:]) == address


def test_the_129th_wallet(zk) -> None:  # S-86
    slots = [zk.gen_wallet_master_seed("secp256k1", "", f"w{i}") for i in range(128)]
    assert slots == list(range(16, 16 + 128))
    with pytest.raises(AssertionError, match=bad_rc(-28)):
        zk.gen_wallet_master_seed("secp256k1", "", "w128")
    zk.remove_key(20)
    assert zk.gen_wallet_master_seed("secp256k1", "", "w128") == 20
