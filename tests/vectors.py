"""Published test vectors, kept as data in ``tests/vectors`` (sources in its SOURCES.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parent / "vectors"


def load_vectors(relpath: str) -> Any:
    """The JSON document at ``relpath`` under ``tests/vectors``."""
    return json.loads((VECTORS / relpath).read_text(encoding="utf-8"))
