"""Waits and slow calls: a waiter on a fake clock jumps to the next moment something can
happen (its deadline, the module's next timer) instead of crawling, and a real clock
still polls; slow work (PBKDF2, the precise-time wait) runs outside the module's lock,
so another caller is served meanwhile, in process and through the daemon."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import softscm
from daemon_process import DaemonThread
from fakes import FakeClock
from peers import call as raw_call
from peers import connect, eventually, frame
from scenario import make_module
from softscm import Client
from softscm.crypto.kdf import PBKDF2_MAX_ITERATIONS
from softscm.errors import Status
from softscm.module import module as module_module
from softscm.service.dispatch import POLL_STEP_S, WAIT_MAX_MS, call, may_block
from softscm.service.limits import Limits
from softscm.testing import FakeClock as SharedFakeClock
from softscm.testing import SimulatedModule, simulated_module

#: Generous real-time limit for things that must not hang (never a speed assertion).
HANG_S = 30


@pytest.fixture
def scm(tmp_path: Path) -> Iterator[SimulatedModule]:
    with simulated_module(tmp_path / "scm") as made:
        yield made


def in_thread(work: Any) -> tuple[threading.Thread, dict[str, Any]]:
    """Run ``work`` in a thread; ``outcome`` gets its ``result`` or ``error``."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


# -- waits on a fake clock -----------------------------------------------------------------


def test_hour_long_fake_wait_returns_at_once(scm: SimulatedModule) -> None:
    import zymkey

    zk = zymkey.Zymkey(_client=scm.client)
    start, real = scm.clock.now(), time.monotonic()
    with pytest.raises(zymkey.ZymkeyTimeoutError):
        zk.wait_for_perimeter_event(3_600_000)
    assert time.monotonic() - real < 5
    assert scm.clock.now() - start == pytest.approx(3600, abs=1e-3)


def test_fake_wait_wakes_at_the_next_timer_not_the_deadline(scm: SimulatedModule) -> None:
    scm.sim.host_stall(61)  # the heartbeat is lost 60 s from now: the module reboots
    start = scm.clock.now()
    with pytest.raises(softscm.ModuleUnavailable):
        scm.client.wait_for_perimeter_event(3_600_000)
    assert scm.clock.now() - start == pytest.approx(60, abs=1e-3)
    lost = [e for e in scm.client.events(limit=1000) if e["kind"] == "heartbeat_lost"]
    assert [e["at"] for e in lost] == [pytest.approx(start + 60, abs=1e-3)]


def test_fake_wait_sees_an_event_inside_its_timeout(scm: SimulatedModule) -> None:
    scm.sim.loop_open(0)
    start = scm.clock.now()
    assert scm.client.wait_for_perimeter_event(3_600_000) is None
    assert scm.clock.now() == start


def test_endless_fake_wait_woken_by_another_thread(scm: SimulatedModule) -> None:
    other = scm.new_client()
    start = scm.clock.now()
    waiter, outcome = in_thread(lambda: scm.client.wait_for_perimeter_event())
    other.sim.tap("z")  # another call goes through while the waiter waits
    assert waiter.is_alive()
    other.sim.loop_open(1)
    waiter.join(HANG_S)
    assert outcome == {"result": None}
    # With nothing due, the waiter waited in real time: module time stood still.
    assert scm.clock.now() == start


class PollingClock(FakeClock):
    """A fake clock that says it does not jump, as a real clock does not."""

    jumps = False


def test_a_real_clock_keeps_polling() -> None:
    clock = PollingClock()
    module = make_module(clock)
    result = call(module, "wait", {"kind": "perimeter", "context": "host", "timeout_ms": 1000})
    assert result == "timeout"
    assert clock.slept and max(clock.slept) <= POLL_STEP_S
    assert sum(clock.slept) == pytest.approx(1.0)


def test_the_test_clocks_jump() -> None:
    assert FakeClock.jumps and SharedFakeClock.jumps
    assert make_module(FakeClock()).clock_jumps
    assert not make_module(PollingClock()).clock_jumps


# -- slow work outside the lock ------------------------------------------------------------


class Gate:
    """Holds the slow part of a call until the test opens it."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.opened = threading.Event()

    def hold(self) -> None:
        self.entered.set()
        if not self.opened.wait(HANG_S):
            raise AssertionError("the gate was never opened")


@pytest.fixture
def gated_kdf(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """The KDF of ``ecdh`` waits at the gate, then runs for real."""
    gate = Gate()
    real = module_module.derive

    def derive(*args: Any, **kwargs: Any) -> bytes:
        gate.hold()
        return real(*args, **kwargs)

    monkeypatch.setattr(module_module, "derive", derive)
    return gate


class GatedClock:
    """Another clock's time; a precise-time wait waits at the gate first."""

    def __init__(self, inner: Any, gate: Gate) -> None:
        self._inner = inner
        self._gate = gate

    def now(self) -> float:
        return float(self._inner.now())

    def sleep(self, seconds: float) -> None:
        self._gate.hold()
        self._inner.sleep(seconds)


