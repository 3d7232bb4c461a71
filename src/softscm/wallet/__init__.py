"""The wallet layer: BIP32 / SLIP-10 (and Cardano BIP32-Ed25519) derivation, BIP39,
SLIP39 sessions, node addresses.

Pure functions and records: no I/O, no clock, and every secret comes from an ``entropy``
callable the module injects. The module layer keeps the slots, names and sessions.
"""

from __future__ import annotations

from softscm.wallet.bip32 import (
    Node,
    derive_child,
    derive_path,
    fingerprint,
    icarus_master_node,
    master_node,
    neuter,
    serialize_public_key,
    watch_only_root,
)
from softscm.wallet.bip39 import generate_mnemonic, mnemonic_to_seed, validate_mnemonic
from softscm.wallet.curves import WalletCurve
from softscm.wallet.path import (
    HARDENED,
    child_path,
    format_path,
    parent_path,
    parse_path,
)
from softscm.wallet.slip39 import Slip39Generation, Slip39Restore

__all__ = [
    "HARDENED",
    "Node",
    "Slip39Generation",
    "Slip39Restore",
    "WalletCurve",
    "child_path",
    "derive_child",
    "derive_path",
    "fingerprint",
    "format_path",
    "generate_mnemonic",
    "icarus_master_node",
    "master_node",
    "mnemonic_to_seed",
    "neuter",
    "parent_path",
    "parse_path",
    "serialize_public_key",
    "validate_mnemonic",
    "watch_only_root",
]
