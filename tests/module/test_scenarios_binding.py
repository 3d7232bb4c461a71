"""Binding and modes (``scm-behaviour.md`` §12.2, §12.3)."""

from __future__ import annotations

import pytest

import softscm
from fakes import CountingEntropy, FakeClock
from scenario import BOOT_S, kinds, make_module, power_cycle, spans, to_production
from softscm.module import Module, Profile


def test_s11_first_binding(clock: FakeClock) -> None:
    from fakes import CountingEntropy
    from softscm.store import Store

    store = Store.memory()
    Module.create_state(store, entropy=CountingEntropy(), salt=b"s" * 32)
    module = Module(store, clock=clock, entropy=CountingEntropy(), salt=b"s" * 32)
    clock.advance(10)
    assert module.physical.physical_status()["lifecycle"] == "waiting_for_host"
    assert module.physical.physical_status()["binding"] == "unbound"
    assert module.physical.led()["label"] == "waiting_for_host"
    module.physical.session_open("host")
    assert module.physical.binding_info() == (False, True)
    assert "bind_ok" in kinds(module)
    clock.advance(6)
    timeline = module.physical.led_timeline()
    assert timeline["spans"][-1][2] == "running_dev"
    last = [s for s in timeline["segments"] if s[0] >= timeline["spans"][-1][0]]
    assert last[0][1:] == [100, True] and last[1][1:] == [2900, False]


def test_s12_development_follows_the_host(module: Module, clock: FakeClock) -> None:
    k = module.generate_key("nistp256")
    pub = module.public_key(k)
    blob = module.lock(b"secret")
    module.simulation.sim_set_host_identity("cpu_serial", "other-pi")
    power_cycle(module, clock)
    assert module.physical.binding_info() == (False, True)
    assert module.unlock(blob) == b"secret"
    assert module.public_key(k) == pub
    assert "rebind" in kinds(module)


def test_s13_lock_takes_effect_at_next_boot(module: Module, clock: FakeClock) -> None:
    module.physical.lock_binding()
    assert module.physical.binding_info() == (True, True)
    assert module.physical.physical_status()["binding"] == "lock_pending"
    assert module.physical.led()["label"] == "running_dev"
    power_cycle(module, clock)
    assert "production_active" in kinds(module)
    clock.advance(7)
    timeline = module.physical.led_timeline()
    start = timeline["spans"][-1][0]
    assert timeline["spans"][-1][2] == "running_production"
    segs = [s[1:] for s in timeline["segments"] if s[0] >= start][:6]
    assert segs == [[100, True], [100, False], [100, True], [100, False], [100, True], [2500, False]]


def test_s14_repeated_lock(module: Module, clock: FakeClock) -> None:
    to_production(module, clock)
    before = module.physical.physical_status()
    module.physical.lock_binding()
    assert kinds(module)[-1] == "lock_binding_repeat"
    after = module.physical.physical_status()
    assert before["binding"] == after["binding"] == "production"


def test_s15_production_refuses_another_host(module: Module, clock: FakeClock) -> None:
    to_production(module, clock)
    blob = module.lock(b"x")
    module.simulation.sim_set_host_identity("boot_device_serial", "clone")
    power_cycle(module, clock)
    with pytest.raises(softscm.CannotBind):
        module.random_bytes(8)
    with pytest.raises(softscm.CannotBind):
        module.physical.binding_info()
    assert any(e["kind"] == "bind_failed" and e["detail"] == {"reason": "fingerprint"}
               for e in module.events(limit=1000))
    clock.advance(11)
    timeline = module.physical.led_timeline()
    assert timeline["spans"][-1][2] == "cannot_bind"
    assert timeline["segments"][-1][2] is False and timeline["segments"][-1][1] >= 1000
    module.simulation.sim_set_host_identity("boot_device_serial", "")
    state = module.physical.state()
    assert state.identity["boot_device_serial"] == ""
    # Restore the identity as measured: drop the override.
    with module.physical.edit() as st:
        st.identity.pop("boot_device_serial")
    power_cycle(module, clock)
    assert module.physical.physical_status()["lifecycle"] == "running"
    assert module.physical.led()["label"] == "running_production"
    assert module.unlock(blob) == b"x"


def test_s16_lost_salt(module: Module, clock: FakeClock) -> None:
    to_production(module, clock)
    module.simulation.sim_delete_host_salt()
    module.simulation.sim_host_reboot()
    clock.advance(3)
    with pytest.raises(softscm.CannotBind):
        module.random_bytes(1)
    assert {"reason": "salt"} in [e["detail"] for e in module.events(limit=1000) if e["kind"] == "bind_failed"]
    power_cycle(module, clock)
    with pytest.raises(softscm.CannotBind):
        module.random_bytes(1)
    module.simulation.sim_restore_host_salt(b"s" * 32)
    power_cycle(module, clock)
    assert len(module.random_bytes(4)) == 4


