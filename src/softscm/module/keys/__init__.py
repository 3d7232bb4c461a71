"""Key material: the master key and the data-lock keys sealed under it, the key store
(slots, the foreign keyring, wallet nodes), the sealed LUKS keys and the certificates
kept with the keys."""

from __future__ import annotations
