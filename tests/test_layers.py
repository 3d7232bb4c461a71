"""The layers of ``DESIGN.md``, enforced: every import goes downward (a layer imports
only the layers below it), no module takes part in an import circle, each lower layer
imports on its own without the layers above it, and the pure layers (crypto, wallet,
module) have no clock, randomness or I/O of their own."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

import softscm

SRC = Path(softscm.__file__).resolve().parent.parent

#: ``DESIGN.md``'s layer table, from the inside out, with the neutral places between
#: them: the errors under everything, the composition root (``runtime``: the module
#: opened on a state directory; ``statecheck``: a state looked at without trusting it)
#: above the host and below the two doors, scenario files
#: beside the ``zymkey`` package, and the programs on top. A layer imports only the
#: layers before it (and itself).
LAYERS: tuple[tuple[str, ...], ...] = (
    ("softscm.errors",),
    ("softscm.crypto",),
    ("softscm.wallet",),
    ("softscm.module",),
    ("softscm.store",),
    ("softscm.host",),
    ("softscm.runtime", "softscm.statecheck"),
    ("softscm.service",),
    ("softscm.client",),
    ("zymkey", "softscm.scenario"),
    ("softscm.cli", "softscm.testing", "softscm.pytest_plugin", "softscm.__main__",
     "softscm"),
)

#: The layers that are pure (``DESIGN.md``: "none: pure functions", "none", "none: a
#: clock, an entropy source, a store and a host are injected").
PURE = ("softscm.crypto", "softscm.wallet", "softscm.module")
FORBIDDEN = {"time", "secrets", "random", "os", "io", "pathlib", "socket", "sqlite3",
             "subprocess", "datetime", "uuid", "threading", "platformdirs"}


def layer_of(module: str) -> int:
    """The rank of ``module`` in :data:`LAYERS` (its longest matching prefix)."""
    best, rank = -1, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and len(name) > best:
                best, rank = len(name), i
    if rank < 0:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS")
    return rank


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for package in ("softscm", "zymkey"):
        for path in (SRC / package).rglob("*.py"):
            parts = list(path.relative_to(SRC).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            if is_package:
                parts = parts[:-1]
            found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()


def imports_of(name: str, source: str, is_package: bool) -> list[tuple[str, bool]]:
    """``(imported module, at import time)`` for every import in ``source``: the
    submodule when ``from package import submodule`` names one. Imports inside
    functions, and those only for type checking, are not at import time."""
    found: list[tuple[str, bool]] = []

    def resolve(node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        base = name.split(".") if is_package else name.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        return ".".join(base + ([node.module] if node.module else []))

    def visit(body: list[ast.stmt], at_import: bool) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.extend((alias.name, at_import) for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                module = resolve(node)
                for alias in node.names:
                    sub = f"{module}.{alias.name}"
                    found.append((sub if sub in MODULES else module, at_import))
            elif isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
                visit(node.body, False)
                visit(node.orelse, at_import)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                visit(node.body, False)  # type: ignore[arg-type]
            else:
                for field in ("body", "orelse", "finalbody", "handlers"):
                    inner = getattr(node, field, None)
                    if isinstance(inner, list):
                        visit(inner, at_import)

    visit(ast.parse(source).body, True)
    return [(module, at) for module, at in found
            if module.split(".")[0] in ("softscm", "zymkey")]


def _graph() -> dict[str, list[tuple[str, bool]]]:
    return {name: imports_of(name, path.read_text(encoding="utf-8"), is_package)
            for name, (path, is_package) in MODULES.items()}


GRAPH = _graph()


def upward_imports(graph: dict[str, list[tuple[str, bool]]]) -> list[str]:
    """Every import (at import time or not) of a layer above the importer's."""
    return [f"{name} imports {target}"
            for name, targets in sorted(graph.items())
            for target, _ in targets
            if layer_of(target) > layer_of(name)]


