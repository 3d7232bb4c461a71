"""The supervised-boot methods of :class:`softscm.Client` (``scm-behaviour.md`` §6).

The file of :meth:`SupervisedBootClientMixin.add_or_update_supervised_boot_file` is read
here, in the calling process, inside the boot directory the module reports; the module
only receives its path and SHA-256 digest, and signs the digest (§6.2).
"""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path
from typing import Any

from softscm.errors import FileError

#: Bytes read at a time while hashing a boot file.
_READ_CHUNK = 1 << 20


class SupervisedBootClientMixin:
    """The signed manifest of boot-partition files and the boot policy."""

    def _call(self, op: str, **args: Any) -> Any:  # provided by Client
        raise NotImplementedError

    def supervised_boot_dir(self) -> str:
        """The boot directory the module verifies (``/boot`` unless ``softscm init``
        was told otherwise)."""
        return str(self._call("supervised_boot_dir"))

    def add_or_update_supervised_boot_file(self, path: str, slot: int = 15) -> None:
        """Sign the current contents of ``path`` (relative to the boot directory) with
        factory key ``slot`` (0-15) and keep it in the manifest, replacing an entry for
        the same path. ``InvalidArgument`` for a bad path or slot (checked before the
        file is read); ``FileError`` if the file cannot be read."""
        boot_dir = str(self._call("prepare_supervised_boot_file", path=path, slot=slot))
        digest = _digest_in(boot_dir, path)
        self._call("add_or_update_supervised_boot_file", path=path, slot=slot, digest=digest)

    def remove_supervised_boot_file(self, path: str) -> None:
        """Drop ``path`` from the manifest (``InvalidArgument`` if it is not listed)."""
        self._call("remove_supervised_boot_file", path=path)

    def supervised_boot_manifest(self) -> str:
        """The manifest's paths, in insertion order, separated by single spaces; ``""``
        when empty (supervised boot off)."""
        return str(self._call("supervised_boot_manifest"))

    def supervised_boot_entries(self) -> list[dict[str, Any]]:
        """The manifest's entries: ``path``, signing ``slot`` and ``digest`` (SHA-256)."""
        return [{"path": str(e["path"]), "slot": int(e["slot"]), "digest": bytes(e["digest"])}
                for e in self._call("supervised_boot_entries")]

    def set_supervised_boot_policy(self, policy: int) -> None:
        """What a failed verification at boot does: 0 nothing, 1 self-destruct, 2 hold
        the host in reset (the factory default)."""
        self._call("set_supervised_boot_policy", policy_id=policy)


def _digest_in(boot_dir: str, path: str) -> bytes:
    """The SHA-256 of the regular file ``path`` inside ``boot_dir``; ``FileError`` if it
    is missing, unreadable, not a regular file or (through a link) outside the
    directory."""
    root = Path(boot_dir).resolve()
    shown = os.path.join(boot_dir, path)
    try:
        target = (root / path).resolve(strict=True)
    except OSError as exc:
        raise _file_error(shown, exc) from None
    except RuntimeError:  # a symbolic-link loop, before Python 3.13
        raise FileError(f"cannot read {shown!r}: a symbolic-link loop",
                        rc=-errno.ELOOP) from None
    if root not in target.parents:
        raise FileError(f"cannot read {shown!r}: it leads outside the boot directory",
                        rc=-errno.EACCES)
    digest = hashlib.sha256()
    try:
        if not target.is_file():
            raise FileError(f"cannot read {shown!r}: not a regular file", rc=-errno.EINVAL)
        with open(target, "rb") as source:
            for chunk in iter(lambda: source.read(_READ_CHUNK), b""):
                digest.update(chunk)
    except OSError as exc:
        raise _file_error(shown, exc) from None
    return digest.digest()


def _file_error(shown: str, exc: OSError) -> FileError:
    return FileError(f"cannot read {shown!r}: {exc.strerror or exc}", rc=-(exc.errno or errno.EIO))
