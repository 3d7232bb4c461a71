"""The wallet layer is pure: no clock, no randomness of its own, no I/O modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import softscm.wallet

WALLET = Path(softscm.wallet.__file__).resolve().parent
FORBIDDEN = {"time", "secrets", "random", "os", "io", "pathlib", "socket", "sqlite3",
             "subprocess", "datetime", "uuid"}


@pytest.mark.parametrize("source", sorted(WALLET.glob("*.py")), ids=lambda p: p.name)
def test_no_clock_randomness_or_io(source: Path) -> None:
    tree = ast.parse(source.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            if isinstance(node, ast.Name):
                assert node.id not in {"open", "urandom"}, f"{source.name}: {node.id}"
            continue
        for name in names:
            assert name.split(".")[0] not in FORBIDDEN, f"{source.name} imports {name}"