def circles(graph: dict[str, list[tuple[str, bool]]]) -> list[list[str]]:
    """The import circles made by imports at import time (strongly connected
    components of more than one module, or a module importing itself)."""
    edges = {name: sorted({t for t, at in targets if at and t in graph})
             for name, targets in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges[v]:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            connect(v)
    return found


def test_every_module_is_in_a_layer() -> None:
    for name in MODULES:
        layer_of(name)


def test_imports_go_only_downward() -> None:
    assert upward_imports(GRAPH) == []


def test_no_import_circle() -> None:
    assert circles(GRAPH) == []


def test_the_checks_see_an_upward_import_and_a_circle() -> None:
    upward = {"softscm.module.x": [("softscm.store", False)]}
    assert upward_imports(upward) == ["softscm.module.x imports softscm.store"]
    circle = {"softscm.module.a": [("softscm.module.b", True)],
              "softscm.module.b": [("softscm.module.a", True)],
              "softscm.module.c": [("softscm.module.a", False)]}
    assert circles(circle) == [["softscm.module.a", "softscm.module.b"]]
    lazy = {"softscm.module.a": [("softscm.module.b", True)],
            "softscm.module.b": [("softscm.module.a", False)]}
    assert circles(lazy) == []


def test_imports_are_read_from_every_place() -> None:
    source = ("from softscm.store import Store\n"
              "from typing import TYPE_CHECKING\n"
              "if TYPE_CHECKING:\n    from softscm.client import Client\n"
              "def f():\n    import softscm.cli\n"
              "try:\n    from . import limits\nexcept ImportError:\n    pass\n")
    assert imports_of("softscm.module.x", source, False) == [
        ("softscm.store", True), ("softscm.client", False), ("softscm.cli", False),
        ("softscm.module.limits", True)]


@pytest.mark.parametrize("layer", [names[0] for names in LAYERS[:-1]])
def test_a_lower_layer_imports_without_the_layers_above_it(layer: str) -> None:
    code = (f"import sys, {layer}\n"
            "print('\\n'.join(m for m in sys.modules if m.split('.')[0] in "
            "('softscm', 'zymkey')))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    above = [m for m in loaded if m != "softscm" and layer_of(m) > layer_of(layer)]
    assert above == [], f"importing {layer} loads {above}"


@pytest.mark.parametrize(
    "name", sorted(n for n in MODULES if any(n == p or n.startswith(p + ".") for p in PURE)))
def test_pure_layers_have_no_clock_randomness_or_io(name: str) -> None:
    path, _ = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if not node.level else []
        else:
            if isinstance(node, ast.Name):
                assert node.id not in {"open", "urandom"}, f"{name}: {node.id}"
            continue
        for imported in names:
            assert imported.split(".")[0] not in FORBIDDEN, f"{name} imports {imported}"


def test_the_store_implements_the_modules_store_protocol() -> None:
    import inspect

    from softscm.module.storage import ModuleStore
    from softscm.store import Store

    wanted = [n for n, _ in inspect.getmembers(ModuleStore, inspect.isfunction)
              if not n.startswith("_")]
    assert len(wanted) > 40
    for name in wanted:
        have = inspect.signature(getattr(Store, name)).parameters
        need = inspect.signature(getattr(ModuleStore, name)).parameters
        assert list(have) == list(need), name


def test_no_part_of_the_module_holds_or_imports_the_module() -> None:
    """The module's parts take a context (``softscm.module.context``) and never import
    the module that composes them, nor reach into it."""
    composer = {"softscm.module.module", "softscm.module"}
    for name, (path, _) in MODULES.items():
        if not name.startswith("softscm.module.") or name in composer:
            continue
        imported = {target for target, _ in GRAPH[name]}
        assert not imported & composer, f"{name} imports the module"
        source = path.read_text(encoding="utf-8")
        assert "self._m." not in source and "self._module." not in source, name
    # Nor does any part (or the module) reach into another's private state.
    reach = re.compile(
        r"\b(?:physical|simulation|_p|keystore|_keys|supervised_boot|wallets|metrics)\._[a-z]")
    for name, (path, _) in MODULES.items():
        if name.startswith("softscm.module."):
            found = reach.findall(path.read_text(encoding="utf-8"))
            assert found == [], f"{name}: {found}"
