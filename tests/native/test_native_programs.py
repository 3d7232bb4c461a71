"""C programs built against libzk_app_utils and run against a daemon: the header and
the exported symbols (A1), the example programs (A3), a daemon that is missing, killed
and restarted (A5), and every function under ASan/UBSan and valgrind (A8)."""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from ctypes import byref, c_int, c_void_p
from pathlib import Path

import pytest
from native_support import NATIVE, PROGRAMS, compile_program

HEADER = NATIVE / "include" / "zk_app_utils.h"
TESTS = Path(__file__).resolve().parents[1]


def _declared() -> set[str]:
    return set(re.findall(r"^int (zk\w+)\(", HEADER.read_text(), re.MULTILINE))


def _run(cmd: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120,
                          **kwargs)


# -- A1 ----------------------------------------------------------------------------------


def test_header_builds_as_c99_and_as_cpp(native_build, tmp_path):
    source = PROGRAMS / "header_check.c"
    c_bin = compile_program(native_build, source, tmp_path / "c_check", "-std=c99", "-Werror")
    outputs = [_run([str(c_bin)], env=dict(os.environ)).stdout]
    if shutil.which("g++"):
        cpp_bin = tmp_path / "cpp_check"
        subprocess.run(["g++", "-x", "c++", "-Wall", "-Werror", str(source), "-x", "none",
                        "-I", str(native_build.include), "-o", str(cpp_bin)],
                       check=True, capture_output=True)
        outputs.append(_run([str(cpp_bin)], env=dict(os.environ)).stdout)
    assert set(outputs) == {"16 0 0 1 2 3\n"}
    assert len(_declared()) == 76


def test_exports_exactly_the_76_functions(native_build):
    if shutil.which("nm") is None:
        pytest.skip("nm is not installed")
    listing = subprocess.run(["nm", "-D", "--defined-only", str(native_build.lib)],
                             check=True, capture_output=True, text=True).stdout
    exported = {line.split()[-1] for line in listing.splitlines() if line.strip()}
    assert exported == _declared()
    soname = subprocess.run(["objdump", "-p", str(native_build.lib)], capture_output=True,
                            text=True).stdout if shutil.which("objdump") else ""
    if soname:
        assert re.search(r"SONAME\s+libzk_app_utils\.so\n", soname)


def test_install_puts_files_where_zymbit_does(native_build):
    assert native_build.lib.is_file()
    assert (native_build.include / "zk_app_utils.h").read_text() == HEADER.read_text()
    assert (native_build.include / "zk_b64.h").is_file()


# -- A3 ----------------------------------------------------------------------------------


def test_binding_example_prints_what_its_python_twin_prints(native_build, native_daemon,
                                                             tmp_path):
    binary = tmp_path / "example_binding"
    # The seed's build line, with the source before -l (C8) and -L for the test prefix.
    subprocess.run(["gcc", str(PROGRAMS / "example_binding.c"), "-I",
                    str(native_build.include), "-L", str(native_build.libdir), "-l",
                    "zk_app_utils", "-o", str(binary)], check=True, capture_output=True)
    result = _run([str(binary)], env=native_daemon.env(native_build))
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line]
    assert lines == [
        "SUCCESS: zkOpen - 0",
        "SUCCESS: zkGetCurrentBindingInfo - 0",
        "Binding is locked: false",
        "HSM is bound: true",
        "SUCCESS: zkGetCurrentBindingInfo - 0",
        "Binding is locked: false",
        "HSM is bound: true",
        "SUCCESS: zkClose - 0",
    ]
    # The Python twin prints the same facts (as Python booleans, in its own order).
    twin = _run([sys.executable, str(TESTS / "programs" / "seed_binding_info.py")],
                env=native_daemon.env())
    assert twin.returncode == 0, twin.stderr
    facts = sorted(line.lower() for line in twin.stdout.splitlines())
    assert facts == sorted(line.lower() for line in lines if "zk" not in line)


