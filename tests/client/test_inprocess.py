"""The in-process transport hands values over as a frame carries them: the module gets
(and the caller gets back) exactly what the other end of a socket would read, a value no
frame can carry fails as it does there, and neither side keeps a reference into the
other's values."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import softscm
from softscm.client.inprocess import InProcessTransport
from softscm.service import protocol


class Echo:
    """A module of one operation, ``echo``, that keeps what it was given and answers
    ``answer`` (or raises ``error``)."""

    clock_jumps = False

    def __init__(self, answer: Any = None, error: BaseException | None = None) -> None:
        self.answer = answer
        self.error = error
        self.given: dict[str, Any] | None = None

    def operation(self, op: str) -> Any:
        return self.echo if op == "echo" else None

    def echo(self, **values: Any) -> Any:
        self.given = values
        if self.error is not None:
            raise self.error
        return self.answer

    def next_due(self) -> float | None:
        return None

    def sleep(self, seconds: float) -> None:
        pass


def shape(value: Any) -> Any:
    """``value`` with the type of every part spelled out (``nan`` equal to itself)."""
    if isinstance(value, (list, tuple)):
        return type(value).__name__, [shape(v) for v in value]
    if isinstance(value, dict):
        return type(value).__name__, sorted((shape(k), shape(v)) for k, v in value.items())
    if isinstance(value, float) and math.isnan(value):
        return "float", "nan"
    return type(value).__name__, repr(value)


def outcome(work: Any) -> Any:
    """What ``work()`` gives, shaped, or the class of the error it raises."""
    try:
        return shape(work())
    except softscm.SoftScmError as exc:
        return type(exc)


def sent(args: dict[str, Any]) -> Any:
    """What the module reads from a request frame carrying ``args``, or the class of
    the error a client meets."""
    def read() -> Any:
        frame = protocol.encode_request(1, "echo", args)
        try:
            return protocol.decode_request(frame)[2]
        except protocol.MalformedRequest:
            raise softscm.ProtocolError("malformed") from None
    return outcome(read)


def answered(value: Any) -> Any:
    """What a client reads from a response frame carrying ``value``; an answer no frame
    can carry is the module's failure."""
    def read() -> Any:
        try:
            frame = protocol.encode_result(1, value)
        except (OverflowError, TypeError, ValueError):
            raise softscm.InternalError("no frame can carry it") from None
        return protocol.decode_response(frame, 1)
    return outcome(read)


def handed(args: dict[str, Any]) -> Any:
    module = Echo()
    result = outcome(lambda: InProcessTransport(module).call("echo", args))
    return result if isinstance(result, type) else shape(module.given)


def returned(value: Any) -> Any:
    return outcome(lambda: InProcessTransport(Echo(answer=value)).call("echo", {}))


text = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF,
                             blacklist_categories=()), max_size=8)
scalars = st.one_of(
    st.none(), st.booleans(), st.floats(allow_nan=True),
    st.integers(min_value=-(2**64), max_value=2**65), st.sampled_from([2**63, -(2**63) - 1]),
    text, st.binary(max_size=8), st.binary(max_size=8).map(bytearray),
    st.binary(max_size=8).map(memoryview), st.sampled_from([set(), object(), 1j]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(st.one_of(text, st.integers(), st.binary(max_size=4)), inner,
                    max_size=3)), max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=6), values, max_size=4))
def test_arguments_reach_the_module_as_a_frame_carries_them(args: dict[str, Any]) -> None:
    assert handed(args) == sent(args)


@settings(max_examples=400, deadline=None)
@given(values)
def test_results_come_back_as_a_frame_carries_them(value: Any) -> None:
    assert returned(value) == answered(value)


@pytest.mark.parametrize("value", [
    1 << 64, -(1 << 63) - 1, "\ud800", {1, 2}, object(), [b"x", {3}], {"k": 1j},
])
def test_a_value_no_frame_can_carry_is_refused(value: Any) -> None:
    module = Echo()
    with pytest.raises(softscm.InvalidArgument, match="cannot be sent"):
        InProcessTransport(module).call("echo", {"value": value})
    assert module.given is None


