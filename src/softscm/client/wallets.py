"""The wallet methods of :class:`softscm.Client`: HD wallets (BIP32 / SLIP-10), BIP39
mnemonics, SLIP39 sessions and oversight wallets (``scm-behaviour.md`` §8).

Wallet nodes are key-store slots: sign, verify, ECDH and export their public keys with
the ordinary methods (``sign_digest``, ``public_key`` ...) and remove them with
``remove_key``, which takes a node's descendants with it (and the wallet with its root).
Master passphrases are given as base64 text, as ``zymkey``'s recovery strategies carry
them; member passwords of SLIP39 shares are plain text.
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, overload


class NodeAddress(NamedTuple):
    """Where a wallet key sits: its node address (``"m/44'/60'/0'/0/3"``), its wallet's
    name and the slot of the wallet's root (the master seed, or an oversight wallet's
    root)."""

    address: str
    wallet_name: str
    master_slot: int


class Slip39Share(NamedTuple):
    """One share made in a SLIP39 generation session: its mnemonic (33 words) and, for
    the last share of the last group, the slot of the wallet's new master seed (else
    ``None``)."""

    mnemonic: str
    master_slot: int | None


class WalletClientMixin:
    """HD wallets: master seeds, SLIP39 sessions, child keys, oversight wallets."""

    def _call(self, op: str, **args: Any) -> Any:  # provided by Client
        raise NotImplementedError

    # -- master seeds ------------------------------------------------------------------

    def create_wallet(self, key_type: str, name: str, *, master_gen_key: bytes = b"",
                      variant: str = "") -> int:
        """Create the wallet ``name`` on ``key_type`` (``"secp256k1"``, ``"nistp256"``
        or ``"secp256r1"``, ``"ed25519"``; ``variant="cardano"`` for Cardano's
        BIP32-Ed25519) from a master seed the module draws, with no mnemonic; returns the
        master seed's slot. ``master_gen_key`` (empty: the standard BIP32 / SLIP-10
        key) replaces the HMAC key of the master-key step."""
        return int(self._call("create_wallet", key_type=key_type, wallet_name=name,
                              master_gen_key=bytes(master_gen_key), variant=variant))

    def create_wallet_bip39(self, key_type: str, name: str, *, master_gen_key: bytes = b"",
                            variant: str = "", passphrase: str = "") -> tuple[int, str]:
        """Create the wallet ``name`` from a new 24-word English BIP39 mnemonic and the
        base64 ``passphrase``; returns ``(master_slot, mnemonic)``. The mnemonic is
        shown this once: the module never returns it again."""
        slot, mnemonic = self._call(
            "create_wallet_bip39", key_type=key_type, wallet_name=name,
            master_gen_key=bytes(master_gen_key), variant=variant, passphrase=passphrase)
        return int(slot), str(mnemonic)

    def restore_wallet_bip39(self, key_type: str, name: str, mnemonic: str, *,
                             master_gen_key: bytes = b"", variant: str = "",
                             passphrase: str = "") -> int:
        """Restore the wallet ``name`` from a BIP39 mnemonic (12 to 24 words, in any
        wordlist of the ``mnemonic`` package) with the curve, variant, generator key and
        base64 passphrase it was made with; returns the new master slot. Only the master
        comes back: derive the children again."""
        return int(self._call(
            "restore_wallet_bip39", key_type=key_type, wallet_name=name, mnemonic=mnemonic,
            master_gen_key=bytes(master_gen_key), variant=variant, passphrase=passphrase))

    def create_oversight_wallet(self, key_type: str, public_key: bytes, chain_code: bytes,
                                node_address: str, name: str, *, variant: str = "") -> int:
        """Create the watch-only wallet ``name`` from the raw public key and the chain
        code of the hardened node ``node_address`` of another wallet (as
        :meth:`derive_wallet_child` returns them); returns its root's slot. It derives
        non-hardened children and exports their public keys; none of its keys signs."""
        return int(self._call(
            "create_oversight_wallet", key_type=key_type, public_key=bytes(public_key),
            chain_code=bytes(chain_code), node_address=node_address, wallet_name=name,
            variant=variant))

    # -- SLIP39 sessions -----------------------------------------------------------------

    def start_slip39_generation(self, key_type: str, name: str, group_count: int,
                                group_threshold: int, iteration_exponent: int = 1, *,
                                master_gen_key: bytes = b"", variant: str = "",
                                passphrase: str = "") -> None:
        """Open a SLIP39 generation session for the wallet ``name``: its master secret
        is split into ``group_count`` groups (up to 16 on an SCM, 14 on an HSM6), of
        which ``group_threshold`` rebuild it. Then, group by group in index order,
        :meth:`set_slip39_group` and one :meth:`add_slip39_member` per member. While a
        session is open no key can be generated (``SessionActive``)."""
        self._call("start_slip39_generation", key_type=key_type, wallet_name=name,
                   group_count=group_count, group_threshold=group_threshold,
                   iteration_exponent=iteration_exponent,
                   master_gen_key=bytes(master_gen_key), variant=variant,
                   passphrase=passphrase)

    def set_slip39_group(self, group_index: int, member_count: int,
                         member_threshold: int) -> None:
        """Set up group ``group_index`` of the generation session: ``member_count``
        shares, of which ``member_threshold`` rebuild the group."""
        self._call("set_slip39_group", group_index=group_index, member_count=member_count,
                   member_threshold=member_threshold)

    def add_slip39_member(self, password: str = "") -> Slip39Share:
        """Make the next share of the current group, bound to the member ``password``
        (plain text; ``""`` makes a standard SLIP39 share). The last share of the last
        group creates the wallet and closes the session: its ``master_slot`` is set."""
        slot, mnemonic = self._call("add_slip39_member", password=password)
        return Slip39Share(str(mnemonic), None if slot is None else int(slot))

    def start_slip39_restore(self, key_type: str, name: str, *, master_gen_key: bytes = b"",
                             variant: str = "", passphrase: str = "") -> None:
        """Open a SLIP39 restore session for the wallet ``name`` (the curve, variant,
        generator key and base64 passphrase it was made with); feed the shares with
        :meth:`add_slip39_share`."""
        self._call("start_slip39_restore", key_type=key_type, wallet_name=name,
                   master_gen_key=bytes(master_gen_key), variant=variant,
                   passphrase=passphrase)

    def add_slip39_share(self, mnemonic: str, password: str = "") -> int | None:
        """Feed one share with its member password into the restore session, in any
        order. Returns ``None`` until the master secret is rebuilt, then the new master
        slot. A share that cannot count (a wrong word or password, another set's share,
        a duplicate) raises ``InvalidArgument`` naming it by its first words, and the
        session stays as it was."""
        slot = self._call("add_slip39_share", mnemonic=mnemonic, password=password)
        return None if slot is None else int(slot)

    def cancel_slip39_session(self) -> None:
        """Discard the open SLIP39 session (generation or restore); no-op without one."""
        self._call("cancel_slip39_session")

    def slip39_session(self) -> dict[str, Any] | None:
        """The open SLIP39 session without its secrets (``kind``: ``"generate"`` or
        ``"restore"``, ``wallet_name``, ``key_type``, ``variant``, and for a generation
        ``group_count``, ``group_threshold``, ``group_index``, ``members_left``), or
        ``None``."""
        info = self._call("slip39_session")
        return None if info is None else dict(info)

    # -- children and lookups ------------------------------------------------------------

    @overload
    def derive_wallet_child(self, parent_slot: int, index: int, hardened: bool, *,
                            return_chain_code: Literal[False] = False) -> int: ...

    @overload
    def derive_wallet_child(self, parent_slot: int, index: int, hardened: bool, *,
                            return_chain_code: Literal[True]) -> tuple[int, bytes]: ...

    def derive_wallet_child(self, parent_slot: int, index: int, hardened: bool, *,
                            return_chain_code: bool = False) -> int | tuple[int, bytes]:
        """Derive child ``index`` (0 to 2**31-1) of the wallet node in ``parent_slot``,
        hardened or not, into the lowest free slot; returns the slot, or ``(slot,
        chain_code)`` with ``return_chain_code`` (hardened children only). SLIP-10
        Ed25519 wallets derive hardened children only; oversight wallets non-hardened
        ones only."""
        slot, chain_code = self._call(
            "derive_wallet_child", parent_slot=parent_slot, index=index,
            hardened=bool(hardened), return_chain_code=bool(return_chain_code))
        if return_chain_code:
            return int(slot), bytes(chain_code)
        return int(slot)

    def wallet_node_address(self, slot: int) -> NodeAddress:
        """Where the wallet key in ``slot`` sits (``WalletNotFound`` for other slots);
        a master seed is ``("m", name, slot)``."""
        address, name, master = self._call("wallet_node_address", slot=slot)
        return NodeAddress(str(address), str(name), int(master))

    def wallet_key_slot(self, node_address: str, *, wallet_name: str | None = None,
                        master_slot: int | None = None) -> int:
        """The slot of the node at ``node_address`` in the wallet named ``wallet_name``
        or, if no name is given, the wallet whose master seed is in ``master_slot``
        (``"m"`` is the master seed itself)."""
        args: dict[str, Any] = {"node_address": node_address}
        if wallet_name is not None:
            args["wallet_name"] = wallet_name
        if master_slot is not None:
            args["master_slot"] = master_slot
        return int(self._call("wallet_key_slot", **args))

    def wallets(self) -> list[dict[str, Any]]:
        """One record per wallet: ``name``, ``slot`` (its root), ``key_type``,
        ``variant``, ``kind`` (``"master"`` or ``"oversight"``), ``address`` (its root's
        node address) and ``nodes`` (how many slots it takes)."""
        return [dict(w) for w in self._call("wallets")]

    def wallet_info(self, name: str | None = None, *,
                    master_slot: int | None = None) -> dict[str, Any]:
        """The wallet named ``name`` (or rooted at ``master_slot``) as :meth:`wallets`
        lists it, with ``nodes``: one record per node (``slot``, ``address``, ``parent``
        slot, and ``public_key`` bytes when it may be exported, never a master seed's)."""
        args: dict[str, Any] = {}
        if name is not None:
            args["wallet_name"] = name
        if master_slot is not None:
            args["master_slot"] = master_slot
        info = dict(self._call("wallet_info", **args))
        info["nodes"] = [_node(n) for n in info["nodes"]]
        return info


def _node(record: dict[str, Any]) -> dict[str, Any]:
    node = dict(record)
    if node.get("public_key") is not None:
        node["public_key"] = bytes(node["public_key"])
    return node
