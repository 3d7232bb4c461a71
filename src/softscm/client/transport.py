"""What :class:`softscm.Client` needs of a transport: one call at a time carried to a
module (in-process or over the socket), and a close."""

from __future__ import annotations

from typing import Any, Protocol


class Transport(Protocol):
    """Carries one operation and its arguments to a module and brings back its result,
    raising the module's error (``softscm.errors``) as itself."""

    def call(self, op: str, args: dict[str, Any]) -> Any: ...

    def close(self) -> None: ...
