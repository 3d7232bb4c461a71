"""The physical-security methods of ``zymkey`` against a real module, embedded and served
by a daemon: binding, readings, the accelerometer and taps, the battery and temperature
monitors and the i2c address — return types and values (float32 readings, tuple
shapes), the wrapper's own checks, and the module's errors as
``AssertionError("bad return code N")`` (``zymkey-api.md`` §2.2, §3.3, §4.9, §4.10,
§4.12, §4.14, §4.15, §5.14, §5.15, §7 items 16, 19, 21; Q19, Q20, Q27, Q28, Q30;
``scm-behaviour.md`` §2.3, §3.3, §3.4, §7.2-§7.4).

The simulation plane (``client.sim``) plays the physical world; it is never reached
through ``zymkey``.
"""

from __future__ import annotations

import ctypes
import time
from pathlib import Path

import pytest

from softscm import Client
from zymkey._cargs import float32

EPERM = "bad return code -1"
EINVAL = "bad return code -22"


@pytest.fixture
def zk(client: Client):
    """A ``zymkey`` context on the test's module (the ``client`` fixture's transport)."""
    import zymkey

    return zymkey.Zymkey(_client=client)


def settings(client: Client) -> dict:
    return dict(client.status()["settings"])


def boot(client: Client) -> None:
    """Power cycle and let the module boot, moving module time only."""
    client.sim.power_cycle()
    for _ in range(120):
        if client.status()["lifecycle"] == "running":
            return
        client.sim.advance(1)
    raise AssertionError(f"the module did not boot: {client.status()['lifecycle']}")


def raises_rc(message: str, method, *args, **kwargs) -> None:
    with pytest.raises(AssertionError) as excinfo:
        method(*args, **kwargs)
    assert type(excinfo.value) is AssertionError
    assert str(excinfo.value) == message


# -- binding (§4.12) ------------------------------------------------------------------------


def test_binding_info_then_lock(zk, client: Client) -> None:  # Q19
    info = zk.get_current_binding_info()
    assert type(info) is tuple and info == (False, True)
    assert all(type(v) is bool for v in info)
    assert zk.lock_binding() is None
    assert zk.get_current_binding_info() == (True, True)
    # Locking again succeeds and changes nothing (§7 item 16).
    assert zk.lock_binding() is None
    assert zk.get_current_binding_info() == (True, True)
    assert client.status()["binding"] == "lock_pending"


def test_production_after_a_power_cycle(zk, client: Client) -> None:
    zk.lock_binding()
    boot(client)
    assert zk.get_current_binding_info() == (True, True)
    status = client.status()
    assert status["binding"] == "production"
    assert status["led"] == "running_production"
    assert zk.get_cpu_temp() == 25.0


def test_calls_while_booting_fail_with_eio(zk, client: Client) -> None:
    client.sim.power_cycle()
    assert client.status()["lifecycle"] != "running"
    raises_rc("bad return code -5", zk.get_current_binding_info)
    raises_rc("bad return code -5", zk.get_cpu_temp)
    boot(client)
    assert zk.get_current_binding_info() == (False, True)


# -- readings (§4.14, §7.2, §7.4) ---------------------------------------------------------


def test_readings_of_a_fresh_module(zk) -> None:  # Q30
    readings = [zk.get_cpu_temp(), zk.get_aux_temp(), zk.get_aux_temp(1),
                zk.get_rtc_drift(), zk.get_batt_volt()]
    assert all(type(v) is float for v in readings)
    assert readings == [25.0, 25.0, 25.0, 0.0, 3.0]


def test_readings_come_back_as_float32(zk, client: Client) -> None:
    client.sim.set_temperature(30.1)
    client.sim.set_aux_temperature(1, -12.7)
    client.sim.set_battery(2.3)
    assert zk.get_cpu_temp() == float32(30.1) == 30.100000381469727
    assert zk.get_aux_temp(1) == float32(-12.7)
    assert zk.get_aux_temp(0) == 25.0
    assert zk.get_batt_volt() == 2.299999952316284
    client.sim.remove_battery()
    assert zk.get_batt_volt() == 0.0


