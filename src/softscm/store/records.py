"""Rows of the store as frozen records."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KeyRecord:
    """A key pair of the main store: factory (0-15), key store (16+) or ephemeral (-1).

    ``sealed`` is the private key sealed under the master key (never the clear key);
    ``record_id`` is random per record and bound into the seal, so a sealed key cannot be
    moved to another slot or record."""

    slot: int
    key_type: int
    origin: str
    public: bytes
    sealed: bytes
    record_id: bytes
    exportable: bool = True


@dataclass(frozen=True)
class ForeignKeyRecord:
    """A peer's public key in the foreign keyring (slots 0-127)."""

    slot: int
    key_type: int
    public: bytes
    exportable: bool = True


@dataclass(frozen=True)
class EventRecord:
    """One record of the module's event log: a sequence number, the module time, a kind,
    its details as canonical JSON, and the hash-chain digest over all of it and the
    previous record's digest (``softscm.module.eventlog``)."""

    seq: int
    at: float
    kind: str
    detail: str
    digest: bytes