def test_s16_lost_salt_in_development(module: Module, clock: FakeClock) -> None:
    k = module.generate_key("ed25519")
    module.simulation.sim_delete_host_salt()
    module.simulation.sim_host_reboot()
    clock.advance(3)
    assert "rebind" in kinds(module)
    assert len(module.public_key(k)) == 32


def test_s17_host_changed_between_lock_and_reboot(module: Module, clock: FakeClock) -> None:
    module.physical.lock_binding()
    module.simulation.sim_set_host_identity("cpu_serial", "x")
    power_cycle(module, clock)
    assert module.physical.physical_status()["lifecycle"] == "cannot_bind"


def test_s18_lock_without_battery(module: Module) -> None:
    module.simulation.sim_remove_battery()
    module.physical.lock_binding()
    assert any(e["kind"] == "warning" and e["detail"] == {"kind": "no_battery"}
               for e in module.events(limit=100))


def test_s19_thresholds_freeze_at_lock(module: Module) -> None:
    module.physical.set_cpu_low_temp_threshold(0.0)
    module.physical.lock_binding()
    calls = [
        lambda: module.physical.set_cpu_low_temp_threshold(5.0),
        lambda: module.physical.set_cpu_high_temp_threshold(50.0),
        lambda: module.physical.set_cpu_temp_action(self_destruct=True),
        lambda: module.physical.set_battery_voltage_threshold(2.4),
        lambda: module.physical.set_battery_voltage_action(sleep=True),
    ]
    for call in calls:
        with pytest.raises(softscm.PolicyLocked):
            call()
    settings = module.physical.physical_status()["settings"]
    assert settings["low_temp_c"] == 0.0 and settings["high_temp_c"] == 65.0
    assert settings["temperature_action"] == 0 and settings["battery_threshold_v"] == 2.3
    assert settings["battery_action"] == 0
    assert kinds(module).count("setting_rejected") == 5


def test_s20_one_perimeter_setting_per_channel(module: Module, clock: FakeClock) -> None:
    to_production(module, clock)
    p = module.physical
    p.set_perimeter_event_actions(0, True, True)
    with pytest.raises(softscm.PolicyLocked):
        p.set_perimeter_event_actions(0, True, False)
    p.set_perimeter_event_actions(1, True, False)
    with pytest.raises(softscm.PolicyLocked):
        p.set_perimeter_event_actions(1, False, False)
    assert p.physical_status()["settings"]["perimeter"] == [3, 1]
    for _ in range(3):
        p.clear_perimeter_info()


def test_s21_rejected_call_keeps_the_chance(module: Module, clock: FakeClock) -> None:
    to_production(module, clock)
    with pytest.raises(softscm.InvalidArgument):
        module.physical.set_perimeter_event_actions(2, True, False)
    module.physical.set_perimeter_event_actions(0, True, False)


def test_s23_validation_before_locking(module: Module) -> None:
    p = module.physical
    with pytest.raises(softscm.InvalidArgument):
        p.set_cpu_high_temp_threshold(-20.0)
    with pytest.raises(softscm.InvalidArgument):
        p.set_battery_voltage_threshold(2.6)
    p.set_battery_voltage_threshold(2.5)
    with pytest.raises(softscm.InvalidArgument):
        p.set_battery_voltage_action(sleep=True, self_destruct=True)
    p.set_cpu_low_temp_threshold(25.0)
    assert any(e["kind"] == "warning" and e["detail"]["kind"] == "threshold_near_ambient"
               for e in module.events(limit=100))
    settings = p.physical_status()["settings"]
    assert settings["high_temp_c"] == 65.0 and settings["battery_threshold_v"] == 2.5
    assert settings["battery_action"] == 0


def test_lock_requires_binding(clock: FakeClock) -> None:
    from fakes import CountingEntropy
    from softscm.store import Store

    store = Store.memory()
    Module.create_state(store, entropy=CountingEntropy(), salt=b"s" * 32)
    module = Module(store, clock=clock, entropy=CountingEntropy(), salt=b"s" * 32)
    with pytest.raises(softscm.NotBound):
        module.physical.lock_binding()


