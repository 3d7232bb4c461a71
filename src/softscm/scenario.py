"""Simulation inputs by their operator names, and scenario files that play them.

Every input of the simulation control plane (``scm-behaviour.md`` §0.1) has one name
here, the name of its ``softscm sim`` command (``tamper``, ``temp``, ``tap``, …), with
its parameters. :func:`apply_input` sends one input through ``client.sim`` and says what
it did; the CLI commands and scenario files both go through it.

A scenario file is a TOML timeline of inputs::

    name = "lid opened in transit"

    [[event]]
    at = 0.0            # seconds of module time from the start of the run
    do = "tamper"       # an input name
    channel = 0         # its parameters, by name

    [[event]]
    at = 5
    do = "temp"
    celsius = -25

:func:`parse` checks the whole file before anything runs; :func:`play` then moves module
time forward to each event (``sim.advance``, never a real-time sleep) and applies it.
"""

from __future__ import annotations

import math
import re
import string
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from softscm.errors import InvalidArgument, SoftScmError
from softscm.module.limits import SIM_DURATION_MAX_S
from softscm.module.module import OPERATIONS
from softscm.module.operations import Input, Kind, Param, of_kind

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

__all__ = [
    "INPUTS", "EventFailed", "Input", "Param", "Scenario", "ScenarioError", "Step",
    "apply_input", "load", "parse", "play",
]

#: Keys a scenario file may have at its top level.
TOP_LEVEL_KEYS = ("name", "description", "end", "event")
#: Keys every event has besides the input's parameters.
EVENT_KEYS = ("at", "do")
#: Inputs a scenario does not take: its events' ``at`` times move the clock.
NOT_IN_SCENARIOS = frozenset({"advance"})

_EVENT_HEADER = re.compile(r"^\s*\[\[\s*(?:event|\"event\"|'event')\s*\]\]")
_AXIS = re.compile(r"^([xyzXYZ])([+-]?)$")


class ScenarioError(InvalidArgument):
    """A scenario file or a simulation input is malformed; the message names the event
    (and its line) at fault."""

    def diagnostics(self) -> str:
        """The message alone: it names the file and the event already."""
        return self.message


class EventFailed(ScenarioError):
    """The module refused an event of a scenario while it played. ``step`` is the event,
    ``cause`` the module's error; the events before it have been applied."""

    def __init__(self, message: str, step: Step, cause: SoftScmError) -> None:
        super().__init__(message)
        self.step = step
        self.cause = cause


#: Every simulation input by its operator name (the ``softscm sim`` command), in the
#: order of the module's registry of operations.
INPUTS: dict[str, Input] = {
    op.input.name: op.input for op in of_kind(OPERATIONS, Kind.SIMULATION)
    if op.input is not None
}


# -- one input ---------------------------------------------------------------------------


def check_args(name: str, args: Mapping[str, Any], where: str = "") -> dict[str, Any]:
    """The arguments of input ``name`` checked for presence and kind, defaults filled in;
    ``ScenarioError`` naming ``where`` otherwise."""
    prefix = f"{where}: " if where else ""
    spec = INPUTS.get(name)
    if spec is None:
        raise ScenarioError(f"{prefix}unknown input {name!r} (one of: {', '.join(INPUTS)})")
    known = {p.name for p in spec.params}
    unknown = sorted(set(args) - known)
    if unknown:
        expected = ", ".join(sorted(known)) or "no parameters"
        raise ScenarioError(f"{prefix}{name} takes no {unknown[0]!r} (it takes {expected})")
    checked: dict[str, Any] = {}
    for param in spec.params:
        if param.name not in args:
            if param.required:
                raise ScenarioError(f"{prefix}{name} needs {param.name!r}")
            checked[param.name] = param.default
            continue
        checked[param.name] = _check_kind(param, args[param.name], f"{prefix}{name}")
    return checked


