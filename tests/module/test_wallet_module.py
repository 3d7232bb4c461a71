"""HD wallets in the module (``scm-behaviour.md`` §8, scenarios §12.10): master seeds,
children, lookups, removal, limits, SLIP39 sessions, oversight wallets, the ordinary key
operations on wallet keys, and bad input leaving the state unchanged."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import coincurve
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from fakes import CountingEntropy, FakeClock
from softscm.errors import (
    ExportDisabled,
    InvalidArgument,
    KeyStoreFull,
    NoSession,
    OperationNotSupported,
    SessionActive,
    SlotEmpty,
    SlotReadOnly,
    WalletNameExists,
    WalletNotFound,
)
from softscm.module import Module, Profile
from softscm.module.wallets.wallets import MAX_WALLETS
from softscm.store import Store

SALT = bytes(range(32))
GEN_KEY = b"3xampleM@sterK3Y"
PASSWORDS = ["p@ssw0rd", "T3st", "h3LlO"]


def bind(module: Module) -> Module:
    """Open a host session on a module this test made itself."""
    physical = getattr(module, "physical", None)
    if physical is not None:
        physical.session_open("wallet-tests")
    return module


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def snapshot(module: Module) -> tuple[Any, ...]:
    """What a refused call must leave as it was."""
    store = module._store
    return (module.keystore.slots(), module.wallets.wallets(), module.wallets.slip39_session(),
            store.get_wallet_session())


def tutorial_slip39(module: Module) -> tuple[int, list[list[str]]]:
    """§8.6 "SLIP39 generation": returns the master slot and the shares by group."""
    w = module.wallets
    assert w.start_slip39_generation("secp256k1", "MyExampleWallet", 3, 2, 0) is None
    shares: list[list[str]] = [[], [], []]
    results = []
    for group, (count, threshold, passwords) in enumerate(
            [(3, 2, [""] * 3), (3, 3, PASSWORDS), (1, 1, [""])]):
        w.set_slip39_group(group, count, threshold)
        for password in passwords:
            slot, mnemonic = w.add_slip39_member(password)
            results.append(slot)
            shares[group].append(mnemonic)
    assert results[:-1] == [None] * 6 and isinstance(results[-1], int)
    assert all(len(s.split()) == 33 for group in shares for s in group)
    assert w.slip39_session() is None
    return results[-1], shares


# -- BIP39 and the tutorial flows (S-75, S-76, S-79, S-80) ---------------------------------


def test_bip39_round_trip(module: Module) -> None:  # S-75
    w = module.wallets
    slot, words = w.create_wallet_bip39("secp256k1", "MyExampleWallet", GEN_KEY)
    assert slot == 16 and len(words.split()) == 24
    child, chain = w.derive_wallet_child(slot, 3, True)
    assert chain is None
    public = module.public_key(child)
    assert w.wallet_node_address(child) == ["m/3'", "MyExampleWallet", slot]
    assert w.wallet_node_address(slot) == ["m", "MyExampleWallet", slot]
    assert w.wallet_key_slot("m/3'", "MyExampleWallet") == child
    assert w.wallet_key_slot("m/3'", master_slot=slot) == child
    assert w.wallet_key_slot("m", "MyExampleWallet") == slot
    module.remove_key(slot)
    with pytest.raises(WalletNotFound):
        w.wallet_node_address(child)
    assert w.wallets() == []
    restored = w.restore_wallet_bip39("secp256k1", "MyExampleWallet", words, GEN_KEY)
    again, _ = w.derive_wallet_child(restored, 3, True)
    assert module.public_key(again) == public


def test_lookups(module: Module) -> None:  # S-79
    w = module.wallets
    slot, _ = w.create_wallet_bip39("secp256k1", "MyExampleWallet", GEN_KEY)
    child, _ = w.derive_wallet_child(slot, 3, True)
    with pytest.raises(InvalidArgument):
        w.wallet_key_slot("m/3'")
    assert w.wallet_key_slot("m/3'", wallet_name="MyExampleWallet") == child
    assert w.wallet_key_slot("m/3'", master_slot=16) == child
    assert w.wallet_key_slot("m/3'", wallet_name="MyExampleWallet", master_slot=99) == child
    with pytest.raises(WalletNotFound):
        w.wallet_key_slot("m/4'", "MyExampleWallet")
    with pytest.raises(WalletNotFound):
        w.wallet_key_slot("m/3'", "Other")
    with pytest.raises(WalletNotFound):
        w.wallet_key_slot("m/3'", master_slot=child)
    for bad in ("m/3h", "m / 3'", "3'", "m/03'", "m/2147483648"):
        with pytest.raises(InvalidArgument):
            w.wallet_key_slot(bad, "MyExampleWallet")
    for not_wallet in (0, 15, module.generate_key("secp256k1"), 300, -1):
        with pytest.raises(WalletNotFound):
            w.wallet_node_address(not_wallet)
    with pytest.raises(InvalidArgument):
        w.wallet_node_address(10**12)


def test_master_public_key_stays_inside(module: Module) -> None:  # S-80, C22
    w = module.wallets
    for curve in ("secp256k1", "nistp256", "ed25519"):
        master = w.create_wallet(curve, f"w-{curve}")
        child, _ = w.derive_wallet_child(master, 0, True)
        with pytest.raises(ExportDisabled, match="master seed"):
            module.public_key(master)
        with pytest.raises(ExportDisabled):
            module.public_key_pem(master)
        assert len(module.public_key(child)) in (32, 64)
        with pytest.raises(OperationNotSupported, match="derivation only"):
            module.sign_digest(bytes(32), master)
        if curve != "ed25519":
            with pytest.raises(OperationNotSupported):
                module.ecdh(master, peer_key=module.public_key(child))
    listed = {k["slot"]: k for k in module.keys()}
    assert listed[16]["origin"] == "wallet-master" and not listed[16]["exportable"]
    assert listed[17]["origin"] == "wallet-child" and listed[17]["exportable"]


def test_bip39_passphrase_and_generator_key(module: Module) -> None:
    w = module.wallets
    slot, words = w.create_wallet_bip39("secp256k1", "a", passphrase=b64("TREZOR"))
    reference = module.public_key(w.derive_wallet_child(slot, 0, True)[0])
    cases = {("TREZOR", b""): True, ("", b""): False, ("TREZOR", b"key"): False}
    for (passphrase, gen_key), same in cases.items():
        name = f"r-{passphrase}-{gen_key!r}"
        other = w.restore_wallet_bip39("secp256k1", name, words, gen_key, passphrase=b64(passphrase))
        public = module.public_key(w.derive_wallet_child(other, 0, True)[0])
        assert (public == reference) is same


# -- children, signing, ECDH ----------------------------------------------------------------


def test_children_sign_and_exchange_through_the_ordinary_operations(module: Module) -> None:
    w = module.wallets
    master = w.create_wallet("secp256k1", "eth")
    account = master
    for index, hardened in ((44, True), (60, True), (0, True), (0, False)):
        account, _ = w.derive_wallet_child(account, index, hardened)
    key, _ = w.derive_wallet_child(account, 0, False)
    assert w.wallet_node_address(key)[0] == "m/44'/60'/0'/0/0"
    digest = hashlib.sha256(b"tx").digest()
    signature, recid = module.sign_digest(digest, key, recid=True)
    recovered = coincurve.PublicKey.from_signature_and_message(
        signature + bytes([recid]), digest, hasher=None)
    assert recovered.format(compressed=False)[1:] == module.public_key(key)
    assert module.verify_digest(digest, signature, key)
    peer = coincurve.PrivateKey(hashlib.sha256(b"peer").digest())
    shared = module.ecdh(key, peer_key=peer.public_key.format(compressed=False)[1:])
    assert len(shared) == 32

    p256 = w.create_wallet("nistp256", "p256")
    child, _ = w.derive_wallet_child(p256, 7, False)
    signature, _ = module.sign_digest(digest, child)
    assert module.verify_digest(digest, signature, child)

    ed = w.create_wallet("ed25519", "ed")
    child, chain = w.derive_wallet_child(ed, 1, True, True)
    assert len(chain) == 32
    signature, recid = module.sign_digest(digest, child, recid=True)
    assert recid == 0
    Ed25519PublicKey.from_public_bytes(module.public_key(child)).verify(signature, digest)
    with pytest.raises(OperationNotSupported):
        module.ecdh(child, peer_key=bytes(32))


def test_ed25519_derivation_rules(module: Module) -> None:  # S-87
    w = module.wallets
    master = w.create_wallet("ed25519", "ed")
    before = snapshot(module)
    with pytest.raises(InvalidArgument, match="hardened"):
        w.derive_wallet_child(master, 0, False)
    assert snapshot(module) == before
    child, _ = w.derive_wallet_child(master, 0, True)
    signature, _ = module.sign_digest(bytes(32), child)
    assert module.verify_digest(bytes(32), signature, child)

    cardano = w.create_wallet("ed25519", "ada", variant="cardano")
    soft, _ = w.derive_wallet_child(cardano, 0, False)
    hard, _ = w.derive_wallet_child(cardano, 0, True)
    for slot in (soft, hard):
        signature, _ = module.sign_digest(hashlib.sha256(b"ada").digest(), slot)
        Ed25519PublicKey.from_public_bytes(module.public_key(slot)).verify(
            signature, hashlib.sha256(b"ada").digest())
    with pytest.raises(InvalidArgument, match="cardano"):
        w.create_wallet("secp256k1", "bad", variant="cardano")


def test_child_rules(module: Module) -> None:
    w = module.wallets
    master = w.create_wallet("secp256k1", "w")
    child, _ = w.derive_wallet_child(master, 1, True)
    before = snapshot(module)
    bad_calls = [
        (InvalidArgument, (master, 1, True)),             # exists: names the slot
        (InvalidArgument, (master, 2**31, True)),
        (InvalidArgument, (master, -1, False)),
        (InvalidArgument, (master, 0, False, True)),      # chain code of a soft child
        (InvalidArgument, (master, "1", True)),
        (InvalidArgument, (master, 1, "yes")),
        (InvalidArgument, (10**12, 0, True)),
        (WalletNotFound, (0, 0, True)),
        (WalletNotFound, (400, 0, True)),
    ]
    for error, args in bad_calls:
        with pytest.raises(error):
            w.derive_wallet_child(*args)
        assert snapshot(module) == before
    with pytest.raises(InvalidArgument, match=f"slot {child}"):
        w.derive_wallet_child(master, 1, True)
    soft, _ = w.derive_wallet_child(master, 1, False)
    assert w.wallet_node_address(soft)[0] == "m/1"


# -- removal (S-78) ---------------------------------------------------------------------


def test_removal_takes_the_subtree(module: Module) -> None:  # S-78
    w = module.wallets
    m = w.create_wallet("secp256k1", "W")
    a, _ = w.derive_wallet_child(m, 44, True)
    b, _ = w.derive_wallet_child(a, 60, True)
    c, _ = w.derive_wallet_child(m, 1, False)
    module.remove_key(a)
    for gone in (a, b):
        with pytest.raises(WalletNotFound):
            w.wallet_node_address(gone)
        with pytest.raises(SlotEmpty):
            module.public_key(gone)
    assert w.wallet_node_address(c) == ["m/1", "W", m]
    module.remove_key(a)  # a slot the cascade emptied: no error
    assert module.generate_key("nistp256") == a  # the lowest freed slot
    module.remove_key(a)
    module.remove_key(m)
    with pytest.raises(WalletNotFound):
        w.wallet_node_address(c)
    assert module.keystore.slots() == list(range(16))
    assert w.wallets() == []
    with pytest.raises(SlotReadOnly):
        module.remove_key(3)
    assert module.generate_key("nistp256") == 16


def test_names_are_unique(module: Module) -> None:  # S-77
    w = module.wallets
    master = w.create_wallet("secp256k1", "W")
    child, chain = w.derive_wallet_child(master, 0, True, True)
    public = module.public_key(child)
    before = snapshot(module)
    with pytest.raises(WalletNameExists):
        w.create_wallet("nistp256", "W")
    with pytest.raises(WalletNameExists):
        w.create_wallet_bip39("secp256k1", "W")
    with pytest.raises(WalletNameExists):
        w.create_oversight_wallet("secp256k1", public, chain, "m/0'", "W")
    with pytest.raises(WalletNameExists):
        w.start_slip39_generation("secp256k1", "W", 1, 1, 0)
    with pytest.raises(WalletNameExists):
        w.start_slip39_restore("secp256k1", "W")
    assert snapshot(module) == before
    module.remove_key(master)
    assert w.create_wallet("nistp256", "W") == 16
    for bad in ("", "x" * 129, "tab\there", b"W", None):
        with pytest.raises(InvalidArgument):
            w.create_wallet("secp256k1", bad)


def test_wallet_limit(module: Module) -> None:  # S-86
    w = module.wallets
    for index in range(MAX_WALLETS):
        w.create_wallet("secp256k1", f"w{index}")
    before = snapshot(module)
    with pytest.raises(KeyStoreFull, match="128 wallets"):
        w.create_wallet("secp256k1", "w128")
    with pytest.raises(KeyStoreFull):
        w.restore_wallet_bip39("secp256k1", "w128", " ".join(["abandon"] * 11 + ["about"]))
    with pytest.raises(KeyStoreFull):
        w.start_slip39_generation("secp256k1", "w128", 1, 1, 0)
    assert snapshot(module) == before
    # Wallets still grow while the key store has room.
    child, _ = w.derive_wallet_child(16, 0, True)
    assert child == 16 + MAX_WALLETS
    module.remove_key(20)
    assert w.create_wallet("secp256k1", "w128") == 20


def test_wallets_share_the_key_store() -> None:
    store = Store.memory()
    module = bind(Module.provision(store, clock=FakeClock(), entropy=CountingEntropy(),
                                   salt=SALT))
    w = module.wallets
    master = w.create_wallet("secp256k1", "w")
    for _ in range(510):
        module.generate_key("x25519")
    last, _ = w.derive_wallet_child(master, 0, False)
    assert last == 527
    before = snapshot(module)
    with pytest.raises(KeyStoreFull):
        w.derive_wallet_child(master, 1, False)
    with pytest.raises(KeyStoreFull):
        w.create_wallet("secp256k1", "other")
    assert snapshot(module) == before
    store.close()


# -- bad input ----------------------------------------------------------------------------


def test_bad_creation_arguments_change_nothing(module: Module) -> None:
    w = module.wallets
    before = snapshot(module)
    bad = [
        lambda: w.create_wallet("x25519", "w"),
        lambda: w.create_wallet("SECP256K1", "w"),
        lambda: w.create_wallet("secp256k1", "w", "key"),
        lambda: w.create_wallet("secp256k1", "w", bytes(257)),
        lambda: w.create_wallet("nistp256", "w", variant="cardano"),
        lambda: w.create_wallet("ed25519", "w", variant="icarus"),
        lambda: w.create_wallet_bip39("secp256k1", "w", passphrase="not base64!"),
        lambda: w.create_wallet_bip39("secp256k1", "w", passphrase="QQ"),
        lambda: w.create_wallet_bip39("secp256k1", "w", passphrase="QR=="),
        lambda: w.create_wallet_bip39("secp256k1", "w", passphrase=base64.b64encode(b"\xff").decode()),
        lambda: w.restore_wallet_bip39("secp256k1", "w", " ".join(["abandon"] * 12)),
        lambda: w.restore_wallet_bip39("secp256k1", "w", " ".join(["abandon"] * 11 + ["zzz"])),
        lambda: w.restore_wallet_bip39("secp256k1", "w", " ".join(["abandon"] * 10 + ["about"])),
        lambda: w.start_slip39_generation("secp256k1", "w", 1, 1, 0, passphrase=b64("é")),
        lambda: w.create_oversight_wallet("secp256k1", bytes(64), bytes(32), "m/0'", "o"),
    ]
    for call in bad:
        with pytest.raises(InvalidArgument):
            call()
        assert snapshot(module) == before


def test_wrong_checksum_word(module: Module) -> None:
    w = module.wallets
    _, words = w.create_wallet_bip39("secp256k1", "w")
    parts = words.split()
    parts[5] = "abandon" if parts[5] != "abandon" else "ability"
    before = snapshot(module)
    with pytest.raises(InvalidArgument, match="checksum") as excinfo:
        w.restore_wallet_bip39("secp256k1", "r", " ".join(parts))
    assert parts[0] not in str(excinfo.value)
    assert snapshot(module) == before


# -- SLIP39 sessions (S-81 to S-84) -------------------------------------------------------


def test_slip39_generation(module: Module) -> None:  # S-81
    slot, shares = tutorial_slip39(module)
    assert slot == 16
    assert module.wallets.wallet_node_address(slot) == ["m", "MyExampleWallet", 16]
    assert [len(group) for group in shares] == [3, 3, 1]


@pytest.mark.parametrize("pair", [(0, 1), (1, 2), (2, 0)])
def test_slip39_restore_every_group_pair(module: Module, pair: tuple[int, int]) -> None:  # S-82
    w = module.wallets
    master, shares = tutorial_slip39(module)
    reference = module.public_key(w.derive_wallet_child(master, 0, False)[0])
    module.remove_key(master)
    w.start_slip39_restore("secp256k1", "MyExampleWallet")
    fed = [(shares[g][i], PASSWORDS[i] if g == 1 else "") for g in pair
           for i in range({0: 2, 1: 3, 2: 1}[g])]
    fed.reverse()
    if 1 in pair:
        share = shares[1][0]
        before = snapshot(module)
        with pytest.raises(InvalidArgument, match="password"):
            w.add_slip39_share(share, "wrong")
        with pytest.raises(InvalidArgument):
            w.add_slip39_share(share)
        assert snapshot(module) == before
    results = [w.add_slip39_share(share, password) for share, password in fed]
    assert results[:-1] == [None] * (len(fed) - 1)
    restored = results[-1]
    assert isinstance(restored, int)
    assert w.slip39_session() is None
    child, _ = w.derive_wallet_child(restored, 0, False)
    assert module.public_key(child) == reference


def test_slip39_restore_refusals(module: Module) -> None:
    w = module.wallets
    _, shares = tutorial_slip39(module)
    w.cancel_slip39_session()
    w.start_slip39_restore("secp256k1", "again")
    assert w.add_slip39_share(shares[0][0]) is None
    before = snapshot(module)
    corrupted = shares[0][1].split()
    corrupted[10] = "academic" if corrupted[10] != "academic" else "acid"
    foreign = module_shares(b"another")
    for share, error in [(shares[0][0], "already"), (" ".join(corrupted), "checksum"),
                         (foreign, "not part"), (" ".join(["hello"] * 20), "wordlist")]:
        with pytest.raises(InvalidArgument, match=error) as excinfo:
            w.add_slip39_share(share)
        assert share not in str(excinfo.value)
        assert snapshot(module) == before
    with pytest.raises(InvalidArgument):
        w.add_slip39_share(b"bytes")  # type: ignore[arg-type]
    # Too few shares: the session stays open and nothing is made.
    assert w.slip39_session()["kind"] == "restore"
    assert [r["name"] for r in w.wallets()] == ["MyExampleWallet"]


def module_shares(seed: bytes) -> str:
    """One share of a set made by another module."""
    other = bind(Module.provision(Store.memory(), clock=FakeClock(),
                                  entropy=CountingEntropy(seed), salt=SALT))
    other.wallets.start_slip39_generation("secp256k1", "x", 1, 1, 0)
    other.wallets.set_slip39_group(0, 2, 2)
    return str(other.wallets.add_slip39_member()[1])


def test_session_blocks_key_generation(module: Module) -> None:  # S-83
    w = module.wallets
    master = w.create_wallet("secp256k1", "existing")
    w.start_slip39_generation("secp256k1", "MyExampleWallet", 3, 2, 0)
    blocked = [
        lambda: module.generate_key("nistp256"),
        lambda: module.generate_ephemeral_key("nistp256"),
        lambda: w.create_wallet("nistp256", "other"),
        lambda: w.create_wallet_bip39("nistp256", "other"),
        lambda: w.restore_wallet_bip39("secp256k1", "other", " ".join(["abandon"] * 11 + ["about"])),
        lambda: w.start_slip39_generation("nistp256", "other", 1, 1, 0),
        lambda: w.start_slip39_restore("nistp256", "other"),
        lambda: w.create_oversight_wallet("nistp256", module.public_key(0), bytes(32), "m/0'",
                                          "o"),
        lambda: w.derive_wallet_child(master, 0, True),
    ]
    for call in blocked:
        with pytest.raises(SessionActive):
            call()
    signature, _ = module.sign_digest(hashlib.sha256(b"x").digest(), 0)
    assert module.verify_digest(hashlib.sha256(b"x").digest(), signature, 0)
    module.store_foreign_key("nistp256", module.public_key(0))
    with pytest.raises(NoSession):
        w.add_slip39_share("academic " * 20)
    w.cancel_slip39_session()
    assert module.generate_key("nistp256") == 17
    assert [r["name"] for r in w.wallets()] == ["existing"]
    w.cancel_slip39_session()  # no session: nothing happens


def test_session_out_of_order_calls(module: Module) -> None:  # S-84, §7 item 28
    w = module.wallets
    with pytest.raises(NoSession):
        w.set_slip39_group(0, 1, 1)
    with pytest.raises(NoSession):
        w.add_slip39_member()
    w.start_slip39_generation("secp256k1", "w", 3, 2, 0)
    before = snapshot(module)
    for call in (lambda: w.add_slip39_member(),
                 lambda: w.set_slip39_group(1, 3, 2),
                 lambda: w.set_slip39_group(0, 3, 1),
                 lambda: w.set_slip39_group(0, 17, 2),
                 lambda: w.set_slip39_group(3, 1, 1),
                 lambda: w.set_slip39_group(0, 2, 3),
                 lambda: w.add_slip39_share("academic " * 20)):
        with pytest.raises((InvalidArgument, NoSession)):
            call()
        assert snapshot(module) == before
    w.set_slip39_group(0, 2, 2)
    w.add_slip39_member()
    with pytest.raises(InvalidArgument):
        w.set_slip39_group(1, 1, 1)  # group 0 still has a member to make
    w.add_slip39_member()
    with pytest.raises(InvalidArgument):
        w.add_slip39_member()  # group 0 is complete
    info = w.slip39_session()
    assert info == {"kind": "generate", "wallet_name": "w", "key_type": "secp256k1",
                    "variant": "", "group_count": 3, "group_threshold": 2, "group_index": 0,
                    "members_left": 0}


def test_slip39_limits(module: Module) -> None:  # S-84
    w = module.wallets
    for kwargs in ({"group_count": 17, "group_threshold": 1},
                   {"group_count": 3, "group_threshold": 4},
                   {"group_count": 0, "group_threshold": 0},
                   {"group_count": 2, "group_threshold": 1, "iteration_exponent": 6},
                   {"group_count": 2, "group_threshold": 1, "iteration_exponent": -1}):
        args = {"iteration_exponent": 0, **kwargs}
        with pytest.raises(InvalidArgument):
            w.start_slip39_generation("secp256k1", "w", **args)
        assert w.slip39_session() is None
    w.start_slip39_generation("secp256k1", "w", 16, 16, 0)
    w.set_slip39_group(0, 16, 16)
    w.cancel_slip39_session()

    store = Store.memory()
    hsm6 = bind(Module.provision(store, clock=FakeClock(), entropy=CountingEntropy(),
                                 salt=SALT, profile=Profile(profile="hsm6")))
    with pytest.raises(InvalidArgument):
        hsm6.wallets.start_slip39_generation("secp256k1", "w", 15, 1, 0)
    hsm6.wallets.start_slip39_generation("secp256k1", "w", 14, 1, 0)
    with pytest.raises(InvalidArgument):
        hsm6.wallets.set_slip39_group(0, 15, 2)
    hsm6.wallets.set_slip39_group(0, 14, 2)
    store.close()


def test_session_is_sealed_and_shared(tmp_path) -> None:
    """The session lives in the state, sealed: another process on the same state sees
    it (and is blocked by it), and no secret of it appears in the files."""
    captured: list[bytes] = []
    entropy = CountingEntropy(b"session")

    def recording(n: int) -> bytes:
        data = entropy(n)
        captured.append(data)
        return data

    store = Store.open(tmp_path)
    first = bind(Module.provision(store, clock=FakeClock(), entropy=recording, salt=SALT))
    first.wallets.start_slip39_generation("secp256k1", "w", 2, 1, 0)
    first.wallets.set_slip39_group(0, 2, 2)
    share = first.wallets.add_slip39_member()[1]
    other_store = Store.open(tmp_path)
    second = bind(Module(other_store, clock=FakeClock(), entropy=CountingEntropy(b"2"),
                         salt=SALT))
    with pytest.raises(SessionActive):
        second.generate_key("nistp256")
    assert second.wallets.add_slip39_member()[0] is None
    second.wallets.set_slip39_group(1, 1, 1)
    slot, _ = first.wallets.add_slip39_member()
    assert slot == 16
    assert second.wallets.wallet_node_address(16) == ["m", "w", 16]
    store.checkpoint()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    secrets = [c for c in captured if len(c) == 32]
    assert secrets and not any(secret in data for secret in secrets)
    assert share.encode() not in data and share.split()[5].encode() not in data
    other_store.close()
    store.close()


# -- oversight wallets (S-85) -------------------------------------------------------------


def oversight_setup(module: Module) -> tuple[int, int, int]:
    w = module.wallets
    master = w.create_wallet("secp256k1", "MyExampleWallet")
    parent = master
    for index in (44, 60, 0):
        parent, _ = w.derive_wallet_child(parent, index, False)
    node, chain = w.derive_wallet_child(parent, 0, True, True)
    public = module.public_key(node)
    watch = w.create_oversight_wallet("secp256k1", public, chain, "m/44/60/0/0'",
                                      "Oversight_wallet")
    return master, node, watch


def test_oversight_wallet(module: Module) -> None:  # S-85
    w = module.wallets
    _, node, watch = oversight_setup(module)
    assert w.wallet_node_address(watch) == ["m/44/60/0/0'", "Oversight_wallet", watch]
    assert w.wallet_key_slot("m/44/60/0/0'", "Oversight_wallet") == watch
    assert module.public_key(watch) == module.public_key(node)
    watched, _ = w.derive_wallet_child(watch, 0, False)
    original, _ = w.derive_wallet_child(node, 0, False)
    assert module.public_key(watched) == module.public_key(original)
    assert w.wallet_node_address(watched) == ["m/44/60/0/0'/0", "Oversight_wallet", watch]
    deeper, _ = w.derive_wallet_child(watched, 5, False)
    assert module.public_key(deeper) == module.public_key(w.derive_wallet_child(original, 5, False)[0])
    for slot in (watch, watched):
        with pytest.raises(OperationNotSupported, match="watch-only"):
            module.sign_digest(bytes(32), slot)
        with pytest.raises(OperationNotSupported):
            module.ecdh(slot, peer_key=module.public_key(node))
    signature, _ = module.sign_digest(bytes(32), original)
    assert module.verify_digest(bytes(32), signature, watched)
    before = snapshot(module)
    with pytest.raises(InvalidArgument, match="hardened"):
        w.derive_wallet_child(watch, 0, True)
    with pytest.raises(InvalidArgument):
        w.derive_wallet_child(watch, 1, True, True)
    assert snapshot(module) == before
    assert {r["name"]: r["kind"] for r in w.wallets()} == {
        "MyExampleWallet": "master", "Oversight_wallet": "oversight"}
    module.remove_key(watch)
    with pytest.raises(WalletNotFound):
        w.wallet_node_address(watched)
    assert module.public_key(original)


def test_oversight_arguments(module: Module) -> None:
    w = module.wallets
    _, node, _ = oversight_setup(module)
    public = module.public_key(node)
    chain = bytes(32)
    before = snapshot(module)
    for args in [("secp256k1", public, chain, "m/44/60/0/0", "o"),   # not hardened
                 ("secp256k1", public, chain, "m", "o"),
                 ("secp256k1", public, bytes(31), "m/0'", "o"),
                 ("secp256k1", public[:63], chain, "m/0'", "o"),
                 ("x25519", bytes(32), chain, "m/0'", "o"),
                 ("nistp256", public, chain, "m/0'", "o"),          # not a P-256 point
                 ("secp256k1", public, chain, "m/0h", "o"),
                 ("secp256k1", "pub", chain, "m/0'", "o")]:
        with pytest.raises(InvalidArgument):
            w.create_oversight_wallet(*args)
        assert snapshot(module) == before
    compressed = coincurve.PublicKey(b"\x04" + public).format(compressed=True)
    slot = w.create_oversight_wallet("secp256k1", compressed, chain, "m/0'", "o")
    assert module.public_key(slot) == public


def test_cardano_oversight(module: Module) -> None:
    w = module.wallets
    master = w.create_wallet("ed25519", "ada", variant="cardano")
    account, chain = w.derive_wallet_child(master, 1852, True, True)
    watch = w.create_oversight_wallet("ed25519", module.public_key(account), chain,
                                      "m/1852'", "watch", "cardano")
    soft, _ = w.derive_wallet_child(watch, 3, False)
    assert module.public_key(soft) == module.public_key(w.derive_wallet_child(account, 3, False)[0])


# -- persistence, wiping ------------------------------------------------------------------


def test_wallet_keys_survive_restarts(tmp_path) -> None:
    store = Store.open(tmp_path)
    module = bind(Module.provision(store, clock=FakeClock(), entropy=CountingEntropy(),
                                   salt=SALT))
    master, node, watch = oversight_setup(module)
    signature, _ = module.sign_digest(bytes(32), node)
    public = module.public_key(node)
    listing = module.wallets.wallets()
    store.close()

    store = Store.open(tmp_path)
    again = bind(Module(store, clock=FakeClock(), entropy=CountingEntropy(b"later"), salt=SALT))
    assert again.wallets.wallets() == listing
    assert again.public_key(node) == public
    assert again.verify_digest(bytes(32), again.sign_digest(bytes(32), node)[0], node)
    assert again.wallets.wallet_node_address(node)[0] == "m/44/60/0/0'"
    child, _ = again.wallets.derive_wallet_child(node, 0, False)
    watched, _ = again.wallets.derive_wallet_child(watch, 0, False)
    assert again.public_key(child) == again.public_key(watched)
    with pytest.raises(ExportDisabled):
        again.public_key(master)
    assert signature
    store.close()


def test_wipe_wallets(tmp_path) -> None:
    store = Store.open(tmp_path)
    module = bind(Module.provision(store, clock=FakeClock(), entropy=CountingEntropy(),
                                   salt=SALT))
    oversight_setup(module)
    key = module.generate_key("nistp256")
    module.wallets.start_slip39_restore("secp256k1", "pending")
    store.wipe_wallets()
    module.keystore.forget()
    assert module.wallets.wallets() == []
    assert module.wallets.slip39_session() is None
    assert module.keystore.slots() == [*range(16), key]
    store.close()


def test_no_wallet_secret_in_clear(tmp_path) -> None:
    """Seeds' nodes, children's private keys, chain codes and the mnemonic never appear
    in clear in the state directory's files."""
    store = Store.open(tmp_path)
    module = bind(Module.provision(store, clock=FakeClock(), entropy=CountingEntropy(b"clear"),
                                   salt=SALT))
    w = module.wallets
    master, words = w.create_wallet_bip39("secp256k1", "w")
    child, _ = w.derive_wallet_child(master, 0, True)
    ada = w.create_wallet("ed25519", "ada", variant="cardano")
    soft, _ = w.derive_wallet_child(ada, 1, False)
    secrets = [words.encode(), words.split()[0].encode() + b" " + words.split()[1].encode()]
    for slot in (master, child, ada, soft):
        node = module.keystore.wallet_node(slot)
        assert node.private_key is not None
        secrets += [node.private_key, node.private_key[:16], node.chain_code]
    store.checkpoint()
    data = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert not [secret for secret in secrets if secret in data]
    store.close()


def test_session_does_not_survive_a_boot(module: Module, clock: FakeClock) -> None:  # S-83
    module.wallets.start_slip39_generation("secp256k1", "w", 1, 1, 0)
    module.simulation.sim_power_cycle()
    clock.advance(300)
    bind(module)
    assert module.wallets.slip39_session() is None
    assert module.generate_key("nistp256") == 16
