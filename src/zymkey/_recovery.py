"""Recovery strategies of wallet master seeds (``zymkey-api.md`` §3.1).

Plain attribute holders that validate nothing; the module reads ``recovery_strategy``,
``variant``, ``passphrase`` and, for SLIP39, the three group fields, so duck-typed
objects work as well.
"""

from __future__ import annotations

from typing import Any


class RecoveryStrategy:
    """No mnemonic: a plain BIP32 master seed. ``variant`` is ``""`` or ``"cardano"``."""

    def __init__(self, variant: str = "") -> None:
        self.recovery_strategy = ""
        self.variant = variant
        self.passphrase = ""


class RecoveryStrategyBIP39(RecoveryStrategy):
    """A BIP39 mnemonic of 24 words. ``passphrase`` is the base64 text of the BIP39
    passphrase (``""`` for none). Note that ``variant`` comes first (Q14)."""

    def __init__(self, variant: str = "", passphrase: str = "") -> None:
        self.recovery_strategy = "BIP39"
        self.variant = variant
        self.passphrase = passphrase


class RecoveryStrategySLIP39(RecoveryStrategy):
    """SLIP39 shares: ``group_count`` groups of which ``group_threshold`` rebuild the
    secret, ``iteration_exponent`` 0-5, and the base64 master ``passphrase``."""

    def __init__(self, group_count: Any, group_threshold: Any, iteration_exponent: Any,
                 variant: str = "", passphrase: str = "") -> None:
        self.recovery_strategy = "SLIP39"
        self.variant = variant
        self.passphrase = passphrase
        self.group_count = group_count
        self.group_threshold = group_threshold
        self.iteration_exponent = iteration_exponent
