"""The store's tables for the derived requirements (``scm-behaviour.md`` §9.4-§9.6):
certificates kept with their key slot, sealed LUKS keys by name, and the metric
counters: their SQL, run on the store's connection inside the transaction
:class:`~softscm.store.database.Store` opens. Their schema is in
:mod:`softscm.store.database`; a certificate goes with its key (database triggers on the
``keys`` table) and, with the LUKS keys, by self-destruct
(:func:`softscm.store.scrub.delete_secrets`).
"""

from __future__ import annotations

import sqlite3

from softscm.module.records import SealedRecord

# -- certificates (§9.4) ---------------------------------------------------------------


def get_certificate(db: sqlite3.Connection, slot: int) -> bytes | None:
    """The DER certificate kept for ``slot``, or ``None``."""
    row = db.execute("SELECT der FROM certificates WHERE slot = ?", (slot,)).fetchone()
    return None if row is None else bytes(row[0])


def put_certificate(db: sqlite3.Connection, slot: int, der: bytes) -> None:
    """Keep ``der`` for ``slot``, replacing the one it had."""
    db.execute("INSERT OR REPLACE INTO certificates (slot, der) VALUES (?, ?)",
               (slot, bytes(der)))


def delete_certificate(db: sqlite3.Connection, slot: int) -> bool:
    """Drop the certificate of ``slot``; whether there was one."""
    return db.execute("DELETE FROM certificates WHERE slot = ?", (slot,)).rowcount > 0


def certificate_slots(db: sqlite3.Connection) -> list[int]:
    """The slots that have a certificate, ascending."""
    return [int(r[0]) for r in db.execute("SELECT slot FROM certificates ORDER BY slot")]


# -- LUKS keys (§9.5) --------------------------------------------------------------------


def get_luks_key(db: sqlite3.Connection, name: str) -> SealedRecord | None:
    """The sealed LUKS key called ``name``, or ``None``."""
    row = db.execute("SELECT sealed, record_id FROM luks_keys WHERE name = ?",
                     (name,)).fetchone()
    return None if row is None else SealedRecord(bytes(row[0]), bytes(row[1]))


def add_luks_key(db: sqlite3.Connection, name: str, record: SealedRecord) -> None:
    """Keep a new sealed LUKS key (the caller checked that the name is free)."""
    db.execute("INSERT INTO luks_keys (name, sealed, record_id) VALUES (?, ?, ?)",
               (name, record.sealed, record.record_id))


def delete_luks_key(db: sqlite3.Connection, name: str) -> bool:
    """Drop the LUKS key called ``name``; whether there was one (a sealed secret: the
    caller has it erased from the files)."""
    return db.execute("DELETE FROM luks_keys WHERE name = ?", (name,)).rowcount > 0


def luks_key_names(db: sqlite3.Connection) -> list[str]:
    """The names of the LUKS keys, sorted."""
    return [str(r[0]) for r in db.execute("SELECT name FROM luks_keys ORDER BY name")]


# -- counters (§9.6) ---------------------------------------------------------------------


def add_counts(db: sqlite3.Connection, counts: dict[str, int]) -> None:
    """Add ``counts`` to the named counters."""
    db.executemany(
        "INSERT INTO counters (name, count) VALUES (?, ?) "
        "ON CONFLICT (name) DO UPDATE SET count = count + excluded.count",
        list(counts.items()))


def counters(db: sqlite3.Connection) -> dict[str, int]:
    """Every counter by name."""
    return {str(name): int(count) for name, count in
            db.execute("SELECT name, count FROM counters ORDER BY name")}
