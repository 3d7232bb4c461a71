"""Zymbit's C++ API (``native/cpp/zkAppUtilsClass.h``) over libzk_app_utils and a softscm
daemon: the seed's C++ production-mode example (kept verbatim in
``programs/seed_binding.cpp``) built with g++ against the installed headers and run,
printing what its C twin prints; the layer's results and exceptions checked against the
Python client of the same module (``programs/cpp_api_check.cpp``).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from client_programs import boot, compile_cpp, no_system_daemon, program_env, run
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed, encode_dss_signature
from native_support import PROGRAMS, Build, Daemon, compile_program

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
SEED_CPP = "seed_binding.cpp"
PAGE_TITLE = "title: Enabling Production Mode - SCM"

#: The page: "Remove the comments around the lock binding function to move to Production
#: Mode."
COMMENTED_LOCK = '  //zk_inst->lockBinding();\n  //printf("lockBinding successful\\n");\n'
LOCK = COMMENTED_LOCK.replace("//", "")


def binding_lines(locked: bool) -> list[str]:
    return [f"Binding is locked: {str(locked).lower()}", "HSM is bound: true"]


def seed_blocks() -> list[str]:
    """The code blocks of the seed page, or a skip where the seeds are not at hand."""
    for page in sorted(SEEDS.glob("*.txt")) if SEEDS.is_dir() else []:
        text = page.read_text()
        if PAGE_TITLE in text:
            return [body for _lang, body in re.findall(r"```(\w*)\n(.*?)```", text, re.S)]
    pytest.skip("the production-mode seed page is not next to this checkout")
    raise AssertionError("unreachable")


def test_program_is_the_seed_example() -> None:
    cpp = [body for body in seed_blocks() if "zkAppUtilsClass.h" in body]
    assert cpp == [(PROGRAMS / SEED_CPP).read_text()]
    assert cpp[0].count(COMMENTED_LOCK) == 1


@pytest.fixture(scope="module")
def programs(native_build: Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The C++ programs, built as a user builds them against the installed headers."""
    out = tmp_path_factory.mktemp("cpp")
    locking = out / "seed_binding_locking.cpp"
    locking.write_text((PROGRAMS / SEED_CPP).read_text().replace(COMMENTED_LOCK, LOCK))
    return {
        "seed": compile_cpp(native_build, PROGRAMS / SEED_CPP, out / "seed"),
        "seed_locking": compile_cpp(native_build, locking, out / "seed_locking"),
        "check": compile_cpp(native_build, PROGRAMS / "cpp_api_check.cpp", out / "check",
                             "-Wextra"),
        "c_twin": compile_program(native_build, PROGRAMS / "example_binding.c",
                                  out / "example_binding"),
    }


def run_program(build: Build, daemon: Daemon, program: Path, cwd: Path,
                *args: str) -> list[str]:
    result = run([program, *args], env=program_env(build, daemon.socket), cwd=cwd)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    return result.stdout.splitlines()


def test_seed_example_prints_as_its_c_twin(native_build: Build, native_daemon: Daemon,
                                           programs: dict[str, Path], tmp_path: Path) -> None:
    out = run_program(native_build, native_daemon, programs["seed"], tmp_path)
    assert out == binding_lines(False) + binding_lines(False)
    c_out = run_program(native_build, native_daemon, programs["c_twin"], tmp_path)
    assert [line for line in c_out if line.startswith(("Binding", "HSM"))] == out


def test_seed_example_in_production_mode(native_build: Build, own_daemon: Daemon,
                                         programs: dict[str, Path], tmp_path: Path) -> None:
    locking = run_program(native_build, own_daemon, programs["seed_locking"], tmp_path)
    # Locked at once; production after the next power cycle.
    assert locking == binding_lines(False) + ["lockBinding successful"] + binding_lines(True)
    # lockBinding again succeeds.
    assert run_program(native_build, own_daemon, programs["seed_locking"], tmp_path) == (
        binding_lines(True) + ["lockBinding successful"] + binding_lines(True))
    boot(own_daemon)
    assert run_program(native_build, own_daemon, programs["seed"], tmp_path) == (
        binding_lines(True) * 2)
    with own_daemon.client() as scm:
        assert scm.status()["binding"] == "production"


def test_the_layer_against_the_python_client(native_build: Build, native_daemon: Daemon,
                                             programs: dict[str, Path], tmp_path: Path) -> None:
    data = b"locked in C++"
    with native_daemon.client() as scm:
        public_key = scm.public_key(0)
        serial = scm.serial_number()
        slots = scm.slots()[0]
        blob = bytes(scm.lock(b"locked in Python"))
    flipped = bytearray(blob)
    flipped[len(flipped) // 2] ^= 1
    digest = hashlib.sha256(b"message").digest()
    out = run_program(native_build, native_daemon, programs["check"], tmp_path,
                      "pubkey", "sign", digest.hex(), "lock", data.hex(), "unlock", blob.hex(),
                      "unlock", flipped.hex(), "wait", "20", "serial", "slots",
                      "sign", digest[:20].hex())
    assert len(out) == 9, out
    assert out[0] == f"pubkey {public_key.hex()}"

    _, sig_hex, recovery_id = out[1].split()
    sig = bytes.fromhex(sig_hex)
    assert len(sig) == 64 and recovery_id in {"0", "1", "2", "3"}
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + public_key)
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    key.verify(der, digest, ec.ECDSA(Prehashed(hashes.SHA256())))

    command, locked_hex = out[2].split()
    with native_daemon.client() as scm:
        assert command == "lock" and bytes(scm.unlock(bytes.fromhex(locked_hex))) == data
    assert out[3] == f"unlock {b'locked in Python'.hex()}"
    assert out[4] == "unlock error -22"  # the blob fails its check: an exception
    assert out[5] == "wait timeout -110"  # zkAppUtilsTimeoutException
    assert out[6] == f"serial {serial}"
    assert out[7] == "slots " + " ".join(str(slot) for slot in slots)
    assert out[8] == "sign error -22"  # a digest must be 32 bytes


