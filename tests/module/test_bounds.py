"""Every input has a bound, checked before anything changes or is stored: KDF sizes and
iterations, random sizes, LED times and counts, every simulated value (through
``client.sim``, the ``softscm sim`` command and scenario files); an endless or huge LED
pattern is never expanded flash by flash; a state saved with out-of-range values by an
older softscm still loads and serves ``status`` and ``power-cycle``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import softscm
from softscm.crypto.kdf import PBKDF2_MAX_ITERATIONS, PBKDF2_MAX_SIZE
from softscm.module.led.patterns import USER_MS_MAX
from softscm.module.led.view import HISTORY_ENTRIES, MAX_TIMELINE_SEGMENTS
from softscm.module.lifecycle.state import META_NAME
from softscm.module.limits import (
    MODULE_TIME_MAX_S,
    SIM_ACCEL_MAX_G,
    SIM_BATTERY_MAX_V,
    SIM_DRIFT_MAX_PPM,
    SIM_DURATION_MAX_S,
    SIM_IDENTITY_MAX_CHARS,
    SIM_TEMP_MAX_C,
    SIM_TEMP_MIN_C,
)
from softscm.module.module import MAX_RANDOM_BYTES
from softscm.scenario import ScenarioError, parse
from softscm.testing import SimulatedModule, simulated_module

MONTH_S = 30 * 86_400


@pytest.fixture
def scm(tmp_path: Path) -> Iterator[SimulatedModule]:
    with simulated_module(tmp_path / "scm") as made:
        yield made


def snapshot(scm: SimulatedModule) -> tuple[Any, int]:
    """The stored physical state and the length of the event log."""
    store = scm.module._store
    last = store.last_event()
    return store.get_meta(META_NAME), 0 if last is None else last.seq


def refused(scm: SimulatedModule, call: Any, *args: Any, **kwargs: Any) -> None:
    """``call`` raises ``InvalidArgument`` and leaves the module's state as it was."""
    before = snapshot(scm)
    with pytest.raises(softscm.InvalidArgument):
        call(*args, **kwargs)
    assert snapshot(scm) == before


def still_serves(scm: SimulatedModule) -> None:
    assert scm.client.status()["lifecycle"] == "running"
    assert scm.power_cycle() == "running"
    assert isinstance(scm.client.get_time(), int)


# -- KDF and random sizes ----------------------------------------------------------------------


@pytest.mark.parametrize(("kdf", "kwargs"), [
    ("pbkdf2-sha256", {"iterations": PBKDF2_MAX_ITERATIONS + 1}),
    ("pbkdf2-sha512", {"iterations": 0}),
    ("pbkdf2-sha256", {"size": PBKDF2_MAX_SIZE + 1}),
    ("pbkdf2-sha512", {"size": 2**40}),
    ("rfc5869-sha256", {"size": 255 * 32 + 1}),
    ("rfc5869-sha512", {"size": 255 * 64 + 1}),
    ("none", {"size": 33}),
    ("rfc5869-sha256", {"salt": bytes(129)}),
    ("pbkdf2-sha256", {"info": bytes(129)}),
])
def test_ecdh_kdf_bounds(scm: SimulatedModule, kdf: str, kwargs: dict[str, Any]) -> None:
    import zymkey

    peer = scm.client.public_key(0)
    refused(scm, scm.client.ecdh, 0, peer, kdf=kdf, **kwargs)
    zk = zymkey.Zymkey(_client=scm.client)
    zk_kwargs = {"num_iterations": kwargs.get("iterations", 1),
                 "derived_key_size": kwargs.get("size", 32),
                 "salt": kwargs.get("salt", b""), "info": kwargs.get("info", b"")}
    with pytest.raises(TypeError):
        zk.ecdh(0, peer, kdf_func_type=kdf, **zk_kwargs)


def test_ecdh_bad_kdf_arguments_refused_before_the_key_is_looked_up(
        scm: SimulatedModule) -> None:
    # An empty slot would be NotFound: the KDF's bound is checked first.
    with pytest.raises(softscm.InvalidArgument):
        scm.client.ecdh(400, scm.client.public_key(0), kdf="pbkdf2-sha256",
                        iterations=PBKDF2_MAX_ITERATIONS + 1)


