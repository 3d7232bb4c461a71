"""The store layer: the module's durable state in one SQLite database."""

from __future__ import annotations

from softscm.module.records import EventRecord, ForeignKeyRecord, KeyRecord
from softscm.store.database import Store

__all__ = ["EventRecord", "ForeignKeyRecord", "KeyRecord", "Store"]
