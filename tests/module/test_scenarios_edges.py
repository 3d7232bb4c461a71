"""The module's state machine at its edges (``scm-behaviour.md`` §2-§7, §12): power
cuts, brown-outs, host reboots and sessions arriving while a boot or a sequence is under
way, holds while off, loops found open when monitoring resumes, long runs."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

import softscm
from fakes import CountingEntropy, FakeClock
from scenario import kinds, power_cycle, spans, to_production
from softscm.host.bootdir import read_boot_file
from softscm.module import Module, Profile
from softscm.module.led import patterns as led
from softscm.store import Store

T0 = 1_700_000_000.0
#: Length of a simulated 6/1 sequence, s (§5.4).
SEQ_6_1_S = 30.85
#: Length of a 20/2 sequence, s (§5.4).
SEQ_20_2_S = 75.85


def lifecycle(m: Module) -> str:
    return str(m.physical.physical_status()["lifecycle"])


def fatal_spans(m: Module) -> list[tuple[int, int, str, bool]]:
    return [s for s in spans(m) if s[2].startswith("fatal")]


def details(m: Module, kind: str) -> list[dict[str, Any]]:
    return [e["detail"] for e in m.events(limit=100_000) if e["kind"] == kind]


# -- sequences interrupted or overlapped (§2.6, §5.4) --------------------------------------


def test_simulated_tamper_during_boot_lets_the_boot_finish(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_power_cycle()
    clock.advance(5)  # in BOOT_VERIFY
    module.simulation.sim_loop_open(0)
    clock.advance(200)
    module.physical.catch_up()
    # §5.4: a simulated condition recovers to the state it left; the boot continues.
    assert lifecycle(module) == "running"
    assert len(module.random_bytes(4)) == 4


def test_brownout_during_simulated_sequence_recovers(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_loop_open(0)
    clock.advance(5)
    module.simulation.sim_brownout(0.5)
    clock.advance(SEQ_6_1_S + 5)
    module.physical.catch_up()
    assert lifecycle(module) == "running"
    assert len(module.random_bytes(4)) == 4


def test_tamper_during_brownout_recovers(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_brownout(0.5)
    module.simulation.sim_loop_open(0)
    clock.advance(SEQ_6_1_S + 5)
    module.physical.catch_up()
    assert lifecycle(module) == "running"
    assert len(module.random_bytes(4)) == 4


def test_heartbeat_fatal_still_reboots_with_a_queued_simulated_sequence(
        module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_host_stall(61)
    clock.advance(60.5)
    module.physical.catch_up()
    assert "heartbeat_lost" in kinds(module)
    module.simulation.sim_loop_open(0)  # a simulated 6/1 waits behind the fatal 8
    clock.advance(33)  # fatal 8 (32.35 s) is over
    module.physical.catch_up()
    # §5.6: fatal 8 three times, then the module reboots.
    assert {"reason": "fatal"} in details(module, "module_reboot")


def test_host_reboot_does_not_cut_a_simulated_sequence_short(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_loop_open(0)
    clock.advance(2)
    module.simulation.sim_host_reboot()
    clock.advance(3)
    module.physical.catch_up()
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(4)


def test_power_cut_during_simulated_sequence_then_boot_is_clean(
        module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_loop_open(0)
    module.simulation.sim_loop_open(1)  # queued 6/3
    clock.advance(3)
    power_cycle(module, clock)
    assert lifecycle(module) == "running"
    assert module.physical.state().queued_sequences == []
    clock.advance(100)
    module.physical.catch_up()
    assert lifecycle(module) == "running"


# -- sessions, host reboots and brown-outs during a boot (§2.6, §12.8 S-66) --------------


def test_session_opening_during_sequence_binds_afterwards(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.physical.session_close("host")
    power_cycle(module, clock, 20)
    assert lifecycle(module) == "waiting_for_host"
    module.simulation.sim_loop_open(0)
    clock.advance(1)
    module.physical.session_open("host")
    clock.advance(SEQ_6_1_S + 5)
    module.physical.catch_up()
    assert lifecycle(module) == "running"


def test_session_opening_during_boot_binds_at_its_end(module: Module, clock: FakeClock) -> None:
    module.physical.session_close("host")
    module.simulation.sim_power_cycle()
    clock.advance(4)
    module.physical.session_open("other")
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(4)
    clock.advance(8)
    module.physical.catch_up()
    assert lifecycle(module) == "running"
    assert len(module.random_bytes(4)) == 4


def test_host_reboot_during_module_boot_does_not_skip_verify(
        module: Module, clock: FakeClock) -> None:
    module.simulation.sim_power_cycle()
    clock.advance(3)  # verify_1
    module.simulation.sim_host_reboot()
    clock.advance(2.5)
    module.physical.catch_up()
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(4)


def test_brownout_during_boot_withholds_services(module: Module, clock: FakeClock) -> None:
    module.simulation.sim_power_cycle()
    clock.advance(11)  # usb_enumerated; the bind is due at 11.5 s
    module.simulation.sim_brownout(5.0)
    clock.advance(1.0)
    module.physical.catch_up()
    # §12.8 S-66: calls during the dip and for 1 s after fail ModuleUnavailable.
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(4)


def test_lock_binding_while_booting_is_refused_and_changes_nothing(
        module: Module, clock: FakeClock) -> None:
    module.simulation.sim_power_cycle()
    clock.advance(3)
    with pytest.raises(softscm.ModuleUnavailable):
        module.physical.lock_binding()
    clock.advance(10)
    module.physical.catch_up()
    assert module.physical.binding_info() == (False, True)
    assert module.physical.state().binding == "bound_dev"


# -- holds and events while off (§2.6, §3.2) --------------------------------------------------


def test_temperature_hold_while_off_does_not_boot(module: Module, clock: FakeClock) -> None:
    module.physical.set_cpu_temp_action(self_destruct=True)
    to_production(module, clock)
    module.simulation.sim_main_power(False)
    module.simulation.sim_set_temperature(70)
    clock.advance(10)
    module.simulation.sim_set_temperature(25)
    clock.advance(200)
    module.physical.catch_up()
    assert module.physical.physical_status()["main_power"] is False
    assert lifecycle(module) == "off"
    with pytest.raises(softscm.ModuleUnavailable):
        module.random_bytes(4)


def test_second_destruction_keeps_the_first_code(module: Module, clock: FakeClock) -> None:
    module.physical.set_battery_voltage_action(self_destruct=True)
    to_production(module, clock)
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_loop_open(0)  # tamper destruction: every boot shows 5 (C19)
    module.simulation.sim_set_battery(2.0)
    module.simulation.sim_main_power(False)
    module.simulation.sim_main_power(True)
    clock.advance(30)
    assert len(details(module, "self_destruct")) == 1
    assert fatal_spans(module)[-1][2] == "fatal 5"


def test_loop_found_open_at_power_on_shows_simulated_sequence(
        module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_remove_battery()
    module.simulation.sim_main_power(False)
    clock.advance(100)
    module.simulation.sim_loop_open(0)
    clock.advance(100)
    module.simulation.sim_main_power(True)
    clock.advance(60)
    module.physical.catch_up()
    assert "simulated_action" in kinds(module)
    assert any(s[2] == "fatal 6/1" for s in fatal_spans(module))


# -- monitoring and the RTC across power (§4.2, §4.7, §7.2) -----------------------------


def test_battery_insertion_detects_open_loop(module: Module, clock: FakeClock) -> None:
    module.simulation.sim_remove_battery()
    module.simulation.sim_main_power(False)
    clock.advance(100)
    module.simulation.sim_loop_open(0)  # unmonitored
    clock.advance(100)
    module.simulation.sim_insert_battery(3.0)  # monitoring resumes with the loop open
    clock.advance(100)
    module.simulation.sim_main_power(True)
    clock.advance(13)
    module.physical.catch_up()
    assert module.physical.perimeter_info()[0] != 0


def test_rtc_stops_while_unpowered_even_if_battery_returns_first(
        module: Module, clock: FakeClock) -> None:
    before = module.get_time()
    module.simulation.sim_remove_battery()
    module.simulation.sim_main_power(False)
    clock.advance(3600)
    module.simulation.sim_insert_battery(3.0)
    module.simulation.sim_main_power(True)
    clock.advance(13)
    module.physical.catch_up()
    assert module.get_time() - before <= 20
    assert "rtc_invalid" in kinds(module)


def test_rtc_runs_on_battery_until_removed(module: Module, clock: FakeClock) -> None:
    before = module.get_time()
    module.simulation.sim_main_power(False)
    clock.advance(100)  # on battery: the RTC runs
    module.simulation.sim_remove_battery()
    clock.advance(100)  # unpowered: it stops
    module.simulation.sim_main_power(True)
    clock.advance(13)
    module.physical.catch_up()
    assert module.get_time() - before == pytest.approx(113, abs=1)


def test_low_power_pulse_is_not_stamped_in_the_future(module: Module, clock: FakeClock) -> None:
    module.physical.set_digital_perimeter_lp_period(10_000_000)
    module.simulation.sim_main_power(False)
    clock.advance(0.5)
    module.simulation.sim_loop_pulse(0, 20.0)
    status = module.physical.physical_status()
    assert status["perimeter"][0] <= status["rtc"]


# -- level triggers and heartbeats (§3.2, §5.6) ---------------------------------------------


def test_temperature_level_trigger_survives_brownout(module: Module, clock: FakeClock) -> None:
    module.physical.set_cpu_temp_action(self_destruct=True)
    module.simulation.sim_set_temperature(70)
    clock.advance(SEQ_20_2_S + 0.2)
    module.physical.catch_up()
    assert lifecycle(module) == "running"
    module.simulation.sim_brownout(0.1)
    clock.advance(10)
    module.physical.catch_up()
    assert len(fatal_spans(module)) >= 2


def test_temperature_back_in_range_during_sequence_stops_repeats(
        module: Module, clock: FakeClock) -> None:
    module.physical.set_cpu_temp_action(self_destruct=True)
    module.simulation.sim_set_temperature(70)
    clock.advance(10)
    module.simulation.sim_set_temperature(30)
    clock.advance(SEQ_20_2_S + 30)
    module.physical.catch_up()
    assert lifecycle(module) == "running"
    assert len(fatal_spans(module)) == 1
    # Only the background self test is planned (§9.2); no sample, no sequence.
    assert [timer[1] for timer in module.physical.state().timers] == ["self_test"]


def test_stall_beginning_during_sequence_loses_heartbeat(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_loop_open(0)
    clock.advance(1)
    module.simulation.sim_host_stall(600)
    clock.advance(300)
    module.physical.catch_up()
    assert "heartbeat_lost" in kinds(module)


# -- binding (§2.3, DESIGN "Binding is real") -----------------------------------------------


def test_production_after_cannot_bind_seals_to_the_host(module: Module, clock: FakeClock) -> None:
    module.simulation.sim_set_host_identity("cpu_serial", "a")
    power_cycle(module, clock)
    module.physical.lock_binding()
    module.simulation.sim_set_host_identity("cpu_serial", "x")
    power_cycle(module, clock)
    assert lifecycle(module) == "cannot_bind"
    module.simulation.sim_set_host_identity("cpu_serial", "a")
    power_cycle(module, clock)
    assert module.physical.state().binding == "production"
    meta = module._store.all_meta()
    assert "production_seal" in meta
    assert "master_key" not in meta


# -- long runs (§0, §5.8) --------------------------------------------------------------------


def test_advance_over_days_catches_a_loop_up(module: Module, clock: FakeClock) -> None:
    module.physical.set_cpu_temp_action(self_destruct=True)
    module.simulation.sim_set_temperature(70)
    module.simulation.sim_advance(7 * 86_400)
    shown = module.physical.led()
    now_ms = module.physical.now() * 1000
    # One 20/2 cycle is 76.85 s: whatever shows now began less than that ago.
    assert now_ms - shown["since_ms"] < 80_000


def test_destroyed_loop_keeps_destroyed_over_an_hour(module: Module, clock: FakeClock) -> None:
    to_production(module, clock)
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_loop_open(0)
    module.simulation.sim_advance(3600)
    with pytest.raises(softscm.Destroyed):
        module.random_bytes(4)
    labels = [s[2] for s in fatal_spans(module)]
    assert labels and set(labels) == {"fatal 5"}
    assert len(module.physical.state().led) <= 400


def test_recent_timeline_does_not_unroll_the_whole_uptime(
        module: Module, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> None:
    clock.advance(2 * 86_400)
    original = led.Pattern.window

    def bounded(self: led.Pattern, offset_ms: int, duration_ms: int) -> led.Pattern:
        if duration_ms > 3_600_000:
            raise AssertionError(f"unrolled {duration_ms} ms for a 10 s view")
        return original(self, offset_ms, duration_ms)

    monkeypatch.setattr(led.Pattern, "window", bounded)
    view = module.physical.led_timeline(since_ms=int((clock.time - 10) * 1000))
    assert view["segments"]


# -- the log across a power cut during a boot (§5.3, §9.1) ------------------------------------


def _boot_dir_module(clock: FakeClock, tmp_path: Path) -> tuple[Module, Path]:
    boot = tmp_path / "boot"
    boot.mkdir()
    (boot / "sample.txt").write_bytes(b"original\n")
    store = Store.memory()
    entropy = CountingEntropy()
    Module.create_state(store, entropy=entropy, salt=b"s" * 32,
                        profile=Profile(boot_dir=str(boot)))
    module = Module(store, clock=clock, entropy=entropy, salt=b"s" * 32,
                    identity={"machine_id": "host-a"}, boot_files=read_boot_file)
    module.physical.session_open("host")
    module.supervised_boot.prepare_supervised_boot_file("sample.txt", 15)
    module.supervised_boot.add_or_update_supervised_boot_file(
        "sample.txt", 15, hashlib.sha256(b"original\n").digest())
    return module, boot


def test_power_cut_during_verify_leaves_an_ordered_log(
        clock: FakeClock, tmp_path: Path) -> None:
    m, boot = _boot_dir_module(clock, tmp_path)
    (boot / "sample.txt").write_bytes(b"changed\n")
    m.simulation.sim_power_cycle()
    clock.advance(3)  # verify_1: the 4/2 would show after the verify stage
    m.simulation.sim_main_power(False)
    times = [e["at"] for e in m.events(limit=1000)]
    assert times == sorted(times)
    assert "simulated_action" not in kinds(m)
