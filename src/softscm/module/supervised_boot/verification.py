"""The verification of the manifest at a module boot (``scm-behaviour.md`` §6.3): each
entry's file read from the boot partition and checked against its signature, and the
verdict of the whole."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from softscm.crypto import keys as ck
from softscm.crypto.curves import KeyType
from softscm.errors import SoftScmError
from softscm.module.supervised_boot.manifest import ManifestEntry

#: A failure of the whole partition, not of one file: it cannot be read, or an entry
#: names no signing key.
PROCESS = "process"
#: A file that is missing or changed.
SIGNATURE = "signature"
#: The verdict of a manifest that verifies.
OK = "ok"


class Failure(NamedTuple):
    """One failing entry: its path, the class of the failure (:data:`PROCESS` or
    :data:`SIGNATURE`) and the reason, in words."""

    path: str
    kind: str
    reason: str


def check_entry(entry: ManifestEntry, public_key: Callable[[int], ck.PublicKey],
                read: Callable[[str], bytes | None]) -> Failure | None:
    """The failure of ``entry``, if it fails: its slot's key from ``public_key``, its
    file from ``read``."""
    try:
        key = public_key(entry.slot)
    except SoftScmError:
        return Failure(entry.path, PROCESS, f"no signing key in slot {entry.slot}")
    if key.key_type is not KeyType.NISTP256:
        return Failure(entry.path, PROCESS, f"slot {entry.slot} holds no P-256 signing key")
    try:
        data = read(entry.path)
    except Exception:  # a host source that fails: the partition cannot be read
        return Failure(entry.path, PROCESS, "the boot partition cannot be read")
    if data is None:
        return Failure(entry.path, SIGNATURE, "missing")
    if not key.verify_digest(hashlib.sha256(data).digest(), entry.signature):
        return Failure(entry.path, SIGNATURE, "changed")
    return None


def verdict(entries: Sequence[ManifestEntry],
            failures: Sequence[Failure]) -> tuple[str, dict[str, Any]]:
    """``("ok", {"entries": n})``, ``("signature", {"paths": [...]})`` or
    ``("process", {"reason": ..., "paths": [...]})``: a process failure takes
    precedence."""
    process = [f for f in failures if f.kind == PROCESS]
    if process:
        return PROCESS, {"reason": process[0].reason, "paths": [f.path for f in failures]}
    if failures:
        return SIGNATURE, {"paths": [f.path for f in failures]}
    return OK, {"entries": len(entries)}
