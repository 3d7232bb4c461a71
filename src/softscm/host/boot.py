"""Which boot of the host machine this is: a state last used under another boot id was
left by a machine that has restarted since, so its module boots again (§2.6)."""

from __future__ import annotations

from pathlib import Path

#: Where Linux gives a random id per machine boot.
BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")


def current_boot_id() -> str:
    """This machine boot's id ("" where the system has none)."""
    try:
        return BOOT_ID_PATH.read_text(encoding="ascii").strip()
    except OSError:
        return ""
