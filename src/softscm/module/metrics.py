"""Host-side metrics and host events (``scm-behaviour.md`` §9.6). Operations are served
through :meth:`Module.operation`.

The counters live in the store and grow with the event log: every record the module
appends is counted by :meth:`Metrics.on_record` in the same transaction, so the counts
survive the log's truncation. Calls are counted per process and added to the store's
counters with the next write of the state. A host event is a ``host_event`` record
of the log; it never changes what the module does.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from softscm.errors import InvalidArgument
from softscm.module.codes import EventKind
from softscm.module.operations import Kind, exposed

if TYPE_CHECKING:
    from softscm.module.context import Context

#: Longest host event name and field name, in characters.
MAX_EVENT_NAME_CHARS = 64
#: Longest host event field value, in characters.
MAX_EVENT_VALUE_CHARS = 256
#: Most fields one host event carries.
MAX_EVENT_FIELDS = 16
#: Operations not counted as calls: the looks of a waiting call and the session frame.
UNCOUNTED_CALLS = frozenset({"poll_perimeter", "poll_tap", "module_time", "session_open",
                             "session_close"})
#: Calls counted in a process before they are written without waiting for a write.
FLUSH_CALLS = 10_000
#: Seconds (the module's clock) after which counted calls are written with the next call.
FLUSH_SECONDS = 60.0
#: The plain counters, always reported (0 until they happen).
PLAIN_COUNTERS = ("power_ons", "host_binds", "simulated_actions", "self_destructs",
                  "heartbeat_losses", "brownouts")
#: The counters kept per reason, channel or name.
GROUPED_COUNTERS = ("module_reboots", "bind_failures", "breaches", "host_events", "api_calls")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")


def counters_for(kind: str, detail: dict[str, Any]) -> list[str]:
    """The counters an event-log record of ``kind`` adds one to."""
    if kind == "power_on":
        return ["power_ons"]
    if kind in ("bind_ok", "rebind"):
        return ["host_binds"]
    if kind == "module_reboot":
        return [f"module_reboots/{detail.get('reason', '')}"]
    if kind == "bind_failed":
        return [f"bind_failures/{detail.get('reason', '')}"]
    if kind == "perimeter_breach":
        return [f"breaches/{detail.get('channel', '')}"]
    if kind == "host_event":
        return [f"host_events/{detail.get('name', '')}"]
    plain = {"simulated_action": "simulated_actions", "self_destruct": "self_destructs",
             "heartbeat_lost": "heartbeat_losses", "brownout": "brownouts"}
    return [plain[kind]] if kind in plain else []


def check_host_event(name: object, fields: object) -> dict[str, str]:
    """The detail of a ``host_event`` record: ``name`` and the string ``fields``, each
    name 1-64 letters, digits, ``_ . -``, each value at most 256 printable characters,
    at most 16 fields, none called ``name``. ``InvalidArgument`` for anything else."""
    if not isinstance(name, str) or not _good_name(name):
        raise InvalidArgument(
            f"a host event name is 1-{MAX_EVENT_NAME_CHARS} letters, digits, '_', '.' or "
            "'-', not starting with '.' or '-'")
    if not isinstance(fields, dict) or len(fields) > MAX_EVENT_FIELDS:
        raise InvalidArgument(f"a host event has at most {MAX_EVENT_FIELDS} fields (a map)")
    detail = {"name": name}
    for key, value in fields.items():
        if not isinstance(key, str) or not _good_name(key) or key == "name":
            raise InvalidArgument(f"bad host event field name {key!r}")
        if not isinstance(value, str) or len(value) > MAX_EVENT_VALUE_CHARS \
                or not value.isprintable():
            raise InvalidArgument(f"the value of field {key!r} must be printable text of at "
                                  f"most {MAX_EVENT_VALUE_CHARS} characters")
        detail[key] = value
    return detail


def _good_name(text: str) -> bool:
    return 0 < len(text) <= MAX_EVENT_NAME_CHARS and _NAME.match(text) is not None


class Metrics:
    """The counters of a module and its host events."""

    def __init__(self, context: Context) -> None:
        self._c = context
        #: The clock's reading (counting a call looks at it, so it is kept at hand).
        self._now = context.clock.now
        #: Calls counted in this process and not yet written, by operation.
        self._calls: dict[str, int] = {}
        self._pending = 0
        self._due = self._now() + FLUSH_SECONDS

    def count_call(self, op: str) -> None:
        """One call of operation ``op``, which the module has (kept in this process
        until the next write of the state, :data:`FLUSH_CALLS` calls or
        :data:`FLUSH_SECONDS`)."""
        if op in UNCOUNTED_CALLS:
            return
        calls = self._calls
        calls[op] = calls.get(op, 0) + 1
        self._pending += 1
        if self._pending >= FLUSH_CALLS or self._now() >= self._due:
            self.flush()

    def flush(self) -> None:
        """Add the calls counted in this process to the store's counters."""
        if not self._pending:
            return
        self._due = self._now() + FLUSH_SECONDS
        pending = self._take_calls()
        try:
            self._c.store.add_counts(pending)
        except BaseException:
            self._restore(pending)
            raise

    def _restore(self, pending: dict[str, int]) -> None:
        for name, count in pending.items():
            op = name.split("/", 1)[1]
            self._calls[op] = self._calls.get(op, 0) + count
            self._pending += count

    def on_record(self, kind: str, detail: dict[str, Any]) -> None:
        """Count a record being appended (inside the caller's transaction)."""
        counts = self._take_calls()
        for name in counters_for(kind, detail):
            counts[name] = counts.get(name, 0) + 1
        self._c.store.add_counts(counts)

    def _take_calls(self) -> dict[str, int]:
        counts = {f"api_calls/{op}": n for op, n in self._calls.items()}
        self._calls.clear()
        self._pending = 0
        return counts

    @exposed(Kind.OPERATOR)
    def metrics(self) -> dict[str, Any]:
        """Every counter: the plain ones as numbers, the grouped ones as maps from
        reason, channel, event name or operation to a number."""
        self.flush()
        out: dict[str, Any] = {name: 0 for name in PLAIN_COUNTERS}
        out.update({name: {} for name in GROUPED_COUNTERS})
        for name, count in self._c.store.counters().items():
            group, sep, key = name.partition("/")
            if sep and group in out and isinstance(out[group], dict):
                out[group][key] = count
            elif not sep and name in out:
                out[name] = count
        return out

    @exposed(Kind.HOST)
    def host_event(self, name: str, fields: dict[str, str] | None = None) -> None:
        """Record a ``host_event {name, fields…}`` in the event log (any state)."""
        detail = check_host_event(name, {} if fields is None else fields)
        self._c.record(EventKind.HOST_EVENT, **detail)
