"""The wallet methods of :class:`softscm.Client`."""

from __future__ import annotations

from typing import Any


class WalletClientMixin:
    """HD wallets: master seeds, SLIP39 sessions, child keys, oversight wallets."""

    def _call(self, op: str, **args: Any) -> Any:  # provided by Client
        raise NotImplementedError
