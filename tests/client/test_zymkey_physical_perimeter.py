"""Perimeter detection through ``zymkey`` against a real module, embedded and served by a
daemon: breach timestamps, clearing and re-arming, waiting (poll, pending delivery, a
blocking wait woken from another client, timeouts in module time), the event-action and
digital-perimeter settings and their limits after ``lock_binding`` (``zymkey-api.md``
§4.13, §5.13, §7 item 22; Q16, Q29; ``scm-behaviour.md`` §3.3, §4.2-§4.5).
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from softscm import Client

EPERM = "bad return code -1"
EINVAL = "bad return code -22"


@pytest.fixture
def zymkey(client: Client):
    import zymkey

    return zymkey


@pytest.fixture
def zk(zymkey, client: Client):
    """A ``zymkey`` context on the test's module (the ``client`` fixture's transport)."""
    return zymkey.Zymkey(_client=client)


@pytest.fixture
def connect(request: pytest.FixtureRequest, client: Client, home: Path) -> Iterator[Any]:
    """Makes more clients of the test's module over the same transport (other host
    contexts; with the embedded transport, other module instances on the state)."""
    made: list[Client] = []

    def another() -> Client:
        if request.node.callspec.params["client"] == "socket":
            from softscm.client.socket_transport import SocketTransport

            scm = Client(SocketTransport(request.getfixturevalue("daemon").path))
        else:
            scm = Client.open(home)
        made.append(scm)
        return scm

    yield another
    for scm in made:
        scm.close()


@pytest.fixture
def other(connect: Any) -> Client:
    """A second client of the same module (see ``connect``)."""
    return connect()


def raises_rc(message: str, method, *args, **kwargs) -> None:
    with pytest.raises(AssertionError) as excinfo:
        method(*args, **kwargs)
    assert type(excinfo.value) is AssertionError
    assert str(excinfo.value) == message


def boot(client: Client) -> None:
    """Power cycle and let the module boot, moving module time only."""
    client.sim.power_cycle()
    for _ in range(120):
        if client.status()["lifecycle"] == "running":
            return
        client.sim.advance(1)
    raise AssertionError(f"the module did not boot: {client.status()['lifecycle']}")


class Waiter(threading.Thread):
    """Calls ``wait`` in a thread and keeps what it returned or raised."""

    def __init__(self, wait: Any, timeout_ms: int = -1) -> None:
        super().__init__(daemon=True)
        self._wait = wait
        self._timeout_ms = timeout_ms
        self.outcome: Any = "running"
        self.elapsed = 0.0

    def run(self) -> None:
        start = time.monotonic()
        try:
            self.outcome = self._wait(timeout_ms=self._timeout_ms)
        except BaseException as exc:
            self.outcome = exc
        self.elapsed = time.monotonic() - start

    def finish(self) -> Any:
        self.join(30)
        assert not self.is_alive(), "the wait did not return"
        return self.outcome


def start_waiter(wait: Any, timeout_ms: int = -1) -> Waiter:
    waiter = Waiter(wait, timeout_ms)
    waiter.start()
    time.sleep(0.3)  # let it block
    assert waiter.is_alive() and waiter.outcome == "running"
    return waiter


# -- timestamps (§4.2, §5.13) ---------------------------------------------------------------


def test_info_of_a_fresh_module(zk) -> None:
    info = zk.get_perimeter_detect_info()
    assert type(info) is list and info == [0, 0]
    assert all(type(ts) is int for ts in info)


def test_first_breach_is_kept(zk, client: Client) -> None:
    client.sim.loop_open(0)
    now = zk.get_time()
    first = zk.get_perimeter_detect_info()
    assert type(first[0]) is int and abs(first[0] - now) <= 2
    assert first[1] == 0
    client.sim.loop_close(0)
    client.sim.advance(30)
    client.sim.loop_open(0)
    assert zk.get_perimeter_detect_info() == first
    # Channel 1 is recorded whatever its actions, "none" included.
    assert zk.set_perimeter_event_actions(1, action_notify=False) is None
    client.sim.loop_open(1)
    info = zk.get_perimeter_detect_info()
    assert info[0] == first[0] and info[1] >= first[0] + 30


def test_clear_and_rearm(zk, client: Client) -> None:
    client.sim.loop_open(0)
    client.sim.loop_open(1)
    client.sim.loop_close(1)
    first = zk.get_perimeter_detect_info()
    assert first[0] and first[1]
    client.sim.advance(60)
    assert zk.clear_perimeter_detect_info() is None  # Q16
    # Loop 0 is still open: seen again at once, stamped with the clear time (§4.4).
    again = zk.get_perimeter_detect_info()
    assert again[1] == 0 and again[0] >= first[0] + 60
    assert abs(again[0] - zk.get_time()) <= 2
    client.sim.loop_close(0)
    zk.clear_perimeter_detect_info()
    assert zk.get_perimeter_detect_info() == [0, 0]


# -- waiting (§4.4; §7 item 22) ---------------------------------------------------------------


def test_poll_without_event_times_out_at_once(zymkey, zk) -> None:  # Q29
    start = time.monotonic()
    with pytest.raises(zymkey.ZymkeyTimeoutError) as excinfo:
        zk.wait_for_perimeter_event(timeout_ms=0)
    assert time.monotonic() - start < 1.0
    assert type(excinfo.value) is zymkey.ZymkeyTimeoutError
    assert isinstance(excinfo.value, zymkey.exceptions.ZymkeyTimeoutError)
    assert str(excinfo.value) == "wait timed out"


def test_short_timeout_in_real_time(zymkey, zk) -> None:
    start = time.monotonic()
    with pytest.raises(zymkey.ZymkeyTimeoutError):
        zk.wait_for_perimeter_event(200)
    assert 0.15 <= time.monotonic() - start < 5.0


def test_pending_breach_is_delivered_at_once(zymkey, zk, client: Client) -> None:
    client.sim.loop_open(0)
    start = time.monotonic()
    assert zk.wait_for_perimeter_event(timeout_ms=0) is None
    with pytest.raises(zymkey.ZymkeyTimeoutError):  # consumed
        zk.wait_for_perimeter_event(timeout_ms=0)
    client.sim.loop_open(1)
    assert zk.wait_for_perimeter_event() is None  # default -1: pending, returns at once
    assert time.monotonic() - start < 2.0


def test_only_notify_channels_wake(zymkey, zk, client: Client) -> None:
    zk.set_perimeter_event_actions(0, action_notify=False, action_self_destruct=False)
    client.sim.loop_open(0)
    assert zk.get_perimeter_detect_info()[0] != 0
    with pytest.raises(zymkey.ZymkeyTimeoutError):
        zk.wait_for_perimeter_event(0)
    client.sim.loop_open(1)  # channel 1 still notifies (the shipped setting)
    zk.wait_for_perimeter_event(0)


def test_clear_drops_pending_notifications(zymkey, zk, client: Client) -> None:
    client.sim.loop_open(0)
    client.sim.loop_close(0)
    zk.clear_perimeter_detect_info()
    with pytest.raises(zymkey.ZymkeyTimeoutError):
        zk.wait_for_perimeter_event(0)


def test_blocking_wait_woken_by_another_client(zk, other: Client) -> None:
    waiter = start_waiter(zk.wait_for_perimeter_event)
    other.sim.loop_open(0)
    assert waiter.finish() is None
    assert waiter.elapsed < 10


def test_blocking_wait_with_timeout_woken(zk, other: Client) -> None:
    waiter = start_waiter(zk.wait_for_perimeter_event, 60_000)
    other.sim.loop_open(1)
    assert waiter.finish() is None
    assert waiter.elapsed < 10


def test_timeout_runs_on_module_time(zymkey, zk, other: Client) -> None:
    waiter = start_waiter(zk.wait_for_perimeter_event, 3_600_000)
    other.sim.advance(3601)
    outcome = waiter.finish()
    assert type(outcome) is zymkey.ZymkeyTimeoutError and str(outcome) == "wait timed out"
    assert waiter.elapsed < 10


def test_one_breach_wakes_every_waiter(zymkey, zk, connect: Any, other: Client) -> None:
    second = zymkey.Zymkey(_client=connect())
    waiters = [start_waiter(zk.wait_for_perimeter_event),
               start_waiter(second.wait_for_perimeter_event, 60_000)]
    other.sim.loop_open(0)
    assert [w.finish() for w in waiters] == [None, None]


def test_each_context_has_its_own_latch(zymkey, zk, client: Client, other: Client) -> None:
    second = zymkey.Zymkey(_client=other)
    client.sim.loop_open(0)
    zk.wait_for_perimeter_event(0)
    second.wait_for_perimeter_event(0)
    with pytest.raises(zymkey.ZymkeyTimeoutError):
        zk.wait_for_perimeter_event(0)


def test_blocking_tap_wait_woken_by_another_client(zk, other: Client) -> None:
    waiter = start_waiter(zk.wait_for_tap, 60_000)
    other.sim.tap("x", 16, -1)
    assert waiter.finish() is None
    assert [a.tap_dir for a in zk.get_accelerometer_data()] == [-1, 0, 0]


def test_tap_timeout_runs_on_module_time(zymkey, zk, other: Client) -> None:
    waiter = start_waiter(zk.wait_for_tap, 120_000)
    other.sim.advance(121)
    assert type(waiter.finish()) is zymkey.ZymkeyTimeoutError


def test_wait_argument_types(zk) -> None:
    with pytest.raises(ctypes.ArgumentError):
        zk.wait_for_perimeter_event(None)
    with pytest.raises(ctypes.ArgumentError):
        zk.wait_for_perimeter_event(0.0)


# -- settings (§4.3, §4.5) ---------------------------------------------------------------------


def test_event_action_flags(zk, client: Client) -> None:  # Q16
    perimeter = lambda: client.status()["settings"]["perimeter"]  # noqa: E731
    assert perimeter() == [1, 1]  # notify on both, as shipped
    assert zk.set_perimeter_event_actions(0, True, True) is None
    assert perimeter() == [3, 1]
    assert zk.set_perimeter_event_actions(1, 0, "yes") is None  # C bools: truthiness
    assert perimeter() == [3, 2]
    assert zk.set_perimeter_event_actions(channel=0, action_notify=False) is None
    assert perimeter() == [0, 2]
    assert zk.set_perimeter_event_actions(1) is None
    assert perimeter() == [0, 1]


def test_event_action_channel_errors(zk, client: Client) -> None:
    for channel in (2, -1, 255):
        raises_rc(EINVAL, zk.set_perimeter_event_actions, channel)
    with pytest.raises(ctypes.ArgumentError):
        zk.set_perimeter_event_actions("0")
    assert client.status()["settings"]["perimeter"] == [1, 1]


def test_digital_perimeter_settings(zk, client: Client) -> None:
    assert zk.set_digital_perimeter_lp_period(250_000) is None
    assert zk.set_digital_perimeter_lp_max_bits(32) is None
    assert zk.set_digital_perimeter_delays(100, 100) is None
    assert client.status()["digital_perimeter"] == {
        "lp_period_us": 250_000, "lp_max_bits": 32, "delays_ns": [100, 100]}


@pytest.mark.parametrize("method, args", [
    ("set_digital_perimeter_lp_period", (0,)),
    ("set_digital_perimeter_lp_period", (-1,)),
    ("set_digital_perimeter_lp_period", (10_000_001,)),
    ("set_digital_perimeter_lp_max_bits", (0,)),
    ("set_digital_perimeter_lp_max_bits", (33,)),
    ("set_digital_perimeter_delays", (20, 10)),
    ("set_digital_perimeter_delays", (-1, 10)),
])
def test_digital_perimeter_bad_values(zk, client: Client, method: str, args: tuple) -> None:
    before = client.status()["digital_perimeter"]
    raises_rc(EINVAL, getattr(zk, method), *args)
    assert client.status()["digital_perimeter"] == before


# -- after lock_binding (§3.3) -------------------------------------------------------------------


def test_one_event_action_call_per_channel_after_locking(zk, client: Client) -> None:
    zk.lock_binding()
    raises_rc(EINVAL, zk.set_perimeter_event_actions, 2)  # rejected: uses no chance
    assert zk.set_perimeter_event_actions(0, True, False) is None  # LOCK_PENDING: the chance
    boot(client)
    raises_rc(EPERM, zk.set_perimeter_event_actions, 0, True, False)
    assert zk.set_perimeter_event_actions(1, action_notify=True) is None
    raises_rc(EPERM, zk.set_perimeter_event_actions, 1)
    assert client.status()["settings"]["perimeter"] == [1, 1]


@pytest.mark.parametrize("method, args", [
    ("set_digital_perimeter_lp_period", (200_000,)),
    ("set_digital_perimeter_lp_max_bits", (16,)),
    ("set_digital_perimeter_delays", (0, 5000)),
])
def test_digital_perimeter_locked_after_locking(zk, client: Client, method: str,
                                                args: tuple) -> None:
    zk.lock_binding()
    before = client.status()["digital_perimeter"]
    raises_rc(EPERM, getattr(zk, method), *args)
    assert client.status()["digital_perimeter"] == before


def test_clear_and_wait_stay_allowed_in_production(zymkey, zk, client: Client) -> None:
    zk.lock_binding()
    boot(client)
    client.sim.loop_open(0)
    zk.wait_for_perimeter_event(0)
    client.sim.loop_close(0)
    assert zk.clear_perimeter_detect_info() is None
    assert zk.get_perimeter_detect_info() == [0, 0]
    with pytest.raises(zymkey.ZymkeyTimeoutError):
        zk.wait_for_perimeter_event(0)
