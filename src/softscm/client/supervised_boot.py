"""The supervised-boot methods of :class:`softscm.Client`."""

from __future__ import annotations

from typing import Any


class SupervisedBootClientMixin:
    """The signed manifest of boot-partition files and the boot policy."""

    def _call(self, op: str, **args: Any) -> Any:  # provided by Client
        raise NotImplementedError
