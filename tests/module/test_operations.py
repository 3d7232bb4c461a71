"""The one registry of operations (``softscm.module.operations``) and what is derived
from it: the dispatch table, ``client.sim``, the simulation inputs and the ``softscm
sim`` commands; and ``softscm.Client`` sends only operations the registry has."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import softscm.client
from softscm.cli.app import cli
from softscm.client.simulation import Simulation
from softscm.module import Module
from softscm.module.module import OPERATIONS, PARTS
from softscm.module.operations import Kind, of_kind, operations_of
from softscm.scenario import INPUTS

SIMULATION = list(of_kind(OPERATIONS, Kind.SIMULATION))


def test_every_operation_is_served_by_the_method_the_registry_names(module: Module) -> None:
    assert len(OPERATIONS) > 100
    for name, op in OPERATIONS.items():
        method = module.operation(name)
        assert method is not None, name
        assert getattr(method, "__func__", method) is op.function, name
    assert module.operation("no_such_operation") is None


def test_the_registry_is_the_marks_of_the_parts() -> None:
    assert OPERATIONS == {name: op for cls in PARTS for name, op in operations_of(cls).items()}
    assert Module.OPERATIONS == set(operations_of(Module))
    # The methods with slow work (a Deferred) serve the operation; the one-call forms
    # are for the module's own users.
    assert OPERATIONS["ecdh"].method == "begin_ecdh"
    assert OPERATIONS["get_time"].method == "begin_get_time"
    assert "begin_ecdh" not in OPERATIONS


def test_every_simulation_operation_is_an_input_with_a_control() -> None:
    assert len(SIMULATION) == len(INPUTS) > 20
    for op in SIMULATION:
        assert op.input is not None and op.name.startswith("sim_")
        assert INPUTS[op.input.name].control == op.name[len("sim_"):]
        params = list(inspect.signature(op.function).parameters)[1:]
        declared = [p.name for p in op.input.params]
        # The input's parameters are the method's (tap's axis carries its direction).
        assert declared == [p for p in params if p != "direction"], op.name


def _signature(function: object) -> list[tuple[str, object, object]]:
    params = list(inspect.signature(function).parameters.values())  # type: ignore[arg-type]
    return [(p.name, p.default, p.annotation) for p in params]


@pytest.mark.parametrize("op", SIMULATION, ids=lambda op: op.name)
def test_client_sim_has_each_control_with_the_modules_signature(op) -> None:
    control = getattr(Simulation, op.name[len("sim_"):])
    assert _signature(control) == _signature(op.function)
    assert inspect.getdoc(control) == inspect.getdoc(op.function)
    sent = []
    sim = Simulation(lambda name, **args: sent.append((name, args)))
    params = list(inspect.signature(op.function).parameters.values())[1:]
    required = [p for p in params if p.default is p.empty]
    getattr(sim, op.name[len("sim_"):])(*range(len(required)))
    expected = {p.name: i for i, p in enumerate(required)}
    expected.update({p.name: p.default for p in params if p.default is not p.empty})
    assert sent == [(op.name, expected)]
    with pytest.raises(TypeError):
        getattr(sim, op.name[len("sim_"):])(*range(len(params) + 1))


def test_client_sim_has_nothing_else() -> None:
    controls = {n for n in vars(Simulation) if not n.startswith("_")}
    assert controls == {op.name[len("sim_"):] for op in SIMULATION}
    with pytest.raises(AttributeError):
        Simulation(print).no_such_control  # noqa: B018


def test_every_input_has_its_sim_command_made_from_its_parameters() -> None:
    commands = cli.commands["sim"].commands  # type: ignore[attr-defined]
    for name, spec in INPUTS.items():
        command = commands[name]
        names = [p.name for p in command.params if p.name != "as_json"]
        expected = ["switch" if p.kind == "bool" and p.required else p.name
                    for p in spec.params]
        assert names == expected, name


def test_the_client_sends_only_operations_the_module_has() -> None:
    root = Path(softscm.client.__file__).parent
    sent = set()
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "_call" and node.args
                    and isinstance(node.args[0], ast.Constant)):
                sent.add(node.args[0].value)
    assert len(sent) > 80
    assert sent - set(OPERATIONS) == {"wait"}  # the one operation of dispatch itself
