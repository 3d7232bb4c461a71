"""SQLite-backed durable state of one module.

One database per module, in WAL mode with ``synchronous=FULL`` (a commit that returned is
on disk) and ``secure_delete`` (deleted rows are overwritten, so destroyed key material
does not linger in free pages). Every write goes through :meth:`Store.transaction`, which
takes the write lock up front (``BEGIN IMMEDIATE``) so that read-modify-write sequences
such as "allocate the lowest free slot" are atomic across processes. A transaction that
deleted secrets is followed by their erasure from every file (``softscm.store.scrub``).

The state directory and its files are checked before use (``softscm.store.paths``); a
file that is not a sound database, or a row that does not parse, is
:class:`~softscm.errors.StoreDamaged` naming the file, never a raw ``sqlite3`` error.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from softscm.errors import ModuleUnavailable, StoreDamaged
from softscm.module.records import (
    EventRecord,
    ForeignKeyRecord,
    KeyRecord,
    SealedRecord,
    WalletNodeRecord,
    WalletRecord,
)
from softscm.module.storage import DAMAGE_ADVICE as DAMAGE_ADVICE  # re-exported
from softscm.store import changes, scrub
from softscm.store import derived as _derived
from softscm.store.paths import (
    check_state_file,
    create_private,
    ensure_state_directory,
)
from softscm.store.rows import (
    add_row_sums,
    blob_value,
    checked_row,
    event_record,
    foreign_record,
    int_value,
    key_record,
    node_record,
    row_sum,
    wallet_record,
)

#: Name of the database file inside a state directory.
DATABASE_NAME = "state.db"
#: Schema version; bump with a migration, never silently (2: rows carry check values,
#: added to older states at open by ``softscm.store.rows.add_row_sums``).
SCHEMA_VERSION = 2
#: What to do with a damaged state (every :class:`StoreDamaged` message ends with it).
#: How long a writer waits for another process's transaction, in milliseconds.
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value BLOB,
    sum BLOB
);
CREATE TABLE IF NOT EXISTS keys (
    slot INTEGER PRIMARY KEY,
    key_type INTEGER NOT NULL,
    origin TEXT NOT NULL,
    public BLOB NOT NULL,
    sealed BLOB NOT NULL,
    record_id BLOB NOT NULL,
    exportable INTEGER NOT NULL DEFAULT 1,
    sum BLOB
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
    exportable INTEGER NOT NULL DEFAULT 1,
    sum BLOB
);
CREATE TABLE IF NOT EXISTS wallets (
    wallet_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    root_slot INTEGER NOT NULL UNIQUE,
    key_type INTEGER NOT NULL,
    variant TEXT NOT NULL,
    kind TEXT NOT NULL,
    root_path TEXT NOT NULL,
    sum BLOB
);
CREATE TABLE IF NOT EXISTS wallet_nodes (
    slot INTEGER PRIMARY KEY,
    wallet_id INTEGER NOT NULL,
    path TEXT NOT NULL,
    parent_slot INTEGER,
    sum BLOB,
    UNIQUE (wallet_id, path)
);
CREATE TABLE IF NOT EXISTS wallet_session (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    sealed BLOB NOT NULL,
    record_id BLOB NOT NULL,
    sum BLOB
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
    "SELECT wallet_id, name, root_slot, key_type, variant, kind, root_path, sum FROM wallets"
)
_SELECT_NODE = "SELECT slot, wallet_id, path, parent_slot, sum FROM wallet_nodes"
_SELECT_KEY = ("SELECT slot, key_type, origin, public, sealed, record_id, exportable, sum "
               "FROM keys")
_INSERT_KEY = (
    "INSERT OR REPLACE INTO keys (slot, key_type, origin, public, sealed, record_id, exportable,"
    " sum) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)
_SELECT_FOREIGN = "SELECT slot, key_type, public, exportable, sum FROM foreign_keys"
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


F = TypeVar("F", bound=Callable[..., Any])

# Serialises opening within this process: a new database file is created (and every
# file checked) before SQLite opens it, and never while another store of this process
# could be opening the same one.
_OPENING = threading.Lock()


def _connect(path: Path, verify: bool = True) -> sqlite3.Connection:
    """SQLite's connection to the checked database file, configured; a file SQLite
    cannot use is :class:`StoreDamaged`."""
    try:
        db = sqlite3.connect(
            str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as exc:
        raise StoreDamaged(f"cannot open the state database {path} ({exc}); "
                           f"{DAMAGE_ADVICE}") from None
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    try:
        while True:
            try:
                _configure(db, verify)
                break
            except sqlite3.OperationalError as exc:
                # Switching a new database to WAL while other processes open it too can
                # be refused at once (SQLite does not wait there): every step is
                # idempotent, so try again.
                if not _is_busy(exc) or time.monotonic() >= deadline:
                    raise
                time.sleep(0.01)
    except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
        db.close()
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            raise ModuleUnavailable(f"the state database {path} stayed locked by another "
                                    "process past the busy timeout") from None
        raise StoreDamaged(f"the state database {path} is damaged ({exc}); "
                           f"{DAMAGE_ADVICE}") from None
    return db


def _configure(db: sqlite3.Connection, verify: bool) -> None:
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA secure_delete = ON")
    # Sorts and VACUUM's copy stay in memory: no temporary file holds a secret.
    db.execute("PRAGMA temp_store = MEMORY")
    db.execute("PRAGMA foreign_keys = ON")
    db.executescript(_SCHEMA)
    # The structure of every page and index (cheap: milliseconds for a large state);
    # values are checked as they are read.
    if verify:
        problems = [str(row[0]) for row in db.execute("PRAGMA integrity_check(5)")]
        if problems != ["ok"]:
            raise sqlite3.DatabaseError("; ".join(problems))
    add_row_sums(db)


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def _guarded(method: F) -> F:
    """Report SQLite's errors of a damaged file as :class:`StoreDamaged` (a lock held
    past the busy timeout as :class:`ModuleUnavailable`)."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.ProgrammingError:
            raise
        except (sqlite3.DatabaseError, UnicodeDecodeError) as exc:
            # (SQLite's message can quote damaged text that is not UTF-8 itself.)
            raise self.failure(exc) from None

    return wrapper  # type: ignore[return-value]


