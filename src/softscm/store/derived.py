"""The store's tables for the derived requirements (``scm-behaviour.md`` §9.4-§9.6):
certificates kept with their key slot, sealed LUKS keys by name, and the metric
counters. Their schema is in :mod:`softscm.store.database`; a certificate goes with its
key (database triggers on the ``keys`` table) and, with the LUKS keys, by self-destruct
(:func:`softscm.store.scrub.destroy_secrets`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from softscm.module.records import SealedRecord

if TYPE_CHECKING:
    from softscm.store.database import Store

# -- certificates (§9.4) ---------------------------------------------------------------


def get_certificate(store: Store, slot: int) -> bytes | None:
    """The DER certificate kept for ``slot``, or ``None``."""
    row = store._db.execute("SELECT der FROM certificates WHERE slot = ?", (slot,)).fetchone()
    return None if row is None else bytes(row[0])


def put_certificate(store: Store, slot: int, der: bytes) -> None:
    """Keep ``der`` for ``slot``, replacing the one it had."""
    with store.transaction():
        store._db.execute("INSERT OR REPLACE INTO certificates (slot, der) VALUES (?, ?)",
                          (slot, bytes(der)))


def delete_certificate(store: Store, slot: int) -> bool:
    """Drop the certificate of ``slot``; whether there was one."""
    with store.transaction():
        cursor = store._db.execute("DELETE FROM certificates WHERE slot = ?", (slot,))
    return cursor.rowcount > 0


def certificate_slots(store: Store) -> list[int]:
    """The slots that have a certificate, ascending."""
    return [int(r[0]) for r in store._db.execute(
        "SELECT slot FROM certificates ORDER BY slot")]


# -- LUKS keys (§9.5) --------------------------------------------------------------------


def get_luks_key(store: Store, name: str) -> SealedRecord | None:
    """The sealed LUKS key called ``name``, or ``None``."""
    row = store._db.execute("SELECT sealed, record_id FROM luks_keys WHERE name = ?",
                            (name,)).fetchone()
    return None if row is None else SealedRecord(bytes(row[0]), bytes(row[1]))


def add_luks_key(store: Store, name: str, record: SealedRecord) -> None:
    """Keep a new sealed LUKS key (the caller checked that the name is free)."""
    with store.transaction():
        store._db.execute("INSERT INTO luks_keys (name, sealed, record_id) VALUES (?, ?, ?)",
                          (name, record.sealed, record.record_id))


def delete_luks_key(store: Store, name: str) -> bool:
    """Drop the LUKS key called ``name``; whether there was one."""
    with store.transaction():
        cursor = store._db.execute("DELETE FROM luks_keys WHERE name = ?", (name,))
        if cursor.rowcount > 0:
            store.erased()  # a sealed secret: erased from the files too
    return cursor.rowcount > 0


def luks_key_names(store: Store) -> list[str]:
    """The names of the LUKS keys, sorted."""
    return [str(r[0]) for r in store._db.execute("SELECT name FROM luks_keys ORDER BY name")]


# -- counters (§9.6) ---------------------------------------------------------------------


def add_counts(store: Store, counts: dict[str, int]) -> None:
    """Add ``counts`` to the named counters (inside the caller's transaction, if any)."""
    if not counts:
        return
    with store.transaction():
        store._db.executemany(
            "INSERT INTO counters (name, count) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET count = count + excluded.count",
            list(counts.items()))


def counters(store: Store) -> dict[str, int]:
    """Every counter by name."""
    return {str(name): int(count) for name, count in
            store._db.execute("SELECT name, count FROM counters ORDER BY name")}
