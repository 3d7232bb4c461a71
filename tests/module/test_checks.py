"""Argument checks: one home (``softscm.module.checks``), run before any cache or state
is touched; the host guard once per call; dispatch binds arguments by signature, so a
``TypeError`` raised inside the module is the module's failure, not the caller's."""

from __future__ import annotations

import hashlib

import pytest

from softscm.errors import InternalError, InvalidArgument, ModuleUnavailable
from softscm.module import Module
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

    monkeypatch.setattr(module, "sign_digest", broken)
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
