"""Unmodified-style client programs (``tests/programs``) run as separate processes
against a module in a fresh ``SOFTSCM_HOME``, embedded or served by a daemon, as a user
would run them on a host without the hardware (``zymkey-api.md`` Appendix A)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAMS = Path(__file__).parent
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    return work


@pytest.fixture(params=["inprocess", "socket"])
def run(request: pytest.FixtureRequest, home: Path, workdir: Path):
    """Run a program in ``workdir`` with ``SOFTSCM_HOME`` set (embedded module) or with
    ``SOFTSCM_SOCKET`` naming a daemon that serves it; returns its stdout."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("SOFTSCM_SOCKET", "XDG_RUNTIME_DIR")}
    env["SOFTSCM_HOME"] = str(home)
    if request.param == "socket":
        env["SOFTSCM_SOCKET"] = str(request.getfixturevalue("daemon").path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))

    def run_program(name: str, *args: str) -> str:
        assert (PROGRAMS / name).is_file(), name
        result = subprocess.run(
            [sys.executable, str(PROGRAMS / name), *args], cwd=workdir, env=env,
            capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    return run_program


def test_zk_app_utils_flow(run, workdir: Path) -> None:
    out = run("zk_app_utils_demo.py")
    lines = out.splitlines()
    assert "01 02 03 04" in lines
    decrypted_at = lines.index("Decrypted Data")
    assert lines[decrypted_at + 1] == "01 02 03 04"
    assert "Signing data...OK" in lines
    assert "Verifying data...OK" in lines
    assert "Verifying tainted data...FAIL, yay!" in lines
    assert "PASS: Decrypted data matches original random data" in lines
    assert lines[-1] == "Done!"
    assert (workdir / "r.bin").stat().st_size == 1024 * 1024
    pem = (workdir / "pk.pem").read_text()
    assert pem.startswith("-----BEGIN PUBLIC KEY-----")
    # the public key is printed as 64 bytes, X||Y
    key_at = lines.index("Testing get_ecdsa_public_key()...")
    key_hex = " ".join(lines[key_at + 1:key_at + 5]).split()
    assert len(key_hex) == 64


def test_verify_sigs_flow(run, workdir: Path) -> None:
    out = run("verify_sigs.py")
    assert "Signature verified with the raw public key" in out
    assert "zymkey verify: OK" in out
    signature_hex = out.splitlines()[0].split(": ")[1]
    public_hex = out.splitlines()[1].split(": ")[1]
    assert len(bytes.fromhex(signature_hex)) == 64
    assert len(bytes.fromhex(public_hex)) == 64
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    check = subprocess.run(
        ["openssl", "dgst", "-sha256", "-verify", "pubkey.pem", "-signature", "signature.der",
         "data.txt"], cwd=workdir, capture_output=True, text=True,
    )
    assert check.returncode == 0, check.stderr
    assert "Verified OK" in check.stdout


def test_sensor_data_lock_then_unlock_in_another_process(run, workdir: Path) -> None:
    assert run("sensor_lock.py", "--count", "5").strip() == "locked 5 readings"
    lines = (workdir / "encrypted.bin").read_bytes().splitlines()
    assert len(lines) == 5
    assert run("sensor_unlock.py").strip() == "unlocked 5 readings"
    readings = (workdir / "decrypted.txt").read_text().splitlines()
    assert len(readings) == 5
    assert readings[0].startswith("action=data, key=temperature")
    assert readings[0].endswith("value= 19.5")


def test_wallet_sdk_style_signing(run) -> None:
    out = run("eth_sign.py")
    lines = out.splitlines()
    assert lines[0].startswith("slot 16 public key 0x")
    assert len(lines[0].split("0x")[1]) == 128
    matches = [line for line in lines if line.endswith("recovered address matches")]
    assert len(matches) == 4
    assert lines[-1] == "done"
