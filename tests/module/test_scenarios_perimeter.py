"""Perimeter detect and event actions (``scm-behaviour.md`` §12.4)."""

from __future__ import annotations

import pytest

import softscm
from fakes import FakeClock
from scenario import kinds, make_module, power_cycle, spans, to_production
from softscm.module import Module, Profile

T0 = 1_700_000_000.0


def poll(m: Module, deadline: float) -> str:
    return m.physical.poll_perimeter("host", deadline)


def fatal_spans(m: Module) -> list[tuple[int, int, str, bool]]:
    return [s for s in spans(m) if s[2].startswith("fatal")]


def test_s24_first_breach_and_notify(module: Module, clock: FakeClock) -> None:
    clock.advance(100)
    module.simulation.sim_loop_open(0)
    assert poll(module, T0 + 160) == "event"
    assert module.physical.perimeter_info() == [1_700_000_100, 0]
    assert not fatal_spans(module)
    module.simulation.sim_loop_close(0)
    clock.advance(50)
    module.simulation.sim_loop_open(0)
    assert module.physical.perimeter_info() == [1_700_000_100, 0]


def test_s25_wait_times_out_after_exactly_the_timeout(module: Module, clock: FakeClock) -> None:
    from softscm.service.dispatch import call

    start = clock.time
    result = call(module, "wait", {"kind": "perimeter", "context": "host", "timeout_ms": 1000})
    assert result == "timeout"
    assert clock.time - start == pytest.approx(1.0)


def test_wait_zero_polls(module: Module) -> None:
    from softscm.service.dispatch import call

    assert call(module, "wait", {"kind": "perimeter", "context": "host", "timeout_ms": 0}) == "timeout"
    module.simulation.sim_loop_open(0)
    assert call(module, "wait", {"kind": "perimeter", "context": "host", "timeout_ms": 0}) == "event"


