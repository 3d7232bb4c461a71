"""The master nodes of new wallets: from the module's generator, a BIP39 mnemonic or a
recovered SLIP39 master secret."""

from __future__ import annotations

from collections.abc import Callable

from softscm.module.wallets.spec import WalletSpec
from softscm.wallet import bip32, bip39

MASTER_SEED_BYTES = 32
"""Length of the seed of a wallet made without recovery (256 bits)."""


def random_master(spec: WalletSpec, entropy: Callable[[int], bytes]) -> bip32.Node:
    """The master node of a wallet made without a mnemonic: of a new random seed."""
    seed = entropy(MASTER_SEED_BYTES)
    return bip32.master_node(spec.curve, seed, master_gen_key=spec.master_gen_key,
                             variant=spec.variant)


def bip39_master(spec: WalletSpec, mnemonic: str, passphrase: bytes) -> bip32.Node:
    """The master node of a BIP39 wallet: of the BIP39 seed, or for the ``"cardano"``
    variant the Icarus master key of the mnemonic's entropy."""
    if spec.cardano:
        _, entropy = bip39.mnemonic_to_entropy(mnemonic)
        return bip32.icarus_master_node(entropy, passphrase,
                                        master_gen_key=spec.master_gen_key)
    seed = bip39.seed_from_words(mnemonic, passphrase)
    return bip32.master_node(spec.curve, seed, master_gen_key=spec.master_gen_key)


def slip39_master(spec: WalletSpec, secret: bytes) -> bip32.Node:
    """The master node of a SLIP39 wallet: the recovered master secret is the seed
    (the Icarus entropy for ``"cardano"``; the passphrase is already applied)."""
    return bip32.master_node(spec.curve, secret, master_gen_key=spec.master_gen_key,
                             variant=spec.variant)
