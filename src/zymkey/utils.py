"""Small helpers of Zymbit's ``zymkey`` package, used by :mod:`zymkey.vault`.

Zymbit's ``Map`` (a Python 2 era dict helper that no longer works on Python 3) is not
provided.
"""

from __future__ import annotations

import binascii
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from zymkey.exceptions import CommandError

__all__ = ["check_outfile", "get_random", "is_string", "open_with_perms"]


def is_string(buf: Any) -> bool:
    """Whether ``buf`` is a ``str``: how ``lock``/``unlock`` tell a path from data."""
    return isinstance(buf, str)


def check_outfile(outfile: str) -> None:
    """Raise :class:`~zymkey.exceptions.CommandError` if ``outfile`` already exists."""
    if os.path.exists(outfile):
        raise CommandError(f"Outfile {outfile} already exists")


def get_random(num_bytes: int = 512) -> bytes:
    """``num_bytes`` random bytes from the module's generator, as hex (``bytes``).

    Uses the shared ``zymkey.client``.
    """
    import zymkey

    client: Any = zymkey.client
    return binascii.hexlify(client.get_random(num_bytes))


@contextmanager
def open_with_perms(path: str, mode: str, perms: int) -> Iterator[IO[Any]]:
    """Open ``path`` with ``mode`` and set its permission bits to ``perms``."""
    with open(path, mode) as fh:
        os.chmod(path, perms)
        yield fh