def test_s26_only_notify_channels_wake(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(1, False, False)
    clock.advance(5)
    module.simulation.sim_loop_open(1)
    assert poll(module, clock.time + 2) == "wait"
    clock.advance(2)
    assert poll(module, T0 + 7) == "timeout"
    assert module.physical.perimeter_info()[1] == int(T0 + 5)


def test_s27_clear_rearms(module: Module, clock: FakeClock) -> None:
    module.simulation.sim_loop_open(0)
    t1 = module.physical.perimeter_info()[0]
    clock.advance(30)
    module.physical.clear_perimeter_info()
    assert module.physical.perimeter_info() == [int(clock.time), 0]
    assert module.physical.perimeter_info()[0] != t1
    module.simulation.sim_loop_close(0)
    module.physical.clear_perimeter_info()
    assert module.physical.perimeter_info() == [0, 0]


def test_s28_breach_while_off_keeps_its_time(module: Module, clock: FakeClock) -> None:
    t0 = clock.time
    module.simulation.sim_main_power(False)
    clock.advance(100)
    module.simulation.sim_loop_open(0)
    clock.advance(3500)
    module.simulation.sim_main_power(True)
    clock.advance(13)
    assert module.physical.perimeter_info()[0] == int(t0 + 100)


def test_s29_no_battery_nothing_watched(module: Module, clock: FakeClock) -> None:
    module.simulation.sim_remove_battery()
    t0 = clock.time
    module.simulation.sim_main_power(False)
    clock.advance(100)
    module.simulation.sim_loop_open(0)
    clock.advance(100)
    module.simulation.sim_main_power(True)
    clock.advance(13)
    # Nothing watched the loop while off: the breach is seen at power-on.
    assert module.physical.perimeter_info()[0] == int(t0 + 200)
    assert "rtc_invalid" in kinds(module)


def test_s30_standard_production_breach_destroys(module: Module, clock: FakeClock) -> None:
    to_production(module, clock)
    module.physical.set_perimeter_event_actions(0, True, True)
    module.simulation.sim_loop_open(0)
    # The waiter is woken (its notification is delivered), then the keys are gone.
    assert module.physical.poll_perimeter("host", clock.time + 1) == "event"
    with pytest.raises(softscm.Destroyed):
        module.sign_digest(bytes(32), 0)
    log = module.events(limit=1000)
    names = [e["kind"] for e in log]
    assert "perimeter_breach" in names
    assert {"cause": "perimeter", "channel": 0} in [e["detail"] for e in log if e["kind"] == "self_destruct"]
    assert "module_reboot" in names
    clock.advance(60)
    fatal = [s for s in fatal_spans(module)]
    assert fatal and fatal[0][2] == "fatal 5" and fatal[0][3] is False
    assert fatal[0][1] - fatal[0][0] == 23_350
    labels = [s[2] for s in spans(module)]
    i = labels.index("fatal 5")
    assert labels[i - 1] == "boot_init" and labels[i + 1] == "boot_init"
    with pytest.raises(softscm.Destroyed):
        module.random_bytes(1)
    assert module.physical.physical_status()["perimeter"][0] != 0


def test_s31_alpha_breach_is_simulated(clock: FakeClock) -> None:
    m = make_module(clock, Profile(program="alpha"))
    slot = m.generate_key("nistp256")
    pub = m.public_key(slot)
    to_production(m, clock)
    m.physical.set_perimeter_event_actions(0, True, True)
    t = int(m.physical.rtc())
    m.simulation.sim_loop_open(0)
    clock.advance(1)
    with pytest.raises(softscm.ModuleUnavailable):
        m.random_bytes(4)
    clock.advance(31)
    seq = fatal_spans(m)[-1]
    assert seq[2] == "fatal 6/1" and seq[3] is True and seq[1] - seq[0] == 30_850
    assert m.physical.physical_status()["lifecycle"] == "running"
    assert m.physical.led()["label"] == "running_production"
    assert m.public_key(slot) == pub
    assert m.physical.perimeter_info()[0] == t
    assert {"event": "tamper", "code": "6/1"} in [e["detail"] for e in m.events(limit=1000)
                                                 if e["kind"] == "simulated_action"]


def test_s32_development_self_destruct_is_simulated(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(1, False, True)
    module.simulation.sim_loop_open(1)
    clock.advance(34)
    seq = fatal_spans(module)[-1]
    assert seq[2] == "fatal 6/2" and seq[3] is True and seq[1] - seq[0] == 33_850
    assert module.verify_digest(bytes(32), module.sign_digest(bytes(32), 3)[0], 3)


def test_s33_subcode_aggregates(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    module.physical.set_perimeter_event_actions(1, True, True)
    module.simulation.sim_loop_open(0)
    clock.advance(31)
    module.physical.catch_up()
    module.simulation.sim_loop_open(1)
    clock.advance(1)
    assert fatal_spans(module)[-1][2] == "fatal 6/3"


def test_s34_self_destruct_left_on_during_activation(module: Module, clock: FakeClock) -> None:
    module.physical.set_perimeter_event_actions(0, True, True)
    to_production(module, clock)
    module.simulation.sim_loop_open(0)
    with pytest.raises(softscm.Destroyed):
        module.public_key(0)


def test_s34_notify_only_during_activation(module: Module, clock: FakeClock) -> None:
    to_production(module, clock)
    module.simulation.sim_loop_open(0)
    assert module.physical.perimeter_info()[0] != 0
    module.simulation.sim_loop_close(0)
    module.physical.clear_perimeter_info()
    assert module.physical.perimeter_info() == [0, 0]
    assert len(module.public_key(0)) == 64


def test_s35_recommended_arming_procedure(module: Module, clock: FakeClock) -> None:
    p = module.physical
    p.set_cpu_low_temp_threshold(0.0)
    p.lock_binding()
    power_cycle(module, clock)
    assert p.led()["label"] == "running_production"
    module.simulation.sim_loop_open(0)
    module.simulation.sim_loop_close(0)
    p.clear_perimeter_info()
    assert p.perimeter_info() == [0, 0]
    p.set_perimeter_event_actions(0, True, True)
    p.set_perimeter_event_actions(1, True, True)
    module.simulation.sim_loop_open(1)
    with pytest.raises(softscm.Destroyed):
        module.public_key(0)
    # A third arming call: the module is destroyed now, so it fails (Destroyed); on a
    # live module the same call is PolicyLocked (S-20).
    with pytest.raises((softscm.PolicyLocked, softscm.Destroyed)):
        p.set_perimeter_event_actions(0, True, False)


def test_s37_low_power_sampling(module: Module, clock: FakeClock) -> None:
    p = module.physical
    p.set_digital_perimeter_lp_period(1_000_000)
    t0 = clock.time
    module.simulation.sim_main_power(False)
    clock.advance(0.2)
    module.simulation.sim_loop_pulse(0, 0.3)
    assert p.state().breach[0] == 0
    clock.advance(1.7)
    module.simulation.sim_loop_pulse(0, 0.3)
    clock.advance(0.2)  # the sampling instant t0 + 2 comes
    p.catch_up()
    assert p.state().breach[0] == int(t0 + 2)
    module.simulation.sim_main_power(True)
    clock.advance(13)
    with pytest.raises(softscm.InvalidArgument):
        p.set_digital_perimeter_delays(10, 5)
    p.lock_binding()
    with pytest.raises(softscm.PolicyLocked):
        p.set_digital_perimeter_lp_period(50_000)


def test_destroyed_state_leaves_no_key_bytes(tmp_path, clock: FakeClock) -> None:
    """Self-destruct erases key material from the database, its WAL and free pages."""
    from fakes import CountingEntropy
    from softscm.store import Store

    store = Store.open(tmp_path)
    Module.create_state(store, entropy=CountingEntropy(), salt=b"s" * 32)
    m = Module(store, clock=clock, entropy=CountingEntropy(b"r"), salt=b"s" * 32)
    m.physical.session_open("host")
    for curve in ("nistp256", "secp256k1", "ed25519", "x25519"):
        m.generate_key(curve)
    m.store_foreign_key("nistp256", m.public_key(1))
    secrets = [r.sealed for r in store.list_keys()]
    secrets += [bytes(store.get_meta(n)) for n in ("master_key", "lock_key_zymkey", "lock_key_cloud")]
    m.physical.lock_binding()
    power_cycle(m, clock)
    secrets.append(bytes(store.get_meta("production_seal")))
    m.physical.set_perimeter_event_actions(0, True, True)
    m.simulation.sim_loop_open(0)
    store.checkpoint()
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    assert files
    for secret in secrets:
        assert secret[-24:] not in files
    assert store.list_keys() == [] and store.list_foreign_keys() == []
    store.close()
