"""Supervised boot in the module: the signed manifest of boot-partition files and its
verification at every module boot (``scm-behaviour.md`` §6). Operations are served
through :meth:`Module.operation`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from softscm.module.module import Module


class SupervisedBoot:
    """The supervised-boot part of a module."""

    #: Operations this part serves.
    OPERATIONS: frozenset[str] = frozenset()

    def __init__(self, module: Module, boot_files: Callable[[str, str], bytes | None]) -> None:
        self._module = module
        self._boot_files = boot_files

    def verify(self, t: float) -> tuple[str, dict[str, Any]]:
        """Verify the manifest at a module boot at module time ``t``."""
        return "ok", {}
