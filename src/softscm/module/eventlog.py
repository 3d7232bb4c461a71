"""The module's event log: an append-only hash chain of typed records.

Each record's digest is a truncated SHA-256 over the previous digest and the record's
own fields, so editing, dropping or reordering one record breaks the chain from that
record on (compare yubihsm's ``LogEntry.validate``).

Chain rules (``scm-behaviour.md`` §9.1):

- The record's clock fields ``rtc`` (epoch seconds) and ``mono_ms`` (module uptime) are
  stored inside its detail map (:data:`CLOCK_FIELDS`), so the digest covers them with no
  change to the digest itself; records written before they existed have neither and
  still verify. The client sees them beside ``detail``, not in it (:func:`as_dict`), and
  :func:`from_dict` puts them back.
- Capacity: the newest :data:`MAX_RECORDS` records are kept. Once the log holds
  :data:`TRUNCATE_SLACK` more, the oldest are removed in one batch and a
  ``log_truncated {first_seq, prev_hash}`` record is appended (chained like any other):
  ``first_seq`` is the oldest record kept and ``prev_hash`` the digest of the last one
  removed, so the chain is checked from ``first_seq`` on (:func:`anchor`)."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from softscm.module.codes import EventKind
from softscm.module.records import EventRecord

#: Length of a record digest, in bytes.
DIGEST_BYTES = 16
#: The "previous digest" of the first record.
GENESIS = bytes(DIGEST_BYTES)
#: The clock fields every new record carries in its detail map.
CLOCK_FIELDS = ("rtc", "mono_ms")
#: Records the log keeps (§9.1).
MAX_RECORDS = 100_000
#: Records beyond :data:`MAX_RECORDS` before the oldest are removed in one batch.
TRUNCATE_SLACK = 1_000


def canonical(detail: dict[str, Any]) -> str:
    """Details as canonical JSON (sorted keys, no spaces)."""
    return json.dumps(detail, sort_keys=True, separators=(",", ":"))


def digest(previous: bytes, seq: int, at: float, kind: str, detail: str) -> bytes:
    """The chain digest of one record."""
    body = b"".join((
        previous, struct.pack(">Qd", seq, at), kind.encode("utf-8"), b"\0",
        detail.encode("utf-8"),
    ))
    return hashlib.sha256(body).digest()[:DIGEST_BYTES]


def make_record(previous: EventRecord | None, at: float, kind: str,
                detail: dict[str, Any]) -> EventRecord:
    """The record that follows ``previous`` (``None`` for the first)."""
    seq = 1 if previous is None else previous.seq + 1
    prev_digest = GENESIS if previous is None else previous.digest
    text = canonical(detail)
    return EventRecord(seq, at, kind, text, digest(prev_digest, seq, at, kind, text))


def truncation_due(last: EventRecord, first: EventRecord) -> bool:
    """Whether a log from ``first`` to ``last`` is over its bound (and the slack)."""
    return last.seq - first.seq + 1 > MAX_RECORDS + TRUNCATE_SLACK


def first_kept(last: EventRecord) -> int:
    """The oldest record a truncation keeps when ``last`` is the newest."""
    return last.seq - MAX_RECORDS + 1


def truncation_detail(first_seq: int, removed: EventRecord) -> dict[str, Any]:
    """The details of the ``log_truncated`` marker: ``removed`` is the last record
    removed (the one before ``first_seq``)."""
    return {"first_seq": first_seq, "prev_hash": removed.digest.hex()}


def anchor(first: EventRecord, marker: EventRecord | None) -> bytes | None:
    """The digest the record ``first`` (the oldest there is) chains to: :data:`GENESIS`
    for record 1, else the ``prev_hash`` of a truncation ``marker`` naming it, else
    ``None`` (records were removed with no marker)."""
    if first.seq == 1:
        return GENESIS
    if marker is None or marker.kind != EventKind.LOG_TRUNCATED:
        return None
    try:
        detail = json.loads(marker.detail)
        if detail.get("first_seq") != first.seq:
            return None
        value = bytes.fromhex(str(detail["prev_hash"]))
    except (ValueError, KeyError, AttributeError):
        return None
    return value if len(value) == DIGEST_BYTES else None


def _last_marker(records: Sequence[EventRecord]) -> EventRecord | None:
    for rec in reversed(records):
        if rec.kind == EventKind.LOG_TRUNCATED:
            return rec
    return None


def first_broken(records: Sequence[EventRecord], previous: bytes | None = None) -> int | None:
    """The sequence number of the first record whose digest does not follow, or
    ``None`` when the chain is whole. Without ``previous`` the whole log is meant: its
    first record chains to :data:`GENESIS`, or after a truncation to the newest
    ``log_truncated`` marker's ``prev_hash`` (:func:`anchor`)."""
    if previous is None:
        if not records:
            return None
        start = anchor(records[0], _last_marker(records))
        if start is None:
            return records[0].seq
        previous = start
    return _first_broken(records, previous)


def _first_broken(records: Iterable[EventRecord], previous: bytes) -> int | None:
    expected_seq = None
    for rec in records:
        if expected_seq is not None and rec.seq != expected_seq:
            return rec.seq
        want = digest(previous, rec.seq, rec.at, rec.kind, rec.detail)
        if not hmac.compare_digest(want, rec.digest):
            return rec.seq
        previous = rec.digest
        expected_seq = rec.seq + 1
    return None


def as_dicts(records: list[EventRecord], previous: bytes) -> list[dict[str, Any]]:
    """Consecutive records as the client sees them (:func:`as_dict`), the first chained
    to ``previous``, the digest of the record before it."""
    out = []
    for record in records:
        out.append(as_dict(record, previous))
        previous = record.digest
    return out


def as_dict(rec: EventRecord, previous: bytes = GENESIS) -> dict[str, Any]:
    """A record as the client sees it, with its chain digests (hex): ``prev_hash`` is
    the digest of the record before it (``previous``), ``hash`` its own. The clock
    fields (:data:`CLOCK_FIELDS`) stand beside ``detail``; a record older than them has
    ``None`` there."""
    detail = json.loads(rec.detail)
    out: dict[str, Any] = {"seq": rec.seq, "at": rec.at, "kind": rec.kind}
    for name in CLOCK_FIELDS:
        out[name] = detail.pop(name, None) if isinstance(detail, dict) else None
    out.update({"detail": detail, "prev_hash": previous.hex(), "hash": rec.digest.hex()})
    return out


def from_dict(event: dict[str, Any]) -> EventRecord:
    """A record from its client form (:func:`as_dict`), as stored and chained."""
    detail = event.get("detail", {})
    clock = {name: event[name] for name in CLOCK_FIELDS if event.get(name) is not None}
    if clock:
        detail = {**detail, **clock}
    return EventRecord(int(event["seq"]), float(event["at"]), str(event["kind"]),
                       canonical(detail), bytes.fromhex(str(event["hash"])))


def previous_digest(first: EventRecord, before: EventRecord | None,
                    marker: Callable[[], EventRecord | None]) -> bytes:
    """The digest ``first`` chains to, for its ``prev_hash``: that of ``before`` (the
    record read before it, if it is the one), else its :func:`anchor` (``marker`` reads
    the newest truncation marker), else :data:`GENESIS`."""
    if before is not None and before.seq == first.seq - 1:
        return before.digest
    if first.seq == 1:
        return GENESIS
    start = anchor(first, marker())
    return GENESIS if start is None else start
