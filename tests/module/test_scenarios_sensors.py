"""Temperature, battery, LED, heartbeat, brown-out, RTC and taps (``scm-behaviour.md``
§12.5, §12.6, §12.8, §12.9)."""

from __future__ import annotations

import pytest

import softscm
from fakes import FakeClock
from scenario import kinds, make_module, spans, to_production
from softscm.module import Module, Profile

T0 = 1_700_000_000.0


def fatal_spans(m: Module) -> list[tuple[int, int, str, bool]]:
    return [s for s in spans(m) if s[2].startswith("fatal")]


def details(m: Module, kind: str) -> list[dict]:
    return [e["detail"] for e in m.events(limit=10_000) if e["kind"] == kind]


# -- temperature (§12.5) -------------------------------------------------------------


def test_s38_out_of_range_only_logged(module: Module, clock: FakeClock) -> None:
    module.simulation.sim_set_temperature(70)
    module.simulation.sim_set_temperature(-15)
    got = details(module, "temperature_out_of_range")
    assert {"side": "high", "value": 70.0, "threshold": 65.0} in got
    assert {"side": "low", "value": -15.0, "threshold": -10.0} in got
    clock.advance(5)
    assert not fatal_spans(module)
    assert len(module.random_bytes(4)) == 4


def test_s39_development_simulated_and_level_triggered(module: Module, clock: FakeClock) -> None:
    module.physical.set_cpu_temp_action(self_destruct=True)
    module.simulation.sim_set_temperature(70)
    clock.advance(75.85 + 0.5)
    module.physical.catch_up()
    assert module.physical.physical_status()["lifecycle"] == "running"
    clock.advance(1.0)
    module.physical.catch_up()
    assert module.physical.physical_status()["lifecycle"] == "sequence"
    module.simulation.sim_set_temperature(40)
    clock.advance(80)
    module.physical.catch_up()
    seqs = fatal_spans(module)
    assert [s[2] for s in seqs] == ["fatal 20/2", "fatal 20/2"]
    assert seqs[0][1] - seqs[0][0] == 75_850 and seqs[0][3] is True
    assert module.physical.physical_status()["lifecycle"] == "running"


def test_s39_low_side(module: Module, clock: FakeClock) -> None:
    module.physical.set_cpu_temp_action(self_destruct=True)
    module.simulation.sim_set_temperature(-15)
    clock.advance(73)
    assert fatal_spans(module)[0][2] == "fatal 20/1"
    assert fatal_spans(module)[0][1] - fatal_spans(module)[0][0] == 72_850


def test_s40_standard_production_scm_holds(module: Module, clock: FakeClock) -> None:
    module.physical.set_cpu_temp_action(self_destruct=True)
    slot = module.generate_key("secp256k1")
    to_production(module, clock)
    module.simulation.sim_set_temperature(70)
    assert module.physical.physical_status()["lifecycle"] == "held"
    assert module.physical.physical_status()["hold"] == "temperature"
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(1)
    clock.advance(200)
    module.physical.catch_up()
    labels = [s[2] for s in fatal_spans(module)]
    assert labels.count("fatal 20/2") >= 2
    assert all(not s[3] for s in fatal_spans(module))
    module.simulation.sim_set_temperature(64.5)
    clock.advance(200)
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(1)
    module.simulation.sim_set_temperature(63.5)
    clock.advance(120)
    module.physical.catch_up()
    assert module.physical.physical_status()["lifecycle"] == "running"
    assert len(module.public_key(slot)) == 64
    assert {"reason": "temperature"} in details(module, "released")


def test_s41_hsm6_destroys(clock: FakeClock) -> None:
    m = make_module(clock, Profile(profile="hsm6"))
    m.physical.set_cpu_temp_action(self_destruct=True)
    to_production(m, clock)
    m.simulation.sim_set_temperature(70)
    assert {"cause": "temperature"} in details(m, "self_destruct")
    clock.advance(30)
    assert "fatal 6" in [s[2] for s in fatal_spans(m)]
    with pytest.raises(softscm.Destroyed):
        m.random_bytes(1)


def test_s42_alpha_simulated(clock: FakeClock) -> None:
    m = make_module(clock, Profile(program="alpha"))
    m.physical.set_cpu_temp_action(self_destruct=True)
    to_production(m, clock)
    m.simulation.sim_set_temperature(70)
    clock.advance(76)
    assert fatal_spans(m)[0][2] == "fatal 20/2" and fatal_spans(m)[0][3] is True
    m.simulation.sim_set_temperature(25)
    clock.advance(80)
    assert len(m.public_key(0)) == 64


