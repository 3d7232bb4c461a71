"""Digital wallets: BIP32, BIP39, SLIP39 and oversight wallets (``zymkey-api.md`` §4.8).

Every method converts and checks its arguments as Zymbit's wrapper does (those errors
come first), then calls :class:`softscm.Client`. Failures of the module become
``AssertionError("bad return code N")``, except where the wrapper returns the library's
code without checking it: opening a SLIP39 restore session returns ``-1`` on success and
the negative code on failure, and a share fed to it returns ``-1`` whether it was
accepted or refused (Q22, §7 item 8).
"""

from __future__ import annotations

from typing import Any

from softscm.errors import InvalidArgument, SoftScmError
from zymkey._cargs import c_bool, c_bytes, c_char_p, c_int, c_string, c_uint
from zymkey._constants import key_type_name
from zymkey._errors import library_call, return_code
from zymkey._facade import Facade
from zymkey._recovery import RecoveryStrategy

#: What the SLIP39 restore calls return while the master seed is not rebuilt yet (and
#: for a share that could not count: the value deliberately says nothing more).
SLIP39_PENDING = -1

#: The default strategy of ``gen_wallet_master_seed``: one instance shared by every
#: call, as in Zymbit's wrapper (Q12).
DEFAULT_RECOVERY_STRATEGY = RecoveryStrategy()


