"""Provisioning (``scm-behaviour.md`` §9.7, S-98): ``softscm init`` makes a module with
16 distinct factory P-256 keys, the factory settings and a unique serial; provisioning
again is refused; ``softscm init --replace`` destroys the module (erased from the files)
and makes one with a new identity, under which the old blobs do not open."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from softscm import Client
from softscm.errors import ConnectionFailed, SlotEmpty, VerificationFailed
from softscm.runtime import replace_state
from softscm.store.lockfile import is_free

FACTORY_SETTINGS = {"perimeter": [1, 1], "low_temp_c": -10.0, "high_temp_c": 65.0,
                    "temperature_action": 0, "battery_threshold_v": 2.3,
                    "battery_action": 0, "supervised_boot_policy": 2}


def state_bytes(home: Path) -> bytes:
    """Every file of the state directory, as stored."""
    return b"".join(p.read_bytes() for p in sorted(home.iterdir()) if p.is_file())


def test_s98_provisioning(run: Any, home: Path) -> None:
    made = json.loads(run("init", "--json").stdout)
    assert made["replaced"] is None
    client = Client.open(home)
    try:
        keys = client.keys()
        assert [k["slot"] for k in keys] == list(range(16))
        assert {k["key_type"] for k in keys} == {"nistp256"}
        publics = [client.public_key(slot) for slot in range(16)]
        assert len(set(publics)) == 16 and all(len(p) == 64 for p in publics)
        status = client.status()
        assert {k: status["settings"][k] for k in FACTORY_SETTINGS} == FACTORY_SETTINGS
        assert status["tap_sensitivity"] == [50.0, 50.0, 50.0]
        assert client.serial_number() == made["serial"]
        blob = bytes(client.lock(b"made by the old module"))
        generated = client.generate_key("secp256k1")
    finally:
        client.close()
    before = state_bytes(home)
    assert publics[0] in before

    # Provisioning again over the same state is refused and changes nothing.
    refused = run("init", code=1)
    assert made["serial"] in refused.output and "--replace" in refused.output
    client = Client.open(home)
    try:
        assert client.serial_number() == made["serial"]
        assert bytes(client.unlock(blob)) == b"made by the old module"
    finally:
        client.close()

    replaced = json.loads(run("init", "--replace", "--json").stdout)
    assert replaced["replaced"] == made["serial"]
    assert replaced["serial"] != made["serial"]
    text = run("status").output
    assert replaced["serial"] in text and made["serial"] not in text
    # The old module is gone from the files: its public keys were stored in the clear.
    after = state_bytes(home)
    assert not any(public in after for public in publics)

    client = Client.open(home)
    try:
        assert client.serial_number() == replaced["serial"]
        with pytest.raises(VerificationFailed):
            client.unlock(blob)
        with pytest.raises(SlotEmpty):
            client.public_key(generated)
        fresh = [client.public_key(slot) for slot in range(16)]
        assert not set(fresh) & set(publics)
        import zymkey
        from zymkey.exceptions import VerificationError

        zk = zymkey.Zymkey(_client=client)
        assert zk.get_serial_number() == replaced["serial"]
        with pytest.raises(VerificationError):
            zk.unlock(blob)
    finally:
        client.close()


def test_s98_replace_output_and_issue_159_flag(run: Any, home: Path) -> None:
    first = json.loads(run("init", "--json").stdout)
    out = run("init", "--replace", "--emulate-issue-159").output
    assert f"replaced module {first['serial']}" in out
    assert "issue #159 emulated" in out
    assert "and emulated" in run("status").output
    out = run("init", "--replace", "--emulate-issue-159", "--firmware", "01.00.00").output
    assert "issue #159 not emulated" in out
    assert "not affected" in run("status").output


def test_s98_replace_without_a_module_creates_one(run: Any, home: Path) -> None:
    made = json.loads(run("init", "--replace", "--json").stdout)
    assert made["replaced"] is None and made["serial"].startswith("SSCM")


def test_a_state_is_free_only_while_nobody_holds_it(home: Path) -> None:
    Client.open(home).close()
    assert is_free(home)
    with Client.open(home):
        assert not is_free(home)
    assert is_free(home)


def test_s98_replace_refused_names_the_processes_holding_the_state(
        run: Any, home: Path) -> None:
    run("init")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys; from softscm import Client; "
         "c = Client.open(sys.argv[1]); print('open', flush=True); sys.stdin.read()",
         str(home)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "open\n"
        with pytest.raises(ConnectionFailed) as refused:
            replace_state(home)
        assert f"is open in other processes (process {holder.pid}); " in \
            refused.value.message
    finally:
        holder.communicate("", timeout=30)
    assert holder.returncode == 0


def test_s98_replace_refused_while_served_or_open(run: Any, home: Path,
                                                 request: pytest.FixtureRequest) -> None:
    """The refusals say who holds the state and what to do."""
    made = json.loads(run("init", "--json").stdout)
    client = Client.open(home)
    try:
        with pytest.raises(ConnectionFailed) as refused_open:
            replace_state(home)
        assert refused_open.value.message == (
            f"the state in {home} is open in other processes; a module cannot be "
            "replaced while another process uses it: close them (programs using softscm "
            "or zymkey without a daemon, other softscm commands), then run `softscm init "
            "--replace` again")
        assert client.serial_number() == made["serial"]
    finally:
        client.close()
    daemon = request.getfixturevalue("daemon")
    refused = run("init", "--replace", code=1).output
    assert " ".join(refused.split()) == (
        f"error: ConnectionFailed: the state in {home} is served by the daemon at "
        f"{daemon.path}; a module cannot be replaced while a daemon serves it: stop the "
        "daemon (end its `softscm serve`; for the system's, `sudo systemctl stop "
        "softscm`), run `softscm init --replace` again as the user the daemon runs as, "
        "then start the daemon")
    assert "connect to it" not in refused, "connecting to the daemon cannot replace it"
    refused = " ".join(run("init", code=1).output.split())
    assert f"served by the daemon at {daemon.path}; it already holds that daemon's " \
        "module; to make a new one in its place, stop the daemon" in refused
    assert refused.endswith("and run `softscm init --replace`")
    assert daemon.module.serial == made["serial"]
    # An in-process open is still told to use the daemon.
    with pytest.raises(ConnectionFailed, match="connect to it \\(SOFTSCM_SOCKET\\)"):
        Client.open(home)


def test_s98_init_draws_a_luks_key_for_the_image(run: Any, home: Path, tmp_path: Path) -> None:
    """§9.7 step 7 (the seed's method 3): the new module draws a random LUKS key and
    keeps it sealed; the host adds it to the image's LUKS container and removes the
    default key."""
    made = run("init", "--luks-key", "root")
    assert "LUKS key root drawn" in made.output and "luksAddKey" in made.output
    client = Client.open(home)
    try:
        assert client.luks_keys() == ["root"]
        key = client.luks_key("root")
        assert len(key) == 64 and key == client.luks_key("root")
        serial = client.serial_number()
    finally:
        client.close()
    assert key not in state_bytes(home)  # sealed, never kept in the clear

    # A bad name is refused before anything changes; a replace draws a new key.
    refused = run("init", "--replace", "--luks-key", "-root", code=1)
    assert "LUKS key name" in refused.output
    replaced = json.loads(run("init", "--replace", "--luks-key", "root", "--json").stdout)
    assert replaced["replaced"] == serial and replaced["luks_key"] == "root"
    client = Client.open(home)
    try:
        assert client.luks_key("root") != key
        key = client.luks_key("root")
    finally:
        client.close()
    assert json.loads(run("init", "--replace", "--json").stdout)["luks_key"] is None

    if CRYPTSETUP is None:
        pytest.skip("cryptsetup is not installed (apt-get install cryptsetup)")
    image, default, new = tmp_path / "image", tmp_path / "default", tmp_path / "new"
    default.write_bytes(b"the baseline image's default key")
    new.write_bytes(key)
    with open(image, "wb") as fh:
        fh.truncate(20 << 20)
    cryptsetup("-q", "luksFormat", *FAST_PBKDF, f"--key-file={default}", str(image))
    cryptsetup("luksAddKey", *FAST_PBKDF, f"--key-file={default}", str(image), str(new))
    cryptsetup("luksRemoveKey", str(image), str(default))
    assert opens(image, key) and not opens(image, default.read_bytes())


CRYPTSETUP = shutil.which("cryptsetup") or shutil.which("cryptsetup", path="/usr/sbin:/sbin")
#: Cheap key derivation for test containers (the default takes seconds and 1 GiB).
FAST_PBKDF = ("--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000")


def cryptsetup(*args: str) -> None:
    subprocess.run([str(CRYPTSETUP), *args], check=True, capture_output=True)


def opens(image: Path, key: bytes) -> bool:
    done = subprocess.run([str(CRYPTSETUP), "open", "--test-passphrase", "--key-file=-",
                           str(image)], input=key, capture_output=True, check=False)
    return done.returncode == 0


def test_a_daemon_whose_socket_is_not_written_yet_is_named_as_such(tmp_path: Path) -> None:
    from softscm.store.lockfile import lock_exclusive, lock_shared

    held = lock_exclusive(tmp_path, "")
    try:
        with pytest.raises(ConnectionFailed, match=r"is served by a daemon; connect to it"):
            lock_shared(tmp_path)
    finally:
        held.release()
    lock_shared(tmp_path).release()