# -- battery (§12.6) ----------------------------------------------------------------


def test_s43_low_battery_with_main_power(module: Module) -> None:
    assert module.physical.battery_voltage() == 3.0
    module.simulation.sim_set_battery(2.2)
    assert {"volts": 2.2, "threshold": 2.3} in details(module, "battery_low")
    assert len(module.random_bytes(1)) == 1


def test_s44_last_gasp_destroy(module: Module, clock: FakeClock) -> None:
    module.physical.set_battery_voltage_action(self_destruct=True)
    to_production(module, clock)
    module.simulation.sim_set_battery(2.2)
    module.simulation.sim_main_power(False)
    assert {"cause": "battery"} in details(module, "self_destruct")
    module.simulation.sim_main_power(True)
    clock.advance(30)
    assert "fatal 6" in [s[2] for s in fatal_spans(module)]
    with pytest.raises(softscm.Destroyed):
        module.random_bytes(1)


def test_s45_sleep_prevents_boot(module: Module, clock: FakeClock) -> None:
    module.physical.set_battery_voltage_action(sleep=True)
    slot = module.generate_key("ed25519")
    to_production(module, clock)
    module.simulation.sim_set_battery(2.2)
    module.simulation.sim_main_power(False)
    module.simulation.sim_main_power(True)
    assert module.physical.physical_status()["hold"] == "battery"
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(1)
    clock.advance(30)
    assert "fatal 4/1" in [s[2] for s in fatal_spans(module)]
    module.simulation.sim_set_battery(2.32)
    clock.advance(60)
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(1)
    module.simulation.sim_set_battery(3.0)
    clock.advance(60)
    module.physical.catch_up()
    assert module.physical.physical_status()["lifecycle"] == "running"
    assert len(module.public_key(slot)) == 32


def test_s46_alpha_self_destruct_simulated_4(clock: FakeClock) -> None:
    m = make_module(clock, Profile(program="alpha"))
    m.physical.set_battery_voltage_action(self_destruct=True)
    to_production(m, clock)
    m.simulation.sim_set_battery(2.2)
    m.simulation.sim_main_power(False)
    clock.advance(21)
    seq = fatal_spans(m)[-1]
    assert seq[2] == "fatal 4" and seq[3] is True and seq[1] - seq[0] == 20_350
    m.simulation.sim_main_power(True)
    clock.advance(13)
    assert len(m.public_key(0)) == 64


def test_s47_development_sleep_simulated(module: Module, clock: FakeClock) -> None:
    module.physical.set_battery_voltage_action(sleep=True)
    module.simulation.sim_set_battery(2.2)
    module.simulation.sim_main_power(False)
    clock.advance(25)
    seq = fatal_spans(module)[-1]
    assert seq[2] == "fatal 4/1" and seq[3] is True and seq[1] - seq[0] == 24_850
    module.simulation.sim_main_power(True)
    clock.advance(13)
    assert module.physical.physical_status()["lifecycle"] == "running"


def test_s48_battery_removed_while_off(module: Module, clock: FakeClock) -> None:
    module.physical.set_battery_voltage_action(self_destruct=True)
    to_production(module, clock)
    module.simulation.sim_main_power(False)
    module.simulation.sim_remove_battery()
    assert {"cause": "battery"} in details(module, "self_destruct")
    module.simulation.sim_insert_battery(3.0)
    module.simulation.sim_main_power(True)
    clock.advance(30)
    assert "fatal 6" in [s[2] for s in fatal_spans(module)]


def test_s49_action_none_in_production(module: Module, clock: FakeClock) -> None:
    to_production(module, clock)
    module.simulation.sim_set_battery(2.0)
    module.simulation.sim_main_power(False)
    module.simulation.sim_main_power(True)
    clock.advance(13)
    assert module.physical.physical_status()["lifecycle"] == "running"
    assert "battery_low" in kinds(module)


# -- LED (§12.8) ----------------------------------------------------------------------


def test_s64_user_led(module: Module, clock: FakeClock) -> None:
    start = int(clock.time * 1000)
    module.physical.led_flash(200)
    clock.advance(1)
    segs = [s for s in module.physical.led_timeline()["segments"] if s[0] >= start]
    assert segs[:4] == [[start, 200, True], [start + 200, 200, False],
                        [start + 400, 200, True], [start + 600, 200, False]]
    module.physical.led_off()
    clock.advance(1)
    start = int(clock.time * 1000)
    module.physical.led_flash(100, 300, 3)
    clock.advance(2)
    segs = [s for s in module.physical.led_timeline()["segments"] if s[0] >= start]
    assert [s[1:] for s in segs[:5]] == [[100, True], [300, False], [100, True], [300, False],
                                          [100, True]]
    assert segs[5][2] is False
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_loop_open(0)
    clock.advance(31)
    labels = [s[2] for s in spans(module)]
    assert labels[-2:] == ["fatal 6/1", "running_dev"]