def test_real_binding_production_state_on_another_host(tmp_path, clock: FakeClock) -> None:
    """The master key of a production module is sealed to its host: the same state
    opened on another host cannot unseal it and cannot bind."""
    from fakes import CountingEntropy
    from softscm.store import Store

    store = Store.open(tmp_path)
    Module.create_state(store, entropy=CountingEntropy(), salt=b"s" * 32)
    a = Module(store, clock=clock, entropy=CountingEntropy(), salt=b"s" * 32,
               identity={"machine_id": "host-a"})
    a.physical.session_open("host")
    k = a.generate_key("nistp256")
    a.physical.lock_binding()
    power_cycle(a, clock)
    assert a.physical.state().binding == "production"
    store.close()
    store = Store.open(tmp_path)
    other = Module(store, clock=clock, entropy=CountingEntropy(), salt=b"s" * 32,
                   identity={"machine_id": "host-b"}, host_boot_id="another-boot")
    other.physical.session_open("host")
    assert other.master.key is None
    with pytest.raises(softscm.CannotBind):
        other.public_key(k)
    store.close()
    store = Store.open(tmp_path)
    back = Module(store, clock=clock, entropy=CountingEntropy(), salt=b"s" * 32,
                  identity={"machine_id": "host-a"}, host_boot_id="third-boot")
    back.physical.session_open("host")
    assert len(back.public_key(k)) == 64
    store.close()


def test_boot_stages_s60(module: Module, clock: FakeClock) -> None:
    start = int(clock.time * 1000)
    module.simulation.sim_power_cycle()
    clock.advance(BOOT_S + 1)
    got = [s for s in spans(module) if s[0] >= start]
    labels = [s[2] for s in got]
    assert labels[:8] == ["boot_init", "verify_1", "verify_2", "verify_3", "verify_4",
                          "host_booting", "usb_enumerated", "running_dev"]
    durations = [s[1] - s[0] for s in got[:7]]
    assert durations == [2000, 1250, 1750, 2250, 2750, 1000, 500]
    segments = [s for s in module.physical.led_timeline()["segments"] if s[0] >= start]
    assert segments[:2] == [[start, 1000, True], [start + 1000, 1000, False]]


def test_hsm6_and_profile(clock: FakeClock) -> None:
    module = make_module(clock, Profile(profile="hsm6"))
    assert module.slots() == (list(range(14)), 512)


def test_self_test_runs_at_every_boot(module: Module, clock: FakeClock) -> None:
    from softscm.module.lifecycle.selftest import failed_checks, run_self_test

    assert failed_checks(run_self_test(CountingEntropy())) == []
    assert "random" in failed_checks(run_self_test(lambda n: bytes(n)))
    power_cycle(module, clock)
    results = [e["detail"] for e in module.events(limit=1000) if e["kind"] == "self_test"]
    assert len(results) == 2
    assert all(r["result"] == "pass" and r["failed"] == [] for r in results)


def test_s61_usb_link(tmp_path, clock: FakeClock) -> None:
    from softscm.host.bootdir import read_boot_file

    (tmp_path / "config.txt").write_text("dtoverlay=dwc2,dr_mode=host\n")
    m = make_module(clock, Profile(boot_dir=str(tmp_path), emulate_usb_link=True),
                    boot_files=read_boot_file)
    assert m.physical.binding_info() == (False, True)
    (tmp_path / "config.txt").write_text("# dtoverlay=dwc2,dr_mode=host\n")
    m.simulation.sim_host_reboot()
    clock.advance(3)
    assert m.physical.physical_status()["lifecycle"] == "waiting_for_host"
    assert m.physical.led()["label"] == "waiting_for_host"
    before = m.physical.physical_status()["binding"]
    with pytest.raises(softscm.NotBound):
        m.physical.lock_binding()
    with pytest.raises(softscm.NotBound):
        m.random_bytes(1)
    assert m.physical.physical_status()["binding"] == before
    (tmp_path / "config.txt").write_text("dtoverlay=dwc2,dr_mode=host\n")
    m.simulation.sim_host_reboot()
    clock.advance(3)
    assert len(m.random_bytes(1)) == 1


def test_event_records_carry_their_chain(module: Module, clock: FakeClock) -> None:
    from softscm.module import eventlog
    from softscm.store import EventRecord

    power_cycle(module, clock)
    records = module.events(limit=1000)
    assert records[0]["prev_hash"] == "00" * 16
    for before, after in zip(records, records[1:]):
        assert after["prev_hash"] == before["hash"]
    page = module.events(after=3, limit=2)
    assert page[0]["prev_hash"] == records[2]["hash"]
    rebuilt = [eventlog.from_dict(r) for r in records]
    assert eventlog.first_broken(rebuilt) is None
    rebuilt[3] = EventRecord(rebuilt[3].seq, rebuilt[3].at, "edited", rebuilt[3].detail,
                             rebuilt[3].digest)
    assert eventlog.first_broken(rebuilt) == rebuilt[3].seq
