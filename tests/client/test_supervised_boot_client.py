"""Supervised boot through :class:`softscm.Client` over both transports, and the
``softscm boot`` commands: the client reads the file inside the module's boot directory,
the module signs its digest (``scm-behaviour.md`` §6.2, S-53)."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

import softscm
from cli_runner import cli_runner
from softscm import Client
from softscm.cli.app import cli
from softscm.module import Profile

ORIGINAL = b"original sample contents\n"


@pytest.fixture
def boot_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "boot"
    (directory / "overlays").mkdir(parents=True)
    (directory / "sample.txt").write_bytes(ORIGINAL)
    (directory / "config.txt").write_bytes(b"dtoverlay=dwc2,dr_mode=host\n")
    (directory / "overlays" / "vc4-kms-v3d.dtbo").write_bytes(b"overlay")
    (tmp_path / "outside.txt").write_bytes(b"not a boot file")
    return directory


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, boot_dir: Path) -> Path:
    """A state directory (``SOFTSCM_HOME``) holding a module on ``boot_dir``."""
    from softscm.runtime import init_state

    state = tmp_path / "state"
    monkeypatch.setenv("SOFTSCM_HOME", str(state))
    for name in ("SOFTSCM_SOCKET", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(name, raising=False)
    _, store = init_state(state, Profile(boot_dir=str(boot_dir)))
    store.close()
    return state


def test_add_update_remove(client: Client, boot_dir: Path) -> None:
    assert client.supervised_boot_dir() == str(boot_dir)
    assert client.supervised_boot_manifest() == ""
    client.add_or_update_supervised_boot_file("sample.txt")
    client.add_or_update_supervised_boot_file("overlays/vc4-kms-v3d.dtbo", 0)
    client.add_or_update_supervised_boot_file("config.txt", slot=9)
    assert client.supervised_boot_manifest() == (
        "sample.txt overlays/vc4-kms-v3d.dtbo config.txt")
    (boot_dir / "sample.txt").write_bytes(b"new contents")
    client.add_or_update_supervised_boot_file("sample.txt", 2)
    entries = client.supervised_boot_entries()
    assert [(e["path"], e["slot"]) for e in entries] == [
        ("sample.txt", 2), ("overlays/vc4-kms-v3d.dtbo", 0), ("config.txt", 9)]
    import hashlib

    assert entries[0]["digest"] == hashlib.sha256(b"new contents").digest()
    client.remove_supervised_boot_file("overlays/vc4-kms-v3d.dtbo")
    assert client.supervised_boot_manifest() == "sample.txt config.txt"
    kinds = [(e["kind"], e["detail"].get("op")) for e in client.events(limit=1000)]
    assert ("manifest_changed", "update") in kinds and ("manifest_changed", "remove") in kinds


def test_s53_validation(client: Client, boot_dir: Path) -> None:
    client.add_or_update_supervised_boot_file("config.txt", 0)
    with pytest.raises(softscm.FileError) as excinfo:
        client.add_or_update_supervised_boot_file("missing.txt")
    assert excinfo.value.rc == -errno.ENOENT
    for path, slot in [("config.txt", 16), ("/boot/config.txt", 15), ("../etc/passwd", 15),
                       ("missing/../../x", 15), ("", 15), ("missing.txt", 16)]:
        with pytest.raises(softscm.InvalidArgument):
            client.add_or_update_supervised_boot_file(path, slot)
    with pytest.raises(softscm.InvalidArgument):
        client.remove_supervised_boot_file("not-listed.txt")
    assert client.supervised_boot_manifest() == "config.txt"


def test_files_outside_the_boot_directory(client: Client, boot_dir: Path) -> None:
    os.symlink(boot_dir.parent / "outside.txt", boot_dir / "escape.txt")
    with pytest.raises(softscm.FileError) as excinfo:
        client.add_or_update_supervised_boot_file("escape.txt")
    assert excinfo.value.rc == -errno.EACCES
    with pytest.raises(softscm.FileError):
        client.add_or_update_supervised_boot_file("overlays")  # a directory
    os.symlink(boot_dir / "loop", boot_dir / "loop")
    with pytest.raises(softscm.FileError):
        client.add_or_update_supervised_boot_file("loop")
    os.symlink("config.txt", boot_dir / "link.txt")  # a link inside the directory is fine
    client.add_or_update_supervised_boot_file("link.txt")
    assert client.supervised_boot_manifest() == "link.txt"


def test_policy(client: Client) -> None:
    assert client.status()["settings"]["supervised_boot_policy"] == 2
    client.set_supervised_boot_policy(0)
    assert client.status()["settings"]["supervised_boot_policy"] == 0
    with pytest.raises(softscm.InvalidArgument):
        client.set_supervised_boot_policy(3)


def test_verification_at_power_cycle(client: Client, boot_dir: Path) -> None:
    client.set_supervised_boot_policy(2)
    client.add_or_update_supervised_boot_file("sample.txt")
    (boot_dir / "sample.txt").write_bytes(b"tampered")
    client.sim.power_cycle()
    client.sim.advance(45)
    assert client.led()["label"] == "running_dev"
    fails = [e["detail"] for e in client.events(limit=1000)
             if e["kind"] == "supervised_boot_fail"]
    assert fails[-1]["path"] == "sample.txt" and fails[-1]["class"] == "signature"
    spans = client.led_timeline()["spans"]
    assert ["fatal 4/2", True] in [s[2:] for s in spans]


def test_corrupt_control(client: Client) -> None:
    client.add_or_update_supervised_boot_file("sample.txt")
    client.sim.corrupt(area="manifest")
    with pytest.raises(softscm.SelfTestFailed):
        client.supervised_boot_manifest()
    with pytest.raises(softscm.InvalidArgument):
        client.sim.corrupt(area="flash")


# -- the command line --------------------------------------------------------------------


@pytest.fixture
def run(home: Path):
    runner = cli_runner()

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_cli_boot_commands(run, boot_dir: Path) -> None:
    assert "empty" in run("boot", "manifest").output
    assert "signed sample.txt with slot 15" in run("boot", "add", "sample.txt").output
    run("boot", "add", "config.txt", "--slot", "3")
    data = json.loads(run("boot", "manifest", "--json").output)
    assert data["manifest"] == "sample.txt config.txt"
    assert data["boot_dir"] == str(boot_dir)
    assert [e["slot"] for e in data["entries"]] == [15, 3]
    assert "config.txt" in run("boot", "manifest").output
    run("boot", "remove", "sample.txt")
    assert json.loads(run("boot", "manifest", "--json").output)["manifest"] == "config.txt"
    assert "policy 2 (hold)" in run("boot", "policy").output
    assert json.loads(run("boot", "policy", "none", "--json").output) == {
        "policy": 0, "name": "none"}
    assert "policy 1 (self-destruct)" in run("boot", "policy", "1").output
    assert "InvalidArgument" in run("boot", "add", "/boot/config.txt", code=1).output
    assert "FileError" in run("boot", "add", "missing.txt", code=1).output
    assert "InvalidArgument" in run("boot", "remove", "missing.txt", code=1).output


def test_cli_init_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state = tmp_path / "fresh"
    boot = tmp_path / "firmware"
    boot.mkdir()
    (boot / "config.txt").write_bytes(b"x")
    (boot / "cmdline.txt").write_bytes(b"y")
    monkeypatch.setenv("SOFTSCM_HOME", str(state))
    for name in ("SOFTSCM_SOCKET", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(name, raising=False)
    runner = cli_runner()
    result = runner.invoke(cli, ["init", "--boot-dir", str(boot), "--shipped-manifest"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["boot", "manifest", "--json"], catch_exceptions=False)
    data = json.loads(result.output)
    assert data["boot_dir"] == str(boot) and data["manifest"] == "cmdline.txt config.txt"
