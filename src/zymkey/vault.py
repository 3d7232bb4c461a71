"""Lock content into a file, and unlock it again, with the module's data-lock key.

Counterparts: :func:`lock` writes a locked file (mode ``0o400``) that only this module
can read back with :func:`unlock`. Both use the shared ``zymkey.client``.
"""

from __future__ import annotations

import os
from typing import Any

from zymkey.exceptions import VaultError
from zymkey.utils import check_outfile, open_with_perms

__all__ = ["lock", "unlock"]


def _client() -> Any:
    import zymkey

    return zymkey.client


def lock(outfile: str, content: Any = None, infile: str | None = None,
         remove_infile: bool = False) -> None:
    """Lock ``content`` (bytes-like) or the contents of ``infile`` into ``outfile``.

    Raises :class:`~zymkey.exceptions.VaultError` if both ``content`` and ``infile`` are
    given and :class:`~zymkey.exceptions.CommandError` if ``outfile`` exists. With
    ``remove_infile`` the plaintext file is deleted afterwards.
    """
    if content and infile:
        raise VaultError("cannot provide content and infile")

    check_outfile(outfile)

    if not content:
        with open(infile, "rb") as fh:  # type: ignore[arg-type]
            content = fh.read()

    encrypted = _client().lock(bytearray(content))

    with open_with_perms(outfile, "wb", 0o400) as fh:
        fh.write(encrypted)

    if remove_infile:
        os.remove(infile)  # type: ignore[arg-type]


def unlock(infile: str) -> Any:
    """Unlock the file ``infile`` made by :func:`lock`; returns the content as a
    ``bytearray``."""
    with open(infile, "rb") as fh:
        encrypted = bytearray(fh.read())

    return _client().unlock(encrypted)
