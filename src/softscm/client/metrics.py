"""The metrics methods of :class:`softscm.Client` (``scm-behaviour.md`` §9.6): the
module's counters, and host events recorded in its event log."""

from __future__ import annotations

from typing import Any


class MetricsClientMixin:
    """Counters and host events."""

    def _call(self, op: str, **args: Any) -> Any:  # provided by Client
        raise NotImplementedError

    def metrics(self) -> dict[str, Any]:
        """The module's counters: ``power_ons``, ``host_binds``, ``simulated_actions``,
        ``self_destructs``, ``heartbeat_losses``, ``brownouts`` as numbers, and
        ``module_reboots`` (by reason), ``bind_failures`` (by reason), ``breaches`` (by
        channel), ``host_events`` (by name) and ``api_calls`` (by operation) as maps."""
        return dict(self._call("metrics"))

    def host_event(self, name: str, fields: dict[str, str] | None = None) -> None:
        """Record ``host_event {name, fields…}`` in the event log (``"wifi"``,
        ``{"state": "up"}``). It changes nothing else in the module."""
        self._call("host_event", name=name, fields=dict(fields or {}))
