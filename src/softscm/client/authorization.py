"""The authorisation methods of :class:`softscm.Client` (``scm-behaviour.md`` §9.3):
the remote answer to a held module's challenge. Operator calls: they work on a client
opened with ``host=False``, while the module holds the host."""

from __future__ import annotations

from typing import Any


class AuthorizationClientMixin:
    """Remote authorisation of holds."""

    def _call(self, op: str, **args: Any) -> Any:  # provided by Client
        raise NotImplementedError

    def auth_challenge(self) -> dict[str, Any]:
        """The hold waiting for an authorisation (``awaiting``: its reason, or ``None``),
        its 32-byte ``challenge`` (hex), the ``authority_slot`` and the ``methods``."""
        return dict(self._call("auth_challenge"))

    def auth_respond(self, signature: bytes) -> None:
        """Answer the challenge with the authority's signature over its SHA-256 digest
        (what ``zymkey``'s ``sign(challenge)`` makes). A good answer releases the hold;
        a wrong or replayed one fails ``VerificationFailed`` and is logged."""
        self._call("auth_respond", signature=bytes(signature))

    def operator_clear_perimeter(self) -> None:
        """Clear and re-arm the perimeter channels of a module that holds the host for a
        tamper (``tamper_production_action = "hold"``): the remediation before the hold
        can end. ``InvalidArgument`` when there is no tamper hold."""
        self._call("operator_clear_perimeter")