def _check_kind(param: Param, value: Any, where: str) -> Any:
    kind = param.kind
    bad = f"{where}: {param.name} must be "
    if kind == "int":
        if type(value) is not int:
            raise ScenarioError(bad + f"an integer, not {value!r}")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(bad + f"a number, not {value!r}")
        number = float(value)
        low = -math.inf if param.low is None else param.low
        high = math.inf if param.high is None else param.high
        if not (math.isfinite(number) and low <= number <= high):
            bounds = (f"at most {high:g}" if param.low is None
                      else f"in {low:g}..{high:g}")
            raise ScenarioError(bad + f"a finite number {bounds}, not {number:g}")
        return number
    if kind == "bool":
        if not isinstance(value, bool):
            raise ScenarioError(bad + f"true or false, not {value!r}")
        return value
    if kind == "text":
        if not isinstance(value, str):
            raise ScenarioError(bad + f"a string, not {value!r}")
        if param.high is not None and len(value) > param.high:
            raise ScenarioError(bad + f"at most {param.high:g} characters long")
        return value
    if kind == "hex":
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if isinstance(value, str):
            try:
                return bytes.fromhex(value.strip())
            except ValueError:
                pass
        raise ScenarioError(bad + "hexadecimal text")
    if kind == "axis":
        match = _AXIS.match(value) if isinstance(value, str) else None
        if match is None:
            raise ScenarioError(bad + f"an axis and a sign such as x+ or z-, not {value!r}")
        return match.group(1).lower() + (match.group(2) or "+")
    raise AssertionError(f"unknown parameter kind {kind!r}")


def apply_input(sim: Any, name: str, args: Mapping[str, Any]) -> str:
    """Send input ``name`` with ``args`` (parameter names of :data:`INPUTS`) through the
    simulation control plane ``sim`` (``client.sim``); returns what was done, in words.
    The module's errors propagate unchanged."""
    checked = check_args(name, args)
    control = getattr(sim, INPUTS[name].control)
    control(**_control_args(name, checked))
    return describe(name, checked)


def _control_args(name: str, args: dict[str, Any]) -> dict[str, Any]:
    if name == "tap":
        axis = args["axis"]
        return {"axis": axis[0], "g": args["g"], "direction": -1 if axis[1] == "-" else 1}
    return dict(args)


def describe(name: str, args: Mapping[str, Any]) -> str:
    """What input ``name`` with checked ``args`` does, in words (its ``done`` text)."""
    return string.Formatter().vformat(
        INPUTS[name].done, (), {key: _Shown(value) for key, value in args.items()})


class _Shown:
    """An argument as a ``done`` text shows it: ``{x:iso}`` an epoch as an ISO date,
    ``{x:yes|no}`` a bool as one of two words, ``{x:len}`` a length; other specs as
    ``format`` has them."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        if spec == "iso":
            return _iso(self.value)
        if spec == "len":
            return str(len(self.value))
        if "|" in spec:
            yes, no = spec.split("|", 1)
            return yes if self.value else no
        return format(self.value, spec)

    def __repr__(self) -> str:
        return repr(self.value)

    def __str__(self) -> str:
        return str(self.value)


def _num(value: float) -> str:
    return f"{value:g}"


def _iso(epoch: float) -> str:
    try:
        return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")
    except (OverflowError, OSError, ValueError):
        return _num(epoch)


# -- scenario files ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One event of a scenario: its number (from 1), the line of its ``[[event]]``
    header when known, its time ``at`` (seconds from the start), the input and its
    checked arguments."""

    index: int
    at: float
    input: str
    args: dict[str, Any] = field(default_factory=dict)
    line: int | None = None

    @property
    def where(self) -> str:
        """``event N (line L)``, for messages."""
        return _where(self.index, self.line)

    def describe(self) -> str:
        """What the event does, in words."""
        return describe(self.input, self.args)


@dataclass(frozen=True)
class Scenario:
    """A parsed scenario: its events in time order, an optional name and description,
    and ``end``, the time the run lasts to (at least the last event's)."""

    steps: tuple[Step, ...]
    name: str = ""
    description: str = ""
    end: float = 0.0
    source: str = "<scenario>"


def _where(index: int, line: int | None) -> str:
    return f"event {index}" + (f" (line {line})" if line is not None else "")


