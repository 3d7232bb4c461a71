"""LUKS keys kept in the module (``scm-behaviour.md`` §9.5, S-96), and the ``zymkey``
command and ``zymkey.filesystem`` (a LUKS container whose key the module locks): through
softscm.Client on both transports, the CLI and ``cryptsetup``."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

import softscm
from cli_runner import cli_runner
from softscm import Client
from softscm.module.keys.luks import LUKS_KEY_BYTES, MAX_LUKS_KEYS, MAX_NAME_CHARS
from softscm.module.module import Module

CRYPTSETUP = shutil.which("cryptsetup") or shutil.which("cryptsetup", path="/usr/sbin:/sbin")
needs_cryptsetup = pytest.mark.skipif(CRYPTSETUP is None, reason="cryptsetup is not installed "
                                      "(apt-get install cryptsetup)")
#: Cheap key derivation for test containers (the default takes seconds and 1 GiB).
FAST_PBKDF = ("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000")


def boot(client: Client) -> None:
    """Power cycle and let the module boot, moving module time only."""
    client.sim.power_cycle()
    for _ in range(120):
        if client.status()["lifecycle"] in ("running", "cannot_bind"):
            return
        client.sim.advance(1)
    raise AssertionError(f"the module did not boot: {client.status()['lifecycle']}")


def destroy(client: Client) -> None:
    """Standard production, channel 0 armed to self-destruct, a breach (S-30)."""
    client.lock_binding()
    boot(client)
    client.set_perimeter_event_actions(0, notify=True, self_destruct=True)
    client.sim.loop_open(0)
    assert client.status()["destroyed"] is True


def luks_format(path: Path, key: bytes, size_mb: int = 20) -> None:
    with open(path, "wb") as fh:
        fh.truncate(size_mb << 20)
    subprocess.run([CRYPTSETUP, "-q", "luksFormat", *FAST_PBKDF, "--key-file=-", str(path)],
                   input=key, check=True, capture_output=True)


def key_opens(path: Path, key: bytes) -> bool:
    done = subprocess.run([CRYPTSETUP, "open", "--test-passphrase", "--key-file=-", str(path)],
                          input=key, capture_output=True, check=False)
    return done.returncode == 0


# -- S-96 --------------------------------------------------------------------------------


def test_s96_luks_key_cannot_bind(client: Client) -> None:
    client.create_luks_key("root")
    first, second = client.luks_key("root"), client.luks_key("root")
    assert first == second and len(first) == LUKS_KEY_BYTES == 64
    client.lock_binding()
    boot(client)
    assert client.luks_key("root") == first, "production on the same host keeps it"
    client.sim.set_host_identity("cpu_serial", "another-board")
    boot(client)
    assert client.status()["lifecycle"] == "cannot_bind"
    with pytest.raises(softscm.CannotBind):
        client.luks_key("root")
    with pytest.raises(softscm.CannotBind):
        client.luks_keys()


def test_s96_luks_key_after_destruction(client: Client) -> None:
    client.create_luks_key("root")
    destroy(client)
    with pytest.raises(softscm.Destroyed):
        client.luks_key("root")
    with pytest.raises(softscm.Destroyed):
        client.create_luks_key("other")


def test_s96_through_the_cli(run) -> None:
    run("luks-key", "create", "root")
    first = run("luks-key", "root").stdout_bytes
    second = run("luks-key", "root").stdout_bytes
    assert first == second and len(first) == 64
    assert run("luks-key", "print", "root", "--hex").stdout.strip() == first.hex()
    assert '"key": "' + first.hex() in run("luks-key", "root", "--json").stdout
    assert run("luks-key", "list").stdout.strip() == "root"
    run("luks-key", "create", "list")
    assert len(run("luks-key", "print", "list").stdout_bytes) == 64
    assert "InvalidArgument" in run("luks-key", "create", "root", code=1).stderr
    assert "InvalidArgument" in run("luks-key", "nothing", code=1).stderr
    run("luks-key", "remove", "list")
    assert run("luks-key", "list", "--json").stdout.count("root") == 1


# -- the store ------------------------------------------------------------------------------


def test_keys_are_distinct_and_named(client: Client) -> None:
    for name in ("root", "data-1", "swap.key", "_x"):
        client.create_luks_key(name)
    assert client.luks_keys() == ["_x", "data-1", "root", "swap.key"]
    keys = {client.luks_key(n) for n in client.luks_keys()}
    assert len(keys) == 4
    client.remove_luks_key("root")
    assert client.luks_keys() == ["_x", "data-1", "swap.key"]
    with pytest.raises(softscm.InvalidArgument):
        client.luks_key("root")
    with pytest.raises(softscm.InvalidArgument):
        client.remove_luks_key("root")


@pytest.mark.parametrize("name", ["", ".hidden", "-x", "a/b", "a b", "ü",
                                  "x" * (MAX_NAME_CHARS + 1), 5, None])
def test_bad_names(client: Client, name: object) -> None:
    with pytest.raises(softscm.InvalidArgument):
        client.create_luks_key(name)  # type: ignore[arg-type]
    assert client.luks_keys() == []


def test_at_most_64_keys(module: Module) -> None:
    for i in range(MAX_LUKS_KEYS):
        module.luks.luks_key_create(f"k{i}")
    with pytest.raises(softscm.KeyStoreFull):
        module.luks.luks_key_create("one-more")
    assert len(module.luks.luks_key_list()) == MAX_LUKS_KEYS


def test_sealed_in_the_store(module: Module) -> None:
    module.luks.luks_key_create("root")
    key = module.luks.luks_key("root")
    rows = module._store._db.execute("SELECT name, sealed, record_id FROM luks_keys").fetchall()
    assert len(rows) == 1 and key not in bytes(rows[0][1])
    module._store._db.execute("UPDATE luks_keys SET name = 'moved'")
    with pytest.raises(softscm.VerificationFailed):  # the seal binds the name
        module.luks.luks_key("moved")


def test_keys_survive_reopening(home: Path) -> None:
    with Client.open(home) as scm:
        scm.create_luks_key("root")
        key = scm.luks_key("root")
    with Client.open(home) as scm:
        assert scm.luks_key("root") == key


@needs_cryptsetup
def test_the_key_opens_a_luks_container(client: Client, tmp_path: Path) -> None:
    client.create_luks_key("root")
    image = tmp_path / "disk.img"
    luks_format(image, client.luks_key("root"))
    assert key_opens(image, client.luks_key("root"))
    client.create_luks_key("other")
    assert not key_opens(image, client.luks_key("other"))


@needs_cryptsetup
def test_the_cli_key_opens_a_luks_container(run, tmp_path: Path) -> None:
    run("luks-key", "create", "root")
    image = tmp_path / "disk.img"
    luks_format(image, run("luks-key", "root").stdout_bytes)
    assert key_opens(image, run("luks-key", "root").stdout_bytes)
    assert not key_opens(image, b"\x00" * 64)


# -- zymkey: the command and zymkey.filesystem ------------------------------------------


@pytest.fixture
def zymkey_on(client: Client, monkeypatch: pytest.MonkeyPatch):
    """``zymkey.client`` on the test's module (the ``client`` fixture's transport)."""
    import zymkey

    monkeypatch.setattr(zymkey, "client", zymkey.Zymkey(_client=client))
    return zymkey


def zymkey_cli(*args: str, code: int = 0):
    from zymkey.cli import cli

    result = cli_runner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result


def test_zymkey_lock_unlock_random(zymkey_on, tmp_path: Path) -> None:
    plain = tmp_path / "secret.txt"
    plain.write_bytes(b"the secret")
    locked = tmp_path / "secret.lck"
    zymkey_cli("lock", str(plain), str(locked))
    assert locked.read_bytes() != b"the secret" and oct(locked.stat().st_mode & 0o777) == "0o400"
    assert zymkey_cli("unlock", str(locked)).stdout_bytes == b"the secret"
    out = tmp_path / "again.txt"
    zymkey_cli("unlock", str(locked), str(out))
    assert out.read_bytes() == b"the secret"
    assert "already exists" in zymkey_cli("unlock", str(locked), str(out), code=1).output
    zymkey_cli("lock", "--remove-original", str(plain), str(tmp_path / "b.lck"))
    assert not plain.exists()
    text = zymkey_cli("random", "--num-bytes", "16").output.strip()
    assert len(bytes.fromhex(text)) == 16


def test_zymkey_without_a_module(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import zymkey

    monkeypatch.setattr(zymkey, "client", None)
    assert "no Zymbit module" in zymkey_cli("random", code=1).output


@needs_cryptsetup
def test_zymkey_filesystem_container(zymkey_on, client: Client, tmp_path: Path) -> None:
    from zymkey import vault
    from zymkey.filesystem import Filesystem

    fs = Filesystem(str(tmp_path), "secure", luks_options=FAST_PBKDF)
    fs.format_container(20)
    assert sorted(os.listdir(fs.root)) == ["fs", "key"]
    assert oct(Path(fs.key_path).stat().st_mode & 0o777) == "0o400"
    key = bytes(vault.unlock(fs.key_path))
    assert len(key) == 1024 and bytes.fromhex(key.decode())  # 512 random bytes as hex
    assert key not in Path(fs.key_path).read_bytes()
    assert key_opens(Path(fs.loopback_path), key)
    wrong = key[:-1] + (b"1" if key.endswith(b"0") else b"0")  # another last character
    assert not key_opens(Path(fs.loopback_path), wrong)
    again = Filesystem(str(tmp_path), "secure")
    assert again.secret_key == key.decode()
    with pytest.raises(zymkey_on.exceptions.CommandError):
        again.format_container(20)


@needs_cryptsetup
def test_s96_zymkey_filesystem_key_after_destruction(zymkey_on, client: Client,
                                                tmp_path: Path) -> None:
    from zymkey.filesystem import Filesystem

    fs = Filesystem(str(tmp_path), "secure", luks_options=FAST_PBKDF)
    fs.format_container(20)
    destroy(client)
    with pytest.raises(AssertionError):
        Filesystem(str(tmp_path), "secure").secret_key  # noqa: B018 - the unlock is the test


@needs_cryptsetup
def test_zymkey_filesystem_create_failure_leaves_nothing(zymkey_on, tmp_path: Path) -> None:
    base = tmp_path / "filesystems"
    base.mkdir()
    out = zymkey_cli("filesystem_create", "--base", str(base), "tiny", str(tmp_path / "m"),
                     "1", code=1).stderr
    assert "cryptsetup" in out
    assert os.listdir(base) == []
    assert "no filesystem" in zymkey_cli("filesystem_unmount", "--base", str(base), "tiny",
                                         code=1).stderr


def _devmapper_usable() -> str | None:
    """Why opening LUKS containers cannot be tested here, or ``None`` if it can."""
    if CRYPTSETUP is None:
        return "cryptsetup is not installed"
    if os.geteuid() != 0:
        return "opening a LUKS container needs root"
    try:
        with open("/proc/devices", encoding="ascii") as fh:
            if "device-mapper" not in fh.read():
                return "the kernel's device-mapper (dm_mod) is not available"
    except OSError:
        return "/proc/devices cannot be read"
    if shutil.which("mkfs.ext4") is None or shutil.which("mount") is None:
        return "mkfs.ext4 and mount are needed"
    return None


@pytest.mark.devmapper
@pytest.mark.skipif(_devmapper_usable() is not None, reason=str(_devmapper_usable()))
def test_zymkey_filesystem_create_mount_unmount(zymkey_on, tmp_path: Path) -> None:
    base, mountpoint = tmp_path / "fs", tmp_path / "mnt"
    name = f"softscm-test-{os.getpid()}"
    zymkey_cli("filesystem_create", "--base", str(base), name, str(mountpoint), "32")
    try:
        zymkey_cli("filesystem_mount", "--base", str(base), name)
        (mountpoint / "hello.txt").write_text("hello")
        zymkey_cli("filesystem_unmount", "--base", str(base), name)
        assert not (mountpoint / "hello.txt").exists()
        zymkey_cli("filesystem_mount", "--automount", "--base", str(base), name)
        assert (mountpoint / "hello.txt").read_text() == "hello"
    finally:
        zymkey_cli("filesystem_unmount", "--base", str(base), name)
