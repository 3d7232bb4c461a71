"""SQLite-backed durable state of one module.

One database per module, in WAL mode with ``synchronous=FULL`` (a commit that returned is
on disk) and ``secure_delete`` (deleted rows are overwritten, so destroyed key material
does not linger in free pages). Every write goes through :meth:`Store.transaction`, which
takes the write lock up front (``BEGIN IMMEDIATE``) so that read-modify-write sequences
such as "allocate the lowest free slot" are atomic across processes.
"""

from __future__ import annotations

import mmap
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from softscm.store import derived as _derived
from softscm.store import scrub as _scrub
from softscm.store.records import (
    EventRecord,
    ForeignKeyRecord,
    KeyRecord,
    SealedRecord,
    WalletNodeRecord,
    WalletRecord,
)

#: Name of the database file inside a state directory.
DATABASE_NAME = "state.db"
#: Schema version written into ``meta``; bump with a migration, never silently.
SCHEMA_VERSION = 1
#: Length of SQLite's WAL-index header at the start of the ``-shm`` file, in bytes.
WAL_INDEX_HEADER_BYTES = 48
#: How long a writer waits for another process's transaction, in milliseconds.
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value BLOB
);
CREATE TABLE IF NOT EXISTS keys (
    slot INTEGER PRIMARY KEY,
    key_type INTEGER NOT NULL,
    origin TEXT NOT NULL,
    public BLOB NOT NULL,
    sealed BLOB NOT NULL,
    record_id BLOB NOT NULL,
    exportable INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL,
    digest BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS foreign_keys (
    slot INTEGER PRIMARY KEY,
    key_type INTEGER NOT NULL,
    public BLOB NOT NULL,
    exportable INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS wallets (
    wallet_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    root_slot INTEGER NOT NULL UNIQUE,
    key_type INTEGER NOT NULL,
    variant TEXT NOT NULL,
    kind TEXT NOT NULL,
    root_path TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS wallet_nodes (
    slot INTEGER PRIMARY KEY,
    wallet_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    parent_slot INTEGER,
    UNIQUE (wallet_id, path)
);
CREATE TABLE IF NOT EXISTS wallet_session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sealed BLOB NOT NULL,
    record_id BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS certificates (
    slot INTEGER PRIMARY KEY,
    der BLOB NOT NULL
);
CREATE TRIGGER IF NOT EXISTS certificates_follow_keys AFTER DELETE ON keys
BEGIN DELETE FROM certificates WHERE slot = OLD.slot; END;
CREATE TRIGGER IF NOT EXISTS certificates_follow_new_keys AFTER INSERT ON keys
BEGIN DELETE FROM certificates WHERE slot = NEW.slot; END;
CREATE TABLE IF NOT EXISTS luks_keys (
    name TEXT PRIMARY KEY,
    sealed BLOB NOT NULL,
    record_id BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS counters (
    name TEXT PRIMARY KEY,
    count INTEGER NOT NULL
);
"""

#: The tables that hold wallet data (wiped together by :meth:`Store.wipe_wallets`).
WALLET_TABLES = ("wallets", "wallet_nodes", "wallet_session")

_SELECT_WALLET = (
    "SELECT wallet_id, name, root_slot, key_type, variant, kind, root_path FROM wallets"
)
_SELECT_NODE = "SELECT slot, wallet_id, path, parent_slot FROM wallet_nodes"
_SELECT_KEY = "SELECT slot, key_type, origin, public, sealed, record_id, exportable FROM keys"
_INSERT_KEY = (
    "INSERT OR REPLACE INTO keys (slot, key_type, origin, public, sealed, record_id, exportable)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
# The first gap in a slot range: `first` itself, or the slot after an allocated one
# whose successor is free. One indexed query whatever the number of keys.
_LOWEST_FREE = {
    "keys": "SELECT s FROM (SELECT ? AS s UNION ALL SELECT slot + 1 FROM keys "
            "WHERE slot >= ? AND slot < ?) WHERE s NOT IN (SELECT slot FROM keys) "
            "ORDER BY s LIMIT 1",
    "foreign_keys": "SELECT s FROM (SELECT ? AS s UNION ALL SELECT slot + 1 FROM foreign_keys "
                    "WHERE slot >= ? AND slot < ?) WHERE s NOT IN (SELECT slot FROM "
                    "foreign_keys) ORDER BY s LIMIT 1",
}


class Store:
    """The durable state of one module. Not thread-safe: one per thread or a lock."""

    def __init__(
        self, connection: sqlite3.Connection, path: Path | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._db = connection
        self.path = path
        self._on_close = on_close
        self._shm: mmap.mmap | None = None
        self._shm_tried = False

    @classmethod
    def open(cls, directory: Path, on_close: Callable[[], None] | None = None) -> Store:
        """Open (creating if needed) the database in the state ``directory``."""
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = directory / DATABASE_NAME
        db = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA secure_delete = ON")
        db.execute("PRAGMA foreign_keys = ON")
        db.executescript(_SCHEMA)
        path.chmod(0o600)
        return cls(db, path, on_close)

    @classmethod
    def memory(cls) -> Store:
        """A throw-away in-memory store (module tests)."""
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        db.executescript(_SCHEMA)
        return cls(db)

    def close(self) -> None:
        """Close the connection (and run ``on_close``); the state stays on disk."""
        if self._shm is not None:
            self._shm.close()
            self._shm = None
        self._db.close()
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    # -- transactions and change detection -----------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction; commits on success (durably), rolls back on error."""
        if self._db.in_transaction:
            yield
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def data_version(self) -> int:
        """A number that changes whenever another connection commits (SQLite's
        ``PRAGMA data_version``): the test for "are my caches still valid?"."""
        return int(self._db.execute("PRAGMA data_version").fetchone()[0])

    def change_token(self) -> bytes | None:
        """The WAL-index header (the first bytes of the ``-shm`` file, which every
        commit rewrites): while it is unchanged, no connection has committed, so a
        caller may skip :meth:`data_version`. ``None`` where there is no such file.
        The mapping is safe while this connection is open: SQLite truncates the file
        only when it opens it with no other connection."""
        if self._shm is None:
            if self._shm_tried or self.path is None:
                return None
            self._shm_tried = True
            shm = self.path.with_name(self.path.name + "-shm")
            try:
                with open(shm, "rb") as fh:
                    if os.fstat(fh.fileno()).st_size < WAL_INDEX_HEADER_BYTES:
                        self._shm_tried = False
                        return None
                    self._shm = mmap.mmap(fh.fileno(), WAL_INDEX_HEADER_BYTES,
                                          access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                return None
        return self._shm[:WAL_INDEX_HEADER_BYTES]

    def checkpoint(self) -> None:
        """Fold the WAL into the database file and truncate it."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity_check(self) -> str:
        """SQLite's integrity check: ``"ok"`` when the file is sound."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    # -- meta ----------------------------------------------------------------------

    def get_meta(self, name: str, default: Any = None) -> Any:
        """A named value of the module (identity, sealed keys, settings)."""
        row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return default if row is None else row[0]

    def all_meta(self) -> dict[str, Any]:
        """Every named value at once."""
        return dict(self._db.execute("SELECT name, value FROM meta").fetchall())

    def set_meta(self, name: str, value: Any) -> None:
        """Set a named value (inside or outside a transaction)."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    # -- event log -------------------------------------------------------------------

    def append_event(self, record: EventRecord) -> None:
        """Append one record to the event log."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO events (seq, at, kind, detail, digest) VALUES (?, ?, ?, ?, ?)",
                (record.seq, record.at, record.kind, record.detail, record.digest),
            )

    def last_event(self) -> EventRecord | None:
        """The newest record of the event log, or ``None``."""
        row = self._db.execute(
            "SELECT seq, at, kind, detail, digest FROM events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return None if row is None else _event_record(row)

    def events(self, after: int = 0, limit: int = 1000) -> list[EventRecord]:
        """Records with ``seq > after``, oldest first, at most ``limit``."""
        rows = self._db.execute(
            "SELECT seq, at, kind, detail, digest FROM events WHERE seq > ? "
            "ORDER BY seq LIMIT ?", (after, limit),
        ).fetchall()
        return [_event_record(r) for r in rows]

    # -- main key store ------------------------------------------------------------

    def get_key(self, slot: int) -> KeyRecord | None:
        """The key record in ``slot``, or ``None``."""
        row = self._db.execute(
            _SELECT_KEY + " WHERE slot = ?", (slot,)
        ).fetchone()
        return None if row is None else _key_record(row)

    def key_record_id(self, slot: int) -> bytes | None:
        """Just the record id of ``slot`` (cache validation), or ``None``."""
        row = self._db.execute("SELECT record_id FROM keys WHERE slot = ?", (slot,)).fetchone()
        return None if row is None else bytes(row[0])

    def list_keys(self) -> list[KeyRecord]:
        """Every key record, by slot."""
        rows = self._db.execute(_SELECT_KEY + " ORDER BY slot").fetchall()
        return [_key_record(r) for r in rows]

    def key_slots(self) -> list[int]:
        """The allocated slots of the main store, ascending."""
        return [r[0] for r in self._db.execute("SELECT slot FROM keys ORDER BY slot")]

    def lowest_free_slot(self, first: int, last: int) -> int | None:
        """The lowest slot in ``first..last`` with no key, or ``None`` when all are taken."""
        return _lowest_free(self._db, "keys", first, last)

    def put_key(self, record: KeyRecord) -> None:
        """Insert or replace the key record of ``record.slot``."""
        with self.transaction():
            self._db.execute(
                _INSERT_KEY,
                (record.slot, record.key_type, record.origin, record.public, record.sealed,
                 record.record_id, int(record.exportable)),
            )

    def set_key_exportable(self, slot: int, exportable: bool) -> None:
        """Change the export flag of a key."""
        with self.transaction():
            self._db.execute(
                "UPDATE keys SET exportable = ? WHERE slot = ?", (int(exportable), slot)
            )

    def delete_key(self, slot: int) -> bool:
        """Remove the key in ``slot``; whether there was one."""
        with self.transaction():
            cur = self._db.execute("DELETE FROM keys WHERE slot = ?", (slot,))
        return cur.rowcount > 0

    # -- foreign keyring -----------------------------------------------------------

    def get_foreign_key(self, slot: int) -> ForeignKeyRecord | None:
        """The foreign public key in ``slot``, or ``None``."""
        row = self._db.execute(
            "SELECT slot, key_type, public, exportable FROM foreign_keys WHERE slot = ?", (slot,)
        ).fetchone()
        return None if row is None else _foreign_record(row)

    def list_foreign_keys(self) -> list[ForeignKeyRecord]:
        """Every foreign key, by slot."""
        rows = self._db.execute(
            "SELECT slot, key_type, public, exportable FROM foreign_keys ORDER BY slot"
        ).fetchall()
        return [_foreign_record(r) for r in rows]

    def foreign_slots(self) -> list[int]:
        """The allocated foreign slots, ascending."""
        return [r[0] for r in self._db.execute("SELECT slot FROM foreign_keys ORDER BY slot")]

    def lowest_free_foreign_slot(self, first: int, last: int) -> int | None:
        """The lowest free foreign slot in ``first..last``, or ``None``."""
        return _lowest_free(self._db, "foreign_keys", first, last)

    def put_foreign_key(self, record: ForeignKeyRecord) -> None:
        """Insert or replace a foreign key."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO foreign_keys (slot, key_type, public, exportable) "
                "VALUES (?, ?, ?, ?)",
                (record.slot, record.key_type, record.public, int(record.exportable)),
            )

    def set_foreign_exportable(self, slot: int, exportable: bool) -> None:
        """Change the export flag of a foreign key."""
        with self.transaction():
            self._db.execute(
                "UPDATE foreign_keys SET exportable = ? WHERE slot = ?", (int(exportable), slot)
            )

    def delete_foreign_key(self, slot: int) -> bool:
        """Remove a foreign key; whether there was one."""
        with self.transaction():
            cur = self._db.execute("DELETE FROM foreign_keys WHERE slot = ?", (slot,))
        return cur.rowcount > 0

    # -- HD wallets ----------------------------------------------------------------

    def wallet_count(self) -> int:
        """How many wallets (master and oversight) exist."""
        return int(self._db.execute("SELECT COUNT(*) FROM wallets").fetchone()[0])

    def wallet_by_name(self, name: str) -> WalletRecord | None:
        """The wallet called ``name``, or ``None``."""
        row = self._db.execute(_SELECT_WALLET + " WHERE name = ?", (name,)).fetchone()
        return None if row is None else _wallet_record(row)

    def wallet_by_root(self, slot: int) -> WalletRecord | None:
        """The wallet whose root (master seed or oversight root) is ``slot``, or ``None``."""
        row = self._db.execute(_SELECT_WALLET + " WHERE root_slot = ?", (slot,)).fetchone()
        return None if row is None else _wallet_record(row)

    def wallet_by_id(self, wallet_id: int) -> WalletRecord | None:
        """The wallet ``wallet_id``, or ``None``."""
        row = self._db.execute(_SELECT_WALLET + " WHERE wallet_id = ?", (wallet_id,)).fetchone()
        return None if row is None else _wallet_record(row)

    def list_wallets(self) -> list[WalletRecord]:
        """Every wallet, by root slot."""
        rows = self._db.execute(_SELECT_WALLET + " ORDER BY root_slot").fetchall()
        return [_wallet_record(r) for r in rows]

    def add_wallet(self, name: str, root_slot: int, key_type: int, variant: str, kind: str,
                   root_path: str) -> int:
        """Record a new wallet; returns its id. The name must be free (the caller checks
        it first: a duplicate here is an ``sqlite3.IntegrityError``)."""
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO wallets (name, root_slot, key_type, variant, kind, root_path) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, root_slot, key_type, variant, kind, root_path),
            )
        return int(cur.lastrowid or 0)

    def delete_wallet(self, wallet_id: int) -> None:
        """Forget a wallet and every node of it (their key records are the caller's)."""
        with self.transaction():
            self._db.execute("DELETE FROM wallet_nodes WHERE wallet_id = ?", (wallet_id,))
            self._db.execute("DELETE FROM wallets WHERE wallet_id = ?", (wallet_id,))

    def put_wallet_node(self, record: WalletNodeRecord) -> None:
        """Record where the key in ``record.slot`` sits in its wallet."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO wallet_nodes (slot, wallet_id, path, parent_slot) "
                "VALUES (?, ?, ?, ?)",
                (record.slot, record.wallet_id, record.path, record.parent_slot),
            )

    def get_wallet_node(self, slot: int) -> WalletNodeRecord | None:
        """The wallet node in ``slot``, or ``None`` if the slot is not a wallet key."""
        row = self._db.execute(_SELECT_NODE + " WHERE slot = ?", (slot,)).fetchone()
        return None if row is None else _node_record(row)

    def wallet_node_at(self, wallet_id: int, path: str) -> WalletNodeRecord | None:
        """The node of wallet ``wallet_id`` at the address ``path``, or ``None``."""
        row = self._db.execute(
            _SELECT_NODE + " WHERE wallet_id = ? AND path = ?", (wallet_id, path)
        ).fetchone()
        return None if row is None else _node_record(row)

    def wallet_nodes(self, wallet_id: int) -> list[WalletNodeRecord]:
        """Every node of a wallet, by slot."""
        rows = self._db.execute(
            _SELECT_NODE + " WHERE wallet_id = ? ORDER BY slot", (wallet_id,)
        ).fetchall()
        return [_node_record(r) for r in rows]

    def wallet_subtree(self, wallet_id: int, path: str) -> list[int]:
        """The slots of the node at ``path`` and of all its descendants, ascending.
        Addresses are canonical, so a descendant's address is ``path + "/" + ...``."""
        prefix = path + "/"
        rows = self._db.execute(
            "SELECT slot FROM wallet_nodes WHERE wallet_id = ? AND "
            "(path = ? OR substr(path, 1, ?) = ?) ORDER BY slot",
            (wallet_id, path, len(prefix), prefix),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def delete_wallet_nodes(self, slots: list[int]) -> None:
        """Forget the wallet nodes in ``slots`` (their key records are the caller's)."""
        with self.transaction():
            self._db.executemany("DELETE FROM wallet_nodes WHERE slot = ?",
                                 [(slot,) for slot in slots])

    def delete_keys(self, slots: list[int]) -> None:
        """Remove the keys in ``slots`` (missing ones are skipped)."""
        with self.transaction():
            self._db.executemany("DELETE FROM keys WHERE slot = ?", [(slot,) for slot in slots])

    def get_wallet_session(self) -> SealedRecord | None:
        """The sealed state of the open SLIP39 session, or ``None`` when none is open."""
        row = self._db.execute(
            "SELECT sealed, record_id FROM wallet_session WHERE id = 1"
        ).fetchone()
        return None if row is None else SealedRecord(bytes(row[0]), bytes(row[1]))

    def put_wallet_session(self, record: SealedRecord) -> None:
        """Keep (or replace) the sealed state of the open SLIP39 session."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO wallet_session (id, sealed, record_id) VALUES (1, ?, ?)",
                (record.sealed, record.record_id),
            )

    def delete_wallet_session(self) -> bool:
        """Discard the SLIP39 session; whether there was one."""
        with self.transaction():
            cur = self._db.execute("DELETE FROM wallet_session")
        return cur.rowcount > 0

    def wipe_wallets(self) -> None:
        """Erase every wallet: the key records of all wallet nodes, the wallet and node
        tables and any open SLIP39 session, in one transaction. With ``secure_delete``
        the rows are overwritten, not left in free pages (self-destruct,
        ``scm-behaviour.md`` §3.6)."""
        with self.transaction():
            self._db.execute("DELETE FROM keys WHERE slot IN (SELECT slot FROM wallet_nodes)")
            self._db.execute("DELETE FROM wallet_nodes")
            self._db.execute("DELETE FROM wallets")
            self._db.execute("DELETE FROM wallet_session")

    # -- the derived tables and destruction, as the module's store Protocol names them
    # (``softscm.module.storage.ModuleStore``; the SQL is in ``derived`` and ``scrub``)

    def get_certificate(self, slot: int) -> bytes | None:
        return _derived.get_certificate(self, slot)

    def put_certificate(self, slot: int, der: bytes) -> None:
        _derived.put_certificate(self, slot, der)

    def delete_certificate(self, slot: int) -> bool:
        return _derived.delete_certificate(self, slot)

    def certificate_slots(self) -> list[int]:
        return _derived.certificate_slots(self)

    def get_luks_key(self, name: str) -> SealedRecord | None:
        return _derived.get_luks_key(self, name)

    def add_luks_key(self, name: str, record: SealedRecord) -> None:
        _derived.add_luks_key(self, name, record)

    def delete_luks_key(self, name: str) -> bool:
        return _derived.delete_luks_key(self, name)

    def luks_key_names(self) -> list[str]:
        return _derived.luks_key_names(self)

    def add_counts(self, counts: dict[str, int]) -> None:
        _derived.add_counts(self, counts)

    def counters(self) -> dict[str, int]:
        return _derived.counters(self)

    def destroy_secrets(self) -> None:
        _scrub.destroy_secrets(self)

    def erase_meta(self, *names: str) -> None:
        _scrub.erase_meta(self, *names)

    def scrub(self) -> None:
        _scrub.scrub(self)


def _lowest_free(db: sqlite3.Connection, table: str, first: int, last: int) -> int | None:
    row = db.execute(_LOWEST_FREE[table], (first, first, last)).fetchone()
    return None if row is None else int(row[0])


def _key_record(row: tuple[Any, ...]) -> KeyRecord:
    slot, key_type, origin, public, sealed, record_id, exportable = row
    return KeyRecord(int(slot), int(key_type), str(origin), bytes(public), bytes(sealed),
                     bytes(record_id), bool(exportable))


def _foreign_record(row: tuple[Any, ...]) -> ForeignKeyRecord:
    slot, key_type, public, exportable = row
    return ForeignKeyRecord(int(slot), int(key_type), bytes(public), bool(exportable))


def _event_record(row: tuple[Any, ...]) -> EventRecord:
    seq, at, kind, detail, digest = row
    return EventRecord(int(seq), float(at), str(kind), str(detail), bytes(digest))


def _wallet_record(row: tuple[Any, ...]) -> WalletRecord:
    wallet_id, name, root_slot, key_type, variant, kind, root_path = row
    return WalletRecord(int(wallet_id), str(name), int(root_slot), int(key_type), str(variant),
                        str(kind), str(root_path))


def _node_record(row: tuple[Any, ...]) -> WalletNodeRecord:
    slot, wallet_id, path, parent_slot = row
    return WalletNodeRecord(int(slot), int(wallet_id), str(path),
                            None if parent_slot is None else int(parent_slot))