def load(path: Any) -> Scenario:
    """Read and check the scenario file at ``path``."""
    from pathlib import Path

    source = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioError(f"{source}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError(f"{source}: not UTF-8 text") from None
    return parse(text, source)


def parse(text: str, source: str = "<scenario>") -> Scenario:
    """Check a scenario's TOML ``text``; ``ScenarioError`` naming ``source``, the event
    and its line on the first problem."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{source}: not valid TOML: {exc}") from None
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            raise ScenarioError(f"{source}: unknown top-level key {key!r} "
                                f"(expected {', '.join(TOP_LEVEL_KEYS)})")
    name = _text_field(doc, "name", source)
    description = _text_field(doc, "description", source)
    events = doc.get("event")
    if not isinstance(events, list) or not events:
        raise ScenarioError(f"{source}: no events (add [[event]] tables with at and do)")
    lines = [n for n, line in enumerate(text.splitlines(), 1) if _EVENT_HEADER.match(line)]
    if len(lines) != len(events):
        lines = []
    steps: list[Step] = []
    previous = 0.0
    for index, event in enumerate(events, 1):
        line = lines[index - 1] if lines else None
        where = f"{source}: {_where(index, line)}"
        step = _step(event, index, line, where)
        if step.at < previous:
            raise ScenarioError(f"{where}: at = {_num(step.at)} comes before the previous "
                                f"event's at = {_num(previous)} (list events in time order)")
        previous = step.at
        steps.append(step)
    end = doc.get("end", previous)
    if (isinstance(end, bool) or not isinstance(end, (int, float))
            or not previous <= end <= SIM_DURATION_MAX_S):
        raise ScenarioError(f"{source}: end must be a number of seconds no earlier than the "
                            f"last event ({_num(previous)}) and at most "
                            f"{_num(SIM_DURATION_MAX_S)}")
    return Scenario(tuple(steps), name, description, float(end), source)


def _text_field(doc: dict[str, Any], key: str, source: str) -> str:
    value = doc.get(key, "")
    if not isinstance(value, str):
        raise ScenarioError(f"{source}: {key} must be a string")
    return value


def _step(event: Any, index: int, line: int | None, where: str) -> Step:
    if not isinstance(event, dict):
        raise ScenarioError(f"{where}: an event is a table with at, do and parameters")
    if "do" not in event:
        raise ScenarioError(f"{where}: missing do (the input: {', '.join(_scenario_inputs())})")
    name = event["do"]
    if not isinstance(name, str) or name not in INPUTS or name in NOT_IN_SCENARIOS:
        hint = (" (place events in time with at instead)"
                if isinstance(name, str) and name in NOT_IN_SCENARIOS
                else f" (one of: {', '.join(_scenario_inputs())})")
        raise ScenarioError(f"{where}: unknown input do = {name!r}{hint}")
    if "at" not in event:
        raise ScenarioError(f"{where}: missing at (seconds from the start)")
    at = event["at"]
    if (isinstance(at, bool) or not isinstance(at, (int, float))
            or not 0 <= at <= SIM_DURATION_MAX_S):
        raise ScenarioError(f"{where}: at must be a number of seconds >= 0 and at most "
                            f"{_num(SIM_DURATION_MAX_S)}, not {at!r}")
    params = {k: v for k, v in event.items() if k not in EVENT_KEYS}
    args = check_args(name, params, where)
    return Step(index, float(at), name, args, line)


def _scenario_inputs() -> list[str]:
    return [n for n in INPUTS if n not in NOT_IN_SCENARIOS]


def play(sim: Any, scenario: Scenario,
         on_step: Callable[[Step, str], None] | None = None) -> None:
    """Play ``scenario`` through ``sim`` (``client.sim``): module time moves forward to
    each event's ``at`` (counted from the start of the run) and the event is applied;
    at the end time moves on to ``scenario.end``. ``on_step`` hears each event done.
    ``EventFailed`` when the module refuses an event (the earlier ones stay applied)."""
    elapsed = 0.0
    for step in scenario.steps:
        try:
            if step.at > elapsed:
                sim.advance(seconds=step.at - elapsed)
                elapsed = step.at
            done = apply_input(sim, step.input, step.args)
        except SoftScmError as exc:
            raise EventFailed(f"{scenario.source}: {step.where}, {step.input} at "
                              f"{_num(step.at)} s: {exc.diagnostics()}", step, exc) from exc
        if on_step is not None:
            on_step(step, done)
    if scenario.end > elapsed:
        sim.advance(seconds=scenario.end - elapsed)
