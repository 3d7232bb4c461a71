"""The key store of a module: slots, sealed private material and the loaded-key cache.

Private keys are kept sealed (AES-256-GCM under the module's master key, bound to the
module serial, the slot and a random record id) and are unsealed into a loaded key only
when used. Loaded keys are cached per process; the cache is dropped whenever another
process commits a change (``Store.data_version``), so every process sees one module.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from softscm.crypto import keys as ck
from softscm.crypto import seal
from softscm.crypto.curves import KeyType, key_type_from_name
from softscm.errors import (
    ExportDisabled,
    InvalidArgument,
    KeyStoreFull,
    SlotEmpty,
    SlotReadOnly,
)
from softscm.module.profile import EPHEMERAL_SLOT, KEY_STORE_FIRST_SLOT, Profile
from softscm.store import ForeignKeyRecord, KeyRecord, Store

#: Length of a key record's random id, in bytes.
RECORD_ID_BYTES = 16
_SEAL_LABEL = b"softscm/key/v1"


class KeyStore:
    """Slots of one module. All arguments are validated here; callers only translate."""

    def __init__(
        self, store: Store, profile: Profile, serial: str, master_key: bytes,
        entropy: Callable[[int], bytes],
    ) -> None:
        self._store = store
        self.profile = profile
        self._serial = serial.encode("ascii")
        self._master = master_key
        self._entropy = entropy
        self._private: dict[int, ck.PrivateKey] = {}
        self._public: dict[tuple[bool, int], ck.PublicKey] = {}

    # -- cache -------------------------------------------------------------------------

    def forget(self) -> None:
        """Drop every loaded key (another process changed the store)."""
        self._private.clear()
        self._public.clear()

    def _forget_slot(self, slot: int, foreign: bool) -> None:
        if not foreign:
            self._private.pop(slot, None)
        self._public.pop((foreign, slot), None)

    # -- slot numbers ------------------------------------------------------------------

    def check_slot(self, slot: int, *, foreign: bool = False) -> None:
        """``InvalidArgument`` unless ``slot`` names a slot of the store (or keyring)."""
        if type(slot) is not int:
            raise InvalidArgument(f"slot must be an integer, not {type(slot).__name__}")
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
        """The loaded private key of ``slot`` (cached)."""
        key = self._private.get(slot)
        if key is not None:
            return key
        rec = self.record(slot)
        private = seal.open_sealed(self._master, rec.sealed, self._aad(slot, rec.record_id))
        key = ck.load_private_key(KeyType(rec.key_type), private)
        self._private[slot] = key
        return key

    def public_key(self, slot: int, *, foreign: bool = False) -> ck.PublicKey:
        """The loaded public key of ``slot`` in the main store or the keyring (cached)."""
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
        if foreign:
            frec = self.foreign_record(slot)
            key_type, raw, exportable = frec.key_type, frec.public, frec.exportable
        else:
            rec = self.record(slot)
            key_type, raw, exportable = rec.key_type, rec.public, rec.exportable
        if not exportable:
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
            slot = self._store.lowest_free_slot(KEY_STORE_FIRST_SLOT, self.profile.last_key_slot)
            if slot is None:
                raise KeyStoreFull(f"all {self.profile.key_store_size} key-store slots are in use")
            try:
                self._store.put_key(self._new_record(slot, key_type, "generated"))
            except BaseException:
                self._private.pop(slot, None)
                raise
        return slot

    def generate_ephemeral(self, key_type_name: str) -> None:
        """Create the ephemeral key pair, replacing any previous one."""
        key_type = key_type_from_name(key_type_name)
        self._forget_slot(EPHEMERAL_SLOT, False)
        try:
            self._store.put_key(self._new_record(EPHEMERAL_SLOT, key_type, "ephemeral"))
        except BaseException:
            self._private.pop(EPHEMERAL_SLOT, None)
            raise

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
        self._store.delete_key(slot)
        self._forget_slot(slot, False)

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
