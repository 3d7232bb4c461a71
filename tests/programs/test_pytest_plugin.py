"""The pytest plugin (fixture ``scm``) and :mod:`softscm.testing`, run as a user would:
their own test files, through pytest's ``pytester``."""

from __future__ import annotations

import os
import re
import sys
import threading
from pathlib import Path

import pytest

import softscm
from softscm.testing import DEFAULT_START, FakeClock, simulated_module

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
#: Load the plugin by module whether or not its entry point is installed here.
PLUGIN_ARGS = ("-p", "no:softscm", "-p", "softscm.pytest_plugin")


def readme_example() -> str:
    """The example test of the README's "Testing your application" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Testing your application", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README shows an example test"
    return match.group(1)


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_tamper=readme_example())
    result = pytester.runpytest(*PLUGIN_ARGS)
    result.assert_outcomes(passed=4)


def test_each_test_gets_a_fresh_module_and_zymkey_is_restored(
        pytester: pytest.Pytester, home: Path) -> None:
    import zymkey  # with SOFTSCM_HOME in a temporary directory (fixture ``home``)

    before = zymkey.client
    pytester.makepyfile(test_fresh="""
        import zymkey
        serials = []

        def test_one(scm):
            zymkey.client.gen_key_pair("secp256k1")
            serials.append(zymkey.client.get_serial_number())
            assert serials[-1] == scm.client.serial_number()

        def test_two(scm):
            assert zymkey.client.get_serial_number() not in serials
            assert len(zymkey.client.get_slot_alloc_list()[0]) == 16, "no key from test_one"
            assert zymkey.Zymkey().get_serial_number() == scm.client.serial_number()
            assert zymkey.create_new_client().get_serial_number() == scm.client.serial_number()
    """)
    pytester.runpytest(*PLUGIN_ARGS).assert_outcomes(passed=2)
    assert zymkey.client is before


def test_marker_chooses_the_profile(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_marked="""
        import pytest
        import zymkey

        @pytest.mark.softscm(profile="hsm6", program="alpha")
        def test_hsm6(scm):
            assert zymkey.client.get_model_number() == "HSM6"
            assert scm.client.status()["program"] == "alpha"
    """)
    result = pytester.runpytest("--strict-markers", *PLUGIN_ARGS)
    result.assert_outcomes(passed=1)


def test_marker_provisions_tap_logging(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_taps="""
        import pytest

        @pytest.mark.softscm(tap_logging=True)
        def test_logged(scm):
            scm.sim.tap("x")
            assert scm.client.status()["tap_logging"] is True
            assert scm.client.events(limit=10_000)[-1]["kind"] == "tap"

        def test_not_logged(scm):
            scm.sim.tap("x")
            assert "tap" not in [e["kind"] for e in scm.client.events(limit=10_000)]
    """)
    pytester.runpytest("--strict-markers", *PLUGIN_ARGS).assert_outcomes(passed=2)


def test_a_waiter_in_another_thread(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_thread="""
        import threading
        import zymkey

        def test_waiter_wakes(scm):
            woke = threading.Event()

            def watch():
                zymkey.client.wait_for_perimeter_event()
                woke.set()

            thread = threading.Thread(target=watch, daemon=True)
            thread.start()
            scm.sim.loop_open(0)
            assert woke.wait(10)
            thread.join(10)
    """)
    pytester.runpytest(*PLUGIN_ARGS).assert_outcomes(passed=1)


def test_in_a_fresh_interpreter_nothing_real_is_touched(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # zymkey is first imported by the fixture: its import-time client must reach the
    # test's module, not create one in the user's default state directory.
    default_home = tmp_path / "users-real-home"
    monkeypatch.setenv("SOFTSCM_HOME", str(default_home))
    monkeypatch.setenv("SOFTSCM_SOCKET", str(tmp_path / "no-daemon.sock"))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    src = str(Path(softscm.__file__).resolve().parents[1])
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [src, *filter(None, [os.environ.get("PYTHONPATH")])]))
    pytester.makepyfile(test_late_import="""
        def test_late(scm):
            import zymkey

            assert zymkey.client.get_serial_number() == scm.client.serial_number()
            scm.sim.loop_open(0)
            assert zymkey.client.get_perimeter_detect_info()[0] == int(scm.clock.now())
    """)
    result = pytester.runpytest_subprocess(*PLUGIN_ARGS)
    result.assert_outcomes(passed=1)
    assert not default_home.exists()


def test_entry_point_is_declared() -> None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:
        import tomli as tomllib
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["entry-points"]["pytest11"] == {"softscm": "softscm.pytest_plugin"}
    import softscm.pytest_plugin as plugin

    assert callable(plugin.scm) and callable(plugin.pytest_configure)


# -- softscm.testing -------------------------------------------------------------------------


def test_fake_clock() -> None:
    clock = FakeClock()
    assert clock.now() == DEFAULT_START
    clock.sleep(1.5)
    clock.advance(2)
    clock.sleep(-3)
    assert clock.now() == DEFAULT_START + 3.5
    with pytest.raises(ValueError):
        clock.advance(-1)
    threads = [threading.Thread(target=lambda: [clock.sleep(0.001) for _ in range(1000)])
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now() == pytest.approx(DEFAULT_START + 7.5)


def test_simulated_module_outside_pytest(tmp_path: Path) -> None:
    with simulated_module(tmp_path, identity={"machine_id": "bench-7"}) as scm:
        assert scm.lifecycle() == "running"
        assert scm.client.binding_info() == (False, True)
        assert (tmp_path / "boot").is_dir()
        assert scm.client.status()["module_time"] == DEFAULT_START
        scm.advance(30)
        assert scm.clock.now() == DEFAULT_START + 30
        other = scm.new_client()
        scm.sim.loop_open(1)
        assert other.perimeter_info()[1] == int(DEFAULT_START + 30)
        assert scm.to_production() == "running"
        assert scm.client.binding_info() == (True, True)
        assert scm.client.led()["label"] == "running_production"
    with pytest.raises(softscm.ConnectionFailed):
        other.perimeter_info()


def test_power_cycle_settles_the_boot(tmp_path: Path) -> None:
    with simulated_module(tmp_path) as scm:
        assert scm.power_cycle(settle=False) == "booting"
        start = scm.clock.now()
        assert scm.settle() == "running"
        assert 0 < scm.clock.now() - start < 60
