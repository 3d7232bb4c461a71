"""The module's event log: an append-only hash chain of typed records.

Each record's digest is a truncated SHA-256 over the previous digest and the record's
own fields, so editing, dropping or reordering one record breaks the chain from that
record on (compare yubihsm's ``LogEntry.validate``)."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from collections.abc import Iterable
from typing import Any

from softscm.module.records import EventRecord

#: Length of a record digest, in bytes.
DIGEST_BYTES = 16
#: The "previous digest" of the first record.
GENESIS = bytes(DIGEST_BYTES)


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


def first_broken(records: Iterable[EventRecord], previous: bytes = GENESIS) -> int | None:
    """The sequence number of the first record whose digest does not follow, or
    ``None`` when the chain is whole."""
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
    the digest of the record before it (``previous``), ``hash`` its own."""
    return {"seq": rec.seq, "at": rec.at, "kind": rec.kind, "detail": json.loads(rec.detail),
            "prev_hash": previous.hex(), "hash": rec.digest.hex()}
