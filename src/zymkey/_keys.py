"""Public keys, the key store, the foreign keyring and the ephemeral key
(``zymkey-api.md`` §4.7)."""

from __future__ import annotations

from typing import Any

from zymkey._cargs import c_bool, c_bytes, c_int, c_string
from zymkey._constants import key_type_name
from zymkey._errors import library_call
from zymkey._facade import Facade


class KeyMethods(Facade):
    """Key generation, export, storage and removal."""

    def create_ecdsa_public_key_file(self, filename: Any, slot: Any = 0) -> None:
        """Deprecated: :meth:`create_public_key_file` for the key store."""
        path = c_string(filename)
        key_slot = c_int(slot, 3)
        with library_call():
            self._client.export_public_key(path, key_slot)

    def create_public_key_file(self, filename: Any, slot: Any = 0, foreign: Any = False) -> None:
        """Write the public key of ``slot`` (the foreign keyring when ``foreign``) to
        ``filename`` as PEM SubjectPublicKeyInfo. Returns ``None``."""
        path = c_string(filename)
        key_slot = c_int(slot, 3)
        with library_call():
            self._client.export_public_key(path, key_slot, foreign=c_bool(foreign))

    def get_ecdsa_public_key(self, slot: Any = 0) -> bytearray:
        """Deprecated: :meth:`get_public_key` for the key store."""
        key_slot = c_int(slot, 4)
        with library_call():
            return bytearray(self._client.public_key(key_slot))

    def get_public_key(self, slot: Any = 0, foreign: Any = False) -> bytearray:
        """The raw public key of ``slot`` (``-1``: the ephemeral key; the foreign keyring
        when ``foreign``): 64 bytes ``X||Y`` for NIST P-256 and secp256k1, 32 bytes for
        Ed25519 and X25519."""
        key_slot = c_int(slot, 4)
        with library_call():
            return bytearray(self._client.public_key(key_slot, foreign=c_bool(foreign)))

    def get_slot_alloc_list(self, foreign: Any = False) -> tuple[list[int], int]:
        """``(allocated slots, pool size)`` of the key store (factory slots included) or,
        with ``foreign``, of the foreign keyring."""
        with library_call():
            slots, max_num_keys = self._client.slots(foreign=c_bool(foreign))
        return [int(slot) for slot in slots], int(max_num_keys)

    def store_foreign_public_key(self, key_type: Any, pubkey: Any) -> int:
        """Store a peer's raw public key of ``key_type`` in the foreign keyring; returns
        the foreign slot it was given."""
        public_key = c_bytes(pubkey)
        name = key_type_name(key_type)
        with library_call():
            return int(self._client.store_foreign_key(name, public_key))

    def disable_public_key_export(self, slot: Any = 0, foreign: Any = False) -> None:
        """Forbid exporting the public key of ``slot`` for good; the key keeps working
        for signing, verification and ECDH."""
        key_slot = c_int(slot, 2)
        with library_call():
            self._client.disable_public_key_export(key_slot, foreign=c_bool(foreign))

    def gen_key_pair(self, key_type: Any) -> int:
        """Generate a persistent key pair of ``key_type`` (a name of
        :data:`zymkey.keyTypes`); returns its slot (16 and up)."""
        name = key_type_name(key_type)
        with library_call():
            return int(self._client.generate_key(name))

    def gen_ephemeral_key_pair(self, key_type: Any) -> None:
        """Create the ephemeral key pair (slot ``-1``) of ``key_type``, replacing any
        previous one. It does not survive a power cycle."""
        name = key_type_name(key_type)
        with library_call():
            self._client.generate_ephemeral_key(name)

    def remove_key(self, slot: Any, foreign: Any = False) -> None:
        """Remove the key in ``slot`` of the key store (with the wallet keys derived
        from it) or, with ``foreign``, of the foreign keyring."""
        key_slot = c_int(slot, 2)
        with library_call():
            self._client.remove_key(key_slot, foreign=c_bool(foreign))

    def invalidate_ephemeral_key(self) -> int:
        """Take the ephemeral key out of service until a new one is generated. Returns
        the library's code, ``0`` (Q16)."""
        with library_call():
            self._client.invalidate_ephemeral_key()
        return 0
