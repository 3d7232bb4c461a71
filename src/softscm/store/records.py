"""Rows of the store as frozen records: the module's own shapes
(:mod:`softscm.module.records`), which this layer stores."""

from __future__ import annotations

from softscm.module.records import (
    EventRecord,
    ForeignKeyRecord,
    KeyRecord,
    SealedRecord,
    WalletNodeRecord,
    WalletRecord,
)

__all__ = ["EventRecord", "ForeignKeyRecord", "KeyRecord", "SealedRecord",
           "WalletNodeRecord", "WalletRecord"]
