"""LUKS keys kept in the module (``scm-behaviour.md`` §9.5). Operations are served
through :meth:`Module.operation`.

A LUKS key is 64 random bytes drawn by the module, kept sealed under the module's
master key with its name, and released only to a bound host of a module whose keys are
intact: every operation passes the host guard, which refuses a module that cannot bind,
holds the host, or has destroyed its keys. A self-destruct erases them with the other
secrets.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from softscm.crypto import seal
from softscm.errors import InvalidArgument, KeyStoreFull
from softscm.module.operations import Kind, exposed
from softscm.module.records import SealedRecord

if TYPE_CHECKING:
    from softscm.module.context import Context
    from softscm.module.storage import ModuleStore

#: Length of a LUKS key, in bytes (§9.5).
LUKS_KEY_BYTES = 64
#: Most LUKS keys a module keeps [softscm].
MAX_LUKS_KEYS = 64
#: Longest name of a LUKS key, in characters.
MAX_NAME_CHARS = 64
#: Length of a sealed record's random id, in bytes.
RECORD_ID_BYTES = 16
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
_SEAL_LABEL = b"softscm/luks-key/v1\x00"


def check_name(name: object) -> str:
    """``name`` if it can name a LUKS key (letters, digits, ``_ . -``, not starting
    with ``.`` or ``-``, at most :data:`MAX_NAME_CHARS`); ``InvalidArgument`` else."""
    if not isinstance(name, str) or not 0 < len(name) <= MAX_NAME_CHARS \
            or not _NAME.match(name):
        raise InvalidArgument(
            f"a LUKS key name is 1-{MAX_NAME_CHARS} letters, digits, '_', '.' or '-', "
            "not starting with '.' or '-'")
    return name


def _aad(serial: str, name: str, record_id: bytes) -> bytes:
    return b"".join((_SEAL_LABEL, serial.encode("ascii"), b"\x00",
                     name.encode("ascii"), b"\x00", record_id))


def add_new_key(store: ModuleStore, serial: str, master: bytes, name: str,
                entropy: Callable[[int], bytes]) -> None:
    """Draw a new 64-byte key and keep it sealed under ``master`` as ``name`` (checked
    by the caller), in the transaction under way: ``InvalidArgument`` if the name is
    taken, ``KeyStoreFull`` beyond :data:`MAX_LUKS_KEYS`. Provisioning uses it too
    (§9.7 step 7)."""
    with store.transaction():
        names = store.luks_key_names()
        if name in names:
            raise InvalidArgument(f"a LUKS key named {name!r} already exists")
        if len(names) >= MAX_LUKS_KEYS:
            raise KeyStoreFull(f"the module keeps at most {MAX_LUKS_KEYS} LUKS keys")
        record_id = entropy(RECORD_ID_BYTES)
        sealed = seal.seal(master, entropy(LUKS_KEY_BYTES), _aad(serial, name, record_id),
                           entropy)
        store.add_luks_key(name, SealedRecord(sealed, record_id))


class LuksKeys:
    """The sealed LUKS keys of a module."""

    def __init__(self, context: Context) -> None:
        self._c = context

    def _aad(self, name: str, record_id: bytes) -> bytes:
        return _aad(self._c.serial, name, record_id)

    def _master(self) -> bytes:
        self._c.host_guard()
        master = self._c.master_key()
        if master is None:  # pragma: no cover - the host guard refuses a destroyed module
            raise InvalidArgument("the module holds no master key")
        return master

    @exposed(Kind.HOST)
    def luks_key_create(self, name: str) -> None:
        """Draw a new 64-byte key and keep it sealed as ``name`` (``InvalidArgument``
        if the name is taken, ``KeyStoreFull`` beyond :data:`MAX_LUKS_KEYS`)."""
        check_name(name)
        master = self._master()
        add_new_key(self._c.store, self._c.serial, master, name, self._c.entropy)

    @exposed(Kind.HOST)
    def luks_key(self, name: str) -> bytes:
        """The 64 bytes of the LUKS key ``name``."""
        check_name(name)
        master = self._master()
        record = self._c.store.get_luks_key(name)
        if record is None:
            raise InvalidArgument(f"no LUKS key named {name!r}")
        return seal.open_sealed(master, record.sealed, self._aad(name, record.record_id))

    @exposed(Kind.HOST)
    def luks_key_list(self) -> list[str]:
        """The names of the LUKS keys, sorted."""
        self._c.host_guard()
        return self._c.store.luks_key_names()

    @exposed(Kind.HOST)
    def luks_key_remove(self, name: str) -> None:
        """Erase the LUKS key ``name`` (a container it opened can no longer be opened
        with it)."""
        check_name(name)
        self._c.host_guard()
        if not self._c.store.delete_luks_key(name):
            raise InvalidArgument(f"no LUKS key named {name!r}")
