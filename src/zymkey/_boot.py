"""Supervised boot (``zymkey-api.md`` §4.16).

The methods check and convert their arguments as Zymbit's wrapper does, then call the
client. Paths are relative to the boot partition (the module's boot directory); the
client reads the file and the module signs its digest.
"""

from __future__ import annotations

from typing import Any

from zymkey._cargs import c_int, c_string
from zymkey._errors import library_call
from zymkey._facade import Facade


class BootMethods(Facade):
    """The supervised-boot policy and manifest."""

    def set_supervised_boot_policy(self, policy_id: Any = 0) -> None:
        """What a manifest file that fails verification at boot does: 0 nothing,
        1 self-destruct, 2 hold the compute module in reset."""
        policy = c_int(policy_id, 2)
        with library_call():
            self._client.set_supervised_boot_policy(policy)

    def add_or_update_supervised_boot_file(self, filepath: Any = "", slot: Any = 15) -> None:
        """Add ``filepath`` (relative to the boot partition) to the manifest, or sign it
        again, with the factory key in ``slot`` (0-15)."""
        path = c_string(filepath)
        key_slot = c_int(slot, 3)
        with library_call():
            self._client.add_or_update_supervised_boot_file(path, key_slot)

    def remove_supervised_boot_file(self, filepath: Any = "") -> None:
        """Remove ``filepath`` from the manifest."""
        path = c_string(filepath)
        with library_call():
            self._client.remove_supervised_boot_file(path)

    def get_supervised_boot_file_manifest(self) -> str:
        """The manifest: its relative paths separated by spaces, ``""`` when empty."""
        with library_call():
            return str(self._client.supervised_boot_manifest())
