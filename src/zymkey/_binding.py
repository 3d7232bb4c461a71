"""Binding to the host (``zymkey-api.md`` §4.12)."""

from __future__ import annotations

from zymkey._errors import library_call
from zymkey._facade import Facade


class BindingMethods(Facade):
    """Locking the binding (production mode) and reading its state."""

    def lock_binding(self) -> None:
        """Make the binding to this host permanent: the step into production mode,
        effective at the next power cycle. Calling it again succeeds (§7 item 16)."""
        with library_call():
            self._client.lock_binding()

    def get_current_binding_info(self) -> tuple[bool, bool]:
        """``(binding_is_locked, is_bound)``: lock state first (Q19)."""
        with library_call():
            locked, bound = self._client.binding_info()
        return bool(locked), bool(bound)
