"""The ``softscm`` command."""

from __future__ import annotations

from softscm.cli.app import main

__all__ = ["main"]
