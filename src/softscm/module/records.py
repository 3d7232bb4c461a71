"""The rows the module keeps in its store, as frozen records: the shapes of
:class:`softscm.module.storage.ModuleStore`, which the store layer implements."""

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


@dataclass(frozen=True)
class WalletRecord:
    """A named HD wallet: a master seed (``kind="master"``) or a watch-only oversight
    wallet (``kind="oversight"``), rooted at ``root_slot`` whose node address is
    ``root_path`` (``"m"`` for a master). ``key_type`` is the curve's key type and
    ``variant`` ``""`` or ``"cardano"``. No secret lives here: the nodes' key material
    is sealed in their key records."""

    wallet_id: int
    name: str
    root_slot: int
    key_type: int
    variant: str
    kind: str
    root_path: str


@dataclass(frozen=True)
class WalletNodeRecord:
    """Where a key-store slot sits in a wallet tree: its wallet, its node address and
    the slot of its parent (``None`` for the wallet's root)."""

    slot: int
    wallet_id: int
    path: str
    parent_slot: int | None


@dataclass(frozen=True)
class SealedRecord:
    """A secret kept sealed under the master key (the open SLIP39 session): the sealed
    bytes and the random record id bound into the seal."""

    sealed: bytes
    record_id: bytes