def test_ecdh_at_the_bounds_works(scm: SimulatedModule) -> None:
    peer = scm.client.public_key(0)
    out = scm.client.ecdh(0, peer, kdf="pbkdf2-sha512", iterations=2, size=PBKDF2_MAX_SIZE)
    assert len(out) == PBKDF2_MAX_SIZE
    assert len(scm.client.ecdh(0, peer, kdf="rfc5869-sha512", size=255 * 64)) == 255 * 64


def test_random_size_bounds(scm: SimulatedModule) -> None:
    import zymkey

    transport = scm.transport()
    for size in (MAX_RANDOM_BYTES + 1, -1):
        refused(scm, transport.call, "random_bytes", {"num_bytes": size})
    assert len(transport.call("random_bytes", {"num_bytes": MAX_RANDOM_BYTES})) == (
        MAX_RANDOM_BYTES)
    with pytest.raises(AssertionError, match="-22"):
        zymkey.Zymkey(_client=scm.client).get_random(-1)


# -- LED -----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    (USER_MS_MAX + 1,), (100, USER_MS_MAX + 1), (100, 100, USER_MS_MAX + 1), (-1,),
    (1.5,), (True,),
])
def test_led_flash_bounds(scm: SimulatedModule, args: tuple[Any, ...]) -> None:
    refused(scm, scm.client.led_flash, *args)


def test_four_billion_flashes_stay_small(scm: SimulatedModule) -> None:
    scm.client.led_flash(1, 1, USER_MS_MAX)
    scm.advance(MONTH_S)
    status = scm.client.status()
    assert status["led"] == "user"
    assert scm.client.led()["label"] == "user"
    view = scm.client.led_timeline()
    assert 0 < len(view["segments"]) <= MAX_TIMELINE_SEGMENTS
    assert len(view["spans"]) <= HISTORY_ENTRIES
    last = view["segments"][-1]
    assert last[0] + last[1] == view["now_ms"]  # the most recent part is kept
    assert len(scm.module._store.get_meta(META_NAME)) < 100_000
    still_serves(scm)


def test_endless_fast_flash_lays_out_only_the_window(scm: SimulatedModule) -> None:
    scm.client.led_flash(1)
    scm.advance(3600)
    now_ms = scm.client.led_timeline(since_ms=2**62)["now_ms"]
    view = scm.client.led_timeline(since_ms=now_ms - 10)
    assert [s[1:] for s in view["segments"]] == [[1, True], [1, False]] * 5
    assert view["segments"][0][0] == now_ms - 10
    whole = scm.client.led_timeline()
    assert len(whole["segments"]) <= MAX_TIMELINE_SEGMENTS


# -- simulated values ----------------------------------------------------------------------

BAD_SIM = [
    ("advance", (1e308,)), ("advance", (SIM_DURATION_MAX_S + 1,)), ("advance", (float("inf"),)),
    ("advance", (float("nan"),)),
    ("host_stall", (2147483648,)), ("host_stall", (-1,)), ("host_stall", (float("inf"),)),
    ("brownout", (SIM_DURATION_MAX_S * 2,)), ("loop_pulse", (0, 1e300)),
    ("set_temperature", (SIM_TEMP_MIN_C - 1,)), ("set_temperature", (SIM_TEMP_MAX_C + 1,)),
    ("set_aux_temperature", (0, 1e308)), ("set_battery", (SIM_BATTERY_MAX_V + 0.1,)),
    ("insert_battery", (-1.0,)), ("insert_battery", (1e9,)),
    ("tap", ("x", SIM_ACCEL_MAX_G * 2)), ("set_acceleration", (0, 0, -1e308)),
    ("set_drift", (SIM_DRIFT_MAX_PPM + 1,)), ("set_drift", (-1e308,)),
    ("set_host_time", (MODULE_TIME_MAX_S + 1,)), ("set_host_time", (-1.0,)),
    ("set_host_identity", ("machine_id", "m" * (SIM_IDENTITY_MAX_CHARS + 1))),
]


@pytest.mark.parametrize(("control", "args"), BAD_SIM, ids=lambda v: str(v))
def test_sim_values_bounded(scm: SimulatedModule, control: str, args: tuple[Any, ...]) -> None:
    refused(scm, getattr(scm.sim, control), *args)
    still_serves(scm)


