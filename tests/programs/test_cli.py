"""The softscm command line."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from cli_runner import cli_runner
from softscm.cli.app import cli


@pytest.fixture
def run(home):
    runner = cli_runner()

    def invoke(*args: str, input: bytes | None = None, code: int = 0):
        result = runner.invoke(cli, list(args), input=input, catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke


def test_init_and_status(run, home) -> None:
    out = json.loads(run("init", "--json").stdout)
    assert out["model"] == "SCM" and out["firmware"] == "01.02.02release"
    assert out["home"] == str(home)
    result = run("init", code=1)
    assert "already holds a module" in result.output
    status = json.loads(run("status", "--json").stdout)
    assert status["serial"] == out["serial"]
    assert "module" in run("status").output


def test_init_hsm6(run) -> None:
    out = json.loads(run("init", "--profile", "hsm6", "--json").stdout)
    assert out["model"] == "HSM6"
    keys = json.loads(run("keys", "list", "--json").stdout)
    assert [k["slot"] for k in keys["keys"]] == list(range(14))


def test_keys_commands(run, tmp_path) -> None:
    slot = json.loads(run("keys", "generate", "secp256k1", "--json").stdout)["slot"]
    assert slot == 16
    listing = json.loads(run("keys", "list", "--json").stdout)
    assert {"slot": 16, "key_type": "secp256k1", "origin": "generated", "exportable": True} in listing["keys"]
    pem_path = tmp_path / "k.pem"
    run("keys", "export-public", "16", "--out", str(pem_path))
    assert pem_path.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    raw = run("keys", "export-public", "16", "--raw").output.strip()
    assert len(bytes.fromhex(raw)) == 64
    run("keys", "remove", "16")
    assert "16" not in [str(k["slot"]) for k in json.loads(run("keys", "list", "--json").stdout)["keys"]]
    assert "factory key 3 cannot be removed" in run("keys", "remove", "3", code=1).output


def test_sign_verify(run, tmp_path) -> None:
    data = tmp_path / "data.txt"
    data.write_bytes(b"hello world")
    sig = run("sign", str(data), "--slot", "0").stdout.strip()
    assert len(bytes.fromhex(sig)) == 64
    assert run("verify", sig, str(data)).stdout.strip() == "valid"
    assert run("verify", sig, str(data), "--slot", "1", code=1).output.strip() == "invalid"
    out = json.loads(run("sign", "--digest", "00" * 32, "--json").stdout)
    assert out["recid"] is None


def test_openssl_verifies_exported_key(run, tmp_path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl command not installed")
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    data = tmp_path / "data.txt"
    data.write_bytes(b"hello openssl")
    pem = tmp_path / "k.pem"
    run("keys", "export-public", "0", "--out", str(pem))
    raw = bytes.fromhex(run("sign", str(data)).output.strip())
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    (tmp_path / "sig.der").write_bytes(der)
    result = subprocess.run(
        [openssl, "dgst", "-sha256", "-verify", str(pem), "-signature", str(tmp_path / "sig.der"),
         str(data)], capture_output=True, text=True,
    )
    assert result.returncode == 0 and "Verified OK" in result.stdout


def test_foreign_slot_sign_refused(run) -> None:
    pub = run("keys", "export-public", "0", "--raw").output.strip()
    assert pub
    result = run("sign", "--digest", "00" * 32, "--foreign", code=1)
    assert "OperationNotSupported" in result.output


def test_lock_unlock_random(run, tmp_path) -> None:
    src = tmp_path / "in.bin"
    src.write_bytes(b"secret data")
    run("lock", str(src), str(tmp_path / "locked"))
    run("unlock", str(tmp_path / "locked"), str(tmp_path / "out"))
    assert (tmp_path / "out").read_bytes() == b"secret data"
    (tmp_path / "bad").write_bytes(b"not a blob")
    result = run("unlock", str(tmp_path / "bad"), str(tmp_path / "never"), code=1)
    assert "VerificationFailed" in result.output and not (tmp_path / "never").exists()
    assert len(bytes.fromhex(run("random", "16").output.strip())) == 16
    out = json.loads(run("random", "8", "--format", "base64", "--json").stdout)
    assert out["bytes"] == 8
    run("random", "10", "--out", str(tmp_path / "r"))
    assert len((tmp_path / "r").read_bytes()) == 10


def test_user_errors_have_no_traceback(run) -> None:
    result = run("keys", "generate", "secp256k1")
    result = run("sign", "--digest", "00" * 32, "--slot", "999", code=1)
    assert "Traceback" not in result.output and "error: InvalidArgument" in result.output
    result = run("sign", "--digest", "zz", code=2)
    assert "hexadecimal" in result.output


def test_console_script_entry_point(home) -> None:
    result = subprocess.run([sys.executable, "-m", "softscm", "status", "--json"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["model"] == "SCM"


def test_operator_commands_do_not_act_as_the_host(run) -> None:
    """S-11 through the CLI: status, sim and led look on; a host command binds."""
    run("sim", "advance", "10")
    status = json.loads(run("status", "--json").stdout)
    assert status["lifecycle"] == "waiting_for_host" and status["binding"] == "unbound"
    run("keys", "list")
    status = json.loads(run("status", "--json").stdout)
    assert status["lifecycle"] == "running" and status["binding"] == "bound_dev"
