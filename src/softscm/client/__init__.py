"""The client layer: :class:`Client` over an in-process or socket transport."""

from __future__ import annotations

from softscm.client.client import Client, Signature

__all__ = ["Client", "Signature"]
