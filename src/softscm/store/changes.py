"""A cheap cross-process "has anything been committed?" test: SQLite's WAL-index header.

Every commit rewrites the header at the start of the database's ``-shm`` file, so while
those bytes are unchanged no connection has committed, and a caller may skip asking
SQLite (``PRAGMA data_version``, about thirty times dearer).

Reading the header must not disturb SQLite's own locks. POSIX record locks belong to a
process and a file, and closing *any* descriptor of a file drops all of the process's
locks on it: a descriptor of ``-shm`` opened and closed beside SQLite's own lets another
process believe it is alone and reset the shared WAL index under live readers (and
truncate the file under a mapping, which is a SIGBUS). So the header is mapped once per
process and database, from a descriptor kept open until the last :class:`Store` of that
database in this process has closed its connection; only then, when this process holds
no lock on the file any more, is the descriptor closed. Every connection to a state
database in a process must therefore be a ``Store`` (no bare ``sqlite3.connect``).
"""

from __future__ import annotations

import mmap
import os
import threading
from pathlib import Path

#: Length of SQLite's WAL-index header at the start of the ``-shm`` file, in bytes.
WAL_INDEX_HEADER_BYTES = 48

_lock = threading.Lock()
_views: dict[tuple[int, int, int], _HeaderView] = {}


class _HeaderView:
    """The mapped header of one ``-shm`` file and how many stores in this process use
    it."""

    def __init__(self, fd: int, view: mmap.mmap) -> None:
        self.fd = fd
        self.view = view
        self.users = 0


class ChangeToken:
    """One store's use of the shared mapping; :meth:`read` gives the header bytes."""

    def __init__(self, key: tuple[int, int, int], view: _HeaderView) -> None:
        self._key = key
        self._view: _HeaderView | None = view

    def read(self) -> bytes | None:
        """The current WAL-index header (``None`` once released)."""
        view = self._view
        return None if view is None else view.view[:WAL_INDEX_HEADER_BYTES]

    def release(self) -> None:
        """Stop using the mapping. Call it only after this store's connection is closed:
        the last user closes the descriptor, which is safe only when no connection of
        this process holds the database open."""
        view, self._view = self._view, None
        if view is None:
            return
        with _lock:
            view.users -= 1
            if view.users > 0:
                return
            _views.pop(self._key, None)
        view.view.close()
        os.close(view.fd)


def _key(database: Path) -> tuple[int, int, int]:
    st = os.stat(database)
    return (os.getpid(), st.st_dev, st.st_ino)


def acquire(database: Path) -> ChangeToken | None:
    """A change token for ``database``, whose connection (a :class:`Store`'s) is open
    and has read it in WAL mode; ``None`` where the header cannot be mapped (the caller
    then asks SQLite every time)."""
    shm = database.with_name(database.name + "-shm")
    with _lock:
        try:
            key = _key(database)
        except OSError:
            return None
        view = _views.get(key)
        if view is None:
            try:
                if os.stat(shm).st_size < WAL_INDEX_HEADER_BYTES:
                    return None
                fd = os.open(shm, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except OSError:
                return None
            try:
                mapped = mmap.mmap(fd, WAL_INDEX_HEADER_BYTES, access=mmap.ACCESS_READ)
            except (OSError, ValueError):
                # Kept open on purpose: closing it would drop SQLite's locks on the
                # file. It is closed when the process ends.
                _orphans.append(fd)
                return None
            view = _views[key] = _HeaderView(fd, mapped)
        view.users += 1
        return ChangeToken(key, view)


#: Descriptors of ``-shm`` files that could not be mapped: never closed while the
#: process lives (closing one could drop SQLite's locks), so at most one per failure.
_orphans: list[int] = []