class Store:
    """The durable state of one module. Not thread-safe: one per thread or a lock."""

    def __init__(
        self, connection: sqlite3.Connection, path: Path | None = None,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self._db = connection
        self.path = path
        self._on_close = on_close
        self._token: changes.ChangeToken | None = None
        #: Secrets were deleted in the transaction under way: erase them after it.
        self._erase_due = False
        self._eraser: scrub.Eraser | None = None
        #: Bumped when a commit of this store could not be followed through (erasure
        #: failed after it): callers' caches must not trust what they kept of it.
        self._generation = 0

    @classmethod
    def open(cls, directory: Path, on_close: Callable[[], None] | None = None, *,
             verify: bool = True) -> Store:
        """Open (creating if needed) the database in the state ``directory``. The
        directory and its files are checked first (``softscm.store.paths``); a database
        that cannot be read is :class:`StoreDamaged` (``verify=False`` skips SQLite's
        integrity check, to salvage what can be read). Erasure left pending by an earlier
        run is resumed."""
        ensure_state_directory(directory)
        path = directory / DATABASE_NAME
        with _OPENING:
            if not check_state_file(path):
                # Made here, owner-only, so that SQLite gives its -wal and -shm the same
                # mode and owner (it copies them from the database file).
                try:
                    fd = create_private(path)
                except FileExistsError:
                    check_state_file(path)
                else:
                    os.close(fd)
            for suffix in scrub.SIDE_FILES:
                check_state_file(path.with_name(path.name + suffix))
            store = cls(_connect(path, verify), path, on_close)
            store._token = changes.acquire(path)
        store._resume_erasure()
        return store

    @classmethod
    def memory(cls) -> Store:
        """A throw-away in-memory store (module tests)."""
        db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        db.executescript(_SCHEMA)
        return cls(db)

    def close(self) -> None:
        """Close the connection (and run ``on_close``); the state stays on disk. Erasure
        still pending stays recorded in the state, for the next open to resume."""
        if self._eraser is not None:
            self._eraser.stop()
            self._eraser = None
        self._db.close()
        if self._token is not None:
            # Only now, with this connection closed, may the mapping's descriptor go.
            self._token.release()
            self._token = None
        if self._on_close is not None:
            self._on_close()
            self._on_close = None

    def failure(self, exc: BaseException) -> Exception:
        """The error to report for ``exc`` raised by SQLite or by parsing a row."""
        if isinstance(exc, sqlite3.OperationalError) and _is_busy(exc):
            return ModuleUnavailable(f"the state database {self.path} stayed locked by "
                                     "another process past the busy timeout")
        return StoreDamaged(f"the state database {self.path or ':memory:'} is damaged "
                            f"({exc}); {DAMAGE_ADVICE}")

    # -- transactions and change detection -----------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """A write transaction; commits on success (durably), rolls back on error. When
        it deleted secrets, they are erased from every file once it has committed; if
        that cannot be completed, ``ModuleUnavailable`` says so (the deletion stands and
        erasure is retried until it is complete)."""
        if self._db.in_transaction:
            yield
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise self.failure(exc) from None
        try:
            yield
        except BaseException:
            self._erase_due = False
            self._db.execute("ROLLBACK")
            raise
        try:
            self._db.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            self._erase_due = False
            with contextlib.suppress(sqlite3.Error):  # (none may be left open)
                self._db.execute("ROLLBACK")
            raise self.failure(exc) from None
        if self._erase_due:
            self._erase_due = False
            self._erase(scrub.ERASE_WAIT_MS)

    def erased(self) -> None:
        """Secrets were deleted in the transaction under way: record that erasure is due
        (durably, in the same transaction) and erase them from the files after it."""
        if self.path is None:
            return
        mark = os.urandom(8)  # this deletion's own: another erasure clears only its own
        self._db.execute("INSERT OR REPLACE INTO meta (name, value, sum) VALUES (?, ?, ?)",
                         (scrub.ERASE_PENDING, mark, row_sum("meta", (scrub.ERASE_PENDING, mark))))
        self._erase_due = True

    def erasure_pending(self) -> bool:
        """Whether deleted secrets may still be found in the files (erasure not complete
        yet: another connection held an old snapshot; it is being retried)."""
        return self.get_meta(scrub.ERASE_PENDING) is not None

    def _erase(self, wait_ms: int) -> None:
        if self.path is None or scrub.erase(self._db, self.path, wait_ms):
            return
        if self._eraser is None or not self._eraser.alive():
            self._eraser = scrub.Eraser(self.path)
        # The deletion is committed, but the caller will not get to update its caches.
        self._generation += 1
        raise ModuleUnavailable(
            f"deleted key material is not yet erased from {self.path} and its WAL: "
            "another connection holds a read transaction on it; softscm keeps trying "
            "(see `softscm store check`)")

    def _resume_erasure(self) -> None:
        try:
            pending = self.erasure_pending()
        except StoreDamaged:
            return  # reported when it is used
        if pending:
            try:
                self._erase(scrub.RESUME_WAIT_MS)
            except ModuleUnavailable:
                pass  # the eraser keeps trying; `softscm store check` says so

    def data_version(self) -> int:
        """A number that changes whenever another connection commits (SQLite's
        ``PRAGMA data_version``), or when a commit of this store failed after the fact
        (erasure): the test for "are my caches still valid?"."""
        try:
            version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.DatabaseError as exc:
            raise self.failure(exc) from None
        return version + (self._generation << 40)

    def change_token(self) -> bytes | None:
        """The WAL-index header (``softscm.store.changes``): while it is unchanged, no
        connection has committed, so a caller may skip :meth:`data_version`. ``None``
        where it cannot be read."""
        token = self._token
        return None if token is None else token.read()

    @_guarded
    def checkpoint(self) -> None:
        """Fold the WAL into the database file and truncate it."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity_check(self) -> str:
        """SQLite's integrity check: ``"ok"`` when the file is sound, else the problems
        it found (one per line)."""
        try:
            rows = self._db.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.DatabaseError as exc:
            return str(exc)
        return "\n".join(str(r[0]) for r in rows)

    # -- meta ----------------------------------------------------------------------

    @_guarded
    def get_meta(self, name: str, default: Any = None) -> Any:
        """A named value of the module (identity, sealed keys, settings)."""
        row = self._db.execute("SELECT name, value, sum FROM meta WHERE name = ?",
                               (name,)).fetchone()
        return default if row is None else checked_row("meta", row)[1]

    @_guarded
    def all_meta(self) -> dict[str, Any]:
        """Every named value at once."""
        rows = self._db.execute("SELECT name, value, sum FROM meta").fetchall()
        return dict(checked_row("meta", row) for row in rows)

    @_guarded
    def set_meta(self, name: str, value: Any) -> None:
        """Set a named value (inside or outside a transaction)."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO meta (name, value, sum) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value, sum = excluded.sum",
                (name, value, row_sum("meta", (name, value))),
            )

    # -- event log -------------------------------------------------------------------

    @_guarded
    def append_event(self, record: EventRecord) -> None:
        """Append one record to the event log."""
        with self.transaction():
            self._db.execute(
                "INSERT INTO events (seq, at, kind, detail, digest) VALUES (?, ?, ?, ?, ?)",
                (record.seq, record.at, record.kind, record.detail, record.digest),
            )

    def salvage_events(self, after: int = 0, limit: int = 1000) -> tuple[list[EventRecord], int]:
        """Like :meth:`events` on a damaged state: the records that can be read, and how
        many rows were skipped because they do not parse (``softscm log export``)."""
        out: list[EventRecord] = []
        skipped = 0
        try:
            cursor = self._db.execute(
                "SELECT seq, at, kind, detail, digest FROM events WHERE seq > ? "
                "ORDER BY seq LIMIT ?", (after, limit))
            for row in cursor:
                try:
                    out.append(event_record(row))
                except sqlite3.DatabaseError:
                    skipped += 1
        except (sqlite3.DatabaseError, UnicodeDecodeError):
            skipped += 1  # the rest of the table cannot be read
        return out, skipped

    @_guarded
    def drop_events(self, before: int) -> None:
        """Remove the records with ``seq < before`` (the log's capacity bound)."""
        with self.transaction():
            self._db.execute("DELETE FROM events WHERE seq < ?", (before,))

    @_guarded
    def last_event_of(self, kind: str) -> EventRecord | None:
        """The newest record of ``kind``, or ``None``."""
        row = self._db.execute(
            "SELECT seq, at, kind, detail, digest FROM events WHERE kind = ? "
            "ORDER BY seq DESC LIMIT 1", (kind,)
        ).fetchone()
        return None if row is None else event_record(row)

    @_guarded
    def last_event(self) -> EventRecord | None:
        """The newest record of the event log, or ``None``."""
        row = self._db.execute(
            "SELECT seq, at, kind, detail, digest FROM events ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        return None if row is None else event_record(row)

    @_guarded
    def events(self, after: int = 0, limit: int = 1000) -> list[EventRecord]:
        """Records with ``seq > after``, oldest first, at most ``limit``."""
        rows = self._db.execute(
            "SELECT seq, at, kind, detail, digest FROM events WHERE seq > ? "
            "ORDER BY seq LIMIT ?", (after, limit),
        ).fetchall()
        return [event_record(r) for r in rows]

    # -- main key store ------------------------------------------------------------

    @_guarded
    def get_key(self, slot: int) -> KeyRecord | None:
        """The key record in ``slot``, or ``None``."""
        row = self._db.execute(
            _SELECT_KEY + " WHERE slot = ?", (slot,)
        ).fetchone()
        return None if row is None else key_record(row)

    @_guarded
    def key_record_id(self, slot: int) -> bytes | None:
        """Just the record id of ``slot`` (cache validation), or ``None``."""
        row = self._db.execute("SELECT record_id FROM keys WHERE slot = ?", (slot,)).fetchone()
        return None if row is None else blob_value(row[0], "keys")

    @_guarded
    def list_keys(self) -> list[KeyRecord]:
        """Every key record, by slot."""
        rows = self._db.execute(_SELECT_KEY + " ORDER BY slot").fetchall()
        return [key_record(r) for r in rows]

    @_guarded
    def key_slots(self) -> list[int]:
        """The allocated slots of the main store, ascending."""
        rows = self._db.execute("SELECT slot FROM keys ORDER BY slot")
        return [int_value(r[0], "keys") for r in rows]

    @_guarded
    def lowest_free_slot(self, first: int, last: int) -> int | None:
        """The lowest slot in ``first..last`` with no key, or ``None`` when all are taken."""
        return _lowest_free(self._db, "keys", first, last)

    @_guarded
    def put_key(self, record: KeyRecord) -> None:
        """Insert or replace the key record of ``record.slot``; a secret it replaces is
        erased from the files like a deleted one."""
        with self.transaction():
            before = self._db.execute("SELECT sealed FROM keys WHERE slot = ?",
                                      (record.slot,)).fetchone()
            values = (record.slot, record.key_type, record.origin, record.public,
                      record.sealed, record.record_id, int(record.exportable))
            self._db.execute(_INSERT_KEY, (*values, row_sum("keys", values)))
            if before is not None and bytes(before[0]) != bytes(record.sealed):
                self.erased()

    @_guarded
    def set_key_exportable(self, slot: int, exportable: bool) -> None:
        """Change the export flag of a key."""
        with self.transaction():
            record = self.get_key(slot)
            if record is not None:
                self.put_key(replace(record, exportable=bool(exportable)))

    @_guarded
    def delete_key(self, slot: int) -> bool:
        """Remove the key in ``slot``; whether there was one."""
        with self.transaction():
            cur = self._db.execute("DELETE FROM keys WHERE slot = ?", (slot,))
            if cur.rowcount > 0:
                self.erased()
        return cur.rowcount > 0

    # -- foreign keyring -----------------------------------------------------------

    @_guarded
    def get_foreign_key(self, slot: int) -> ForeignKeyRecord | None:
        """The foreign public key in ``slot``, or ``None``."""
        row = self._db.execute(
            _SELECT_FOREIGN + " WHERE slot = ?", (slot,)
        ).fetchone()
        return None if row is None else foreign_record(row)

    @_guarded
    def list_foreign_keys(self) -> list[ForeignKeyRecord]:
        """Every foreign key, by slot."""
        rows = self._db.execute(
            _SELECT_FOREIGN + " ORDER BY slot"
        ).fetchall()
        return [foreign_record(r) for r in rows]

    @_guarded
    def foreign_slots(self) -> list[int]:
        """The allocated foreign slots, ascending."""
        return [int_value(r[0], "foreign_keys")
                for r in self._db.execute("SELECT slot FROM foreign_keys ORDER BY slot")]

    @_guarded
    def lowest_free_foreign_slot(self, first: int, last: int) -> int | None:
        """The lowest free foreign slot in ``first..last``, or ``None``."""
        return _lowest_free(self._db, "foreign_keys", first, last)

    @_guarded
    def put_foreign_key(self, record: ForeignKeyRecord) -> None:
        """Insert or replace a foreign key."""
        with self.transaction():
            values = (record.slot, record.key_type, record.public, int(record.exportable))
            self._db.execute(
                "INSERT OR REPLACE INTO foreign_keys (slot, key_type, public, exportable, sum) "
                "VALUES (?, ?, ?, ?, ?)", (*values, row_sum("foreign_keys", values)),
            )

    @_guarded
    def set_foreign_exportable(self, slot: int, exportable: bool) -> None:
        """Change the export flag of a foreign key."""
        with self.transaction():
            record = self.get_foreign_key(slot)
            if record is not None:
                self.put_foreign_key(replace(record, exportable=bool(exportable)))

    @_guarded
    def delete_foreign_key(self, slot: int) -> bool:
        """Remove a foreign key; whether there was one."""
        with self.transaction():
            cur = self._db.execute("DELETE FROM foreign_keys WHERE slot = ?", (slot,))
        return cur.rowcount > 0

    # -- HD wallets ----------------------------------------------------------------

    @_guarded
    def wallet_count(self) -> int:
        """How many wallets (master and oversight) exist."""
        return int(self._db.execute("SELECT COUNT(*) FROM wallets").fetchone()[0])

    @_guarded
    def wallet_by_name(self, name: str) -> WalletRecord | None:
        """The wallet called ``name``, or ``None``."""
        row = self._db.execute(_SELECT_WALLET + " WHERE name = ?", (name,)).fetchone()
        return None if row is None else wallet_record(row)

    @_guarded
    def wallet_by_root(self, slot: int) -> WalletRecord | None:
        """The wallet whose root (master seed or oversight root) is ``slot``, or ``None``."""
        row = self._db.execute(_SELECT_WALLET + " WHERE root_slot = ?", (slot,)).fetchone()
        return None if row is None else wallet_record(row)

    @_guarded
    def wallet_by_id(self, wallet_id: int) -> WalletRecord | None:
        """The wallet ``wallet_id``, or ``None``."""
        row = self._db.execute(_SELECT_WALLET + " WHERE wallet_id = ?", (wallet_id,)).fetchone()
        return None if row is None else wallet_record(row)

    @_guarded
    def list_wallets(self) -> list[WalletRecord]:
        """Every wallet, by root slot."""
        rows = self._db.execute(_SELECT_WALLET + " ORDER BY root_slot").fetchall()
        return [wallet_record(r) for r in rows]

    @_guarded
    def add_wallet(self, name: str, root_slot: int, key_type: int, variant: str, kind: str,
                   root_path: str) -> int:
        """Record a new wallet; returns its id. The name must be free (the caller checks
        it first)."""
        with self.transaction():
            cur = self._db.execute(
                "INSERT INTO wallets (name, root_slot, key_type, variant, kind, root_path) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (name, root_slot, key_type, variant, kind, root_path),
            )
            wallet_id = int(cur.lastrowid or 0)
            values = (wallet_id, name, root_slot, key_type, variant, kind, root_path)
            self._db.execute("UPDATE wallets SET sum = ? WHERE wallet_id = ?",
                             (row_sum("wallets", values), wallet_id))
        return wallet_id

    @_guarded
    def delete_wallet(self, wallet_id: int) -> None:
        """Forget a wallet and every node of it (their key records are the caller's)."""
        with self.transaction():
            self._db.execute("DELETE FROM wallet_nodes WHERE wallet_id = ?", (wallet_id,))
            self._db.execute("DELETE FROM wallets WHERE wallet_id = ?", (wallet_id,))

    @_guarded
    def put_wallet_node(self, record: WalletNodeRecord) -> None:
        """Record where the key in ``record.slot`` sits in its wallet."""
        with self.transaction():
            values = (record.slot, record.wallet_id, record.path, record.parent_slot)
            self._db.execute(
                "INSERT OR REPLACE INTO wallet_nodes (slot, wallet_id, path, parent_slot, sum) "
                "VALUES (?, ?, ?, ?, ?)", (*values, row_sum("wallet_nodes", values)),
            )

    @_guarded
    def get_wallet_node(self, slot: int) -> WalletNodeRecord | None:
        """The wallet node in ``slot``, or ``None`` if the slot is not a wallet key."""
        row = self._db.execute(_SELECT_NODE + " WHERE slot = ?", (slot,)).fetchone()
        return None if row is None else node_record(row)

    @_guarded
    def wallet_node_at(self, wallet_id: int, path: str) -> WalletNodeRecord | None:
        """The node of wallet ``wallet_id`` at the address ``path``, or ``None``."""
        row = self._db.execute(
            _SELECT_NODE + " WHERE wallet_id = ? AND path = ?", (wallet_id, path)
        ).fetchone()
        return None if row is None else node_record(row)

    @_guarded
    def wallet_nodes(self, wallet_id: int) -> list[WalletNodeRecord]:
        """Every node of a wallet, by slot."""
        rows = self._db.execute(
            _SELECT_NODE + " WHERE wallet_id = ? ORDER BY slot", (wallet_id,)
        ).fetchall()
        return [node_record(r) for r in rows]

    @_guarded
    def wallet_subtree(self, wallet_id: int, path: str) -> list[int]:
        """The slots of the node at ``path`` and of all its descendants, ascending.
        Addresses are canonical, so a descendant's address is ``path + "/" + ...``."""
        prefix = path + "/"
        rows = self._db.execute(
            "SELECT slot FROM wallet_nodes WHERE wallet_id = ? AND "
            "(path = ? OR substr(path, 1, ?) = ?) ORDER BY slot",
            (wallet_id, path, len(prefix), prefix),
        ).fetchall()
        return [int_value(r[0], "wallet_nodes") for r in rows]

    @_guarded
    def delete_wallet_nodes(self, slots: list[int]) -> None:
        """Forget the wallet nodes in ``slots`` (their key records are the caller's)."""
        with self.transaction():
            self._db.executemany("DELETE FROM wallet_nodes WHERE slot = ?",
                                 [(slot,) for slot in slots])

    @_guarded
    def delete_keys(self, slots: list[int]) -> None:
        """Remove the keys in ``slots`` (missing ones are skipped)."""
        with self.transaction():
            cur = self._db.executemany("DELETE FROM keys WHERE slot = ?",
                                       [(slot,) for slot in slots])
            if cur.rowcount > 0:
                self.erased()

    @_guarded
    def get_wallet_session(self) -> SealedRecord | None:
        """The sealed state of the open SLIP39 session, or ``None`` when none is open."""
        row = self._db.execute(
            "SELECT id, sealed, record_id, sum FROM wallet_session WHERE id = 1"
        ).fetchone()
        if row is None:
            return None
        _id, sealed, record_id = checked_row("wallet_session", row)
        return SealedRecord(blob_value(sealed, "wallet_session"),
                            blob_value(record_id, "wallet_session"))

    @_guarded
    def put_wallet_session(self, record: SealedRecord) -> None:
        """Keep (or replace) the sealed state of the open SLIP39 session."""
        with self.transaction():
            values = (1, record.sealed, record.record_id)
            self._db.execute(
                "INSERT OR REPLACE INTO wallet_session (id, sealed, record_id, sum) "
                "VALUES (?, ?, ?, ?)", (*values, row_sum("wallet_session", values)),
            )

    @_guarded
    def delete_wallet_session(self) -> bool:
        """Discard the SLIP39 session; whether there was one."""
        with self.transaction():
            cur = self._db.execute("DELETE FROM wallet_session")
            if cur.rowcount > 0:
                self.erased()
        return cur.rowcount > 0

    @_guarded
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
            self.erased()

    # -- the derived tables and destruction, as the module's store Protocol names them
    # (``softscm.module.storage.ModuleStore``; the SQL is in ``derived`` and ``scrub``)

    @_guarded
    def get_certificate(self, slot: int) -> bytes | None:
        return _derived.get_certificate(self._db, slot)

    @_guarded
    def put_certificate(self, slot: int, der: bytes) -> None:
        with self.transaction():
            _derived.put_certificate(self._db, slot, der)

    @_guarded
    def delete_certificate(self, slot: int) -> bool:
        with self.transaction():
            return _derived.delete_certificate(self._db, slot)

    @_guarded
    def certificate_slots(self) -> list[int]:
        return _derived.certificate_slots(self._db)

    @_guarded
    def get_luks_key(self, name: str) -> SealedRecord | None:
        return _derived.get_luks_key(self._db, name)

    @_guarded
    def add_luks_key(self, name: str, record: SealedRecord) -> None:
        with self.transaction():
            _derived.add_luks_key(self._db, name, record)

    @_guarded
    def delete_luks_key(self, name: str) -> bool:
        with self.transaction():
            found = _derived.delete_luks_key(self._db, name)
            if found:
                self.erased()
        return found

    @_guarded
    def luks_key_names(self) -> list[str]:
        return _derived.luks_key_names(self._db)

    @_guarded
    def add_counts(self, counts: dict[str, int]) -> None:
        """Add ``counts`` to the named counters (inside the caller's transaction, if
        any)."""
        if counts:
            with self.transaction():
                _derived.add_counts(self._db, counts)

    @_guarded
    def counters(self) -> dict[str, int]:
        return _derived.counters(self._db)

    @_guarded
    def destroy_secrets(self) -> None:
        """Delete every secret (inside the caller's transaction, if any); they are erased
        from the files once it has committed."""
        with self.transaction():
            scrub.delete_secrets(self._db)
            self.erased()

    @_guarded
    def erase_meta(self, *names: str) -> None:
        """Delete named meta entries; they are erased from the files once the
        transaction has committed."""
        with self.transaction():
            scrub.delete_meta(self._db, *names)
            self.erased()

    @_guarded
    def destroy_everything(self) -> None:
        """Delete every row of every table (inside the caller's transaction, if any);
        erased from the files once it has committed."""
        with self.transaction():
            scrub.delete_everything(self._db)
            self.erased()

    @_guarded
    def scrub(self) -> None:
        """Finish an erasure this store still owes (a no-op when there is none): the
        store erases after the transaction that deleted secrets by itself, so this only
        matters for a caller that deleted outside :meth:`transaction`."""
        if self._erase_due and not self._db.in_transaction:
            self._erase_due = False
            self._erase(scrub.ERASE_WAIT_MS)


def _lowest_free(db: sqlite3.Connection, table: str, first: int, last: int) -> int | None:
    row = db.execute(_LOWEST_FREE[table], (first, first, last)).fetchone()
    return None if row is None else int_value(row[0], table)