def test_aux_temp_index(zk) -> None:
    raises_rc(EINVAL, zk.get_aux_temp, 2)
    raises_rc(EINVAL, zk.get_aux_temp, -1)
    raises_rc(EINVAL, zk.get_aux_temp, 3)
    with pytest.raises(ctypes.ArgumentError):
        zk.get_aux_temp(0.0)


def test_rtc_drift_measured_between_host_syncs(zk, client: Client) -> None:  # §7 item 19
    start = time.time()
    client.sim.set_host_time(start, True)
    assert zk.get_rtc_drift() == 0.0
    client.sim.set_drift(100.0)
    client.sim.advance(100_000)
    client.sim.set_host_time(start + 100_000, True)
    drift = zk.get_rtc_drift()
    assert type(drift) is float and drift == float32(drift)
    assert drift == pytest.approx(100.0, abs=1.0)


# -- accelerometer and taps (§4.10, §7.3) ---------------------------------------------------


def test_accelerometer_data_shape(zk, client: Client) -> None:  # Q20
    import zymkey

    data = zk.get_accelerometer_data()
    assert type(data) is tuple and len(data) == 3
    assert all(isinstance(axis, zymkey.Zymkey.ZymkeyAccelAxisData) for axis in data)
    assert [(a.g_force, a.tap_dir) for a in data] == [(0.0, 0), (0.0, 0), (1.0, 0)]
    assert all(type(a.g_force) is float and type(a.tap_dir) is int for a in data)
    client.sim.set_acceleration(0.5, -0.25, 0.1)
    x, y, z = zk.get_accelerometer_data()
    assert (x.g_force, y.g_force, z.g_force) == (0.5, -0.25, 0.1)  # C double: not rounded


def test_tap_direction_and_wait(zk, client: Client) -> None:
    client.sim.tap("y", 16, -1)
    assert [a.tap_dir for a in zk.get_accelerometer_data()] == [0, -1, 0]
    assert zk.wait_for_tap(timeout_ms=0) is None  # pending: delivered at once
    with pytest.raises(zk_timeout()) as excinfo:  # consumed
        zk.wait_for_tap(timeout_ms=0)
    assert str(excinfo.value) == "wait timed out"
    client.sim.tap("x", 16, 1)
    assert [a.tap_dir for a in zk.get_accelerometer_data()] == [1, 0, 0]
    assert zk.wait_for_tap() is None  # the default -1 returns at once with a tap pending


def zk_timeout():
    import zymkey

    return zymkey.ZymkeyTimeoutError


def test_tap_sensitivity(zk, client: Client) -> None:
    # 50 % by default: a tap needs 8 g.
    client.sim.tap("z", 7.9, 1)
    with pytest.raises(zk_timeout()):
        zk.wait_for_tap(0)
    client.sim.tap("z", 8.0, 1)
    zk.wait_for_tap(0)
    # The axis is lower-cased (Q27); 0 % switches the axis off.
    assert zk.set_tap_sensitivity("X", 0) is None
    client.sim.tap("x", 100, 1)
    with pytest.raises(zk_timeout()):
        zk.wait_for_tap(0)
    assert [a.tap_dir for a in zk.get_accelerometer_data()] == [0, 0, 1]
    # 100 % reacts to any impulse; "ALL" sets every axis.
    assert zk.set_tap_sensitivity("ALL", 100.0) is None
    client.sim.tap("x", 0.5, -1)
    zk.wait_for_tap(0)
    assert client.status()["tap_sensitivity"] == [100.0, 100.0, 100.0]
    # pct is a C float: True is 1 %, which needs 15.84 g.
    assert zk.set_tap_sensitivity("y", pct=True) is None
    assert client.status()["tap_sensitivity"] == [100.0, 1.0, 100.0]
    client.sim.tap("y", 15.8, 1)
    with pytest.raises(zk_timeout()):
        zk.wait_for_tap(0)
    assert zk.set_tap_sensitivity() is None
    assert client.status()["tap_sensitivity"] == [50.0, 50.0, 50.0]


