"""The host-side binding salt: random bytes the host keeps in the state directory
(the analogue of the files under ``/var/lib/zymbit``)."""

from __future__ import annotations

import os
from pathlib import Path

#: File name of the salt inside a state directory.
SALT_NAME = "host.salt"
#: Length of the salt in bytes.
SALT_BYTES = 32


def load_or_create_salt(directory: Path) -> bytes:
    """The salt kept in ``directory``, created (mode 0600, durably) on first use."""
    path = directory / SALT_NAME
    try:
        data = path.read_bytes()
        if len(data) == SALT_BYTES:
            return data
    except FileNotFoundError:
        pass
    salt = os.urandom(SALT_BYTES)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
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
    data = path.read_bytes()
    return data
