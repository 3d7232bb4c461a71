"""Argument checks: one home (``softscm.module.checks``), run before any cache or state
is touched; the host guard once per call; dispatch binds arguments by signature, so a
``TypeError`` raised inside the module is the module's failure, not the caller's."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable
from enum import IntEnum
from typing import Any

import pytest

from softscm.errors import InternalError, InvalidArgument, ModuleUnavailable
from softscm.module import Module, checks
from softscm.service import dispatch

DIGEST = hashlib.sha256(b"checks").digest()


@pytest.mark.parametrize("slot", [True, False, 1.0, "1", None])
def test_a_slot_that_is_not_an_int_is_refused_after_a_warm_up(module: Module, slot) -> None:
    module.sign_digest(DIGEST, slot=1)  # the key of slot 1 (and 0) is now cached
    module.sign_digest(DIGEST, slot=0)
    module.verify_digest(DIGEST, bytes(64), slot=1)
    with pytest.raises(InvalidArgument, match="slot must be an integer"):
        module.sign_digest(DIGEST, slot=slot)
    with pytest.raises(InvalidArgument, match="slot must be an integer"):
        module.verify_digest(DIGEST, bytes(64), slot=slot)
    with pytest.raises(InvalidArgument, match="slot must be an integer"):
        module.public_key(slot)


@pytest.mark.parametrize("op", ["lock", "unlock", "stream_open"])
def test_the_host_guard_runs_once_per_call(module: Module, op: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    blob = module.lock(b"data")
    calls = []
    guard = module.physical.require_host
    monkeypatch.setattr(module.physical, "require_host", lambda: (calls.append(1), guard()))
    args = {"lock": (b"data",), "unlock": (blob,), "stream_open": ("lock",)}[op]
    getattr(module, op)(*args)
    assert len(calls) == 1


@pytest.mark.parametrize("op, args", [
    ("lock", {"data": "text"}),
    ("lock", {"data": b"x", "key": ["zymkey"]}),
    ("unlock", {"blob": b"x", "key": "nobody"}),
    ("stream_open", {"mode": "lock", "key": {}}),
])
def test_arguments_are_checked_before_the_host_guard(module: Module, op: str, args,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse() -> None:
        raise ModuleUnavailable("the guard ran first")

    monkeypatch.setattr(module.physical, "require_host", refuse)
    with pytest.raises(InvalidArgument):
        getattr(module, op)(**args)


def test_dispatch_refuses_unknown_and_missing_arguments(module: Module) -> None:
    with pytest.raises(InvalidArgument, match="bad arguments for sign_digest"):
        dispatch.call(module, "sign_digest", {"digest": DIGEST, "slott": 0})
    with pytest.raises(InvalidArgument, match="bad arguments for sign_digest"):
        dispatch.call(module, "sign_digest", {"slot": 0})
    assert dispatch.call(module, "sign_digest", {"digest": DIGEST})[0]


def test_a_type_error_inside_the_module_is_an_internal_error(
        module: Module, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(digest: bytes, slot: int = 0, recid: bool = False,
               foreign: bool = False) -> None:
        raise TypeError("a bug inside the module")

    served = module.operation("sign_digest")
    assert served is not None
    monkeypatch.setattr(module, served.__name__, broken)  # the method the wire op names
    with pytest.raises(InternalError):
        dispatch.call(module, "sign_digest", {"digest": DIGEST})
    with pytest.raises(InvalidArgument):  # still the caller's mistake when it is one
        dispatch.call(module, "sign_digest", {"digest": DIGEST, "nope": 1})


def test_the_parts_share_one_home_for_their_checks() -> None:
    import ast
    from pathlib import Path

    import softscm.module

    root = Path(softscm.module.__file__).parent
    local = []
    for path in root.rglob("*.py"):
        if path.name == "checks.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name in (
                    "_check_int", "_check_bytes", "_check_str", "_check_digest", "_finite"):
                local.append(f"{path.name}: {node.name}")
    assert local == []


# -- the perimeter channel -------------------------------------------------------------


class _Circuit(IntEnum):
    SECOND = 1


@pytest.mark.parametrize("channel", [-1, 2, 1.0, "0", None, True])
def test_perimeter_channel_must_be_0_or_1(channel: object) -> None:
    with pytest.raises(InvalidArgument, match="perimeter channel must be 0 or 1"):
        checks.check_channel(channel)


def test_a_perimeter_channel_is_0_or_1() -> None:
    assert checks.check_channel(0) == 0
    assert checks.check_channel(_Circuit.SECOND) == 1
    assert checks.ALL_CHANNELS == (0, 1)


def _count_channel_checks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Count every call of ``check_channel``, from whichever module of softscm calls
    it; the channels checked, in order."""
    calls: list[object] = []
    original = checks.check_channel

    def counting(channel: object) -> checks.Channel:
        calls.append(channel)
        return original(channel)

    for name, loaded in list(sys.modules.items()):
        if name.startswith("softscm") and getattr(loaded, "check_channel", None) is original:
            monkeypatch.setattr(loaded, "check_channel", counting)
    return calls


CHANNEL_CALLS: list[tuple[str, Callable[[Module], Any]]] = [
    ("set_perimeter_event_actions",
     lambda m: m.physical.set_perimeter_event_actions(1, notify=False, self_destruct=False)),
    ("locked set_perimeter_event_actions",
     lambda m: (m.physical.lock_binding(),
                m.physical.set_perimeter_event_actions(0, notify=True, self_destruct=False))),
    ("sim loop open (a breach)", lambda m: m.simulation.sim_loop_open(0)),
    ("sim loop close", lambda m: m.simulation.sim_loop_close(1)),
    ("sim loop pulse (a breach)", lambda m: m.simulation.sim_loop_pulse(0, 1.0)),
    ("a clear that finds the loop still open (a breach again)",
     lambda m: (m.simulation.sim_loop_open(0), m.physical.perimeter_info(),
                m.physical.clear_perimeter_info(), m.physical.perimeter_info())),
]


@pytest.mark.parametrize(("what", "call"), CHANNEL_CALLS, ids=[c[0] for c in CHANNEL_CALLS])
def test_the_tamper_channel_is_checked_once_per_call(
        module: Module, what: str, call: Callable[[Module], Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_channel_checks(monkeypatch)
    call(module)
    assert len(calls) == 1, f"{what}: the channel was checked {len(calls)} times"


@pytest.mark.parametrize("op", ["set_perimeter_event_actions", "sim_loop_open",
                                "sim_loop_close", "sim_loop_pulse"])
@pytest.mark.parametrize("channel", [2, -1, True, "0"])
def test_a_bad_channel_is_refused_before_any_state_is_read(
        module: Module, op: str, channel: object, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _count_channel_checks(monkeypatch)

    def untouched(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the state was read before the channel was checked")

    for name in ("state", "edit", "catch_up", "require_host", "now"):
        monkeypatch.setattr(module.physical, name, untouched)
    monkeypatch.setattr(module.context.store, "transaction", untouched)
    monkeypatch.setattr(module.context.store, "get_meta", untouched)
    args: dict[str, Any] = {"channel": channel}
    if op == "sim_loop_pulse":
        args["duration"] = 1.0
    part = module.physical if op == "set_perimeter_event_actions" else module.simulation
    with pytest.raises(InvalidArgument, match="perimeter channel must be 0 or 1"):
        getattr(part, op)(**args)
    assert calls == [channel]