def test_tap_sensitivity_errors(zk, client: Client) -> None:
    raises_rc(EINVAL, zk.set_tap_sensitivity, "x", 100.5)
    raises_rc(EINVAL, zk.set_tap_sensitivity, "all", -1)
    raises_rc("invalid input value w", zk.set_tap_sensitivity, "W")
    with pytest.raises(AttributeError):
        zk.set_tap_sensitivity(None)
    with pytest.raises(ctypes.ArgumentError):
        zk.set_tap_sensitivity("x", "50")
    assert client.status()["tap_sensitivity"] == [50.0, 50.0, 50.0]


def test_tap_sensitivity_is_not_locked(zk, client: Client) -> None:
    zk.lock_binding()
    boot(client)
    zk.set_tap_sensitivity("z", 75)
    assert client.status()["tap_sensitivity"] == [50.0, 50.0, 75.0]


def test_wait_for_tap_argument_types(zk) -> None:
    with pytest.raises(ctypes.ArgumentError):
        zk.wait_for_tap(0.5)
    with pytest.raises(ctypes.ArgumentError):
        zk.wait_for_tap(None)


# -- battery and CPU temperature monitors (§4.15, §3.3, §3.4) ------------------------------


def test_monitor_setters_return_none_and_store(zk, client: Client) -> None:  # Q16
    assert zk.set_battery_voltage_action(sleep=True) is None
    assert settings(client)["battery_action"] == 2
    assert zk.set_battery_voltage_action(self_destruct=True) is None
    assert settings(client)["battery_action"] == 1
    assert zk.set_battery_voltage_action() is None
    assert settings(client)["battery_action"] == 0
    assert zk.set_battery_voltage_threshold(2.5) is None  # 2.5 itself is accepted (C11)
    assert settings(client)["battery_threshold_v"] == 2.5
    assert zk.set_battery_voltage_threshold(2.3) is None
    assert settings(client)["battery_threshold_v"] == pytest.approx(2.3, abs=1e-6)
    assert zk.set_cpu_temp_action(True) is None
    assert settings(client)["temperature_action"] == 1
    assert zk.set_cpu_temp_action() is None
    assert settings(client)["temperature_action"] == 0
    assert zk.set_cpu_low_temp_threshold(-20) is None
    assert zk.set_cpu_high_temp_threshold(70.5) is None
    assert settings(client)["low_temp_c"] == -20.0
    assert settings(client)["high_temp_c"] == 70.5


def test_battery_sleep_and_self_destruct(zk, client: Client) -> None:  # Q28
    raises_rc("Sleep and self-destruct cannot both be True",
              zk.set_battery_voltage_action, True, True)
    assert settings(client)["battery_action"] == 0


@pytest.mark.parametrize("method, value", [
    ("set_battery_voltage_threshold", 0),
    ("set_battery_voltage_threshold", -1.0),
    ("set_battery_voltage_threshold", 2.51),
    ("set_cpu_low_temp_threshold", 65.0),  # not below the high threshold
    ("set_cpu_low_temp_threshold", 66),
    ("set_cpu_low_temp_threshold", -41),
    ("set_cpu_high_temp_threshold", -10),  # not above the low threshold
    ("set_cpu_high_temp_threshold", -11.5),
    ("set_cpu_high_temp_threshold", 126),
])
def test_bad_thresholds(zk, client: Client, method: str, value: float) -> None:
    before = settings(client)
    raises_rc(EINVAL, getattr(zk, method), value)
    assert settings(client) == before


