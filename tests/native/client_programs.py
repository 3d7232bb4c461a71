"""What the engine and C++ tests share: running client programs (openssl, curl, the
test programs) against a daemon with the built library and engine, building C++
programs against the installed headers, and bringing the served module to production
mode or to destruction through the simulation plane."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest
from native_support import Build, Daemon

#: Exit statuses of a program that crashed rather than failed: killed by a signal
#: (negative), or a shell's 128 + signal.
CRASHED = range(128, 256)

SYSTEM_SOCKET = "/run/softscm/softscm.sock"


def require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} on PATH")


def engines_dir(build: Build) -> Path:
    """Where ``make install`` put zymkey_ssl.so for a prefix other than /usr; a skip
    where it was left out for want of OpenSSL's headers."""
    found = build.libdir / "engines-3"
    if not (found / "zymkey_ssl.so").is_file():
        pytest.skip("zymkey_ssl was not built: OpenSSL's headers are missing (libssl-dev)")
    return found


def program_env(build: Build, socket_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a client program of the daemon on ``socket_path`` (there may be
    none): the built library and engine found without a system install."""
    env = {k: v for k, v in os.environ.items() if k not in (
        "SOFTSCM_HOME", "XDG_RUNTIME_DIR", "ZK_SSL_SLOT", "OPENSSL_CONF", "SSL_CERT_FILE")}
    env["SOFTSCM_SOCKET"] = str(socket_path)
    env["LD_LIBRARY_PATH"] = str(build.libdir)
    env["OPENSSL_ENGINES"] = str(build.libdir / "engines-3")
    env.update(extra)
    return env


def no_system_daemon() -> None:
    """Skip where a daemon on the system socket would answer a program that finds none
    of its own."""
    if Path(SYSTEM_SOCKET).exists():
        pytest.skip(f"a daemon is serving {SYSTEM_SOCKET}")


def run(cmd: Sequence[str | Path], *, env: dict[str, str], cwd: Path,
        input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a program to its end; it must fail or succeed, never crash."""
    result = subprocess.run([str(part) for part in cmd], env=env, cwd=cwd, input=input,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode >= 0 and result.returncode not in CRASHED, (
        f"{cmd[0]} crashed ({result.returncode}): {result.stderr}")
    return result


def compile_cpp(build: Build, source: Path, out: Path, *flags: str) -> Path:
    """g++ as a user of the C++ API runs it: the source, the installed headers, -l."""
    require_tools("g++")
    result = subprocess.run(
        ["g++", "-std=c++11", "-Wall", "-Werror", *flags, str(source), "-I", str(build.include),
         "-L", str(build.libdir), "-l", "zk_app_utils", "-o", str(out)],
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return out


def boot(daemon: Daemon) -> None:
    """Power cycle the module and let it boot (module time moves, no real waiting)."""
    with daemon.client() as scm:
        scm.sim.power_cycle()
        for _ in range(120):
            if scm.status()["lifecycle"] == "running":
                return
            scm.sim.advance(1)
        raise AssertionError(f"the module did not boot: {scm.status()['lifecycle']}")


def destroy(daemon: Daemon) -> None:
    """Standard production mode, channel 0 armed to self-destruct, a breach."""
    with daemon.client() as scm:
        scm.lock_binding()
    boot(daemon)
    with daemon.client() as scm:
        scm.set_perimeter_event_actions(0, notify=True, self_destruct=True)
        scm.sim.loop_open(0)
        assert scm.status()["destroyed"] is True
