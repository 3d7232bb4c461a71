"""The store layer: the module's durable state in one SQLite database."""

from __future__ import annotations

from softscm.store.database import Store
from softscm.store.records import EventRecord, ForeignKeyRecord, KeyRecord

__all__ = ["EventRecord", "ForeignKeyRecord", "KeyRecord", "Store"]
