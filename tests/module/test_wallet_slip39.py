"""SLIP39 sessions: the published vectors, the tutorial flows, interop, bad input."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import shamir_mnemonic
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes import CountingEntropy
from softscm.errors import InternalError, InvalidArgument
from softscm.wallet.bip32 import master_node
from softscm.wallet.curves import WalletCurve
from softscm.wallet.extended_key import ExtendedKey
from softscm.wallet.member_password import mnemonic_with_password, share_from_mnemonic
from softscm.wallet.slip39 import Slip39Generation, Slip39Restore
from vectors import load_vectors

VECTORS = load_vectors("slip39/vectors.json")
PASSPHRASE = b"TREZOR"
PASSWORDS = ["p@ssw0rd", "T3st", "h3LlO"]


def _vector_params(valid: bool) -> list[Any]:
    return [pytest.param(shares, secret, xprv, id=description)
            for description, shares, secret, xprv in VECTORS if bool(secret) == valid]


def _feed(session: Slip39Restore, shares: list[str]) -> bytes | None:
    """Feed shares until the secret comes back (later shares are not needed)."""
    for share in shares:
        secret = session.add_share(share)
        if secret is not None:
            return secret
    return None


@pytest.mark.parametrize(("shares", "secret", "xprv"), _vector_params(valid=True))
def test_valid_vectors_restore(shares: list[str], secret: str, xprv: str) -> None:
    for order in (shares, shares[::-1]):
        recovered = _feed(Slip39Restore(PASSPHRASE), order)
        assert recovered is not None and recovered.hex() == secret
    # The master secret is the BIP32 seed: a 1-of-1 share can carry any raw seed.
    node = master_node(WalletCurve.SECP256K1, bytes.fromhex(secret))
    assert ExtendedKey.from_node(node, private=True).serialize() == xprv


@pytest.mark.parametrize(("shares", "secret", "xprv"), _vector_params(valid=False))
def test_invalid_vectors_are_refused(shares: list[str], secret: str, xprv: str) -> None:
    with pytest.raises(shamir_mnemonic.MnemonicError):
        shamir_mnemonic.combine_mnemonics(shares, PASSPHRASE)
    for order in (shares, shares[::-1]):
        session = Slip39Restore(PASSPHRASE)
        refused, secret_returned = 0, False
        for share in order:
            try:
                secret_returned = session.add_share(share) is not None
            except InvalidArgument as error:
                assert share not in str(error)
                refused += 1
        # A set may hold a share that is complete on its own (a 1-of-1 share fed first
        # in "mismatching member thresholds"); the whole set never restores.
        assert refused or not secret_returned


# -- generation ------------------------------------------------------------------------


def _tutorial_generation(entropy: CountingEntropy) -> tuple[list[list[str]], bytes]:
    """``scm-behaviour.md`` §8.6 "SLIP39 generation": groups 2-of-3, 3-of-3 (with member
    passwords) and 1-of-1; two groups of three rebuild the secret."""
    session = Slip39Generation(3, 2, 0, entropy=entropy)
    shares: list[list[str]] = [[], [], []]
    results = []
    for group, (count, threshold) in enumerate([(3, 2), (3, 3), (1, 1)]):
        session.set_group_info(group, count, threshold)
        for member in range(count):
            password = PASSWORDS[member] if group == 1 else ""
            mnemonic, secret = session.add_member(password)
            shares[group].append(mnemonic)
            results.append(secret)
    assert results[:-1] == [None] * 6
    final = results[-1]
    assert final is not None
    assert session.finished
    return shares, final


def test_tutorial_generation() -> None:
    shares, secret = _tutorial_generation(CountingEntropy(b"slip39"))
    assert secret == CountingEntropy(b"slip39")(32)
    assert all(len(share.split()) == 33 for group in shares for share in group)
    assert len({share.split()[0] for group in shares for share in group}) == 1


@pytest.mark.parametrize("groups", [(0, 1), (1, 2), (2, 0)])
def test_tutorial_restore_every_group_pair(groups: tuple[int, int]) -> None:
    """S-82: each pair restores, fed out of order, a wrong password changing nothing."""
    shares, secret = _tutorial_generation(CountingEntropy(b"slip39"))
    needed = {0: [0, 2], 1: [0, 1, 2], 2: [0]}
    feed = [(group, member) for group in groups for member in needed[group]]
    feed = feed[1:] + feed[:1]  # out of order
    session = Slip39Restore()
    if 1 in groups:
        before = session.to_record()
        with pytest.raises(InvalidArgument, match="password"):
            session.add_share(shares[1][1], "wrong")
        with pytest.raises(InvalidArgument, match="password"):
            session.add_share(shares[1][1])
        assert session.to_record() == before
    results = []
    for group, member in feed:
        password = PASSWORDS[member] if group == 1 else ""
        results.append(session.add_share(shares[group][member], password))
    assert results[:-1] == [None] * (len(feed) - 1)
    assert results[-1] == secret
    with pytest.raises(InvalidArgument, match="finished"):
        session.add_share(shares[0][1])


def test_generated_shares_combine_with_shamir_mnemonic() -> None:
    session = Slip39Generation(3, 2, 1, b"pass phrase", entropy=CountingEntropy(b"interop"))
    shares: list[list[str]] = []
    secret = None
    for group, (count, threshold) in enumerate([(2, 2), (3, 2), (1, 1)]):
        session.set_group_info(group, count, threshold)
        shares.append([])
        for _ in range(count):
            mnemonic, secret = session.add_member()
            shares[group].append(mnemonic)
    assert secret is not None
    thresholds = [2, 2, 1]
    for first, second in itertools.combinations(range(3), 2):
        subset = shares[first][:thresholds[first]] + shares[second][-thresholds[second]:]
        assert shamir_mnemonic.combine_mnemonics(subset, b"pass phrase") == secret
    with pytest.raises(shamir_mnemonic.MnemonicError):
        shamir_mnemonic.combine_mnemonics(shares[0], b"pass phrase")


@pytest.mark.parametrize("extendable", [True, False])
def test_shamir_mnemonic_shares_restore(extendable: bool) -> None:
    secret = bytes(range(32))
    groups = shamir_mnemonic.generate_mnemonics(
        2, [(3, 5), (1, 1), (2, 2)], secret, b"TREZOR", extendable=extendable,
        iteration_exponent=0)
    session = Slip39Restore(b"TREZOR")
    assert session.add_share(groups[0][4]) is None
    assert session.add_share(groups[2][1]) is None
    assert session.add_share(groups[0][1]) is None
    assert session.add_share(groups[2][0]) is None
    assert session.add_share(groups[0][2]) == secret


def test_wrong_passphrase_gives_another_secret() -> None:
    groups = shamir_mnemonic.generate_mnemonics(1, [(1, 1)], bytes(16), b"A",
                                                iteration_exponent=0)
    assert Slip39Restore(b"B").add_share(groups[0][0]) != bytes(16)
    assert Slip39Restore(b"A").add_share(groups[0][0]) == bytes(16)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_qualifying_subset_restores(data: st.DataObject) -> None:
    group_count = data.draw(st.integers(1, 4), label="group_count")
    group_threshold = data.draw(st.integers(1, group_count), label="group_threshold")
    session = Slip39Generation(group_count, group_threshold, 0,
                               entropy=CountingEntropy(data.draw(st.binary(max_size=8))))
    shares: list[list[str]] = []
    secret = None
    for group in range(group_count):
        count = data.draw(st.integers(1, 4))
        threshold = 1 if count == 1 else data.draw(st.integers(2, count))
        session.set_group_info(group, count, threshold)
        members = [session.add_member() for _ in range(count)]
        secret = members[-1][1]
        shares.append(data.draw(st.permutations([m for m, _ in members]))[:threshold])
    assert secret is not None
    chosen = data.draw(st.permutations(range(group_count)))[:group_threshold]
    fed = data.draw(st.permutations([s for g in chosen for s in shares[g]]))
    restore = Slip39Restore()
    results = [restore.add_share(share) for share in fed]
    assert results == [None] * (len(fed) - 1) + [secret]


# -- rules of the generation session ------------------------------------------------------


def _open(**kwargs: Any) -> Slip39Generation:
    params = {"group_count": 3, "group_threshold": 2, "iteration_exponent": 0}
    params.update(kwargs)
    return Slip39Generation(entropy=CountingEntropy(), **params)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"group_count": 17}, {"group_count": 0}, {"group_count": 15, "max_groups": 14},
        {"group_threshold": 4}, {"group_threshold": 0}, {"iteration_exponent": 6},
        {"iteration_exponent": -1}, {"group_count": True}, {"group_count": "3"},
    ],
)
def test_opening_limits(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidArgument):
        _open(**kwargs)


def test_opening_limits_accept_the_maxima() -> None:
    session = _open(group_count=16, group_threshold=16, iteration_exponent=0)
    assert session.group_count == 16
    assert _open(group_count=14, max_groups=14).group_count == 14


def test_passphrase_must_be_printable_ascii() -> None:
    with pytest.raises(InvalidArgument, match="printable"):
        _open(passphrase=b"caf\xc3\xa9")
    with pytest.raises(InvalidArgument, match="printable"):
        Slip39Restore(b"\x00")


def test_entropy_source_is_checked() -> None:
    with pytest.raises(InternalError):
        Slip39Generation(1, 1, 0, entropy=lambda n: bytes(n + 1))


def _assert_refused(session: Slip39Generation, call: Any, match: str) -> None:
    before = session.to_record()
    with pytest.raises(InvalidArgument, match=match):
        call()
    assert session.to_record() == before


def test_out_of_order_calls_leave_the_session_unchanged() -> None:
    session = _open()
    _assert_refused(session, lambda: session.add_member(), "configure group 0")
    _assert_refused(session, lambda: session.set_group_info(1, 3, 2), "next is group 0")
    _assert_refused(session, lambda: session.set_group_info(3, 1, 1), "group_index")
    _assert_refused(session, lambda: session.set_group_info(0, 3, 1), "threshold of 1")
    _assert_refused(session, lambda: session.set_group_info(0, 17, 2), "member_count")
    _assert_refused(session, lambda: session.set_group_info(0, 2, 3), "member_threshold")
    _assert_refused(session, lambda: session.set_group_info(0, 0, 0), "member_count")
    session.set_group_info(0, 2, 2)
    _assert_refused(session, lambda: session.set_group_info(0, 2, 2), "member")
    session.add_member()
    _assert_refused(session, lambda: session.set_group_info(1, 1, 1), "member")
    session.add_member()
    _assert_refused(session, lambda: session.add_member(), "configure group 1")
    _assert_refused(session, lambda: session.set_group_info(0, 2, 2), "next is group 1")
    _assert_refused(session, lambda: session.add_member(b"pw"), "password")  # type: ignore
    session.set_group_info(1, 1, 1)
    session.add_member()
    session.set_group_info(2, 1, 1)
    assert session.add_member()[1] is not None
    _assert_refused(session, lambda: session.add_member(), "finished")
    _assert_refused(session, lambda: session.set_group_info(0, 1, 1), "finished")


def test_member_limit_follows_the_profile() -> None:
    session = _open(max_members=14)
    with pytest.raises(InvalidArgument, match="member_count"):
        session.set_group_info(0, 15, 2)
    session.set_group_info(0, 14, 2)
    assert session.members_left == 14


def test_generation_record_round_trip() -> None:
    session = _open()
    session.set_group_info(0, 3, 2)
    first, _ = session.add_member()
    copy = Slip39Generation.from_record(session.to_record())
    assert copy.to_record() == session.to_record()
    assert copy.add_member("pw") == session.add_member("pw")
    with pytest.raises(InvalidArgument):
        Slip39Generation.from_record({"identifier": 1})


def test_secret_stays_out_of_repr() -> None:
    session = _open()
    assert CountingEntropy()(32).hex() not in repr(session)


# -- rules of the restore session ---------------------------------------------------------


def _two_of_three(seed: bytes = b"set") -> list[str]:
    session = Slip39Generation(1, 1, 0, entropy=CountingEntropy(seed))
    session.set_group_info(0, 3, 2)
    return [session.add_member()[0] for _ in range(3)]


def _refused(session: Slip39Restore, share: str, match: str, password: str = "") -> None:
    before = session.to_record()
    with pytest.raises(InvalidArgument, match=match) as caught:
        session.add_share(share, password)
    assert session.to_record() == before
    assert " ".join(share.split()[4:]) not in str(caught.value)


def test_too_few_shares_give_nothing() -> None:
    session = Slip39Restore()
    assert session.add_share(_two_of_three()[0]) is None
    assert not session.finished


def test_shares_from_different_sets_are_refused() -> None:
    session = Slip39Restore()
    session.add_share(_two_of_three(b"one")[0])
    _refused(session, _two_of_three(b"two")[1], "not part of the share set")


def test_duplicate_share_is_refused() -> None:
    shares = _two_of_three()
    session = Slip39Restore()
    session.add_share(shares[0])
    _refused(session, shares[0], "already been fed")
    assert session.add_share(shares[1]) is not None


def test_corrupted_share_is_refused() -> None:
    share = _two_of_three()[0].split()
    share[10] = "academic" if share[10] != "academic" else "acid"
    _refused(Slip39Restore(), " ".join(share), "checksum")
    _refused(Slip39Restore(), "not a share at all", "word")
    with pytest.raises(InvalidArgument):
        Slip39Restore().add_share(b"bytes")  # type: ignore[arg-type]


def test_member_password_is_checked_when_the_share_is_fed() -> None:
    session = Slip39Generation(1, 1, 0, entropy=CountingEntropy(b"pw"))
    session.set_group_info(0, 1, 1)
    share, secret = session.add_member("p@ssw0rd")
    restore = Slip39Restore()
    _refused(restore, share, "password")
    _refused(restore, share, "password", "p@ssw0rD")
    with pytest.raises(shamir_mnemonic.MnemonicError):
        shamir_mnemonic.combine_mnemonics([share])
    assert restore.add_share(share, "p@ssw0rd") == secret


def test_standard_share_with_a_password_is_refused() -> None:
    shares = _two_of_three()
    _refused(Slip39Restore(), shares[0], "password", "p@ssw0rd")


def test_password_binding_round_trip() -> None:
    share = shamir_mnemonic.Share.from_mnemonic(_two_of_three()[2])
    for password in ("", "x", "p\u00e4ss", "\u00c5ngstr\u00f6m"):
        mnemonic = mnemonic_with_password(share, password)
        assert share_from_mnemonic(mnemonic, password) == share
    nfc, nfd = "\u00e9", "e\u0301"
    assert share_from_mnemonic(mnemonic_with_password(share, nfc), nfd) == share


def test_restore_record_round_trip() -> None:
    shares = _two_of_three()
    session = Slip39Restore(b"x")
    session.add_share(shares[2])
    copy = Slip39Restore.from_record(session.to_record())
    assert copy.to_record() == session.to_record()
    assert copy.add_share(shares[0]) == session.add_share(shares[0]) is not None