def test_module_time_stays_a_date(scm: SimulatedModule) -> None:
    # Module time is the clock plus the stored offset: put it near the last date.
    steps = int((MODULE_TIME_MAX_S - scm.clock.now()) // SIM_DURATION_MAX_S)
    with scm.module._store.transaction():
        doc = json.loads(scm.module._store.get_meta(META_NAME))
        doc["offset"] = steps * SIM_DURATION_MAX_S
        scm.module._store.set_meta(META_NAME, json.dumps(doc))
    scm.module.physical.forget()
    refused(scm, scm.sim.advance, SIM_DURATION_MAX_S)
    refused(scm, scm.sim.host_stall, SIM_DURATION_MAX_S)
    assert scm.client.status()["lifecycle"] in ("running", "booting")


@pytest.mark.parametrize(("args", "message"), [
    (("advance", "1e308"), "seconds"), (("host-stall", "2147483648"), "seconds"),
    (("temp", "1e9"), "celsius"), (("temp", "nan"), "celsius"), (("battery", "inf"), "volts"),
    (("drift", "--", "-1e6"), "ppm"), (("accel", "0", "0", "1e5"), "z"),
    (("host-time", "1e20"), "epoch"), (("pulse", "0", "1e12"), "duration"),
])
def test_sim_cli_refuses_absurd_values(run: Any, args: tuple[str, ...], message: str) -> None:
    run("init")
    run("status")
    result = run("sim", *args, code=1)
    assert message in result.output and "Traceback" not in result.output
    run("status")
    run("sim", "power-cycle")
    run("status")


@pytest.mark.parametrize("event", [
    "at = 0\ndo = 'temp'\ncelsius = 1e9",
    "at = 0\ndo = 'temp'\ncelsius = nan",
    "at = 0\ndo = 'battery'\nvolts = -0.5",
    "at = 0\ndo = 'host-stall'\nseconds = 2147483648",
    "at = 0\ndo = 'accel'\nx = 0\ny = 0\nz = inf",
    "at = 0\ndo = 'drift'\nppm = 1e308",
    "at = 0\ndo = 'host-time'\nepoch = 1e300",
    "at = 1e308\ndo = 'power-cycle'",
    "at = 0\ndo = 'host-identity'\nfactor = 'machine_id'\nvalue = '" + "m" * 257 + "'",
])
def test_scenario_refuses_absurd_values_before_running(scm: SimulatedModule, event: str) -> None:
    text = "[[event]]\nat = 0\ndo = 'tamper'\nchannel = 0\n\n[[event]]\n" + event + "\n"
    before = snapshot(scm)
    with pytest.raises(ScenarioError):
        parse(text)
    assert snapshot(scm) == before


def test_scenario_end_bounded() -> None:
    with pytest.raises(ScenarioError, match="at most"):
        parse("end = 1e12\n[[event]]\nat = 0\ndo = 'power-cycle'\n")


# -- a state saved out of bounds -------------------------------------------------------------


def test_stored_out_of_range_values_do_not_break_status(scm: SimulatedModule) -> None:
    store = scm.module._store
    with store.transaction():
        doc = json.loads(store.get_meta(META_NAME))
        doc.update(
            offset=1e308, rtc_offset=-1e308, drift_ppm=1e308, last_sync=[1.7e9, "x"],
            cpu_temp=1e308, aux_temp=[-1e308, None], battery=1e308, accel=[1e308, 0, 1],
            stall_until=1e308, brownout_until=None, breach=[10**30, -5],
            timers=[[1e308, "host_resumes", {}], ["soon", "verify", {}], "junk"],
            led=[*doc["led"], [10**20, ["user_flash", 1, 1, 2**40]], [5, ["nonsense"]],
                 [7, "off"]],
        )
        store.set_meta(META_NAME, json.dumps(doc))
    scm.module.physical.forget()
    status = scm.client.status()
    assert status["cpu_temp"] == SIM_TEMP_MAX_C
    assert status["battery"] == SIM_BATTERY_MAX_V
    assert status["accel"] == [SIM_ACCEL_MAX_G, 0.0, 1.0]
    assert abs(status["module_time"]) <= 2 * MODULE_TIME_MAX_S
    scm.client.led_timeline()
    scm.sim.power_cycle()
    scm.client.status()
