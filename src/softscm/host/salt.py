"""The host-side binding salt: random bytes the host keeps in the state directory
(the analogue of the files under ``/var/lib/zymbit``)."""

from __future__ import annotations

import os
from pathlib import Path

from softscm.store.paths import check_state_file, create_private, ensure_state_directory

#: File name of the salt inside a state directory.
SALT_NAME = "host.salt"
#: Length of the salt in bytes.
SALT_BYTES = 32


def _read(path: Path) -> bytes | None:
    """The salt in ``path`` (checked: ours, a regular file, not a symlink), or ``None``."""
    if not check_state_file(path):
        return None
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        return os.read(fd, SALT_BYTES + 1)
    finally:
        os.close(fd)


def load_or_create_salt(directory: Path) -> bytes:
    """The salt kept in ``directory``, created (mode 0600, durably, never through a
    symlink) on first use. The directory and an existing salt file are checked first
    (``softscm.store.paths``): one planted by another user is refused."""
    ensure_state_directory(directory)
    path = directory / SALT_NAME
    data = _read(path)
    if data is not None and len(data) == SALT_BYTES:
        return data
    salt = os.urandom(SALT_BYTES)
    tmp = directory / f"{SALT_NAME}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    fd = create_private(tmp)
    try:
        os.write(fd, salt)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        # Another process may have created it meanwhile: keep the first one.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    data = _read(path)
    if data is None:
        raise FileNotFoundError(path)
    return data
