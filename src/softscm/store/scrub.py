"""Destroying key material for real: rows deleted with ``secure_delete`` on, then the
write-ahead log folded and truncated and the database rebuilt, so that no copy of a
destroyed secret stays in the database, its WAL or its free pages
(``scm-behaviour.md`` §3.6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softscm.store.database import Store

#: Meta entries that go with a self-destruct: the sealed secrets, and the supervised-boot
#: manifest (signatures made with the destroyed keys).
SECRET_META = ("master_key", "lock_key_zymkey", "lock_key_cloud", "production_seal",
               "supervised_boot_manifest")


def destroy_secrets(store: Store) -> None:
    """Delete every key, foreign key, certificate, LUKS key, wallet row and sealed
    secret (inside the caller's transaction, if any). Follow with :func:`scrub` once it
    has committed."""
    db = store._db
    with store.transaction():
        db.execute("DELETE FROM keys")
        db.execute("DELETE FROM foreign_keys")
        db.execute("DELETE FROM certificates")
        db.execute("DELETE FROM luks_keys")
        tables = [row[0] for row in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'wallet%'")]
        for table in tables:
            db.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from sqlite_master
        db.executemany("DELETE FROM meta WHERE name = ?", [(n,) for n in SECRET_META])


def scrub(store: Store) -> None:
    """Fold the WAL into the database, rebuild it without free pages, and truncate the
    WAL, so deleted content is gone from every file."""
    db = store._db
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("VACUUM")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def erase_meta(store: Store, *names: str) -> None:
    """Delete named meta entries (secure delete; :func:`scrub` afterwards clears the WAL)."""
    with store.transaction():
        store._db.executemany("DELETE FROM meta WHERE name = ?", [(n,) for n in names])
