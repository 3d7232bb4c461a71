"""The wallet part of a module: the wallet operations (``scm-behaviour.md`` §8), served
through :meth:`Module.operation`: master seeds, SLIP39 sessions, child keys, oversight
wallets, lookups; and the wallets' records in the store with their limit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from softscm.crypto import keys as ck
from softscm.errors import (
    InternalError,
    InvalidArgument,
    KeyStoreFull,
    NoSession,
    WalletNameExists,
    WalletNotFound,
)
from softscm.module.checks import check_int
from softscm.module.keys.keystore import (
    ORIGIN_OVERSIGHT,
    ORIGIN_WALLET_CHILD,
    ORIGIN_WALLET_MASTER,
)
from softscm.module.operations import Kind, exposed
from softscm.module.records import WalletRecord
from softscm.module.wallets.passphrase import bip39_passphrase, slip39_passphrase
from softscm.module.wallets.roots import bip39_master, random_master, slip39_master
from softscm.module.wallets.session import Session, slip39_limit
from softscm.module.wallets.spec import WalletSpec, curve_of, wallet_spec
from softscm.wallet import bip32, bip39
from softscm.wallet import path as wpath
from softscm.wallet.curves import WalletCurve
from softscm.wallet.slip39 import Slip39Generation, Slip39Restore

if TYPE_CHECKING:
    from softscm.module.context import Context
    from softscm.module.keys.keystore import KeyStore
    from softscm.module.storage import ModuleStore

MAX_WALLETS = 128
"""Most wallets (master and oversight) a module holds (``scm-behaviour.md`` §8.2, C3)."""

KIND_MASTER = "master"
"""A wallet rooted at a master seed."""

KIND_OVERSIGHT = "oversight"
"""A watch-only wallet rooted at another wallet's public node."""


