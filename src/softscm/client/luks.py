"""The LUKS key methods of :class:`softscm.Client` (``scm-behaviour.md`` §9.5): 64-byte
keys kept sealed in the module and released only to its bound host while its keys are
intact."""

from __future__ import annotations

from typing import Any


class LuksClientMixin:
    """LUKS keys kept in the module."""

    def _call(self, op: str, **args: Any) -> Any:  # provided by Client
        raise NotImplementedError

    def create_luks_key(self, name: str) -> None:
        """Have the module draw a new 64-byte LUKS key and keep it as ``name``
        (``InvalidArgument`` if the name is taken)."""
        self._call("luks_key_create", name=name)

    def luks_key(self, name: str) -> bytes:
        """The 64 bytes of the LUKS key ``name``: for ``cryptsetup --key-file=-``."""
        return bytes(self._call("luks_key", name=name))

    def luks_keys(self) -> list[str]:
        """The names of the LUKS keys, sorted."""
        return [str(name) for name in self._call("luks_key_list")]

    def remove_luks_key(self, name: str) -> None:
        """Erase the LUKS key ``name`` for good."""
        self._call("luks_key_remove", name=name)