def served_while_held(slow: Any, gate: Gate, other: Client) -> Any:
    """Start ``slow``; once it is held at the gate, ``other`` is served; then the gate
    opens and ``slow``'s result is returned."""
    thread, outcome = in_thread(slow)
    assert gate.entered.wait(HANG_S), outcome
    quick, answers = in_thread(lambda: (other.status()["lifecycle"], other.random_bytes(8)))
    quick.join(HANG_S)
    assert not quick.is_alive(), "another caller was held up by the slow call"
    assert thread.is_alive() and not gate.opened.is_set()
    assert answers["result"][0] == "running" and len(answers["result"][1]) == 8
    gate.opened.set()
    thread.join(HANG_S)
    assert "error" not in outcome, outcome
    return outcome["result"]


def test_pbkdf2_does_not_hold_up_another_caller(scm: SimulatedModule, gated_kdf: Gate) -> None:
    peer = scm.client.public_key(0)
    kwargs = {"kdf": "pbkdf2-sha256", "iterations": PBKDF2_MAX_ITERATIONS, "size": 32}
    out = served_while_held(lambda: scm.client.ecdh(0, peer, **kwargs), gated_kdf,
                            scm.new_client())
    gated_kdf.opened.set()
    assert len(out) == 32 and out == scm.client.ecdh(0, peer, **kwargs)


def test_precise_time_does_not_hold_up_another_caller(tmp_path: Path) -> None:
    gate = Gate()
    clock = SharedFakeClock(1_700_000_000.25)
    with simulated_module(tmp_path / "scm", clock=GatedClock(clock, gate)) as scm:  # type: ignore[arg-type]
        precise = served_while_held(lambda: scm.client.get_time(precise=True), gate,
                                    scm.new_client())
        assert precise == 1_700_000_001 and clock.now() == 1_700_000_001


def test_daemon_serves_others_during_pbkdf2(daemon: Any, gated_kdf: Gate) -> None:
    from softscm.client.socket_transport import SocketTransport

    with Client(SocketTransport(daemon.path)) as slow, \
            Client(SocketTransport(daemon.path)) as other:
        peer = slow.public_key(0)
        out = served_while_held(
            lambda: slow.ecdh(0, peer, kdf="pbkdf2-sha512", iterations=PBKDF2_MAX_ITERATIONS),
            gated_kdf, other)
        assert len(out) == 32


def test_daemon_serves_others_during_a_precise_time(
        daemon: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from softscm.client.socket_transport import SocketTransport

    gate = Gate()
    monkeypatch.setattr(daemon.module, "_clock", GatedClock(daemon.module._clock, gate))
    with Client(SocketTransport(daemon.path)) as slow, \
            Client(SocketTransport(daemon.path)) as other:
        before = other.get_time()
        precise = served_while_held(lambda: slow.get_time(precise=True), gate, other)
        assert precise > before


def test_a_pbkdf2_whose_caller_hung_up_counts_against_the_waits_until_it_ends(
        home: Path, gated_kdf: Gate) -> None:
    """A PBKDF2 cannot be cancelled: its thread runs on after its caller hangs up, and
    counts against the limits on waits until it ends (hanging up and calling again
    cannot start threads without bound)."""
    from softscm.client.socket_transport import SocketTransport

    sock_dir = Path(tempfile.mkdtemp(prefix="scm", dir="/tmp"))
    daemon = DaemonThread(home, sock_dir / "s.sock", limits=Limits(waits_per_uid=1))
    server = daemon.server
    try:
        with Client(SocketTransport(daemon.path)) as scm:
            peer = scm.public_key(0)
        slow = connect(daemon.path)
        slow.sendall(frame(1, "ecdh", slot=0, peer_key=peer, kdf="pbkdf2-sha256",
                           iterations=PBKDF2_MAX_ITERATIONS))
        assert gated_kdf.entered.wait(HANG_S)
        slow.close()  # its PBKDF2 goes on
        assert eventually(lambda: server.connection_count() == 0)
        assert server.wait_threads() == 1
        with connect(daemon.path) as again:
            refused = raw_call(again, 2, "ecdh", slot=0, peer_key=peer, kdf="pbkdf2-sha256")
            assert refused is not None and refused[:2] == [2, Status.INVALID_ARGUMENT], refused
            gated_kdf.opened.set()
            assert eventually(lambda: server.wait_threads() == 0)
            done = raw_call(again, 3, "ecdh", slot=0, peer_key=peer, kdf="pbkdf2-sha256")
            assert done is not None and done[:2] == [3, 0] and len(done[2]) == 32, done
    finally:
        gated_kdf.opened.set()
        daemon.stop()
        shutil.rmtree(sock_dir, ignore_errors=True)


@pytest.mark.parametrize(("op", "args", "blocks"), [
    ("wait", {}, True), ("get_time", {"precise": True}, True), ("get_time", {}, False),
    ("ecdh", {"kdf": "pbkdf2-sha256"}, True), ("ecdh", {"kdf": "rfc5869-sha256"}, False),
    ("status", {}, False),
])
def test_may_block(op: str, args: dict[str, Any], blocks: bool) -> None:
    assert may_block(op, args) is blocks


@pytest.mark.parametrize("timeout_ms", [WAIT_MAX_MS + 1, 2**63, -(2**31) - 1])
def test_wait_timeout_bounded(scm: SimulatedModule, timeout_ms: int) -> None:
    start = scm.clock.now()
    with pytest.raises(softscm.InvalidArgument):
        scm.client.wait_for_perimeter_event(timeout_ms)
    assert scm.clock.now() == start
