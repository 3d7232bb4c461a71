"""The boot partition as the module's host source: reading its files for verification
at boot (``scm-behaviour.md`` §6.2). The module never writes it."""

from __future__ import annotations

from pathlib import Path


def read_boot_file(boot_dir: str, path: str) -> bytes | None:
    """The bytes of ``path`` inside ``boot_dir``, or ``None`` if it is missing, unreadable
    or not a regular file inside the directory."""
    root = Path(boot_dir).resolve()
    target = (root / path).resolve()
    if root not in target.parents:
        return None
    try:
        if not target.is_file():
            return None
        return target.read_bytes()
    except OSError:
        return None
