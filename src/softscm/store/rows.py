"""Rows as they come out of SQLite: each row's check value (its ``sum`` column) and the
strict parsing of rows into records. SQLite keeps no checksums of its own, so a bit
flipped in a value would otherwise be read back as a different value; here it is a
``sqlite3.DatabaseError`` that the store reports as
:class:`~softscm.errors.StoreDamaged`, as it does a value of the wrong type."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any

from softscm.module.records import (
    EventRecord,
    ForeignKeyRecord,
    KeyRecord,
    WalletNodeRecord,
    WalletRecord,
)

#: The columns of each table covered by its rows' check value (``sum``): a value that
#: does not match its row's check value is :class:`StoreDamaged`. (The event log has a
#: hash chain of its own.)
SUMMED = {
    "meta": ("name", "value"),
    "keys": ("slot", "key_type", "origin", "public", "sealed", "record_id", "exportable"),
    "foreign_keys": ("slot", "key_type", "public", "exportable"),
    "wallets": ("wallet_id", "name", "root_slot", "key_type", "variant", "kind", "root_path"),
    "wallet_nodes": ("slot", "wallet_id", "path", "parent_slot"),
    "wallet_session": ("id", "sealed", "record_id"),
}
#: Length of a row's check value, in bytes.
ROW_SUM_BYTES = 8


def row_sum(table: str, values: tuple[Any, ...]) -> bytes:
    """The check value of a row of ``table``: a keyed digest over its values as SQLite
    stores them (a bool is an integer, any bytes-like value a blob)."""
    h = hashlib.blake2b(table.encode("ascii"), digest_size=ROW_SUM_BYTES,
                        person=b"softscm-row-sum")
    for value in values:
        if value is None:
            h.update(b"N")
            continue
        if isinstance(value, bool):
            value = int(value)
        if type(value) is int:
            data, tag = str(value).encode("ascii"), b"I"
        elif type(value) is float:
            data, tag = value.hex().encode("ascii"), b"F"
        elif type(value) is str:
            data, tag = value.encode("utf-8"), b"T"
        elif isinstance(value, (bytes, bytearray, memoryview)):
            data, tag = bytes(value), b"B"
        else:
            raise TypeError(f"cannot store {type(value).__name__} in {table}")
        h.update(tag + len(data).to_bytes(8, "big") + data)
    return h.digest()


def checked_row(table: str, row: tuple[Any, ...]) -> tuple[Any, ...]:
    """``row`` without its trailing check value, which must match."""
    *values, given = row
    if given != row_sum(table, tuple(values)):
        raise sqlite3.DatabaseError(f"a row of {table} does not match its check value")
    return tuple(values)


def add_row_sums(db: sqlite3.Connection) -> None:
    """Give a state made before rows had check values its ``sum`` columns (once)."""
    if any(r[1] == "sum" for r in db.execute("PRAGMA table_info(meta)")):
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        for table, columns in SUMMED.items():
            if any(r[1] == "sum" for r in db.execute(f"PRAGMA table_info({table})")):
                continue  # another process did it first
            db.execute(f"ALTER TABLE {table} ADD COLUMN sum BLOB")
            rows = db.execute(f"SELECT rowid, {', '.join(columns)} FROM {table}").fetchall()  # noqa: S608
            db.executemany(f"UPDATE {table} SET sum = ? WHERE rowid = ?",  # noqa: S608
                           [(row_sum(table, tuple(r[1:])), r[0]) for r in rows])
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def int_value(value: Any, table: str) -> int:
    """``value`` if it is an integer, else a ``DatabaseError`` naming ``table``."""
    if type(value) is not int:
        raise sqlite3.DatabaseError(f"a row of {table} holds {type(value).__name__} where "
                                    "an integer belongs")
    return value


def blob_value(value: Any, table: str) -> bytes:
    """``value`` if it is bytes, else a ``DatabaseError`` naming ``table``."""
    if type(value) is not bytes:
        raise sqlite3.DatabaseError(f"a row of {table} holds {type(value).__name__} where "
                                    "bytes belong")
    return value


def text_value(value: Any, table: str) -> str:
    """``value`` if it is text, else a ``DatabaseError`` naming ``table``."""
    if type(value) is not str:
        raise sqlite3.DatabaseError(f"a row of {table} holds {type(value).__name__} where "
                                    "text belongs")
    return value


def key_record(row: tuple[Any, ...]) -> KeyRecord:
    """A row of ``keys`` (with its check value last) as a record."""
    slot, key_type, origin, public, sealed, record_id, exportable = checked_row("keys", row)
    t = "keys"
    return KeyRecord(int_value(slot, t), int_value(key_type, t), text_value(origin, t),
                     blob_value(public, t), blob_value(sealed, t), blob_value(record_id, t),
                     bool(int_value(exportable, t)))


def foreign_record(row: tuple[Any, ...]) -> ForeignKeyRecord:
    """A row of ``foreign_keys`` (with its check value last) as a record."""
    slot, key_type, public, exportable = checked_row("foreign_keys", row)
    t = "foreign_keys"
    return ForeignKeyRecord(int_value(slot, t), int_value(key_type, t), blob_value(public, t),
                            bool(int_value(exportable, t)))


def event_record(row: tuple[Any, ...]) -> EventRecord:
    """A row of ``events`` as a record (its hash chain is the log's own check)."""
    seq, at, kind, detail, digest = row
    t = "events"
    if type(at) not in (int, float):
        raise sqlite3.DatabaseError(f"a row of {t} holds {type(at).__name__} as its time")
    try:
        json.loads(text_value(detail, t))
    except ValueError:
        raise sqlite3.DatabaseError(f"event #{seq} holds details that do not parse") from None
    return EventRecord(int_value(seq, t), float(at), text_value(kind, t), text_value(detail, t),
                       blob_value(digest, t))


def wallet_record(row: tuple[Any, ...]) -> WalletRecord:
    """A row of ``wallets`` (with its check value last) as a record."""
    wallet_id, name, root_slot, key_type, variant, kind, root_path = checked_row("wallets",
                                                                                  row)
    t = "wallets"
    return WalletRecord(int_value(wallet_id, t), text_value(name, t), int_value(root_slot, t),
                        int_value(key_type, t), text_value(variant, t), text_value(kind, t),
                        text_value(root_path, t))


def node_record(row: tuple[Any, ...]) -> WalletNodeRecord:
    """A row of ``wallet_nodes`` (with its check value last) as a record."""
    slot, wallet_id, path, parent_slot = checked_row("wallet_nodes", row)
    t = "wallet_nodes"
    return WalletNodeRecord(int_value(slot, t), int_value(wallet_id, t), text_value(path, t),
                            None if parent_slot is None else int_value(parent_slot, t))
