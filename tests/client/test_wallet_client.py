"""HD wallets through ``softscm.Client``, in-process and over the daemon's socket: result
shapes, the errors each transport raises, a set of published vectors, and interop with
the reference libraries (``mnemonic``, ``shamir_mnemonic``) and independent derivations
(BIP32 on ``coincurve``, Ethereum addresses and recovered signatures)."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import coincurve
import mnemonic
import pytest
import shamir_mnemonic
from test_wallet_ethereum import ACCOUNTS, eth_address, independent_private_key
from test_wallet_module_vectors import (
    BIP32,
    BIP39,
    HARDENED,
    SLIP10,
    SLIP39,
    TREZOR,
    compressed,
    independent_child,
    independent_master,
    public_of,
)

from softscm import (
    Client,
    ExportDisabled,
    InvalidArgument,
    NoSession,
    OperationNotSupported,
    SessionActive,
    WalletNameExists,
    WalletNotFound,
)
from softscm.client.wallets import NodeAddress, Slip39Share

ACCOUNT = [44 + HARDENED, 60 + HARDENED, HARDENED, 0]


def derive(client: Client, master: int, path: list[int]) -> int:
    slot = master
    for number in path:
        hardened = number >= HARDENED
        slot = client.derive_wallet_child(slot, number - HARDENED if hardened else number,
                                          hardened)
    return slot


def independent_public(curve: str, seed: bytes, path: list[int]) -> bytes:
    private, chain = independent_master(curve, seed)
    for number in path:
        private, chain = independent_child(curve, private, chain, number)
    return public_of(curve, private)


# -- shapes and errors ----------------------------------------------------------------------


def test_result_shapes(client: Client) -> None:
    master = client.create_wallet("secp256k1", "plain")
    assert type(master) is int and master == 16
    slot, words = client.create_wallet_bip39("nistp256", "bip39", master_gen_key=b"k")
    assert type(slot) is int and type(words) is str and len(words.split()) == 24
    child = client.derive_wallet_child(slot, 3, True)
    assert type(child) is int
    hardened, chain = client.derive_wallet_child(slot, 4, True, return_chain_code=True)
    assert type(chain) is bytes and len(chain) == 32
    where = client.wallet_node_address(child)
    assert isinstance(where, NodeAddress) and where == ("m/3'", "bip39", slot)
    assert where.address == "m/3'" and where.master_slot == slot
    assert client.wallet_key_slot("m/3'", wallet_name="bip39") == child
    assert client.wallet_key_slot("m", master_slot=slot) == slot
    assert [w["name"] for w in client.wallets()] == ["plain", "bip39"]
    info = client.wallet_info("bip39")
    assert info["kind"] == "master" and info["key_type"] == "nistp256"
    nodes = {n["address"]: n for n in info["nodes"]}
    assert nodes["m"]["public_key"] is None
    assert nodes["m/3'"]["public_key"] == client.public_key(child)
    assert client.wallet_info(master_slot=master)["name"] == "plain"
    assert client.slip39_session() is None
    keys = {k["slot"]: k["origin"] for k in client.keys()}
    assert keys[master] == "wallet-master" and keys[child] == "wallet-child"


def test_errors_cross_both_transports(client: Client) -> None:
    master = client.create_wallet("ed25519", "ed")
    with pytest.raises(WalletNameExists):
        client.create_wallet("secp256k1", "ed")
    with pytest.raises(InvalidArgument, match="hardened"):
        client.derive_wallet_child(master, 0, False)
    with pytest.raises(InvalidArgument):
        client.derive_wallet_child(master, 0, False, return_chain_code=True)
    with pytest.raises(ExportDisabled):
        client.public_key(master)
    with pytest.raises(OperationNotSupported):
        client.sign_digest(bytes(32), master)
    with pytest.raises(WalletNotFound):
        client.wallet_node_address(0)
    with pytest.raises(WalletNotFound):
        client.wallet_key_slot("m/1'", wallet_name="nope")
    with pytest.raises(InvalidArgument):
        client.wallet_key_slot("m/1'")
    with pytest.raises(NoSession):
        client.add_slip39_share("academic " * 20)
    with pytest.raises(InvalidArgument):
        client.create_wallet_bip39("secp256k1", "b", passphrase="***")
    with pytest.raises(InvalidArgument, match="checksum"):
        client.restore_wallet_bip39("secp256k1", "r", " ".join(["abandon"] * 12))
    client.start_slip39_generation("secp256k1", "s", 1, 1, 0)
    with pytest.raises(SessionActive):
        client.generate_key("secp256k1")
    with pytest.raises(SessionActive):
        client.derive_wallet_child(master, 1, True)
    assert client.slip39_session()["kind"] == "generate"
    client.cancel_slip39_session()
    assert client.slip39_session() is None
    assert [w["name"] for w in client.wallets()] == ["ed"]


def test_slip39_session_through_the_client(client: Client) -> None:
    client.start_slip39_generation("secp256k1", "s", 2, 2, 0, passphrase=TREZOR)
    shares: list[list[str]] = []
    last = None
    for group, (count, threshold) in enumerate([(2, 2), (3, 2)]):
        client.set_slip39_group(group, count, threshold)
        shares.append([])
        for member in range(count):
            share = client.add_slip39_member("pw" if (group, member) == (1, 0) else "")
            assert isinstance(share, Slip39Share) and len(share.mnemonic.split()) == 33
            shares[group].append(share.mnemonic)
            last = share.master_slot
    assert last == 16
    reference = client.public_key(client.derive_wallet_child(16, 0, False))
    client.remove_key(16)
    client.start_slip39_restore("secp256k1", "s", passphrase=TREZOR)
    assert client.add_slip39_share(shares[1][0], "pw") is None
    with pytest.raises(InvalidArgument, match="password") as excinfo:
        client.add_slip39_share(shares[1][0], "wrong")
    assert shares[1][0] not in str(excinfo.value)
    with pytest.raises(InvalidArgument, match="already"):
        client.add_slip39_share(shares[1][0], "pw")
    assert client.add_slip39_share(shares[1][2]) is None
    assert client.add_slip39_share(shares[0][1]) is None
    slot = client.add_slip39_share(shares[0][0])
    assert slot == 16
    assert client.public_key(client.derive_wallet_child(slot, 0, False)) == reference


def test_wallets_survive_reopening(home: Path) -> None:
    with Client.open(home) as first:
        master, words = first.create_wallet_bip39("secp256k1", "kept")
        child = first.derive_wallet_child(master, 0, False)
        public = first.public_key(child)
    with Client.open(home) as again:
        assert again.public_key(child) == public
        assert again.wallet_node_address(child) == ("m/0", "kept", master)
        signature = again.sign_digest(bytes(32), child).signature
        assert again.verify_digest(bytes(32), signature, child)


# -- vectors through the client ---------------------------------------------------------------


def test_bip32_vector_1(client: Client) -> None:
    vector = BIP32["vectors"][0]
    ((share,),) = shamir_mnemonic.generate_mnemonics(1, [(1, 1)], bytes.fromhex(vector["seed"]),
                                                      iteration_exponent=0)
    client.start_slip39_restore("secp256k1", "v1")
    slots = {"m": client.add_slip39_share(share)}
    for node in vector["chains"][1:]:
        path = node["path_apostrophe"]
        parent, _, step = path.rpartition("/")
        hardened = step.endswith("'")
        if hardened:
            slot, chain = client.derive_wallet_child(slots[parent], int(step[:-1]), True,
                                                     return_chain_code=True)
            assert chain.hex() == node["decoded_pub"]["chain_code"]
        else:
            slot = client.derive_wallet_child(slots[parent], int(step), False)
        slots[path] = slot
        expected = node["decoded_pub"]["public_key"]
        assert compressed("secp256k1", client.public_key(slot)).hex() == expected


def test_slip10_ed25519_vector_1(client: Client) -> None:
    vector = SLIP10["curves"]["ed25519"][0]
    ((share,),) = shamir_mnemonic.generate_mnemonics(1, [(1, 1)], bytes.fromhex(vector["seed"]),
                                                      iteration_exponent=0)
    client.start_slip39_restore("ed25519", "ed")
    slot = client.add_slip39_share(share)
    for node in vector["chains"][1:]:
        index = int(node["path_apostrophe"].rsplit("/", 1)[1].rstrip("'"))
        slot, chain = client.derive_wallet_child(slot, index, True, return_chain_code=True)
        assert chain.hex() == node["chain_code"]
        assert "00" + client.public_key(slot).hex() == node["public"]


def test_bip39_and_slip39_vectors(client: Client) -> None:
    _, sentence, seed_hex, _ = BIP39["japanese"][5]
    master = client.restore_wallet_bip39("secp256k1", "ja", sentence, passphrase=TREZOR)
    path = [HARDENED, 1]
    assert client.public_key(derive(client, master, path)) == \
        independent_public("secp256k1", bytes.fromhex(seed_hex), path)
    for description, shares, secret, _ in SLIP39:
        if not secret or len(shares) < 2:
            continue
        client.start_slip39_restore("secp256k1", description[:20], passphrase=TREZOR)
        made = None
        for share in shares:
            made = client.add_slip39_share(share)
        assert made is not None
        assert client.public_key(derive(client, made, path)) == \
            independent_public("secp256k1", bytes.fromhex(secret), path)
        break


# -- interop ----------------------------------------------------------------------------------


def test_bip39_interop_with_the_mnemonic_package(client: Client) -> None:
    slot, words = client.create_wallet_bip39("secp256k1", "interop", passphrase=TREZOR)
    english = mnemonic.Mnemonic("english")
    assert english.check(words) and english.detect_language(words) == "english"
    seed = mnemonic.Mnemonic.to_seed(words, "TREZOR")
    account = derive(client, slot, ACCOUNT)
    for index in range(3):
        key = client.derive_wallet_child(account, index, False)
        expected = independent_private_key(seed, [*ACCOUNT, index])
        assert client.public_key(key) == \
            coincurve.PrivateKey(expected).public_key.format(compressed=False)[1:]
    # And the other way: a mnemonic the package makes restores here.
    theirs = english.generate(256)
    restored = client.restore_wallet_bip39("secp256k1", "theirs", theirs)
    node = derive(client, restored, [HARDENED + 5])
    assert client.public_key(node) == \
        independent_public("secp256k1", english.to_seed(theirs), [HARDENED + 5])


def test_module_shares_combine_with_shamir_mnemonic(client: Client) -> None:
    client.start_slip39_generation("secp256k1", "gen", 3, 2, 0, passphrase=TREZOR)
    groups = []
    for group, (count, threshold) in enumerate([(3, 2), (2, 2), (1, 1)]):
        client.set_slip39_group(group, count, threshold)
        groups.append([client.add_slip39_member().mnemonic for _ in range(count)])
    master = client.wallet_key_slot("m", wallet_name="gen")
    reference = client.public_key(derive(client, master, [HARDENED, 1]))
    for subset in ([*groups[0][:2], *groups[2]], [*groups[1], groups[0][2], groups[0][0]],
                   [*groups[2], *groups[1]]):
        secret = shamir_mnemonic.combine_mnemonics(subset, b"TREZOR")
        assert len(secret) == 32
        assert independent_public("secp256k1", secret, [HARDENED, 1]) == reference
    with pytest.raises(shamir_mnemonic.MnemonicError):
        shamir_mnemonic.combine_mnemonics(groups[0], b"TREZOR")  # one group of two


def test_shamir_mnemonic_shares_restore_here(client: Client) -> None:
    secret = hashlib.sha256(b"interop").digest()[:16]
    sets = shamir_mnemonic.generate_mnemonics(2, [(2, 3), (1, 1), (3, 5)], secret,
                                              b"TREZOR", extendable=False,
                                              iteration_exponent=1)
    expected = independent_public("secp256k1", secret, [HARDENED, 2])
    for name, subset in (("a", [sets[0][2], sets[1][0], sets[0][0]]),
                         ("b", [sets[2][4], sets[1][0], sets[2][0], sets[2][1]])):
        client.start_slip39_restore("secp256k1", name, passphrase=TREZOR)
        results = [client.add_slip39_share(share) for share in subset]
        assert results[:-1] == [None] * (len(subset) - 1)
        assert client.public_key(derive(client, results[-1], [HARDENED, 2])) == expected


def test_ethereum_accounts_and_recovered_signatures(client: Client) -> None:
    masters: dict[str, int] = {}
    for sentence, index, private_key, address in ACCOUNTS:
        if sentence not in masters:
            masters[sentence] = client.restore_wallet_bip39("secp256k1", f"eth{len(masters)}",
                                                            sentence)
            masters[sentence + "/account"] = derive(client, masters[sentence], ACCOUNT)
        key = client.derive_wallet_child(masters[sentence + "/account"], index, False)
        assert client.wallet_node_address(key).address == f"m/44'/60'/0'/0/{index}"
        public = client.public_key(key)
        assert public == coincurve.PrivateKey(bytes.fromhex(private_key)).public_key.format(
            compressed=False)[1:]
        assert eth_address(public) == address
        digest = hashlib.sha256(f"transfer {index}".encode()).digest()
        signed = client.sign_digest(digest, key, recid=True)
        assert signed.recid in (0, 1)
        recovered = coincurve.PublicKey.from_signature_and_message(
            signed.signature + bytes([signed.recid]), digest, hasher=None)
        assert eth_address(recovered.format(compressed=False)[1:]) == address


def test_passphrase_is_base64_text(client: Client) -> None:
    slot, words = client.create_wallet_bip39("secp256k1", "p", passphrase=TREZOR)
    node = derive(client, slot, [HARDENED])
    seed = mnemonic.Mnemonic.to_seed(words, "TREZOR")
    assert client.public_key(node) == independent_public("secp256k1", seed, [HARDENED])
    with pytest.raises(InvalidArgument, match="base64"):
        client.restore_wallet_bip39("secp256k1", "q", words, passphrase="TREZOR")
    assert base64.b64decode(TREZOR) == b"TREZOR"
