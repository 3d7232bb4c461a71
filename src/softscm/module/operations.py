"""The one registry of the module's operations: what may be called from outside.

A method of the module (or of one of its parts) is an operation when it is marked with
:func:`exposed`, which says its kind: a host call (the ``zymkey`` API), an operator
call (status, the log, the LED view, sessions) or a simulation input (the physical world
and the factory, ``scm-behaviour.md`` §0.1). A simulation input also carries its
:class:`Input`: the operator's name for it (the ``softscm sim`` command and the scenario
file's ``do``), its parameters and a line of help.

Everything that lists operations is derived from these marks: the dispatch table
(:meth:`softscm.module.Module.operation`), the simulation inputs of scenario files
(:data:`softscm.scenario.INPUTS`), the ``softscm sim`` commands, and the checks that
``softscm.Client`` and ``client.sim`` cover every operation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

#: Name of the attribute :func:`exposed` sets on a method.
_MARK = "__softscm_operation__"
#: Operations served by methods named ``sim_<control>``: ``client.sim.<control>``.
SIM_PREFIX = "sim_"


class Kind(str, Enum):
    """Who calls an operation."""

    #: The host's application, through ``zymkey`` or ``softscm.Client``.
    HOST = "host"
    #: The operator: status, the event log, the LED view, sessions, metrics.
    OPERATOR = "operator"
    #: The simulation control plane (``client.sim``, ``softscm sim``, scenario files).
    SIMULATION = "simulation"


#: The default of a parameter that has none (it must be given).
REQUIRED: Any = object()


@dataclass(frozen=True)
class Param:
    """One parameter of a simulation input: its name (as a scenario key and the
    method's keyword), its kind (``int``, ``number``, ``text``, ``bool``, ``hex`` bytes,
    or ``axis`` such as ``"x+"``), a default (none: required), and for a number its
    bounds (:mod:`softscm.module.limits`; a number is always finite), for text its
    longest length (``high``).

    How the ``softscm sim`` command shows it: ``metavar`` (its name on the command
    line), ``choices`` (the only values it takes there), and for a parameter with a
    default, the ``option`` that sets it (``--g``; ``--ntp/--no-ntp`` for a bool) and
    the option's ``help``."""

    name: str
    kind: str
    default: Any = REQUIRED
    low: float | None = None
    high: float | None = None
    metavar: str | None = None
    choices: tuple[str, ...] = ()
    option: str | None = None
    help: str = ""

    @property
    def required(self) -> bool:
        """Whether the parameter must be given."""
        return self.default is REQUIRED


@dataclass(frozen=True)
class Input:
    """A simulation input: its operator name, the ``client.sim`` control it drives (the
    method's name without ``sim_``; filled in by the registry), its parameters, a
    one-line help and what it did, in words: a template over its checked arguments
    (``str.format``; besides the usual specs, ``{x:iso}`` an epoch as an ISO date,
    ``{x:yes|no}`` a bool as one of two words, ``{x:len}`` a length), which
    :func:`softscm.scenario.describe` fills in."""

    name: str
    control: str = ""
    params: tuple[Param, ...] = ()
    help: str = ""
    done: str = ""


@dataclass(frozen=True)
class Operation:
    """One operation: its wire name, its kind, the name of the method that serves it
    (a method returning a :class:`~softscm.module.deferred.Deferred` when its slow part
    runs outside the module's lock) and the method itself (unbound: its signature is
    the operation's arguments), and for a simulation input its :class:`Input`."""

    name: str
    kind: Kind
    method: str
    function: Callable[..., Any]
    input: Input | None = None


def exposed(kind: Kind, *, name: str | None = None,
              input: Input | None = None) -> Callable[[F], F]:
    """Mark a method as the operation ``name`` (default: the method's name) of ``kind``;
    a simulation input gives its :class:`Input`."""
    if input is not None and kind is not Kind.SIMULATION:
        raise AssertionError("only a simulation input carries an Input")  # pragma: no cover

    def mark(method: F) -> F:
        setattr(method, _MARK, (kind, name or method.__name__, input))
        return method

    return mark


def operations_of(cls: type) -> dict[str, Operation]:
    """The operations ``cls`` serves by its own methods, in the order they are defined."""
    found: dict[str, Operation] = {}
    for attribute, value in vars(cls).items():
        mark = getattr(value, _MARK, None)
        if mark is None:
            continue
        kind, name, spec = mark
        if spec is not None:
            control = name[len(SIM_PREFIX):] if name.startswith(SIM_PREFIX) else name
            spec = replace(spec, control=control)
        if name in found:
            raise AssertionError(f"{cls.__name__} serves {name!r} twice")  # pragma: no cover
        found[name] = Operation(name, kind, attribute, value, spec)
    return found


def registry(classes: Iterable[type]) -> dict[str, Operation]:
    """The operations of ``classes`` together; a name served twice is an error."""
    table: dict[str, Operation] = {}
    for cls in classes:
        for name, op in operations_of(cls).items():
            if name in table:
                raise AssertionError(f"operation {name!r} is served twice")  # pragma: no cover
            table[name] = op
    return table


def of_kind(table: dict[str, Operation], kind: Kind) -> Iterator[Operation]:
    """The operations of ``table`` of ``kind``, in order."""
    return (op for op in table.values() if op.kind is kind)
