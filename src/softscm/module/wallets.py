"""HD wallets in the module: master seeds, SLIP39 sessions, child keys, oversight
wallets (``scm-behaviour.md`` §8). Operations are served through :meth:`Module.operation`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from softscm.module.module import Module


class Wallets:
    """The wallet part of a module."""

    #: Operations this part serves.
    OPERATIONS: frozenset[str] = frozenset()

    def __init__(self, module: Module) -> None:
        self._module = module