def test_a_map_with_keys_a_frame_refuses_is_refused_as_on_the_socket() -> None:
    module = Echo()
    with pytest.raises(softscm.ProtocolError):
        InProcessTransport(module).call("echo", {"value": {1: "x"}})
    assert module.given is None


@pytest.mark.parametrize("answer", [object(), 1 << 64, {"a": {1, 2}}])
def test_an_answer_no_frame_can_carry_is_an_internal_error(answer: Any) -> None:
    with pytest.raises(softscm.InternalError, match="no frame can carry"):
        InProcessTransport(Echo(answer=answer)).call("echo", {})
    # Dispatched as a frame, the same answer is the same error, not an escaped exception.
    from softscm.service.dispatch import dispatch

    response = dispatch(Echo(answer=answer), protocol.encode_request(3, "echo", {}))
    with pytest.raises(softscm.InternalError, match="no frame can carry"):
        protocol.decode_response(response, 3)


def test_the_caller_holds_copies_of_what_the_module_keeps() -> None:
    kept = [b"a", 1]
    state = {"list": [1, 2], "data": bytearray(b"secret")}
    module = Echo(answer=kept)
    transport = InProcessTransport(module)
    got = transport.call("echo", {})
    assert got == kept and got is not kept
    got.append(3)
    assert kept == [b"a", 1]
    module.answer = state
    got = transport.call("echo", {})
    got["list"].append(3)
    assert state["list"] == [1, 2]
    assert type(got["data"]) is bytes
    # What the caller passes is the module's own copy too.
    mine = {"list": [1], "data": bytearray(b"x")}
    transport.call("echo", {"value": mine, "small": bytearray(b"y")})
    assert module.given is not None
    mine["list"].append(2)
    mine["data"][0] = 0
    assert module.given["value"] == {"list": [1], "data": b"x"}
    assert type(module.given["small"]) is bytes


def test_large_byte_strings_are_handed_over_by_reference() -> None:
    big = bytearray(protocol.SIDE_THRESHOLD_BYTES)
    module = Echo(answer=big)
    transport = InProcessTransport(module)
    assert transport.call("echo", {"data": big}) is big
    assert module.given is not None and module.given["data"] is big
    small = bytearray(b"x")
    module.answer = small
    got = transport.call("echo", {})
    assert got == b"x" and type(got) is bytes
    # A small one is copied, whatever travels with it.
    transport.call("echo", {"data": small, "slot": 3})
    assert module.given == {"data": b"x", "slot": 3}
    assert type(module.given["data"]) is bytes


def test_errors_come_back_as_a_frame_reports_them() -> None:
    class Special(softscm.SlotEmpty):
        pass

    module = Echo(error=Special("slot 20 holds no key", rc=-7))
    with pytest.raises(softscm.SlotEmpty) as excinfo:
        InProcessTransport(module).call("echo", {})
    error = excinfo.value
    assert type(error) is softscm.SlotEmpty
    assert (error.message, error.rc) == ("slot 20 holds no key", -7)
    # Nothing of the module's own exception (nor its frames) comes along.
    assert error.__context__ is None and error.__cause__ is None


def test_a_failure_inside_the_module_is_an_internal_error() -> None:
    with pytest.raises(softscm.InternalError, match="echo failed inside the module"):
        InProcessTransport(Echo(error=KeyError("x"))).call("echo", {})


def test_an_unknown_operation_is_refused() -> None:
    with pytest.raises(softscm.ProtocolError, match="unknown operation"):
        InProcessTransport(Echo()).call("nothing", {})


def test_a_closed_transport_refuses_calls() -> None:
    transport = InProcessTransport(Echo())
    transport.close()
    with pytest.raises(softscm.ConnectionFailed):
        transport.call("echo", {})
