"""SLIP39 sessions: generating a wallet's shares member by member, and restoring its
master secret from shares fed one at a time (``scm-behaviour.md`` §8.6-8.7).

The SLIP-0039 arithmetic and encoding are ``shamir_mnemonic``'s. The master secret and
the set's identifier come from the injected ``entropy``; the random coefficients of the
polynomials come from the library, which nothing observable depends on (``DESIGN.md``).

Sessions are plain objects that the module keeps while they are open: every refused call
(``InvalidArgument``) leaves them exactly as they were. :meth:`Slip39Generation.to_record`
and :meth:`Slip39Restore.to_record` give their state as plain values for the module's
sealed store; the records hold secrets.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from shamir_mnemonic import (  # type: ignore[import-untyped]
    EncryptedMasterSecret,
    MnemonicError,
    Share,
    recover_ems,
    split_ems,
)
from shamir_mnemonic.constants import (  # type: ignore[import-untyped]
    ID_LENGTH_BITS,
    MAX_SHARE_COUNT,
)
from shamir_mnemonic.shamir import ShareGroup  # type: ignore[import-untyped]
from shamir_mnemonic.share import ShareCommonParameters  # type: ignore[import-untyped]

from softscm.errors import InternalError, InvalidArgument
from softscm.wallet.member_password import (
    check_password,
    mnemonic_with_password,
    share_from_mnemonic,
    share_name,
)

MAX_GROUPS = MAX_SHARE_COUNT
"""Most groups of an SCM wallet (16, SLIP-0039's maximum; an HSM6 allows 14)."""

MAX_MEMBERS = MAX_SHARE_COUNT
"""Most members of a group on an SCM (16; an HSM6 allows 14)."""

MAX_ITERATION_EXPONENT = 5
"""Largest iteration exponent Zymbit accepts (PBKDF2 runs 10000 * 2**e times)."""

MASTER_SECRET_BYTES = 32
"""Length of a generated master secret (256 bits, hence 33-word shares)."""

IDENTIFIER_BYTES = 2
"""Entropy drawn for a share set's identifier (of which ID_LENGTH_BITS are kept)."""

_ID_MASK = (1 << ID_LENGTH_BITS) - 1


def check_passphrase(passphrase: bytes | str) -> bytes:
    """The SLIP39 master passphrase as bytes; ``InvalidArgument`` unless it is printable
    ASCII, as SLIP-0039 requires."""
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    passphrase = bytes(passphrase)
    if not all(32 <= c <= 126 for c in passphrase):
        raise InvalidArgument("a SLIP39 passphrase must be printable ASCII "
                              "(code points 32 to 126)")
    return passphrase


def _check_int(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidArgument(f"{name} must be an integer, not {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidArgument(f"{name} {value} is out of range ({low} to {high})")
    return value


def _draw(entropy: Callable[[int], bytes], count: int) -> bytes:
    data = bytes(entropy(count))
    if len(data) != count:
        raise InternalError(f"the entropy source gave {len(data)} bytes, not {count}")
    return data


class Slip39Generation:
    """A SLIP39 generation session: the shares of a new 256-bit master secret, made
    member by member (``gen_wallet_master_seed`` with ``RecoveryStrategySLIP39``).

    Groups are configured in index order with :meth:`set_group_info`, and each group's
    members are all generated with :meth:`add_member` before the next group is
    configured. The call that generates the last member of the last group returns the
    master secret; the session is then finished.
    """

    def __init__(self, group_count: int, group_threshold: int, iteration_exponent: int,
                 passphrase: bytes = b"", *, entropy: Callable[[int], bytes],
                 extendable: bool = True, max_groups: int = MAX_GROUPS,
                 max_members: int = MAX_MEMBERS) -> None:
        """Open a session: check the parameters, draw the master secret
        (``entropy(32)``) and the identifier (``entropy(2)``), encrypt the secret with
        ``passphrase`` and split it among the groups.

        ``max_groups`` and ``max_members`` are the module's limits (16 on an SCM, 14 on
        an HSM6). Out of range: ``InvalidArgument``.
        """
        _check_int("group_count", group_count, 1, min(max_groups, MAX_GROUPS))
        _check_int("group_threshold", group_threshold, 1, group_count)
        _check_int("iteration_exponent", iteration_exponent, 0, MAX_ITERATION_EXPONENT)
        _check_int("max_members", max_members, 1, MAX_MEMBERS)
        passphrase = check_passphrase(passphrase)
        master_secret = _draw(entropy, MASTER_SECRET_BYTES)
        identifier = int.from_bytes(_draw(entropy, IDENTIFIER_BYTES), "big") & _ID_MASK
        ems = EncryptedMasterSecret.from_master_secret(
            master_secret, passphrase, identifier, bool(extendable), iteration_exponent)
        # One 1-of-1 "group" per group: its only share's value is that group's secret.
        groups = split_ems(group_threshold, [(1, 1)] * group_count, ems)
        self._init(
            identifier=identifier, extendable=bool(extendable),
            iteration_exponent=iteration_exponent, group_threshold=group_threshold,
            group_secrets=tuple(bytes(group[0].value) for group in groups),
            master_secret=master_secret, max_members=max_members, group_index=-1,
            shares=(), generated=0)

    def _init(self, *, identifier: int, extendable: bool, iteration_exponent: int,
              group_threshold: int, group_secrets: tuple[bytes, ...], master_secret: bytes,
              max_members: int, group_index: int, shares: tuple[Share, ...],
              generated: int) -> None:
        self._identifier = identifier
        self._extendable = extendable
        self._iteration_exponent = iteration_exponent
        self._group_threshold = group_threshold
        self._group_secrets = group_secrets
        self._master_secret = master_secret
        self._max_members = max_members
        self._group_index = group_index
        self._shares = shares
        self._generated = generated

    def __repr__(self) -> str:
        return (f"<Slip39Generation {self._group_threshold}-of-{self.group_count} groups, "
                f"group {self._group_index}, {self._generated}/{len(self._shares)} "
                f"members{', finished' if self.finished else ''}>")

    @property
    def group_count(self) -> int:
        """How many groups the secret is split into."""
        return len(self._group_secrets)

    @property
    def group_threshold(self) -> int:
        """How many groups rebuild the secret."""
        return self._group_threshold

    @property
    def iteration_exponent(self) -> int:
        """The SLIP-0039 iteration exponent of the set."""
        return self._iteration_exponent

    @property
    def group_index(self) -> int:
        """The group being generated (-1 before the first :meth:`set_group_info`)."""
        return self._group_index

    @property
    def members_left(self) -> int:
        """Members of the current group not generated yet."""
        return len(self._shares) - self._generated

    @property
    def finished(self) -> bool:
        """Whether every member of every group has been generated."""
        return self._group_index == self.group_count - 1 and self.members_left == 0 \
            and bool(self._shares)

    def set_group_info(self, group_index: int, member_count: int,
                       member_threshold: int) -> None:
        """Configure the next group: ``member_count`` shares, of which
        ``member_threshold`` rebuild it (``set_gen_SLIP39_group_info``).

        ``InvalidArgument``, with the session unchanged: a group other than the next one
        (groups go in index order, and only once every member of the previous group is
        generated), counts out of range, a threshold above the count, or a threshold of
        1 with more than one member (SLIP-0039 forbids it).
        """
        if self.finished:
            raise InvalidArgument("the SLIP39 generation session is finished")
        if self.members_left:
            raise InvalidArgument(f"group {self._group_index} still has {self.members_left} "
                                  f"member(s) to generate before group {group_index}")
        expected = self._group_index + 1
        _check_int("group_index", group_index, 0, self.group_count - 1)
        if group_index != expected:
            raise InvalidArgument(f"groups are configured in order: the next is group "
                                  f"{expected}, not {group_index}")
        _check_int("member_count", member_count, 1, self._max_members)
        _check_int("member_threshold", member_threshold, 1, member_count)
        if member_threshold == 1 and member_count > 1:
            raise InvalidArgument("a member threshold of 1 needs a member count of 1 "
                                  "(SLIP-0039 forbids n copies of one share)")
        group_ems = EncryptedMasterSecret(self._identifier, self._extendable,
                                          self._iteration_exponent,
                                          self._group_secrets[group_index])
        # Split this group's secret alone: the library's shares come out as group 0 of a
        # 1-of-1 set, and take their real place in the set here.
        (members,) = split_ems(1, [(member_threshold, member_count)], group_ems)
        self._shares = tuple(
            replace(share, group_index=group_index, group_threshold=self._group_threshold,
                    group_count=self.group_count)
            for share in members)
        self._group_index = group_index
        self._generated = 0

    def add_member(self, password: str = "") -> tuple[str, bytes | None]:
        """Generate the next member share of the current group
        (``add_gen_SLIP39_member_pwd``): its mnemonic (33 words), bound to ``password``
        when that is not empty, and the master secret when this was the last member of
        the last group (else ``None``).

        ``InvalidArgument``, with the session unchanged: no group configured, or the
        current group is complete.
        """
        check_password(password)
        if self.finished:
            raise InvalidArgument("the SLIP39 generation session is finished")
        if not self.members_left:
            raise InvalidArgument("no SLIP39 group has members left to generate: configure "
                                  f"group {self._group_index + 1} first")
        mnemonic = mnemonic_with_password(self._shares[self._generated], password)
        self._generated += 1
        return mnemonic, (self._master_secret if self.finished else None)

    def to_record(self) -> dict[str, Any]:
        """The session's state as plain values (secrets included: seal it).
        Counterpart to :meth:`from_record`."""
        return {
            "identifier": self._identifier,
            "extendable": self._extendable,
            "iteration_exponent": self._iteration_exponent,
            "group_threshold": self._group_threshold,
            "group_secrets": list(self._group_secrets),
            "master_secret": self._master_secret,
            "max_members": self._max_members,
            "group_index": self._group_index,
            "shares": [share.mnemonic() for share in self._shares],
            "generated": self._generated,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Slip39Generation:
        """The session :meth:`to_record` described."""
        session = cls.__new__(cls)
        try:
            session._init(
                identifier=int(record["identifier"]), extendable=bool(record["extendable"]),
                iteration_exponent=int(record["iteration_exponent"]),
                group_threshold=int(record["group_threshold"]),
                group_secrets=tuple(bytes(s) for s in record["group_secrets"]),
                master_secret=bytes(record["master_secret"]),
                max_members=int(record["max_members"]),
                group_index=int(record["group_index"]),
                shares=tuple(Share.from_mnemonic(m) for m in record["shares"]),
                generated=int(record["generated"]))
        except (KeyError, TypeError, ValueError, MnemonicError) as error:
            raise InvalidArgument(f"not a SLIP39 generation record ({error})") from None
        return session


class Slip39Restore:
    """A SLIP39 restore session: shares fed one at a time, in any order, each with its
    member password, until the master secret can be rebuilt
    (``restore_wallet_master_seed`` with ``RecoveryStrategySLIP39``, then
    ``add_restore_SLIP39_mnemonic``).

    Any valid SLIP-0039 share set restores: 20-word shares of a 128-bit secret, 33-word
    ones, longer ones, extendable or not. The group counts and thresholds come from the
    shares.
    """

    def __init__(self, passphrase: bytes = b"") -> None:
        """Open a session that decrypts the rebuilt secret with ``passphrase``."""
        self._passphrase = check_passphrase(passphrase)
        self._groups: dict[int, dict[int, Share]] = {}
        self._secret: bytes | None = None

    def __repr__(self) -> str:
        return f"<Slip39Restore{' finished' if self.finished else ''}>"

    @property
    def finished(self) -> bool:
        """Whether the master secret has been rebuilt."""
        return self._secret is not None

    @property
    def parameters(self) -> ShareCommonParameters | None:
        """The identifier, flags and group counts of the set being restored, once a
        share has been accepted."""
        for group in self._groups.values():
            for share in group.values():
                return share.common_parameters()
        return None

    def add_share(self, mnemonic: str, password: str = "") -> bytes | None:
        """Feed one share with its member password (``""`` for a standard share).

        Returns ``None`` while the secret cannot be rebuilt yet, then the master secret,
        which finishes the session. A share that cannot count is refused with
        ``InvalidArgument`` naming it by its first words, and the session is unchanged:
        a bad word, length, padding or checksum (also a wrong or missing member
        password), a share of another set, a duplicate, a share whose group's shares do
        not combine. No message says how many shares are still needed.
        """
        if self.finished:
            raise InvalidArgument("the SLIP39 restore session is finished")
        share = share_from_mnemonic(mnemonic, password)
        name = share_name(mnemonic)
        params = self.parameters
        if params is not None and share.common_parameters() != params:
            raise InvalidArgument(f"share {name} is not part of the share set being "
                                  "restored")
        group = self._groups.get(share.group_index, {})
        if group:
            known = next(iter(group.values()))
            if known.member_threshold != share.member_threshold:
                raise InvalidArgument(f"share {name} does not match the member threshold "
                                      "of its group's other shares")
        if share.index in group:
            if group[share.index] == share:
                raise InvalidArgument(f"share {name} has already been fed")
            raise InvalidArgument(f"share {name} has the member index of another share "
                                  "already fed")
        if len(group) >= share.member_threshold:
            return None  # the group is already complete; the share adds nothing
        candidate = {**group, share.index: share}
        complete = {index: members for index, members in self._groups.items()
                    if len(members) >= _member_threshold(members)}
        secret = None
        if len(candidate) == share.member_threshold:
            try:
                _group_secret(candidate.values())
            except MnemonicError:
                raise InvalidArgument(f"share {name} does not combine with the shares of "
                                      "its group fed before (their digest fails)") from None
            complete[share.group_index] = candidate
            if len(complete) >= share.group_threshold:
                secret = self._recover(complete, share.group_threshold, name)
        self._groups[share.group_index] = candidate
        self._secret = secret
        return secret

    def _recover(self, complete: dict[int, dict[int, Share]], group_threshold: int,
                 name: str) -> bytes:
        groups: dict[int, ShareGroup] = {}
        for index in sorted(complete)[:group_threshold]:
            groups[index] = _share_group(complete[index].values())
        try:
            ems = recover_ems(groups)
        except MnemonicError:
            raise InvalidArgument(f"share {name} completes groups that do not combine "
                                  "(their digest fails)") from None
        return bytes(ems.decrypt(self._passphrase))

    def to_record(self) -> dict[str, Any]:
        """The session's state as plain values (shares and passphrase: seal it).
        Counterpart to :meth:`from_record`."""
        return {
            "passphrase": self._passphrase,
            "shares": [share.mnemonic() for group in self._groups.values()
                       for share in group.values()],
            "secret": self._secret,
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Slip39Restore:
        """The session :meth:`to_record` described."""
        try:
            session = cls(bytes(record["passphrase"]))
            for mnemonic in record["shares"]:
                share = Share.from_mnemonic(mnemonic)
                session._groups.setdefault(share.group_index, {})[share.index] = share
            secret = record["secret"]
            session._secret = None if secret is None else bytes(secret)
        except (KeyError, TypeError, ValueError, MnemonicError) as error:
            raise InvalidArgument(f"not a SLIP39 restore record ({error})") from None
        return session


def _member_threshold(members: dict[int, Share]) -> int:
    return int(next(iter(members.values())).member_threshold)


def _share_group(shares: Any) -> ShareGroup:
    group = ShareGroup()
    for share in shares:
        group.add(share)
    return group


def _group_secret(shares: Any) -> bytes:
    """The secret of one group's shares, checked by its digest (``MnemonicError`` if it
    fails): the library recovers it as the only group of a 1-of-1 set."""
    alone = [replace(share, group_index=0, group_threshold=1, group_count=1)
             for share in shares]
    return bytes(recover_ems({0: _share_group(alone)}).ciphertext)
