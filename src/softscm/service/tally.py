"""What each user holds of the daemon (connections, streams, waits), counted against the
limits of :mod:`softscm.service.limits`, in one process or across a daemon's workers.

:class:`Tally` counts for one process. :class:`SharedTally` counts in a memory file that
every worker of a daemon maps: each worker writes only its own row (the users it serves
and what they hold there, with its totals), reads every row to check a limit, and holds a
record lock on the file while it checks and counts, so that two workers cannot both pass
the last free place. A record lock belongs to its process: a worker that dies lets it go,
and the daemon clears the dead worker's row (:meth:`SharedTally.clear`) before it starts
another in its place.
"""

from __future__ import annotations

import enum
import fcntl
import mmap
import os
import struct
import threading
from collections import Counter


class Held(enum.IntEnum):
    """What a user may hold of the daemon."""

    CONNECTION = 0
    STREAM = 1
    WAIT = 2


class Refused(enum.Enum):
    """Which limit a request for one more would pass."""

    USER = "user"
    ALL = "all"


_KINDS = len(Held)


class Tally:
    """Counts of one process: per user and in all, for each kind."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._per_user: list[Counter[int]] = [Counter() for _ in Held]
        self._totals = [0] * _KINDS

    def take(self, kind: Held, uid: int, per_user: int, total: int | None = None
             ) -> Refused | None:
        """Count one more ``kind`` for ``uid`` unless that passes ``per_user`` (or, all
        users together, ``total``); the limit it would pass, else ``None``."""
        with self._lock:
            if self._per_user[kind][uid] >= per_user:
                return Refused.USER
            if total is not None and self._totals[kind] >= total:
                return Refused.ALL
            self._per_user[kind][uid] += 1
            self._totals[kind] += 1
            return None

    def give(self, kind: Held, uid: int, count: int = 1) -> None:
        """``uid`` holds ``count`` fewer of ``kind``."""
        with self._lock:
            self._remove(kind, uid, count)

    def held(self, kind: Held, uid: int | None = None) -> int:
        """How many of ``kind`` ``uid`` holds (``None``: all users together)."""
        with self._lock:
            return self._totals[kind] if uid is None else self._per_user[kind][uid]

    def _remove(self, kind: Held, uid: int, count: int) -> None:
        counts = self._per_user[kind]
        count = min(count, counts[uid])
        counts[uid] -= count
        if counts[uid] <= 0:
            del counts[uid]
        self._totals[kind] -= count


#: A row's header: how many users it lists, then its totals per kind.
_HEADER = struct.Struct(f"<i{_KINDS}i")
#: One user of a row: the uid, then what it holds per kind.
_ENTRY = struct.Struct(f"<q{_KINDS}i")


class SharedTally(Tally):
    """Counts of every worker of a daemon, in the memory file ``fd`` (made by
    :meth:`create`): this process is worker ``row``. A row lists at most ``users``
    users, enough for the limits (each user listed holds at least one connection, or a
    wait whose connection has gone)."""

    def __init__(self, fd: int, rows: int, users: int, row: int) -> None:
        if not 0 <= row < rows:
            raise ValueError(f"row {row} of {rows}")
        super().__init__()
        self._fd = fd
        self._rows = rows
        self._users = users
        self._row = row
        self._row_size = _HEADER.size + users * _ENTRY.size
        self._map = mmap.mmap(fd, self._row_size * rows)
        #: Where each user of our row is listed (we alone write our row).
        self._index: dict[int, int] = {}

    @staticmethod
    def create(rows: int, users: int) -> int:
        """A new memory file for ``rows`` workers of ``users`` users each; its
        descriptor (inheritable, for the workers)."""
        fd = os.memfd_create("softscm-tally", 0)
        os.ftruncate(fd, (_HEADER.size + users * _ENTRY.size) * rows)
        os.set_inheritable(fd, True)
        return fd

    def close(self) -> None:
        """Unmap the file (the descriptor stays the caller's)."""
        self._map.close()

    def take(self, kind: Held, uid: int, per_user: int, total: int | None = None
             ) -> Refused | None:
        with self._lock:
            fcntl.lockf(self._fd, fcntl.LOCK_EX)
            try:
                mine, all_ = self._count(kind, uid)
                if mine >= per_user:
                    return Refused.USER
                if total is not None and all_ >= total:
                    return Refused.ALL
                slot = self._index.get(uid)
                if slot is None:
                    listed = _HEADER.unpack_from(self._map, self._offset())[0]
                    if listed >= self._users:
                        return Refused.ALL
                    slot = self._index[uid] = listed
                    _ENTRY.pack_into(self._map, self._entry(slot), uid, *([0] * _KINDS))
                    self._set_listed(listed + 1)
                self._add(slot, kind, 1)
                return None
            finally:
                fcntl.lockf(self._fd, fcntl.LOCK_UN)

    def give(self, kind: Held, uid: int, count: int = 1) -> None:
        with self._lock:
            slot = self._index.get(uid)
            if slot is None:
                return
            fcntl.lockf(self._fd, fcntl.LOCK_EX)
            try:
                entry = _ENTRY.unpack_from(self._map, self._entry(slot))
                self._add(slot, kind, -min(count, entry[1 + kind]))
                entry = _ENTRY.unpack_from(self._map, self._entry(slot))
                if not any(entry[1:]):
                    self._unlist(slot, uid)
            finally:
                fcntl.lockf(self._fd, fcntl.LOCK_UN)

    def held(self, kind: Held, uid: int | None = None) -> int:
        with self._lock:
            fcntl.lockf(self._fd, fcntl.LOCK_EX)
            try:
                mine, all_ = self._count(kind, -1 if uid is None else uid)
            finally:
                fcntl.lockf(self._fd, fcntl.LOCK_UN)
        return all_ if uid is None else mine

    def clear(self, row: int) -> None:
        """Forget what worker ``row`` held (it has ended)."""
        with self._lock:
            fcntl.lockf(self._fd, fcntl.LOCK_EX)
            try:
                _HEADER.pack_into(self._map, row * self._row_size, 0, *([0] * _KINDS))
                if row == self._row:
                    self._index.clear()
            finally:
                fcntl.lockf(self._fd, fcntl.LOCK_UN)

    # -- the file (callers hold both locks) ------------------------------------------------

    def _offset(self, row: int | None = None) -> int:
        return (self._row if row is None else row) * self._row_size

    def _entry(self, slot: int, row: int | None = None) -> int:
        return self._offset(row) + _HEADER.size + slot * _ENTRY.size

    def _set_listed(self, listed: int) -> None:
        struct.pack_into("<i", self._map, self._offset(), listed)

    def _count(self, kind: Held, uid: int) -> tuple[int, int]:
        """What ``uid`` holds of ``kind`` in every row, and what all users hold."""
        mine = all_ = 0
        for row in range(self._rows):
            header = _HEADER.unpack_from(self._map, self._offset(row))
            all_ += header[1 + kind]
            if uid < 0:
                continue
            base = self._entry(0, row)
            for slot in range(min(header[0], self._users)):
                entry = _ENTRY.unpack_from(self._map, base + slot * _ENTRY.size)
                if entry[0] == uid:
                    mine += entry[1 + kind]
                    break
        return mine, all_

    def _add(self, slot: int, kind: Held, delta: int) -> None:
        at = self._entry(slot) + 8 + 4 * kind
        struct.pack_into("<i", self._map, at, struct.unpack_from("<i", self._map, at)[0] + delta)
        at = self._offset() + 4 + 4 * kind
        struct.pack_into("<i", self._map, at, struct.unpack_from("<i", self._map, at)[0] + delta)

    def _unlist(self, slot: int, uid: int) -> None:
        """Take ``uid`` (at ``slot``) off our row: the last user listed takes its place."""
        last = _HEADER.unpack_from(self._map, self._offset())[0] - 1
        del self._index[uid]
        if slot != last:
            moved = _ENTRY.unpack_from(self._map, self._entry(last))
            _ENTRY.pack_into(self._map, self._entry(slot), *moved)
            self._index[moved[0]] = slot
        self._set_listed(last)