def test_perimeter_program_without_a_breach_prints_the_docs_lines(native_build, own_daemon,
                                                                  tmp_path):
    binary = compile_program(native_build, PROGRAMS / "perimeter_poll.c", tmp_path / "poll")
    result = _run([str(binary)], env=own_daemon.env(native_build))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "SUCCESS: zkOpen - 0",
        "SUCCESS: zkSetPerimeterEventAction - 0",
        "FAILURE: zkWaitForPerimeterEvent - -110",
        "SUCCESS: zkGetPerimeterDetectInfo - 0",
        "SUCCESS: zkClearPerimeterDetectEvents - 0",
        "SUCCESS: zkClose - 0",
    ]


def test_perimeter_program_reports_a_tamper(native_build, own_daemon, tmp_path, monkeypatch):
    binary = compile_program(native_build, PROGRAMS / "perimeter_wait.c", tmp_path / "wait")
    env = own_daemon.env(native_build)
    program = subprocess.Popen([str(binary)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        tamper = _run([sys.executable, "-m", "softscm", "sim", "tamper", "0"], env=env)
        assert tamper.returncode == 0, tamper.stderr
        out, err = program.communicate(timeout=60)
    finally:
        if program.poll() is None:
            program.kill()
            program.communicate()
    assert program.returncode == 0, err
    monkeypatch.setenv("SOFTSCM_SOCKET", str(own_daemon.socket))
    monkeypatch.delenv("SOFTSCM_HOME", raising=False)
    import zymkey

    first_breach = zymkey.Zymkey().get_perimeter_detect_info()[0]
    assert first_breach > 0
    lines = out.splitlines()
    assert lines[:4] == [
        "SUCCESS: zkOpen - 0",
        "SUCCESS: zkClearPerimeterDetectEvents - 0",
        "SUCCESS: zkSetPerimeterEventAction - 0",
        "SUCCESS: zkWaitForPerimeterEvent - 0",
    ]
    assert "Perimeter breach detected!" in lines
    assert f"Channel 0 breach timestamp = {first_breach}" in lines
    assert lines[-1] == "SUCCESS: zkClose - 0"


# -- A5 ----------------------------------------------------------------------------------


@pytest.fixture
def no_system_daemon() -> None:
    if Path("/run/softscm/softscm.sock").exists():
        pytest.skip("a system daemon's socket exists on this host")


def test_no_daemon_is_econnrefused(lib, tmp_path, monkeypatch, no_system_daemon):
    monkeypatch.setenv("SOFTSCM_SOCKET", str(tmp_path / "missing.sock"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    handle = c_void_p(1234)
    assert lib.zkOpen(byref(handle)) == -111
    assert handle.value is None
    # A socket that exists but refuses is the error: no fall-through to another one.
    refusing = tmp_path / "refusing.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(refusing))
    sock.close()
    monkeypatch.setenv("SOFTSCM_SOCKET", str(refusing))
    assert lib.zkOpen(byref(handle)) == -111


def test_socket_found_in_the_runtime_directory(lib, native_daemon, tmp_path, monkeypatch):
    runtime = tmp_path / "runtime"
    (runtime / "softscm").mkdir(parents=True)
    (runtime / "softscm" / "softscm.sock").symlink_to(native_daemon.socket)
    monkeypatch.setenv("SOFTSCM_SOCKET", "")
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    handle = c_void_p()
    assert lib.zkOpen(byref(handle)) == 0
    assert lib.zkLEDOff(handle) == 0
    assert lib.zkClose(handle) == 0


def test_killed_daemon_fails_the_call_and_a_restarted_one_serves_again(lib, own_daemon,
                                                                        monkeypatch):
    monkeypatch.setenv("SOFTSCM_SOCKET", str(own_daemon.socket))
    handle, other = c_void_p(), c_void_p()
    assert lib.zkOpen(byref(handle)) == 0
    assert lib.zkOpen(byref(other)) == 0
    slot = lib.zkGenKeyPair(handle, 0)
    assert lib.zkRemoveKey(handle, slot, False) == 0
    pk, size = c_void_p(), c_int()
    assert lib.zkExportPubKey(handle, byref(pk), byref(size), slot, False) == -2

    own_daemon.kill()
    assert lib.zkLEDOn(handle) == -111
    assert lib.zkLEDOn(handle) == -111
    assert lib.zkClose(other) == 0  # 0 even when the daemon is gone

    own_daemon.start()
    assert lib.zkLEDOn(handle) == 0
    assert lib.zkExportPubKey(handle, byref(pk), byref(size), 0, False) == 0
    lib.free(pk)
    assert lib.zkClose(handle) == 0


def test_a_c_program_survives_the_daemon_going_away(native_build, own_daemon, tmp_path):
    """No SIGPIPE kills a program whose daemon died (MSG_NOSIGNAL): the call fails with
    -111, and after a restart the next call works."""
    binary = compile_program(native_build, PROGRAMS / "daemon_loss.c", tmp_path / "loss")
    program = subprocess.Popen([str(binary)], env=own_daemon.env(native_build),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert program.stdout.readline() == "open 0\n"
        program.stdin.write("\n")
        program.stdin.flush()
        assert program.stdout.readline() == "call 0\n"
        own_daemon.kill()
        for _ in range(2):
            program.stdin.write("\n")
            program.stdin.flush()
            assert program.stdout.readline() == "call -111\n"
        own_daemon.start()
        program.stdin.write("\n")
        program.stdin.close()
        assert program.stdout.read().splitlines() == ["call 0", "close 0"]
        assert program.wait(timeout=60) == 0
    finally:
        if program.poll() is None:
            program.kill()
            program.wait()
        program.stdout.close()


# -- A8 ----------------------------------------------------------------------------------


def _all_functions(binary: Path, daemon, build, tmp_path: Path, prefix: list[str],
                   **extra: str) -> subprocess.CompletedProcess:
    work = tmp_path / "work"
    work.mkdir()
    return subprocess.run([*prefix, str(binary), str(work), str(daemon.boot)],
                          env=daemon.env(build, **extra), capture_output=True, text=True,
                          timeout=600)


def test_every_function_runs_clean_under_asan_and_ubsan(asan_build, own_daemon, tmp_path):
    binary = compile_program(asan_build, PROGRAMS / "all_functions.c", tmp_path / "all_asan",
                             "-g", "-fsanitize=address,undefined", "-fno-omit-frame-pointer",
                             lib=asan_build.lib)
    result = _all_functions(binary, own_daemon, asan_build, tmp_path, [],
                            ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0",
                            UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "runtime error" not in result.stderr
    assert "Sanitizer" not in result.stderr
    called = set(re.findall(r"\b(zk\w+)\(", (PROGRAMS / "all_functions.c").read_text()))
    assert called == _declared()


def test_every_function_runs_clean_under_valgrind(native_build, own_daemon, tmp_path):
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    binary = compile_program(native_build, PROGRAMS / "all_functions.c", tmp_path / "all",
                             "-g")
    result = _all_functions(binary, own_daemon, native_build, tmp_path,
                            ["valgrind", "-q", "--leak-check=full", "--error-exitcode=1",
                             "--errors-for-leak-kinds=definite,indirect,possible"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_outputs_are_plain_heap_memory(lib, ctx):
    """Outputs stay valid until the caller frees them (zku copies and never frees)."""
    first, second = c_void_p(), c_void_p()
    assert lib.zkGetSerialNumberString(ctx, byref(first)) == 0
    assert lib.zkGetSerialNumberString(ctx, byref(second)) == 0
    assert first.value != second.value
    assert ctypes.string_at(first.value) == ctypes.string_at(second.value)
    lib.free(first)
    lib.free(second)
