"""``python -m softscm`` runs the ``softscm`` command."""

from __future__ import annotations

from softscm.cli import main

main()
