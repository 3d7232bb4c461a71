"""Digital wallets: BIP32, BIP39, SLIP39 and oversight wallets (``zymkey-api.md`` §4.8).

Not built yet: every method converts and checks its arguments as Zymbit's wrapper does
(those errors come first), then raises ``NotImplementedError``. The code that shapes
each result is in place for when the area is wired to the client.
"""

from __future__ import annotations

from typing import Any

from zymkey._cargs import c_bool, c_bytes, c_char_p, c_int, c_string, c_uint
from zymkey._constants import key_type_name
from zymkey._errors import library_call, not_built
from zymkey._facade import Facade
from zymkey._recovery import RecoveryStrategy

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
                not_built("gen_wallet_master_seed", name, gen_key, wallet, variant,
                          passphrase, group_count, group_threshold, iteration_exponent)
            return 0
        with library_call():
            slot, mnemonic = not_built("gen_wallet_master_seed", name, gen_key, wallet,
                                       variant, passphrase, strategy == "BIP39")
        if strategy == "BIP39":
            return int(slot), str(mnemonic)
        return int(slot)

    def set_gen_SLIP39_group_info(self, group_index: Any, member_count: Any,
                                  member_threshold: Any) -> None:
        """In the open SLIP39 generation session, select group ``group_index`` and give
        it ``member_count`` shares of which ``member_threshold`` rebuild it."""
        index = c_int(group_index, 2)
        count = c_int(member_count, 3)
        threshold = c_int(member_threshold, 4)
        with library_call():
            not_built("set_gen_SLIP39_group_info", index, count, threshold)

    def add_gen_SLIP39_member_pwd(self, passphrase: Any = "") -> tuple[int, str]:
        """Generate the next share of the current group, protected by the member
        password ``passphrase`` (plain text). Returns ``(-1, mnemonic)`` until the last
        share of the last group, then ``(master_slot, mnemonic)`` (Q22)."""
        password = c_string(passphrase)
        with library_call():
            ret, mnemonic = not_built("add_gen_SLIP39_member_pwd", password)
        return int(ret), str(mnemonic)

    def cancel_SLIP39_session(self) -> None:
        """Abort the open SLIP39 session, generation or restore; nothing is created."""
        with library_call():
            not_built("cancel_SLIP39_session")

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
            return int(not_built("gen_oversight_wallet", name, public_key, chain, node,
                                 wallet, wallet_variant))

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
            slot, chain = not_built("gen_wallet_child_key", parent, child_index,
                                    is_hardened, with_chain_code)
        if with_chain_code:
            return int(slot), bytearray(chain)
        return int(slot)

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
                return int(not_built("restore_wallet_master_seed", name, gen_key, wallet,
                                     variant, passphrase, sentence))
        if strategy == "SLIP39":
            variant = c_string(recovery_strategy.variant)
            wallet = c_string(wallet_name)
            passphrase = c_string(recovery_strategy.passphrase)
            group_count = c_int(recovery_strategy.group_count, 7)
            group_threshold = c_int(recovery_strategy.group_threshold, 8)
            iteration_exponent = c_int(recovery_strategy.iteration_exponent, 9)
            # The wrapper returns this code without checking it; wiring maps a
            # failure of the client to its return code here.
            return int(not_built("restore_wallet_master_seed", name, gen_key, wallet,
                                 variant, passphrase, group_count, group_threshold,
                                 iteration_exponent))
        raise AssertionError("Not a supported recovery strategy")

    def add_restore_SLIP39_mnemonic(self, mnemonic_sentence: Any,
                                    passphrase: Any = "") -> int:
        """Feed one share and its member password into the open restore session.
        Returns ``-1`` until the master seed can be rebuilt, then its new slot; never
        raises on the library's code (Q22)."""
        password = c_string(passphrase)
        sentence = c_string(mnemonic_sentence)
        # Unchecked code, as for the SLIP39 restore above.
        return int(not_built("add_restore_SLIP39_mnemonic", sentence, password))

    def get_wallet_node_addr(self, slot: Any) -> tuple[str, str, int]:
        """``(node_address, wallet_name, master_seed_slot)`` of the wallet key in
        ``slot``; a master seed gives ``("m", name, slot)``."""
        key_slot = c_int(slot, 2)
        with library_call():
            node, wallet, master = not_built("get_wallet_node_addr", key_slot)
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
            return int(not_built("get_wallet_key_slot", node, wallet, master))
