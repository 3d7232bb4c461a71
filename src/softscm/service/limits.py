"""What one peer may hold of the daemon, and how often refusals are written down.

Every limit counts per peer user (the uid the kernel gives for the connection) as well as
for the daemon as a whole, so that one user at its limit never stops another. The
numbers are the defaults of :class:`Limits`; tests and benchmarks may pass smaller ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from softscm.module.keys.datalock import MAX_STREAMS

#: Most connections the daemon serves at once, all users together.
MAX_CONNECTIONS = 512
#: Most connections one user may hold at once.
MAX_CONNECTIONS_PER_UID = 128
#: Most lock/unlock streams one connection may hold open.
MAX_STREAMS_PER_CONNECTION = 8
#: Most lock/unlock streams one user may hold open.
MAX_STREAMS_PER_UID = 16
#: Most lock/unlock streams open at once, all users and all workers together: as many as
#: one module holds (each worker has a module of its own, and would otherwise hold as
#: many again).
MAX_STREAMS_IN_ALL = MAX_STREAMS
#: Most blocking waits (perimeter event, tap) under way, all users together.
MAX_WAITS = 256
#: Most blocking waits one user may have under way.
MAX_WAITS_PER_UID = 64
#: Seconds a connection may stay idle (no request answered, no answer being sent, no
#: wait under way) before the daemon closes it.
IDLE_TIMEOUT_S = 300.0
#: Seconds between two records of refused connections of one user; the refusals in
#: between are counted in the next record.
REFUSAL_LOG_INTERVAL_S = 60.0


@dataclass(frozen=True)
class Limits:
    """The limits one daemon applies (defaults: the constants of this module)."""

    connections: int = MAX_CONNECTIONS
    connections_per_uid: int = MAX_CONNECTIONS_PER_UID
    streams_per_connection: int = MAX_STREAMS_PER_CONNECTION
    streams_per_uid: int = MAX_STREAMS_PER_UID
    streams: int = MAX_STREAMS_IN_ALL
    waits: int = MAX_WAITS
    waits_per_uid: int = MAX_WAITS_PER_UID
    idle_timeout_s: float = IDLE_TIMEOUT_S
    refusal_log_interval_s: float = REFUSAL_LOG_INTERVAL_S


@dataclass
class _Refusals:
    count: int = 0
    last_written: float = float("-inf")
    reason: str = ""
    gid: int = -1
    pid: int = 0


#: ``write(uid, gid, pid, count, reason)``: one record of ``count`` refusals.
Writer = Callable[[int, int, int, int, str], None]


class RefusalLog:
    """Refused connections, written down at most once per user per ``interval``
    seconds: the first refusal at once, the ones after it counted into the next record
    (written with the next refusal or by :meth:`flush` once the interval is over)."""

    def __init__(self, interval: float, write: Writer) -> None:
        self._interval = interval
        self._write = write
        self._by_uid: dict[int, _Refusals] = {}

    def refused(self, uid: int, gid: int, pid: int, reason: str, now: float) -> None:
        """Count one refusal of a connection of ``uid`` (-1: not known)."""
        entry = self._by_uid.setdefault(uid, _Refusals())
        entry.count += 1
        entry.reason, entry.gid, entry.pid = reason, gid, pid
        if now - entry.last_written >= self._interval:
            self._emit(uid, entry, now)

    def pending(self) -> int:
        """Refusals counted and not written yet."""
        return sum(entry.count for entry in self._by_uid.values())

    def flush(self, now: float, force: bool = False) -> None:
        """Write the counts whose interval is over (all of them with ``force``) and
        forget the users with nothing to write."""
        for uid, entry in list(self._by_uid.items()):
            if entry.count and (force or now - entry.last_written >= self._interval):
                self._emit(uid, entry, now)
            elif not entry.count and now - entry.last_written >= self._interval:
                del self._by_uid[uid]

    def _emit(self, uid: int, entry: _Refusals, now: float) -> None:
        count, entry.count, entry.last_written = entry.count, 0, now
        self._write(uid, entry.gid, entry.pid, count, entry.reason)
