"""``client.sim``: the simulation control plane of :class:`softscm.Client` (the physical
world and the factory, ``scm-behaviour.md`` §0.1). Never reachable through ``zymkey``;
refused by a module made without simulation.

Its methods are made from the module's registry of operations
(:mod:`softscm.module.operations`): one per simulation input, named after the control
it drives (``sim.loop_open`` for the operation ``sim_loop_open``), with the signature and
the help of the module's own method."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from softscm.module.module import OPERATIONS
from softscm.module.operations import Kind, Operation, of_kind


class Simulation:
    """The simulation control plane (``client.sim``): perimeter loops, sensors, power,
    the host, the clock and the store's protected areas, as inputs."""

    def __init__(self, call: Callable[..., Any]) -> None:
        self._call = call


def _control(op: Operation, control_name: str) -> Callable[..., Any]:
    """The method of :class:`Simulation` that sends ``op`` with the arguments given (the
    module fills in the defaults), refusing a call its signature does not take."""
    signature = inspect.signature(op.function)
    name = op.name

    def control(self: Simulation, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        del bound.arguments["self"]
        return self._call(name, **bound.arguments)

    control.__name__ = control.__qualname__ = control_name
    control.__doc__ = op.function.__doc__
    control.__signature__ = signature  # type: ignore[attr-defined]
    return control


for _op in of_kind(OPERATIONS, Kind.SIMULATION):
    _name = _op.input.control if _op.input else _op.name
    setattr(Simulation, _name, _control(_op, _name))