def test_no_daemon_throws_from_the_constructor(native_build: Build,
                                               programs: dict[str, Path], tmp_path: Path) -> None:
    no_system_daemon()
    result = run([programs["check"], "serial"],
                 env=program_env(native_build, tmp_path / "no-daemon.sock"), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["open error -111"]


def test_keys_ecdh_wallets_and_sensors_against_the_python_client(
        native_build: Build, own_daemon: Daemon, programs: dict[str, Path],
        tmp_path: Path) -> None:
    """Arguments reach the C functions in their places: the results equal the Python
    client's on the same module."""
    def check(*args: str) -> list[list[str]]:
        out = run_program(native_build, own_daemon, programs["check"], tmp_path, *args)
        return [line.split(" ") for line in out]

    digest = hashlib.sha256(b"foreign").digest()
    with own_daemon.client() as scm:
        public_key = scm.public_key(0)
    first = check("genkey", "wallet", "cpp wallet", "foreign", public_key.hex(), "time",
                  "perimeter", "accel", "sign", digest.hex())
    assert [line[0] for line in first] == [
        "genkey", "wallet", "foreign", "time", "perimeter", "accel", "sign"], first
    key_slot, wallet_slot, foreign_slot = int(first[0][1]), int(first[1][1]), int(first[2][1])
    mnemonic = first[1][2:]
    sig = first[6][1]
    with own_daemon.client() as scm:
        assert key_slot in scm.slots()[0]
        assert scm.wallet_node_address(wallet_slot) == ("m", "cpp wallet", wallet_slot)
        assert len(mnemonic) == 24
        assert foreign_slot in scm.slots(foreign=True)[0]
        assert abs(int(first[3][1]) - scm.get_time()) <= 5
        assert [int(t) for t in first[4][1:]] == list(scm.perimeter_info())
        axes = scm.accelerometer()
        assert [float(v) for v in first[5][1:4]] == pytest.approx([g for g, _ in axes], abs=1e-5)
        assert [int(v) for v in first[5][4:]] == [d for _, d in axes]

    peer = ec.generate_private_key(ec.SECP256R1())
    numbers = peer.public_key().public_numbers()
    peer_raw = numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
    salt, info = b"salt of the test", b"info"
    flipped = bytearray(bytes.fromhex(sig))
    flipped[5] ^= 1
    second = check("ecdh", str(key_slot), peer_raw.hex(),
                   "kdf", str(key_slot), peer_raw.hex(), salt.hex(), info.hex(),
                   "kdfint", str(key_slot), "0", salt.hex(),
                   "child", str(wallet_slot), "3",
                   "verifyf", digest.hex(), sig, str(foreign_slot),
                   "verifyf", digest.hex(), flipped.hex(), str(foreign_slot))
    with own_daemon.client() as scm:
        module_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b"\x04" + scm.public_key(key_slot))
        assert second[0] == ["ecdh", peer.exchange(ec.ECDH(), module_key).hex()]
        assert second[1] == ["kdf", scm.ecdh(key_slot, peer_raw, kdf="rfc5869-sha256",
                                             salt=salt, info=info, size=48).hex()]
        assert second[2] == ["kdfint", scm.ecdh(key_slot, 0, peer_foreign=False,
                                                kdf="pbkdf2-sha256", salt=salt,
                                                iterations=10, size=32).hex()]
        child_slot, chain_code = int(second[3][1]), bytes.fromhex(second[3][2])
        address = scm.wallet_node_address(child_slot)
        assert address == ("m/3'", "cpp wallet", wallet_slot)
        assert len(chain_code) == 32
    assert second[4] == ["verifyf", "true"]
    assert second[5] == ["verifyf", "false"]

    third = check("nodeaddr", str(child_slot), "keyslot", address[0], "cpp wallet",
                  "remove", str(key_slot))
    assert third[0] == ["nodeaddr", address[0], "cpp", "wallet", str(wallet_slot)]
    assert third[1] == ["keyslot", str(child_slot)]
    assert third[2] == ["remove", "ok"]
    with own_daemon.client() as scm:
        assert key_slot not in scm.slots()[0]


def test_slip39_sessions(native_build: Build, own_daemon: Daemon, programs: dict[str, Path],
                         tmp_path: Path) -> None:
    """A SLIP39 generation and a restore from its shares: the steps that take a share and
    want more answer -1 (not an exception), the last ones the slots."""
    out = run_program(native_build, own_daemon, programs["check"], tmp_path, "slip39", "shares")
    command, *codes = out[0].split()
    assert command == "slip39", out
    opened, group, member1, member2, restoring, share1, share2 = map(int, codes)
    assert (opened, group, member1, restoring, share1) == (0, 0, -1, -1, -1)
    assert member2 >= 0 and share2 >= 0 and share2 != member2
    with own_daemon.client() as scm:
        assert scm.wallet_node_address(share2) == ("m", "shares-restored", share2)
        # The same seed: the same child keys.
        children = [scm.derive_wallet_child(root, 0, True) for root in (member2, share2)]
        assert scm.public_key(children[0]) == scm.public_key(children[1])
