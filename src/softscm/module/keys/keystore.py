"""The key store of a module: slots, sealed private material and the loaded-key cache.

Private keys are kept sealed (AES-256-GCM under the module's master key, bound to the
module serial, the slot and a random record id) and are unsealed into a loaded key only
when used. Loaded keys are cached per process; the cache is dropped whenever another
process commits a change (``ModuleStore.data_version``), so every process sees one module.

HD wallet nodes (``scm-behaviour.md`` §8) live in the same slots. Their key records seal
a wallet node (private key, if any, and chain code) under a label of their own, and the
store's wallet tables say where each sits in its tree. The ordinary operations use them
as any key (sign, verify, ECDH, public key) with the wallet rules: a master seed serves
derivation only and keeps its public key inside, an oversight (watch-only) node holds no
private key, a ``"cardano"`` node signs with its extended key. Removing a node removes
its descendants; removing a wallet's root removes the wallet.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import replace

from softscm.crypto import keys as ck
from softscm.crypto import seal
from softscm.crypto.curves import DIGEST_SIZE, KeyType, key_type_from_name
from softscm.errors import (
    ExportDisabled,
    InternalError,
    InvalidArgument,
    KeyStoreFull,
    OperationNotSupported,
    SessionActive,
    SlotEmpty,
    SlotReadOnly,
    StoreDamaged,
    VerificationFailed,
)
from softscm.module.checks import check_slot_number
from softscm.module.profile import EPHEMERAL_SLOT, KEY_STORE_FIRST_SLOT, Profile
from softscm.module.records import ForeignKeyRecord, KeyRecord, SealedRecord, WalletNodeRecord
from softscm.module.storage import DAMAGE_ADVICE, ModuleStore
from softscm.wallet import bip32, cardano
from softscm.wallet.curves import WalletCurve

#: Length of a key record's random id, in bytes.
RECORD_ID_BYTES = 16
_SEAL_LABEL = b"softscm/key/v1"
_NODE_SEAL_LABEL = b"softscm/wallet-node/v1"
_SESSION_SEAL_LABEL = b"softscm/wallet-session/v1"

#: Origin of a key made by ``gen_key_pair`` (the keys issue #159 loses, §8.8).
ORIGIN_GENERATED = "generated"
#: Origin of a wallet's master seed (derivation only; its public key stays inside).
ORIGIN_WALLET_MASTER = "wallet-master"
#: Origin of a node derived in a wallet that holds private keys.
ORIGIN_WALLET_CHILD = "wallet-child"
#: Origin of an oversight wallet's nodes, root and children (public keys only).
ORIGIN_OVERSIGHT = "oversight"
#: Every origin of a wallet node.
WALLET_ORIGINS = frozenset({ORIGIN_WALLET_MASTER, ORIGIN_WALLET_CHILD, ORIGIN_OVERSIGHT})

#: Wallet curves by the key type their nodes are recorded with, and back.
WALLET_KEY_TYPES = {
    WalletCurve.SECP256K1: KeyType.SECP256K1,
    WalletCurve.NISTP256: KeyType.NISTP256,
    WalletCurve.ED25519: KeyType.ED25519,
}
_CURVES = {key_type: curve for curve, key_type in WALLET_KEY_TYPES.items()}

# Sealed wallet node: format byte, flags, chain code, then the private key (none for a
# watch-only node; 32 bytes, or 64 for a "cardano" extended key).
_NODE_FORMAT = 1
_FLAG_CARDANO = 1
_NODE_HEADER = 2


class KeyStore:
    """Slots of one module. All arguments are validated here; callers only translate."""

    def __init__(
        self, store: ModuleStore, profile: Profile, serial: str,
        master_key: Callable[[], bytes | None], entropy: Callable[[int], bytes],
    ) -> None:
        self._store = store
        self.profile = profile
        self._serial = serial.encode("ascii")
        self._master_key = master_key
        self._entropy = entropy
        self._private: dict[int, ck.PrivateKey] = {}
        self._public: dict[tuple[bool, int], ck.PublicKey] = {}

    @property
    def _master(self) -> bytes:
        # Without its master key (destroyed, or a production state on another host) the
        # key store holds nothing usable; the host guard refuses every host call then.
        return self._master_key() or bytes(32)

    # -- cache -------------------------------------------------------------------------

    def forget(self) -> None:
        """Drop every loaded key (another process changed the store)."""
        self._private.clear()
        self._public.clear()

    # -- hooks of the lifecycle ----------------------------------------------------------

    def destroy(self) -> None:
        """Self-destruct: erase every key and sealed secret from the store (inside the
        transaction under way) and drop the loaded keys."""
        self._store.destroy_secrets()
        self.forget()

    def drop_volatile(self) -> list[int]:
        """A module boot: drop what does not survive one, the ephemeral key, an open
        SLIP39 session and, with issue #159 emulated (``scm-behaviour.md`` §8.8), the
        keys of ``gen_key_pair``; the slots issue #159 dropped, ascending."""
        self.invalidate_ephemeral()
        self.discard_session()
        if self.profile.issue_159_emulated and self._master_key() is not None:
            return self.drop_generated()
        return []

    def _forget_slot(self, slot: int, foreign: bool) -> None:
        if not foreign:
            self._private.pop(slot, None)
        self._public.pop((foreign, slot), None)

    # -- slot numbers ------------------------------------------------------------------

    def check_slot(self, slot: int, *, foreign: bool = False) -> None:
        """``InvalidArgument`` unless ``slot`` names a slot of the store (or keyring)."""
        check_slot_number(slot)
        if foreign:
            if not 0 <= slot < self.profile.foreign_keyring_size:
                raise InvalidArgument(
                    f"foreign slot {slot} out of range "
                    f"(0-{self.profile.foreign_keyring_size - 1})"
                )
            return
        if slot == EPHEMERAL_SLOT or 0 <= slot < self.profile.factory_slots:
            return
        if KEY_STORE_FIRST_SLOT <= slot <= self.profile.last_key_slot:
            return
        raise InvalidArgument(
            f"slot {slot} out of range (-1, 0-{self.profile.factory_slots - 1}, "
            f"{KEY_STORE_FIRST_SLOT}-{self.profile.last_key_slot})"
        )

    # -- sealing -----------------------------------------------------------------------

    def _aad(self, slot: int, record_id: bytes) -> bytes:
        return b"".join((_SEAL_LABEL, self._serial, struct.pack(">i", slot), record_id))

    def _unseal(self, sealed: bytes, aad: bytes, what: str) -> bytes:
        # Sealed under this module's master key for this very record: if it does not
        # open, the record was damaged (or moved), which is a damaged store.
        try:
            return seal.open_sealed(self._master, sealed, aad)
        except VerificationFailed:
            raise StoreDamaged(f"the sealed {what} in {self._store.path} does not open: "
                               f"the state is damaged; {DAMAGE_ADVICE}") from None

    def _new_record(self, slot: int, key_type: KeyType, origin: str) -> KeyRecord:
        private = ck.generate_private_key(key_type, self._entropy)
        loaded = ck.load_private_key(key_type, private)
        record_id = self._entropy(RECORD_ID_BYTES)
        sealed = seal.seal(self._master, private, self._aad(slot, record_id), self._entropy)
        self._private[slot] = loaded
        return KeyRecord(slot, int(key_type), origin, loaded.public, sealed, record_id)

    # -- main store ----------------------------------------------------------------------

    def record(self, slot: int) -> KeyRecord:
        """The record in ``slot``; ``SlotEmpty`` if none."""
        self.check_slot(slot)
        rec = self._store.get_key(slot)
        if rec is None:
            what = "the ephemeral key" if slot == EPHEMERAL_SLOT else f"slot {slot}"
            raise SlotEmpty(f"{what} holds no key")
        return rec

    def private_key(self, slot: int) -> ck.PrivateKey:
        """The loaded private key of ``slot`` (cached), for signing and ECDH.

        A wallet's master seed serves derivation only and an oversight node holds no
        private key: both are ``OperationNotSupported``."""
        check_slot_number(slot)  # before the cache: True would find slot 1's key
        key = self._private.get(slot)
        if key is not None:
            return key
        rec = self.record(slot)
        if rec.origin in WALLET_ORIGINS:
            key = self._wallet_private_key(rec)
        else:
            private = self._unseal(rec.sealed, self._aad(slot, rec.record_id),
                                   f"key of slot {slot}")
            key = ck.load_private_key(KeyType(rec.key_type), private)
        self._private[slot] = key
        return key

    def _wallet_private_key(self, rec: KeyRecord) -> ck.PrivateKey:
        if rec.origin == ORIGIN_WALLET_MASTER:
            raise OperationNotSupported(
                f"slot {rec.slot} holds a wallet master seed, which serves derivation "
                "only: sign or exchange with a child key"
            )
        node = self.wallet_node(rec.slot)
        if node.private_key is None:
            raise OperationNotSupported(
                f"slot {rec.slot} is a node of an oversight (watch-only) wallet and holds "
                "no private key"
            )
        if node.is_cardano:
            return _CardanoPrivateKey(node.private_key, node.public_key)
        return ck.load_private_key(KeyType(rec.key_type), node.private_key)

    def public_key(self, slot: int, *, foreign: bool = False) -> ck.PublicKey:
        """The loaded public key of ``slot`` in the main store or the keyring (cached)."""
        check_slot_number(slot)  # before the cache, as in private_key
        cached = self._public.get((foreign, slot))
        if cached is not None:
            return cached
        if foreign:
            frec = self.foreign_record(slot)
            key_type, raw = KeyType(frec.key_type), frec.public
        else:
            rec = self.record(slot)
            key_type, raw = KeyType(rec.key_type), rec.public
        loaded = ck.load_public_key(key_type, raw)
        self._public[(foreign, slot)] = loaded
        return loaded

    def exported_public(self, slot: int, *, foreign: bool = False) -> tuple[KeyType, bytes]:
        """Key type and raw public key of ``slot``, if its export is allowed."""
        master_seed = False
        if foreign:
            frec = self.foreign_record(slot)
            key_type, raw, exportable = frec.key_type, frec.public, frec.exportable
        else:
            rec = self.record(slot)
            key_type, raw, exportable = rec.key_type, rec.public, rec.exportable
            master_seed = rec.origin == ORIGIN_WALLET_MASTER
        if not exportable:
            if master_seed:
                raise ExportDisabled(f"slot {slot} holds a wallet master seed, whose "
                                     "public key is never exported")
            raise ExportDisabled(f"export of the public key in slot {slot} is disabled")
        return KeyType(key_type), raw

    def provision_factory_keys(self) -> None:
        """Create the factory NIST P-256 keys (provisioning only)."""
        with self._store.transaction():
            for slot in range(self.profile.factory_slots):
                self._store.put_key(self._new_record(slot, KeyType.NISTP256, "factory"))

    def generate(self, key_type_name: str) -> int:
        """A new key pair in the lowest free key-store slot; returns the slot."""
        key_type = key_type_from_name(key_type_name)
        with self._store.transaction():
            self.check_no_session()
            slot = self.free_slot()
            try:
                self._store.put_key(self._new_record(slot, key_type, ORIGIN_GENERATED))
            except BaseException:
                self._private.pop(slot, None)
                raise
        return slot

    def generate_ephemeral(self, key_type_name: str) -> None:
        """Create the ephemeral key pair, replacing any previous one."""
        key_type = key_type_from_name(key_type_name)
        self.check_no_session()
        self._forget_slot(EPHEMERAL_SLOT, False)
        try:
            self._store.put_key(self._new_record(EPHEMERAL_SLOT, key_type, "ephemeral"))
        except BaseException:
            self._private.pop(EPHEMERAL_SLOT, None)
            raise

    def free_slot(self) -> int:
        """The lowest free key-store slot; ``KeyStoreFull`` when there is none."""
        slot = self._store.lowest_free_slot(KEY_STORE_FIRST_SLOT, self.profile.last_key_slot)
        if slot is None:
            raise KeyStoreFull(f"all {self.profile.key_store_size} key-store slots are in use")
        return slot

    def check_no_session(self) -> None:
        """``SessionActive`` while a SLIP39 session is open: it blocks every key
        generation (``scm-behaviour.md`` §8.6)."""
        if self._store.get_wallet_session() is not None:
            raise SessionActive("a SLIP39 session is open: finish or cancel it before "
                                "generating keys")

    def invalidate_ephemeral(self) -> None:
        """Remove the ephemeral key (no error when there is none)."""
        self._store.delete_key(EPHEMERAL_SLOT)
        self._forget_slot(EPHEMERAL_SLOT, False)

    def remove(self, slot: int) -> None:
        """Remove a key-store key. An empty key-store slot is a no-op; factory keys are
        read-only; the ephemeral key is removed with :meth:`invalidate_ephemeral`."""
        self.check_slot(slot)
        if slot == EPHEMERAL_SLOT:
            raise InvalidArgument("the ephemeral key is removed by invalidating it")
        if slot < KEY_STORE_FIRST_SLOT:
            raise SlotReadOnly(f"factory key {slot} cannot be removed")
        with self._store.transaction():
            node = self._store.get_wallet_node(slot)
            if node is None:
                removed = [slot]
            else:
                removed = self._store.wallet_subtree(node.wallet_id, node.path)
                if node.parent_slot is None:
                    self._store.delete_wallet(node.wallet_id)
                else:
                    self._store.delete_wallet_nodes(removed)
            self._store.delete_keys(removed)
        for gone in removed:
            self._forget_slot(gone, False)

    def drop_generated(self) -> list[int]:
        """Remove every key made by :meth:`generate` (issue #159 at a module boot,
        ``scm-behaviour.md`` §8.8); the slots removed, ascending. Factory, wallet,
        foreign and ephemeral keys stay."""
        with self._store.transaction():
            dropped = sorted(rec.slot for rec in self._store.list_keys()
                             if rec.origin == ORIGIN_GENERATED)
            self._store.delete_keys(dropped)
        for slot in dropped:
            self._forget_slot(slot, False)
        return dropped

    def disable_export(self, slot: int, *, foreign: bool = False) -> None:
        """Forbid exporting the public key of an allocated slot, for good."""
        if foreign:
            self.foreign_record(slot)
            self._store.set_foreign_exportable(slot, False)
        else:
            self.record(slot)
            self._store.set_key_exportable(slot, False)

    def slots(self) -> list[int]:
        """Allocated main-store slots ascending, without the ephemeral key."""
        return [s for s in self._store.key_slots() if s != EPHEMERAL_SLOT]

    def records(self) -> list[KeyRecord]:
        """Every key record, ephemeral included."""
        return self._store.list_keys()

    # -- integrity (the self test, ``scm-behaviour.md`` §9.2) ---------------------------

    def records_intact(self) -> bool:
        """The key store's integrity check: every key record opens under the master key
        for its very slot and record id (its AES-GCM tag is the record's integrity tag
        under the master key), and a plain key's stored public key is the one of its
        private key. Damaged rows (a wrong check value) fail too."""
        for rec in self._store.list_keys():
            wallet = rec.origin in WALLET_ORIGINS
            aad = (self._node_aad if wallet else self._aad)(rec.slot, rec.record_id)
            try:
                private = seal.open_sealed(self._master, rec.sealed, aad)
            except VerificationFailed:
                return False
            if not wallet and ck.load_private_key(
                    KeyType(rec.key_type), private).public != rec.public:
                return False
        return True

    def damage_record(self) -> int:
        """Flip one bit of the sealed key of the lowest slot, its row's check value
        kept valid (a simulated fault of the key area); the slot, or ``SlotEmpty``."""
        records = self._store.list_keys()
        if not records:
            raise SlotEmpty("the key store holds no key record to damage")
        rec = records[0]
        sealed = bytearray(rec.sealed)
        sealed[-1] ^= 0x01
        self._store.put_key(replace(rec, sealed=bytes(sealed)))
        self._forget_slot(rec.slot, False)
        return rec.slot

    # -- wallet nodes -------------------------------------------------------------------

    def _node_aad(self, slot: int, record_id: bytes) -> bytes:
        return b"".join((_NODE_SEAL_LABEL, self._serial, struct.pack(">i", slot), record_id))

    def put_wallet_node(self, slot: int, node: bip32.Node, *, wallet_id: int,
                        parent_slot: int | None, origin: str) -> None:
        """Keep ``node`` in the free key-store ``slot`` of wallet ``wallet_id``, sealed,
        with its place in the tree (inside the caller's transaction). A master seed's
        public key is recorded as not exportable."""
        if origin not in WALLET_ORIGINS:
            raise InternalError(f"not a wallet origin: {origin!r}")
        flags = _FLAG_CARDANO if node.is_cardano else 0
        payload = bytes((_NODE_FORMAT, flags)) + node.chain_code + (node.private_key or b"")
        record_id = self._entropy(RECORD_ID_BYTES)
        sealed = seal.seal(self._master, payload, self._node_aad(slot, record_id),
                           self._entropy)
        key_type = WALLET_KEY_TYPES[node.curve]
        with self._store.transaction():
            self._store.put_key(KeyRecord(slot, int(key_type), origin, node.public_key, sealed,
                                          record_id, origin != ORIGIN_WALLET_MASTER))
            self._store.put_wallet_node(WalletNodeRecord(slot, wallet_id, node.path,
                                                         parent_slot))
        self._forget_slot(slot, False)

    def wallet_node(self, slot: int) -> bip32.Node:
        """The wallet node kept in ``slot``, unsealed (the caller checked that the slot
        is a wallet node)."""
        rec = self.record(slot)
        place = self._store.get_wallet_node(slot)
        if rec.origin not in WALLET_ORIGINS or place is None:
            raise InternalError(f"slot {slot} is not a wallet node")
        payload = self._unseal(rec.sealed, self._node_aad(slot, rec.record_id),
                               f"wallet node of slot {slot}")
        if len(payload) < _NODE_HEADER + bip32.CHAIN_CODE_BYTES or payload[0] != _NODE_FORMAT:
            raise InternalError(f"the wallet node in slot {slot} has an unknown format")
        flags = payload[1]
        chain_code = payload[_NODE_HEADER:_NODE_HEADER + bip32.CHAIN_CODE_BYTES]
        private = payload[_NODE_HEADER + bip32.CHAIN_CODE_BYTES:] or None
        variant = cardano.VARIANT if flags & _FLAG_CARDANO else ""
        depth = len(place.path.split("/")) - 1
        return bip32.Node(_CURVES[KeyType(rec.key_type)], private, rec.public, chain_code,
                          depth, place.path, variant=variant)

    # -- the SLIP39 session's sealed state ------------------------------------------------

    def _session_aad(self, record_id: bytes) -> bytes:
        return b"".join((_SESSION_SEAL_LABEL, self._serial, record_id))

    def put_session(self, payload: bytes) -> None:
        """Keep the state of the open SLIP39 session, sealed (it holds the master secret
        or the shares fed so far), replacing the previous state."""
        record_id = self._entropy(RECORD_ID_BYTES)
        sealed = seal.seal(self._master, payload, self._session_aad(record_id), self._entropy)
        self._store.put_wallet_session(SealedRecord(sealed, record_id))

    def session(self) -> bytes | None:
        """The unsealed state of the open SLIP39 session, or ``None`` when none is open."""
        rec = self._store.get_wallet_session()
        if rec is None:
            return None
        return self._unseal(rec.sealed, self._session_aad(rec.record_id), "SLIP39 session")

    def discard_session(self) -> bool:
        """Discard the open SLIP39 session; whether there was one."""
        return self._store.delete_wallet_session()

    # -- foreign keyring ----------------------------------------------------------------

    def foreign_record(self, slot: int) -> ForeignKeyRecord:
        """The foreign key in ``slot``; ``SlotEmpty`` if none."""
        self.check_slot(slot, foreign=True)
        rec = self._store.get_foreign_key(slot)
        if rec is None:
            raise SlotEmpty(f"foreign slot {slot} holds no key")
        return rec

    def store_foreign(self, key_type_name: str, public: bytes) -> int:
        """Validate and keep a peer's public key; returns its foreign slot."""
        key_type = key_type_from_name(key_type_name)
        raw = ck.parse_public_key(key_type, public)
        size = self.profile.foreign_keyring_size
        with self._store.transaction():
            slot = self._store.lowest_free_foreign_slot(0, size - 1)
            if slot is None:
                raise KeyStoreFull(f"all {size} foreign key slots are in use")
            self._store.put_foreign_key(ForeignKeyRecord(slot, int(key_type), raw))
        self._forget_slot(slot, True)
        return slot

    def remove_foreign(self, slot: int) -> None:
        """Remove a foreign key; ``SlotEmpty`` if there is none."""
        self.foreign_record(slot)
        self._store.delete_foreign_key(slot)
        self._forget_slot(slot, True)

    def foreign_slots(self) -> list[int]:
        """Allocated foreign slots ascending."""
        return self._store.foreign_slots()

    def foreign_records(self) -> list[ForeignKeyRecord]:
        """Every foreign key record."""
        return self._store.list_foreign_keys()


class _CardanoPrivateKey(ck.PrivateKey):
    """A ``"cardano"`` wallet node's extended Ed25519 key: it signs as any Ed25519 key
    (PureEdDSA over the 32-byte digest), with the scalar itself rather than a seed."""

    __slots__ = ("_extended",)

    def __init__(self, extended: bytes, public: bytes) -> None:
        super().__init__(KeyType.ED25519, public)
        self._extended = extended

    def sign_digest(self, digest: bytes, recid: bool = False) -> tuple[bytes, int | None]:
        if len(digest) < DIGEST_SIZE:
            raise InvalidArgument(f"digest must be at least {DIGEST_SIZE} bytes")
        return cardano.sign(self._extended, bytes(digest[:DIGEST_SIZE])), (0 if recid else None)

    def __repr__(self) -> str:
        return f"<PrivateKey ED25519 (cardano) public={self.public.hex()}>"