@pytest.mark.parametrize("method, args", [
    ("set_battery_voltage_action", (False, True)),
    ("set_battery_voltage_action", (True,)),
    ("set_battery_voltage_action", ()),
    ("set_battery_voltage_threshold", (2.0,)),
    ("set_cpu_temp_action", (True,)),
    ("set_cpu_temp_action", ()),
    ("set_cpu_low_temp_threshold", (-5,)),
    ("set_cpu_high_temp_threshold", (60,)),
])
def test_monitor_settings_locked_after_lock_binding(zk, client: Client, method: str,
                                                     args: tuple) -> None:  # §3.3
    zk.lock_binding()
    before = settings(client)
    raises_rc(EPERM, getattr(zk, method), *args)
    assert settings(client) == before
    boot(client)
    raises_rc(EPERM, getattr(zk, method), *args)
    assert settings(client) == before


def test_monitor_settings_made_before_locking_are_kept(zk, client: Client) -> None:
    zk.set_cpu_low_temp_threshold(0)
    zk.set_cpu_high_temp_threshold(50)
    zk.set_battery_voltage_threshold(2.4)
    zk.set_battery_voltage_action(sleep=True)
    zk.lock_binding()
    boot(client)
    got = settings(client)
    assert (got["low_temp_c"], got["high_temp_c"], got["battery_action"]) == (0.0, 50.0, 2)
    assert got["battery_threshold_v"] == pytest.approx(2.4, abs=1e-6)


# -- i2c address (§4.9, §7 item 21) -----------------------------------------------------------


def test_i2c_address(zk, client: Client) -> None:
    assert zk.set_i2c_address(0x37) is None
    assert client.status()["i2c_address"] == 0x37
    assert zk.set_i2c_address(0x60) is None
    assert client.status()["i2c_address"] == 0x60
    for bad in (0x2F, 0x38, 0x5F, 0x68, -1, 0):
        raises_rc(EINVAL, zk.set_i2c_address, bad)
    assert client.status()["i2c_address"] == 0x60
    with pytest.raises(ctypes.ArgumentError):
        zk.set_i2c_address(48.0)


# -- none of these areas is a placeholder any more --------------------------------------------


#: Valid calls (``lock_binding`` last: it locks the settings before it).
PHYSICAL_CALLS = [
    ("set_i2c_address", (0x30,)), ("set_tap_sensitivity", ()), ("get_accelerometer_data", ()),
    ("wait_for_tap", (0,)), ("wait_for_perimeter_event", (0,)), ("get_current_binding_info", ()),
    ("set_perimeter_event_actions", (0,)), ("set_digital_perimeter_lp_period", (100,)),
    ("set_digital_perimeter_lp_max_bits", (8,)), ("set_digital_perimeter_delays", (10, 20)),
    ("get_perimeter_detect_info", ()), ("clear_perimeter_detect_info", ()),
    ("get_cpu_temp", ()), ("get_aux_temp", ()), ("get_rtc_drift", ()), ("get_batt_volt", ()),
    ("set_battery_voltage_action", ()), ("set_battery_voltage_threshold", (2.5,)),
    ("set_cpu_temp_action", ()), ("set_cpu_low_temp_threshold", (-10,)),
    ("set_cpu_high_temp_threshold", (65.0,)), ("lock_binding", ()),
]


def test_no_physical_method_is_unbuilt(zk) -> None:
    for method, args in PHYSICAL_CALLS:
        try:
            getattr(zk, method)(*args)
        except zk_timeout():
            assert method.startswith("wait_for_")
        except NotImplementedError as exc:  # pragma: no cover - the failure path
            pytest.fail(f"{method}: {exc}")


# -- several processes on one state ------------------------------------------------------------


def test_reads_see_changes_made_by_another_embedded_client(home: Path) -> None:
    import zymkey

    with Client.open(home) as mine, Client.open(home) as other:
        zk = zymkey.Zymkey(_client=mine)
        assert zk.get_perimeter_detect_info() == [0, 0]
        assert zk.get_current_binding_info() == (False, True)
        assert zk.get_cpu_temp() == 25.0
        other.sim.loop_open(0)
        other.sim.set_temperature(40.0)
        other.lock_binding()
        assert zk.get_perimeter_detect_info()[0] != 0
        assert zk.get_current_binding_info() == (True, True)
        assert zk.get_cpu_temp() == 40.0
