"""The binding fingerprint and the keys that seal the master key (``scm-behaviour.md``
§2.2, ``DESIGN.md`` "Binding is real").

In development mode the master key is sealed under a key derived from the host salt
(kept in the state directory, outside the database) and the module serial, so the
binding follows the state wherever it goes. When production begins it is re-sealed
under a key derived from the salt and the fingerprint of the bound host, and the
development seal is erased: the same state on another host cannot unseal it.
"""

from __future__ import annotations

import hashlib
import json

from softscm.crypto import seal


def fingerprint(serial: str, identity: dict[str, str], overrides: dict[str, str],
                salt_state: str, salt_digest: str) -> str | None:
    """The fingerprint of a host (``None`` when its salt is missing). Never logged."""
    if salt_state == "missing":
        return None
    factors = dict(identity)
    factors.update(overrides)
    salt = salt_digest if salt_state == "present" else salt_state
    body = json.dumps([serial, factors, salt], sort_keys=True).encode()
    return hashlib.sha256(b"softscm/binding/v1" + body).hexdigest()


def development_kek(salt: bytes, serial: str) -> bytes:
    """The key sealing the master key in development mode."""
    return seal.derive_key(salt, b"softscm/master-kek/dev/v1/" + serial.encode("ascii"))


def production_kek(salt: bytes, host_fingerprint: str, serial: str) -> bytes:
    """The key sealing the master key in production: the host salt and the bound host."""
    return seal.derive_key(
        salt + bytes.fromhex(host_fingerprint),
        b"softscm/master-kek/production/v1/" + serial.encode("ascii"),
    )