class WalletMethods(Facade):
    """Wallet master seeds, SLIP39 sessions, child keys and node addresses."""

    def gen_wallet_master_seed(self, key_type: Any, master_gen_key: Any, wallet_name: Any,
                               recovery_strategy: Any = DEFAULT_RECOVERY_STRATEGY) -> Any:
        """Create a new wallet's master seed of ``key_type`` named ``wallet_name``.

        ``master_gen_key`` is bytes-like (empty for none). By
        ``recovery_strategy.recovery_strategy``: ``""`` returns the master slot,
        ``"BIP39"`` returns ``(slot, mnemonic)`` (24 words), ``"SLIP39"`` opens a
        generation session and returns ``0`` (Q13). ``None`` means
        ``RecoveryStrategy()``.
        """
        if recovery_strategy is None:
            recovery_strategy = RecoveryStrategy()
        gen_key = c_bytes(master_gen_key)
        name = key_type_name(key_type)
        wallet = c_string(wallet_name)
        variant = c_string(recovery_strategy.variant)
        passphrase = c_string(recovery_strategy.passphrase)
        strategy = recovery_strategy.recovery_strategy
        if strategy == "SLIP39":
            group_count = c_int(recovery_strategy.group_count, 7)
            group_threshold = c_int(recovery_strategy.group_threshold, 8)
            iteration_exponent = c_int(recovery_strategy.iteration_exponent, 9)
            with library_call():
                self._client.start_slip39_generation(
                    name, wallet, group_count, group_threshold, iteration_exponent,
                    master_gen_key=gen_key, variant=variant, passphrase=passphrase)
            return 0
        if strategy == "BIP39":
            with library_call():
                slot, mnemonic = self._client.create_wallet_bip39(
                    name, wallet, master_gen_key=gen_key, variant=variant,
                    passphrase=passphrase)
            return int(slot), str(mnemonic)
        with library_call():
            slot = self._client.create_wallet(name, wallet, master_gen_key=gen_key,
                                              variant=variant)
        return int(slot)

    def set_gen_SLIP39_group_info(self, group_index: Any, member_count: Any,
                                  member_threshold: Any) -> None:
        """In the open SLIP39 generation session, select group ``group_index`` and give
        it ``member_count`` shares of which ``member_threshold`` rebuild it."""
        index = c_int(group_index, 2)
        count = c_int(member_count, 3)
        threshold = c_int(member_threshold, 4)
        with library_call():
            self._client.set_slip39_group(index, count, threshold)

    def add_gen_SLIP39_member_pwd(self, passphrase: Any = "") -> tuple[int, str]:
        """Generate the next share of the current group, protected by the member
        password ``passphrase`` (plain text). Returns ``(-1, mnemonic)`` until the last
        share of the last group, then ``(master_slot, mnemonic)`` (Q22)."""
        password = c_string(passphrase)
        with library_call():
            share = self._client.add_slip39_member(password)
        ret = SLIP39_PENDING if share.master_slot is None else share.master_slot
        return int(ret), str(share.mnemonic)

    def cancel_SLIP39_session(self) -> None:
        """Abort the open SLIP39 session, generation or restore; nothing is created."""
        with library_call():
            self._client.cancel_slip39_session()

    def gen_oversight_wallet(self, key_type: Any, pub_key: Any, chain_code: Any,
                             node_addr: Any, wallet_name: Any, variant: Any = "") -> int:
        """Create a watch-only wallet from the public key and chain code of the hardened
        node ``node_addr`` of another wallet; returns its slot."""
        public_key = c_bytes(pub_key)
        chain = c_bytes(chain_code)
        name = key_type_name(key_type)
        node = c_string(node_addr)
        wallet = c_string(wallet_name)
        wallet_variant = c_string(variant)
        with library_call():
            return int(self._client.create_oversight_wallet(
                name, public_key, chain, node, wallet, variant=wallet_variant))

    def gen_wallet_child_key(self, parent_key_slot: Any, index: Any, hardened: Any,
                             return_chain_code: Any = False) -> Any:
        """Derive child ``index`` (hardened: ``index + 2**31``) of the wallet key in
        ``parent_key_slot``; returns its slot, or ``(slot, chain_code)`` with
        ``return_chain_code`` (Q26). ``index`` is a C unsigned int."""
        parent = c_int(parent_key_slot, 2)
        child_index = c_uint(index, 3)
        is_hardened = c_bool(hardened)
        with_chain_code = c_bool(return_chain_code)
        with library_call():
            if with_chain_code:
                slot, chain = self._client.derive_wallet_child(
                    parent, child_index, is_hardened, return_chain_code=True)
                return int(slot), bytearray(chain)
            return int(self._client.derive_wallet_child(parent, child_index, is_hardened))

    def restore_wallet_master_seed(self, key_type: Any, master_gen_key: Any, wallet_name: Any,
                                   recovery_strategy: Any, mnemonics: Any = None) -> int:
        """Restore a wallet's master seed.

        BIP39: ``mnemonics`` is the sentence; returns the new master slot. SLIP39: opens
        a restore session (``mnemonics`` is ignored) and returns the library's code as
        is, ``-1`` when the session opened (Q22); shares then go to
        :meth:`add_restore_SLIP39_mnemonic`. ``variant``, ``passphrase`` and
        ``master_gen_key`` must match the values used at generation.
        """
        gen_key = c_bytes(master_gen_key)
        name = key_type_name(key_type)
        strategy = recovery_strategy.recovery_strategy
        if strategy == "BIP39":
            if mnemonics is None:
                raise AssertionError("BIP39 requires a mnemonic sentence")
            variant = c_string(recovery_strategy.variant)
            wallet = c_string(wallet_name)
            passphrase = c_string(recovery_strategy.passphrase)
            sentence = c_string(mnemonics)
            with library_call():
                return int(self._client.restore_wallet_bip39(
                    name, wallet, sentence, master_gen_key=gen_key, variant=variant,
                    passphrase=passphrase))
        if strategy == "SLIP39":
            variant = c_string(recovery_strategy.variant)
            wallet = c_string(wallet_name)
            passphrase = c_string(recovery_strategy.passphrase)
            # Converted as the wrapper does; the shares carry the group counts.
            c_int(recovery_strategy.group_count, 7)
            c_int(recovery_strategy.group_threshold, 8)
            c_int(recovery_strategy.iteration_exponent, 9)
            # The wrapper returns this code without checking it (§7 item 8).
            try:
                self._client.start_slip39_restore(name, wallet, master_gen_key=gen_key,
                                                  variant=variant, passphrase=passphrase)
            except SoftScmError as exc:
                return return_code(exc)
            return SLIP39_PENDING
        raise AssertionError("Not a supported recovery strategy")

    def add_restore_SLIP39_mnemonic(self, mnemonic_sentence: Any,
                                    passphrase: Any = "") -> int:
        """Feed one share and its member password into the open restore session.
        Returns ``-1`` until the master seed can be rebuilt, then its new slot; never
        raises on the library's code (Q22)."""
        password = c_string(passphrase)
        sentence = c_string(mnemonic_sentence)
        # Unchecked code, as for the SLIP39 restore above. A share that cannot count
        # gives -1 like one that does not complete the seed: no hint (§8.6 there).
        try:
            slot = self._client.add_slip39_share(sentence, password)
        except InvalidArgument:
            return SLIP39_PENDING
        except SoftScmError as exc:
            return return_code(exc)
        return SLIP39_PENDING if slot is None else int(slot)

    def get_wallet_node_addr(self, slot: Any) -> tuple[str, str, int]:
        """``(node_address, wallet_name, master_seed_slot)`` of the wallet key in
        ``slot``; a master seed gives ``("m", name, slot)``."""
        key_slot = c_int(slot, 2)
        with library_call():
            node, wallet, master = self._client.wallet_node_address(key_slot)
        return str(node), str(wallet), int(master)

    def get_wallet_key_slot(self, node_addr: Any, wallet_name: Any = None,
                            master_seed_slot: Any = None) -> int:
        """The slot of node ``node_addr`` in the wallet named ``wallet_name`` or, if no
        name is given, in the wallet whose master seed is in ``master_seed_slot``.

        A truthy ``wallet_name`` replaces ``master_seed_slot`` by ``0``; with neither,
        or with ``wallet_name=""``, ``ctypes.ArgumentError`` is raised (Q25).
        """
        node = c_string(node_addr)
        wallet: str | None = None
        if wallet_name:
            wallet = c_string(wallet_name)
            master_seed_slot = 0
        else:
            c_char_p(wallet_name, 3)
        master = c_int(master_seed_slot, 4)
        with library_call():
            if wallet is not None:
                return int(self._client.wallet_key_slot(node, wallet_name=wallet))
            return int(self._client.wallet_key_slot(node, master_slot=master))
