"""Destroying key material for real: rows deleted with ``secure_delete`` on, then the
database rebuilt (``VACUUM``, its temporary copy in memory) and the write-ahead log
folded into it and truncated, so that no copy of a destroyed secret stays in the
database, its WAL or its free pages (``scm-behaviour.md`` §3.6).

Erasure is complete or not reported. The transaction that deletes secrets also records
``erase_pending`` in the state; it is removed only once the rebuild and a checkpoint
that truncated the WAL both succeeded. A connection (of any process) reading an older
snapshot keeps the old pages alive; SQLite's busy handler waits for it, and if it still
holds on, the operation reports that erasure is incomplete, an :class:`Eraser` thread
retries, and every later open of the state resumes it. Overwriting in software cannot
reach copies the storage keeps on its own (flash wear levelling, filesystem journals,
snapshots, backups): see the README.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

#: Meta entries that go with a self-destruct: the sealed secrets, and the supervised-boot
#: manifest (signatures made with the destroyed keys).
SECRET_META = ("master_key", "lock_key_zymkey", "lock_key_cloud", "production_seal",
               "supervised_boot_manifest")
#: Meta entry present while deleted secrets may still be in the files.
ERASE_PENDING = "erase_pending"
#: Files SQLite keeps beside the database.
SIDE_FILES = ("-wal", "-shm", "-journal")
#: How long the operation that deleted secrets keeps trying while other connections are
#: in the way, in milliseconds (as long as a writer waits for the write lock).
ERASE_WAIT_MS = 30_000
#: How long opening a state waits to finish an erasure left pending, in milliseconds.
RESUME_WAIT_MS = 1_000
#: Pause between two attempts within one :func:`erase`, in seconds.
ATTEMPT_PAUSE_S = 0.01
#: Pause between two attempts of the :class:`Eraser`, in seconds.
RETRY_PAUSE_S = 0.25
#: How long each attempt of the :class:`Eraser` waits for readers, in milliseconds.
RETRY_WAIT_MS = 1_000


def delete_secrets(db: sqlite3.Connection) -> None:
    """Delete every key, foreign key, certificate, LUKS key, wallet row and sealed
    secret (the caller has them erased from the files)."""
    db.execute("DELETE FROM keys")
    db.execute("DELETE FROM foreign_keys")
    db.execute("DELETE FROM certificates")
    db.execute("DELETE FROM luks_keys")
    tables = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'wallet%'")]
    for table in tables:
        db.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from sqlite_master
    delete_meta(db, *SECRET_META)


def delete_everything(db: sqlite3.Connection) -> None:
    """Delete every row of every table: the module, its keys, settings, log and counters,
    for a module replaced by a new one (``scm-behaviour.md`` §9.7; the caller has them
    erased from the files)."""
    tables = [row[0] for row in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    for table in tables:
        db.execute(f'DELETE FROM "{table}"')  # noqa: S608 - names from sqlite_master


def delete_meta(db: sqlite3.Connection, *names: str) -> None:
    """Delete named meta entries (the caller has them erased from the files)."""
    db.executemany("DELETE FROM meta WHERE name = ?", [(n,) for n in names])


def _checkpoint(db: sqlite3.Connection, wal: Path) -> bool:
    busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    try:
        size = os.stat(wal).st_size
    except FileNotFoundError:
        size = 0
    return busy == 0 and size == 0


def erase(db: sqlite3.Connection, path: Path, wait_ms: int) -> bool:
    """Rebuild the database ``path`` through connection ``db`` and fold and truncate its
    WAL, trying for up to ``wait_ms`` while other connections are in the way; then
    clear the pending mark. Whether erasure is complete."""
    wal = path.with_name(path.name + "-wal")
    (previous,) = db.execute("PRAGMA busy_timeout").fetchone()
    deadline = time.monotonic() + wait_ms / 1000
    rebuilt = False
    mark: object = None
    try:
        while True:
            left = max(1, int((deadline - time.monotonic()) * 1000))
            db.execute(f"PRAGMA busy_timeout = {left}")
            try:
                if not rebuilt:
                    # The mark as it is before the rebuild: a deletion committed later
                    # (by another process) leaves a mark of its own, which stays.
                    row = db.execute("SELECT value FROM meta WHERE name = ?",
                                     (ERASE_PENDING,)).fetchone()
                    mark = None if row is None else row[0]
                    db.execute("VACUUM")
                    rebuilt = True
                # (A checkpoint another connection runs makes this one busy at once.)
                if _fold(db, wal, mark):
                    return True
            except sqlite3.OperationalError:
                # A writer or reader in the way (SQLite does not wait for every kind of
                # conflict, for example a VACUUM whose snapshot another commit outdated).
                if db.in_transaction:
                    db.execute("ROLLBACK")
            if time.monotonic() >= deadline:
                return False
            time.sleep(ATTEMPT_PAUSE_S)
    finally:
        db.execute(f"PRAGMA busy_timeout = {int(previous)}")


def _fold(db: sqlite3.Connection, wal: Path, mark: object) -> bool:
    if not _checkpoint(db, wal):
        return False
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute("DELETE FROM meta WHERE name = ? AND value IS ?", (ERASE_PENDING, mark))
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    _checkpoint(db, wal)  # tidy: the mark's own frame holds no secret
    return True


class Eraser:
    """Retries an erasure on a connection of its own, in a thread, until it completes
    or :meth:`stop` is called (the pending mark stays in the state for the next open)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="softscm-eraser",
                                        daemon=True)
        self._thread.start()

    def alive(self) -> bool:
        """Whether it is still trying."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop trying (wait for the attempt under way)."""
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(RETRY_PAUSE_S):
            try:
                db = sqlite3.connect(str(self._path), isolation_level=None,
                                     check_same_thread=False)
            except sqlite3.Error:
                continue
            try:
                db.execute("PRAGMA secure_delete = ON")
                db.execute("PRAGMA temp_store = MEMORY")
                if erase(db, self._path, RETRY_WAIT_MS):
                    return
            except sqlite3.Error:
                pass
            finally:
                db.close()
