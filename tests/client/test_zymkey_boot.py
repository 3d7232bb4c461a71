"""The ``zymkey`` supervised-boot methods against a real module, embedded and served by a
daemon (``zymkey-api.md`` §4.16, §5.16, §7 item 26; ``scm-behaviour.md`` S-53, S-62)."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pytest

from softscm.module import Profile


@pytest.fixture
def boot_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "boot"
    directory.mkdir()
    (directory / "config.txt").write_bytes(b"dtoverlay=dwc2,dr_mode=host\n")
    (directory / "cmdline.txt").write_bytes(b"console=serial0,115200 root=/dev/mmcblk0p2\n")
    return directory


@pytest.fixture
def profile(boot_dir: Path) -> Profile:
    return Profile(boot_dir=str(boot_dir))


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, profile: Profile) -> Path:
    from softscm.runtime import init_state

    state = tmp_path / "state"
    monkeypatch.setenv("SOFTSCM_HOME", str(state))
    for name in ("SOFTSCM_SOCKET", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(name, raising=False)
    _, store = init_state(state, profile)
    store.close()
    return state


@pytest.fixture(params=["inprocess", "socket"])
def zk(request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch):
    import zymkey

    if request.param == "socket":
        daemon = request.getfixturevalue("daemon")
        monkeypatch.setenv("SOFTSCM_SOCKET", str(daemon.path))
    return zymkey.Zymkey()


def _rc(excinfo: pytest.ExceptionInfo) -> str:
    assert type(excinfo.value) is AssertionError
    return str(excinfo.value)


def test_manifest_round_trip(zk) -> None:
    manifest = zk.get_supervised_boot_file_manifest()
    assert type(manifest) is str and len(manifest) == 0
    assert zk.add_or_update_supervised_boot_file("config.txt") is None
    assert zk.add_or_update_supervised_boot_file("cmdline.txt", 0) is None
    assert zk.add_or_update_supervised_boot_file(filepath="config.txt", slot=3) is None
    manifest = zk.get_supervised_boot_file_manifest()
    assert manifest == "config.txt cmdline.txt"
    assert manifest.split() == ["config.txt", "cmdline.txt"]
    assert zk.remove_supervised_boot_file("config.txt") is None
    assert zk.get_supervised_boot_file_manifest() == "cmdline.txt"
    assert zk.remove_supervised_boot_file(filepath="cmdline.txt") is None
    assert zk.get_supervised_boot_file_manifest() == ""


def test_policy(zk) -> None:
    for policy in (0, 1, 2):
        assert zk.set_supervised_boot_policy(policy) is None
    assert zk.set_supervised_boot_policy() is None  # the wrapper's default, 0
    assert zk._client.status()["settings"]["supervised_boot_policy"] == 0
    assert zk.set_supervised_boot_policy(True) is None  # a C int takes a bool
    with pytest.raises(AssertionError) as excinfo:
        zk.set_supervised_boot_policy(3)
    assert _rc(excinfo) == "bad return code -22"
    with pytest.raises(ctypes.ArgumentError):
        zk.set_supervised_boot_policy("2")


def test_s53_errors(zk) -> None:
    zk.add_or_update_supervised_boot_file("config.txt", 0)
    cases = [
        (("missing.txt",), "bad return code -2"),  # Q26: the file must exist
        (("config.txt", 16), "bad return code -22"),
        (("/boot/config.txt",), "bad return code -22"),
        (("../etc/passwd",), "bad return code -22"),
        (("missing.txt", 16), "bad return code -22"),  # rules before the file
        (("",), "bad return code -22"),
    ]
    for args, message in cases:
        with pytest.raises(AssertionError) as excinfo:
            zk.add_or_update_supervised_boot_file(*args)
        assert _rc(excinfo) == message, args
    with pytest.raises(AssertionError) as excinfo:
        zk.remove_supervised_boot_file("not-listed.txt")
    assert _rc(excinfo) == "bad return code -22"
    with pytest.raises(AssertionError) as excinfo:
        zk.remove_supervised_boot_file()
    assert _rc(excinfo) == "bad return code -22"
    assert zk.get_supervised_boot_file_manifest() == "config.txt"


def test_wrapper_conversions(zk) -> None:
    with pytest.raises(AttributeError):
        zk.add_or_update_supervised_boot_file(b"config.txt")
    with pytest.raises(ctypes.ArgumentError):
        zk.add_or_update_supervised_boot_file("config.txt", 15.0)
    with pytest.raises(AttributeError):
        zk.remove_supervised_boot_file(None)
    assert zk.get_supervised_boot_file_manifest() == ""


def test_tutorial_snippet(zk, capsys: pytest.CaptureFixture[str]) -> None:
    """The supervised-boot tutorial's check of the manifest, unmodified."""
    zk.add_or_update_supervised_boot_file("config.txt", 15)
    zk.add_or_update_supervised_boot_file("cmdline.txt", 15)
    manifest = zk.get_supervised_boot_file_manifest()
    if len(manifest) == 0:
        print("No files in File Manifest")
    else:
        for f in manifest.split():
            print(f)
    assert capsys.readouterr().out == "config.txt\ncmdline.txt\n"


class TestHsm6:
    @pytest.fixture
    def profile(self, boot_dir: Path) -> Profile:
        return Profile(profile="hsm6", boot_dir=str(boot_dir))

    def test_s62_every_call_refused(self, zk) -> None:
        calls = [
            lambda: zk.set_supervised_boot_policy(2),
            lambda: zk.add_or_update_supervised_boot_file("config.txt", 13),
            lambda: zk.remove_supervised_boot_file("config.txt"),
            zk.get_supervised_boot_file_manifest,
        ]
        for call in calls:
            with pytest.raises(AssertionError) as excinfo:
                call()
            assert _rc(excinfo) == "bad return code -22"