def test_s65_heartbeat_loss(module: Module, clock: FakeClock) -> None:
    slot = module.generate_key("nistp256")
    module.simulation.sim_host_stall(61)
    clock.advance(60.5)
    module.physical.catch_up()
    assert "heartbeat_lost" in kinds(module)
    clock.advance(33 + 13)
    module.physical.catch_up()
    seq = [s for s in fatal_spans(module) if s[2] == "fatal 8"]
    assert seq and seq[0][1] - seq[0][0] == 32_350 and seq[0][3] is False
    assert module.physical.physical_status()["lifecycle"] == "running"
    assert len(module.public_key(slot)) == 64


def test_s66_brownout(module: Module, clock: FakeClock) -> None:
    module.simulation.sim_brownout(0.5)
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(1)
    clock.advance(1.4)
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(1)
    clock.advance(0.2)
    assert len(module.random_bytes(1)) == 1
    assert "brownout" in kinds(module)


# -- data, RTC, accelerometer (§12.9) ------------------------------------------------


def test_s70_nothing_unlocks_after_destruction(module: Module, clock: FakeClock) -> None:
    blob = module.lock(b"data")
    to_production(module, clock)
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_loop_open(0)
    with pytest.raises(softscm.Destroyed):
        module.unlock(blob)


def test_s71_precise_time(module: Module, clock: FakeClock) -> None:
    clock.time = 1_700_000_000.3
    assert module.get_time() == 1_700_000_000
    assert module.get_time(precise=True) == 1_700_000_001


def test_s72_rtc_through_power_loss(module: Module, clock: FakeClock) -> None:
    before = module.get_time()
    module.simulation.sim_main_power(False)
    clock.advance(3600)
    module.simulation.sim_main_power(True)
    clock.advance(13)
    assert module.get_time() - before == 3613


def test_s72_without_battery(module: Module, clock: FakeClock) -> None:
    module.simulation.sim_remove_battery()
    before = module.get_time()
    module.simulation.sim_main_power(False)
    clock.advance(3600)
    module.simulation.sim_main_power(True)
    clock.advance(13)
    assert module.get_time() - before == 13
    assert "rtc_invalid" in kinds(module)
    module.simulation.sim_set_host_time(clock.time, True)
    assert module.get_time() == int(clock.time)
    assert "rtc_synced" in kinds(module)


def test_s73_drift_measurement(module: Module, clock: FakeClock) -> None:
    module.simulation.sim_set_drift(5.0)
    module.simulation.sim_set_host_time(clock.time, True)
    clock.advance(1_000_000)
    module.simulation.sim_set_host_time(clock.time, True)
    assert module.physical.rtc_drift() == pytest.approx(5.0, abs=0.01)


def test_s74_taps(module: Module) -> None:
    p = module.physical
    p.set_tap_sensitivity("x", 0)
    module.simulation.sim_tap("x", 10, 1)
    assert p.poll_tap("host", 0) == "timeout"
    p.set_tap_sensitivity("all", 50)
    module.simulation.sim_tap("z", 9, -1)
    assert p.poll_tap("host", 0) == "event"
    assert p.accelerometer() == [[0.0, 0], [0.0, 0], [1.0, -1]]
    module.simulation.sim_tap("z", 7, 1)
    assert p.poll_tap("host", 0) == "timeout"
    for axis, pct in (("w", 50), ("x", 101), ("x", -1)):
        with pytest.raises(softscm.InvalidArgument):
            p.set_tap_sensitivity(axis, pct)


def test_i2c_address(module: Module) -> None:
    module.physical.set_i2c_address(0x31)
    with pytest.raises(softscm.InvalidArgument):
        module.physical.set_i2c_address(0x40)


def test_simulation_refused_on_real_deployment(clock: FakeClock) -> None:
    m = make_module(clock, Profile(simulation=False))
    with pytest.raises(softscm.OperationNotSupported):
        m.simulation.sim_loop_open(0)
    with pytest.raises(softscm.OperationNotSupported):
        m.simulation.sim_set_host_identity("machine_id", "x")
