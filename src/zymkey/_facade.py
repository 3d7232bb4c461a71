"""The base of the ``Zymkey`` mixins: the connection every method goes through."""

from __future__ import annotations

from softscm.client import Client


class Facade:
    """Holds the :class:`softscm.Client` the methods translate to. Each area of the API
    is a mixin of this class; :class:`zymkey.Zymkey` combines them."""

    _client: Client
