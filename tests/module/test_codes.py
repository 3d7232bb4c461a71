"""The module's vocabulary (``softscm.module.codes``): every record kind the module
writes is an ``EventKind``, and the enums are stored, logged and formatted as the very
strings they stood for."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import softscm.module
from softscm.module import Module
from softscm.module.codes import Binding, EventKind, Lifecycle
from softscm.module.lifecycle import state as S


def test_the_module_writes_no_record_kind_as_a_bare_string() -> None:
    bare = []
    for path in Path(softscm.module.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("record", "_record") and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                bare.append(f"{path.name}:{node.lineno} {node.args[0].value}")
    assert bare == []


def test_codes_are_their_strings_wherever_they_are_written() -> None:
    for code in (EventKind.PERIMETER_BREACH, Lifecycle.WAITING, Binding.BOUND_DEV):
        assert code == code.value and hash(code) == hash(code.value)
        assert str(code) == f"{code}" == "{}".format(code) == code.value  # noqa: UP032
        assert json.dumps([code]) == json.dumps([code.value])
    assert Lifecycle.WAITING == "waiting_for_host"
    assert Binding.PRODUCTION_CANNOT_BIND == "production_cannot_bind"


def test_records_and_state_keep_their_strings(module: Module) -> None:
    module.simulation.sim_loop_open(0)
    records = module.events(limit=1000)
    assert all(type(r["kind"]) is str for r in records)
    assert "perimeter_breach" in [r["kind"] for r in records]
    stored = json.loads(module._store.get_meta(S.META_NAME))
    assert stored["lifecycle"] == "running" and stored["binding"] == "bound_dev"
