"""The module's master key and its seal (``scm-behaviour.md`` §2.2, ``DESIGN.md``
"Binding is real").

The master key seals every other secret of the module. It is kept in the store sealed
itself: in development under a key derived from the host salt and the serial, from
production on under the salt and the fingerprint of the bound host
(:mod:`softscm.module.lifecycle.binding`). A process unseals it when it opens the state;
a destroyed module, or a production state on another host or salt, has none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from softscm.crypto import seal
from softscm.errors import VerificationFailed
from softscm.module.lifecycle.binding import development_kek, fingerprint, production_kek
from softscm.module.lifecycle.state import META_NAME, PhysicalState

if TYPE_CHECKING:
    from softscm.module.context import Context

#: Length of the master key, in bytes.
MASTER_KEY_BYTES = 32
#: Meta entry of the master key sealed for development (under the host salt).
DEVELOPMENT_SEAL = "master_key"
#: Meta entry of the master key sealed for production (under the salt and the host).
PRODUCTION_SEAL = "production_seal"


def _master_aad(serial: str) -> bytes:
    return b"master/" + serial.encode("ascii")


def new_sealed_master(serial: str, salt: bytes,
                      entropy: Callable[[int], bytes]) -> tuple[bytes, dict[str, bytes]]:
    """A new module's master key, drawn from ``entropy``, and the meta entry that keeps
    it sealed for development, under ``salt``."""
    master = entropy(MASTER_KEY_BYTES)
    return master, {DEVELOPMENT_SEAL: seal.seal(development_kek(salt, serial), master,
                                                _master_aad(serial), entropy)}


class MasterKey:
    """The master key of a module, as this process unsealed it (``meta``: the store's
    meta entries, read once at opening)."""

    def __init__(self, context: Context, meta: dict[str, Any], *, salt: bytes,
                 identity: dict[str, str]) -> None:
        self._c = context
        self._salt = salt
        self._key = self._unseal(meta, identity)
        self._scrub_pending = False

    @property
    def key(self) -> bytes | None:
        """The master key, or ``None``: destroyed, or sealed to another host or salt."""
        return self._key

    def _unseal(self, meta: dict[str, Any], identity: dict[str, str]) -> bytes | None:
        serial = self._c.serial
        if DEVELOPMENT_SEAL in meta:
            try:
                return seal.open_sealed(development_kek(self._salt, serial),
                                        bytes(meta[DEVELOPMENT_SEAL]), _master_aad(serial))
            except VerificationFailed:
                raise VerificationFailed(
                    "cannot unseal the module's master key: the host salt in the state "
                    "directory is not the one it was sealed with") from None
        if PRODUCTION_SEAL not in meta:
            return None  # destroyed
        physical = PhysicalState.from_json(meta.get(META_NAME))
        host = fingerprint(serial, identity, physical.identity, physical.salt_state,
                           hashlib.sha256(self._salt).hexdigest())
        if host is None:
            return None
        try:
            return seal.open_sealed(production_kek(self._salt, host, serial),
                                    bytes(meta[PRODUCTION_SEAL]), _master_aad(serial))
        except VerificationFailed:
            return None  # another host, or another salt: it cannot bind

    def seal_for_production(self, host_fingerprint: str) -> None:
        """Production begins: seal the master key to this host and its salt, and erase
        the development seal (inside the transaction under way)."""
        if self._key is None:
            return
        serial = self._c.serial
        sealed = seal.seal(production_kek(self._salt, host_fingerprint, serial), self._key,
                           _master_aad(serial), self._c.entropy)
        self._c.store.set_meta(PRODUCTION_SEAL, sealed)
        self._c.store.erase_meta(DEVELOPMENT_SEAL)
        self._scrub_pending = True

    def forget(self) -> None:
        """The keys were destroyed (the key store erased the seals): forget the master
        key; the files are scrubbed after the transaction."""
        self._key = None
        self._scrub_pending = True

    def scrub(self) -> None:
        """After a commit: scrub the files of the seals erased in it, if any."""
        if self._scrub_pending:
            self._scrub_pending = False
            self._c.store.scrub()
