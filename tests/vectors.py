"""Published test vectors, read from ``../shared/vectors`` beside the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[2] / "shared" / "vectors"


def load_vectors(relpath: str) -> Any:
    """The JSON document at ``relpath`` under the shared vectors folder."""
    assert VECTORS.is_dir(), f"test vectors not found at {VECTORS}"
    return json.loads((VECTORS / relpath).read_text(encoding="utf-8"))