class Wallets:
    """The wallet part of a module. Every operation checks its arguments first, then
    starts as a host call, and changes the state in one transaction or not at all."""

    def __init__(self, context: Context, keystore: KeyStore, profile: str) -> None:
        self._c = context
        self._keys = keystore
        self._profile = profile

    # -- what the part uses of its module -----------------------------------------------

    @property
    def _store(self) -> ModuleStore:
        return self._c.store

    def _entropy(self, size: int) -> bytes:
        return self._c.entropy(size)

    def _host_call(self) -> None:
        self._c.host_guard()

    @property
    def slip39_limit(self) -> int:
        """Most SLIP39 groups, and members per group, on this module's profile."""
        return slip39_limit(self._profile)

    # -- master seeds --------------------------------------------------------------------

    @exposed(Kind.HOST)
    def create_wallet(self, key_type: str, wallet_name: str, master_gen_key: bytes = b"",
                      variant: str = "") -> int:
        """A new wallet whose master seed comes from the module's generator, with no
        mnemonic; returns the master seed's slot."""
        spec = wallet_spec(key_type, wallet_name, master_gen_key, variant)
        self._host_call()
        return self._make_wallet(spec, lambda: random_master(spec, self._entropy))

    @exposed(Kind.HOST)
    def create_wallet_bip39(self, key_type: str, wallet_name: str, master_gen_key: bytes = b"",
                            variant: str = "", passphrase: str = "") -> list[Any]:
        """A new wallet from a new 24-word English BIP39 mnemonic and the base64
        ``passphrase``; returns ``[slot, mnemonic]``. The mnemonic is shown only here."""
        spec = wallet_spec(key_type, wallet_name, master_gen_key, variant)
        secret = bip39_passphrase(passphrase)
        self._host_call()
        words: list[str] = []

        def node() -> bip32.Node:
            words.append(bip39.generate_mnemonic(self._entropy))
            return bip39_master(spec, words[0], secret)

        slot = self._make_wallet(spec, node)
        return [slot, words[0]]

    @exposed(Kind.HOST)
    def restore_wallet_bip39(self, key_type: str, wallet_name: str, mnemonic: str,
                             master_gen_key: bytes = b"", variant: str = "",
                             passphrase: str = "") -> int:
        """Rebuild a wallet's master seed from a BIP39 mnemonic (12 to 24 words, any
        wordlist the ``mnemonic`` package ships) and the base64 ``passphrase``; returns
        the new master slot. A wrong word or checksum is ``InvalidArgument``."""
        spec = wallet_spec(key_type, wallet_name, master_gen_key, variant)
        secret = bip39_passphrase(passphrase)
        bip39.validate_mnemonic(mnemonic)
        self._host_call()
        return self._make_wallet(spec, lambda: bip39_master(spec, mnemonic, secret))

    @exposed(Kind.HOST)
    def create_oversight_wallet(self, key_type: str, public_key: bytes, chain_code: bytes,
                                node_address: str, wallet_name: str, variant: str = "") -> int:
        """A watch-only wallet from the public key and chain code of the hardened node
        ``node_address`` of another wallet; returns its root's slot. Its nodes derive
        non-hardened children and export public keys; they cannot sign."""
        spec = wallet_spec(key_type, wallet_name, b"", variant)
        if not isinstance(public_key, (bytes, bytearray)):
            raise InvalidArgument("the public key must be bytes")
        if not isinstance(chain_code, (bytes, bytearray)):
            raise InvalidArgument("the chain code must be bytes")
        numbers = wpath.parse_path(node_address)
        if not numbers or not wpath.is_hardened(numbers[-1]):
            raise InvalidArgument(f"an oversight wallet starts at a hardened node, and "
                                  f"{node_address!r} does not end with a hardened index")
        raw = bytes(public_key)
        if spec.curve is not WalletCurve.ED25519:
            raw = ck.parse_public_key(spec.key_type, raw)
        root = bip32.watch_only_root(spec.curve, raw, bytes(chain_code), node_address,
                                     spec.variant)
        self._host_call()
        return self._make_wallet(spec, lambda: root, kind=KIND_OVERSIGHT)

    def _make_wallet(self, spec: WalletSpec, make_root: Callable[[], bip32.Node],
                     kind: str = KIND_MASTER) -> int:
        """Check that the wallet may be made, then make its root in the lowest free slot,
        all in one transaction."""
        with self._store.transaction():
            self._keys.check_no_session()
            self._check_room(spec.name)
            self._keys.free_slot()
            return self._add_wallet(spec, make_root(), kind)

    def _check_room(self, name: str) -> None:
        if self._store.wallet_by_name(name) is not None:
            raise WalletNameExists(f"a wallet named {name!r} already exists")
        if self._store.wallet_count() >= MAX_WALLETS:
            raise KeyStoreFull(f"the module already holds {MAX_WALLETS} wallets")

    def _add_wallet(self, spec: WalletSpec, root: bip32.Node, kind: str) -> int:
        self._check_room(spec.name)
        slot = self._keys.free_slot()
        wallet_id = self._store.add_wallet(spec.name, slot, int(spec.key_type), spec.variant,
                                           kind, root.path)
        origin = ORIGIN_OVERSIGHT if kind == KIND_OVERSIGHT else ORIGIN_WALLET_MASTER
        self._keys.put_wallet_node(slot, root, wallet_id=wallet_id, parent_slot=None,
                                   origin=origin)
        return slot

    # -- SLIP39 sessions -----------------------------------------------------------------

    @exposed(Kind.HOST)
    def start_slip39_generation(self, key_type: str, wallet_name: str, group_count: int,
                                group_threshold: int, iteration_exponent: int,
                                master_gen_key: bytes = b"", variant: str = "",
                                passphrase: str = "") -> None:
        """Open a SLIP39 generation session for a new wallet: ``group_count`` groups of
        which ``group_threshold`` rebuild its 256-bit master secret, encrypted with the
        base64 ``passphrase`` and ``iteration_exponent`` (0-5). Groups are then set up
        with :meth:`set_slip39_group` and their shares made with
        :meth:`add_slip39_member`."""
        spec = wallet_spec(key_type, wallet_name, master_gen_key, variant)
        secret = slip39_passphrase(passphrase)
        limit = self.slip39_limit
        check_int("group_count", group_count, 1, limit)
        check_int("group_threshold", group_threshold, 1, group_count)
        check_int("iteration_exponent", iteration_exponent, 0, 5)
        self._host_call()
        with self._store.transaction():
            self._keys.check_no_session()
            self._check_room(spec.name)
            self._keys.free_slot()
            generation = Slip39Generation(group_count, group_threshold, iteration_exponent,
                                          secret, entropy=self._entropy, max_groups=limit,
                                          max_members=limit)
            self._save(Session(spec, generation))

    @exposed(Kind.HOST)
    def set_slip39_group(self, group_index: int, member_count: int,
                         member_threshold: int) -> None:
        """Set up the next group of the open generation session: ``member_count``
        shares of which ``member_threshold`` rebuild it. Groups go in index order, each
        once its predecessor's shares are all made."""
        for name, value in (("group_index", group_index), ("member_count", member_count),
                            ("member_threshold", member_threshold)):
            check_int(name, value, -2**31, 2**31 - 1)
        self._host_call()
        with self._store.transaction():
            session = self._session()
            session.generation().set_group_info(group_index, member_count, member_threshold)
            self._save(session)

    @exposed(Kind.HOST)
    def add_slip39_member(self, password: str = "") -> list[Any]:
        """Make the next share of the current group, bound to the member ``password``
        (plain text; ``""`` for a standard SLIP39 share). Returns ``[None, mnemonic]``,
        or ``[slot, mnemonic]`` for the last share of the last group: the wallet is then
        made and the session closes."""
        if not isinstance(password, str):
            raise InvalidArgument(f"a member password is a str, not {type(password).__name__}")
        self._host_call()
        with self._store.transaction():
            session = self._session()
            mnemonic, secret = session.generation().add_member(password)
            if secret is None:
                self._save(session)
                return [None, mnemonic]
            slot = self._add_wallet(session.spec, slip39_master(session.spec, secret),
                                    KIND_MASTER)
            self._keys.discard_session()
            return [slot, mnemonic]

    @exposed(Kind.HOST)
    def start_slip39_restore(self, key_type: str, wallet_name: str, master_gen_key: bytes = b"",
                             variant: str = "", passphrase: str = "") -> None:
        """Open a SLIP39 restore session for a wallet: shares then go, one at a time, to
        :meth:`add_slip39_share`. The group counts come from the shares."""
        spec = wallet_spec(key_type, wallet_name, master_gen_key, variant)
        secret = slip39_passphrase(passphrase)
        self._host_call()
        with self._store.transaction():
            self._keys.check_no_session()
            self._check_room(spec.name)
            self._keys.free_slot()
            self._save(Session(spec, Slip39Restore(secret)))

    @exposed(Kind.HOST)
    def add_slip39_share(self, mnemonic: str, password: str = "") -> int | None:
        """Feed one share, with its member password, into the open restore session.

        Returns ``None`` until the master secret can be rebuilt, then the new master
        slot (the session closes). A share that cannot count (bad word or checksum, a
        wrong password, another set's share, a duplicate) is ``InvalidArgument`` naming
        it by its first words, and the session is unchanged."""
        if not isinstance(mnemonic, str):
            raise InvalidArgument(f"a share mnemonic is a str, not {type(mnemonic).__name__}")
        if not isinstance(password, str):
            raise InvalidArgument(f"a member password is a str, not {type(password).__name__}")
        self._host_call()
        with self._store.transaction():
            session = self._session()
            secret = session.restore().add_share(mnemonic, password)
            if secret is None:
                self._save(session)
                return None
            slot = self._add_wallet(session.spec, slip39_master(session.spec, secret),
                                    KIND_MASTER)
            self._keys.discard_session()
            return slot

    @exposed(Kind.HOST)
    def cancel_slip39_session(self) -> None:
        """Discard the open SLIP39 session and all its partial results; with no session
        open, do nothing."""
        self._host_call()
        self._keys.discard_session()

    @exposed(Kind.HOST)
    def slip39_session(self) -> dict[str, Any] | None:
        """What the open SLIP39 session is, without its secrets: ``kind``
        (``"generate"`` or ``"restore"``), the wallet it makes and, for a generation,
        the group being set up and the members left; ``None`` when none is open."""
        self._host_call()
        payload = self._keys.session()
        if payload is None:
            return None
        return Session.from_bytes(payload).describe()

    def discard_session(self) -> None:
        """Discard any open SLIP39 session: a session does not survive a module boot,
        nor a self-destruct (``scm-behaviour.md`` §8.7). Not a host operation."""
        self._keys.discard_session()

    def _session(self) -> Session:
        payload = self._keys.session()
        if payload is None:
            raise NoSession("no SLIP39 session is open")
        return Session.from_bytes(payload)

    def _save(self, session: Session) -> None:
        self._keys.put_session(session.to_bytes())

    # -- children and lookups --------------------------------------------------------------

    @exposed(Kind.HOST)
    def derive_wallet_child(self, parent_slot: int, index: int, hardened: bool,
                            return_chain_code: bool = False) -> list[Any]:
        """Derive child ``index`` (0 to 2**31-1; hardened: ``index + 2**31``) of the
        wallet node in ``parent_slot`` into the lowest free slot. Returns ``[slot,
        chain_code]``, the chain code (32 bytes) only when ``return_chain_code``, which
        needs a hardened child; else ``[slot, None]``."""
        if type(parent_slot) is not int:
            raise InvalidArgument("parent_slot must be an integer")
        wpath.child_number(index, bool(hardened))
        if not isinstance(hardened, bool) or not isinstance(return_chain_code, bool):
            raise InvalidArgument("hardened and return_chain_code must be booleans")
        if return_chain_code and not hardened:
            raise InvalidArgument("the chain code is returned only for a hardened child")
        self._keys.check_slot(parent_slot)
        self._host_call()
        with self._store.transaction():
            self._keys.check_no_session()
            place = self._store.get_wallet_node(parent_slot)
            if place is None:
                raise WalletNotFound(f"slot {parent_slot} is not a wallet node")
            address = wpath.child_path(place.path, index, hardened)
            existing = self._store.wallet_node_at(place.wallet_id, address)
            if existing is not None:
                raise InvalidArgument(f"node {address} of this wallet already exists, in "
                                      f"slot {existing.slot}")
            child = bip32.derive_child(self._keys.wallet_node(parent_slot), index, hardened)
            slot = self._keys.free_slot()
            origin = ORIGIN_OVERSIGHT if child.watch_only else ORIGIN_WALLET_CHILD
            self._keys.put_wallet_node(slot, child, wallet_id=place.wallet_id,
                                       parent_slot=parent_slot, origin=origin)
        return [slot, child.chain_code if return_chain_code else None]

    @exposed(Kind.HOST)
    def wallet_node_address(self, slot: int) -> list[Any]:
        """``[node_address, wallet_name, root_slot]`` of the wallet node in ``slot``;
        a master seed gives ``["m", name, slot]``. ``WalletNotFound`` for any other
        slot."""
        self._keys.check_slot(slot)
        self._host_call()
        place = self._store.get_wallet_node(slot)
        if place is None:
            raise WalletNotFound(f"slot {slot} is not a wallet node")
        wallet = self._wallet_by_id(place.wallet_id)
        return [place.path, wallet.name, wallet.root_slot]

    @exposed(Kind.HOST)
    def wallet_key_slot(self, node_address: str, wallet_name: str | None = None,
                        master_slot: int | None = None) -> int:
        """The slot of the node at ``node_address`` in the wallet named ``wallet_name``
        or, when no name is given, the wallet whose root is ``master_slot``."""
        address = wpath.normalize_path(node_address)
        if wallet_name is not None and not isinstance(wallet_name, str):
            raise InvalidArgument("wallet_name must be a string")
        if not wallet_name and master_slot is None:
            raise InvalidArgument("give a wallet name or a master seed slot")
        if not wallet_name and type(master_slot) is not int:
            raise InvalidArgument("master_slot must be an integer")
        self._host_call()
        wallet = self._find_wallet(wallet_name, master_slot)
        node = self._store.wallet_node_at(wallet.wallet_id, address)
        if node is None:
            raise WalletNotFound(f"wallet {wallet.name!r} has no node {address}")
        return node.slot

    @exposed(Kind.HOST)
    def wallets(self) -> list[dict[str, Any]]:
        """One record per wallet: ``name``, ``slot`` (its root), ``key_type``,
        ``variant``, ``kind`` (``"master"`` or ``"oversight"``), ``address`` (its root's)
        and ``nodes`` (how many)."""
        self._host_call()
        return [self._describe(w) for w in self._store.list_wallets()]

    @exposed(Kind.HOST)
    def wallet_info(self, wallet_name: str | None = None,
                    master_slot: int | None = None) -> dict[str, Any]:
        """A wallet's record (as :meth:`wallets`) with its nodes: ``slot``, ``address``,
        ``parent`` (slot, ``None`` for the root) and ``public_key`` when it may be
        exported (never a master seed's)."""
        if wallet_name is not None and not isinstance(wallet_name, str):
            raise InvalidArgument("wallet_name must be a string")
        if not wallet_name and type(master_slot) is not int:
            raise InvalidArgument("give a wallet name or a master seed slot")
        self._host_call()
        wallet = self._find_wallet(wallet_name, master_slot)
        info = self._describe(wallet)
        nodes = []
        for place in self._store.wallet_nodes(wallet.wallet_id):
            rec = self._keys.record(place.slot)
            nodes.append({"slot": place.slot, "address": place.path,
                          "parent": place.parent_slot,
                          "public_key": rec.public if rec.exportable else None})
        info["nodes"] = nodes
        return info

    def _describe(self, wallet: WalletRecord) -> dict[str, Any]:
        return {"name": wallet.name, "slot": wallet.root_slot,
                "key_type": curve_of(wallet.key_type).value,
                "variant": wallet.variant, "kind": wallet.kind, "address": wallet.root_path,
                "nodes": len(self._store.wallet_nodes(wallet.wallet_id))}

    def _find_wallet(self, wallet_name: str | None, master_slot: int | None) -> WalletRecord:
        if wallet_name:
            wallet = self._store.wallet_by_name(wallet_name)
            if wallet is None:
                raise WalletNotFound(f"no wallet is named {wallet_name!r}")
            return wallet
        wallet = self._store.wallet_by_root(int(master_slot or 0))
        if wallet is None:
            raise WalletNotFound(f"slot {master_slot} is not the master seed of a wallet")
        return wallet

    def _wallet_by_id(self, wallet_id: int) -> WalletRecord:
        wallet = self._store.wallet_by_id(wallet_id)
        if wallet is None:
            raise InternalError(f"wallet {wallet_id} has nodes but no record")
        return wallet
