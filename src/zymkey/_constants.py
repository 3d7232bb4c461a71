"""Names and codes of Zymbit's API (``zymkey-api.md`` §1.3), re-exported by ``zymkey``."""

from __future__ import annotations

#: Selects the shared ("cloud") data-lock key.
CLOUD_ENCRYPTION_KEY = "cloud"
#: Selects the module's one-way data-lock key: only this module can unlock.
ZYMKEY_ENCRYPTION_KEY = "zymkey"
#: The data-lock keys ``lock``/``unlock`` accept, in Zymbit's order.
ENCRYPTION_KEYS = (CLOUD_ENCRYPTION_KEY, ZYMKEY_ENCRYPTION_KEY)

#: Key type names and their C enum values; lookups are exact and case-sensitive.
keyTypes = {
    "secp256r1": 0,
    "nistp256": 0,
    "secp256k1": 1,
    "ed25519": 2,
    "x25519": 3,
}

#: ECDH key derivation names; the C enum value of a KDF is its entry minus one.
kdfFuncTypes = {
    "none": 0,
    "rfc5869-sha256": 1,
    "rfc5869-sha512": 2,
    "pbkdf2-sha256": 3,
    "pbkdf2-sha512": 4,
}


def key_type_name(key_type: str) -> str:
    """``key_type`` once it is known to be a name of :data:`keyTypes` (``KeyError``
    otherwise, as in Zymbit's wrapper)."""
    keyTypes[key_type]  # noqa: B018 - the lookup is the check
    return key_type
