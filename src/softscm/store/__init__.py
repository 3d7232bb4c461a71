"""The store layer: the module's durable state in one SQLite database."""

from __future__ import annotations

from softscm.store.database import Store
from softscm.store.records import ForeignKeyRecord, KeyRecord

__all__ = ["ForeignKeyRecord", "KeyRecord", "Store"]
