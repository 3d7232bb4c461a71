"""The native parts (``native/``: libzk_app_utils, the zymkey_ssl engine, the C++ header)
built once per test run and installed into a staging directory, and softscm daemons for
the C, C++ and OpenSSL programs to talk to.

Test modules import the fixtures they use from here. Every fixture skips, naming what is
missing, where the machine lacks a compiler, ``make``, OpenSSL's headers or the library's
sources; a build that fails fails the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from softscm import Client

ROOT = Path(__file__).resolve().parents[1]
NATIVE = ROOT / "native"
PROGRAMS = Path(__file__).parent / "programs"
SEEDS = ROOT.parent / "shared" / "seeds"

#: Exit statuses of a process that crashed rather than failed: killed by a signal
#: (negative), or a shell's 128 + signal.
CRASHED = range(128, 256)


def require_tools(*tools: str) -> None:
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} on PATH")


def require_header(header: str, package: str) -> None:
    """Skip unless the C compiler finds ``header`` (from the Debian package ``package``)."""
    probe = subprocess.run(["gcc", "-E", "-x", "c", "-"], input=f"#include <{header}>\n",
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        pytest.skip(f"needs <{header}> ({package})")


def run(cmd: Sequence[str | Path], *, env: dict[str, str], cwd: Path,
        input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run a program to its end; its status must be a failure or a success, never a crash."""
    result = subprocess.run([str(part) for part in cmd], env=env, cwd=cwd, input=input,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode >= 0 and result.returncode not in CRASHED, (
        f"{cmd[0]} crashed ({result.returncode}): {result.stderr}")
    assert "AddressSanitizer" not in result.stderr
    return result


@dataclass(frozen=True)
class NativeBuild:
    """``make -C native all`` into ``build``, then ``make install`` into ``stage``."""

    build: Path
    stage: Path

    @property
    def include(self) -> Path:
        """Where the headers are installed (``/usr/include/zymkey`` under the stage)."""
        return self.stage / "usr" / "include" / "zymkey"

    @property
    def libdir(self) -> Path:
        return self.stage / "usr" / "lib"

    def env(self, socket_path: Path | str, **extra: str) -> dict[str, str]:
        """The environment of a client program of the daemon on ``socket_path``: the built
        library and engine found without installing them for the system."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("ZK_SSL_SLOT", "OPENSSL_CONF", "SSL_CERT_FILE")}
        env["SOFTSCM_SOCKET"] = str(socket_path)
        env["LD_LIBRARY_PATH"] = os.pathsep.join(
            filter(None, [str(self.build), env.get("LD_LIBRARY_PATH")]))
        env["OPENSSL_ENGINES"] = str(self.build)
        env.update(extra)
        return env

    def compile(self, source: Path, out: Path, *, cxx: bool = False, warnings: bool = True,
                extra: Sequence[str] = ()) -> Path:
        """Build a program as the docs do (source before ``-l``) against the staged
        install; ``warnings``: with ``-Wall -Werror`` (not for the docs' own examples)."""
        compiler = ["g++", "-std=c++11"] if cxx else ["gcc"]
        strict = ["-Wall", "-Werror"] if warnings else []
        cmd = [*compiler, *strict, str(source), "-I", str(self.include),
               "-L", str(self.build), *extra, "-l", "zk_app_utils", "-o", str(out)]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return out


@pytest.fixture(scope="session")
def native_build(tmp_path_factory: pytest.TempPathFactory) -> NativeBuild:
    require_tools("make", "gcc", "openssl")
    require_header("openssl/engine.h", "libssl-dev")
    if not any((NATIVE / "src").glob("*.c")):
        pytest.skip("the sources of libzk_app_utils (native/src) are not in this checkout")
    base = tmp_path_factory.mktemp("native")
    build, stage = base / "build", base / "stage"
    engines = subprocess.run(["openssl", "version", "-e"], capture_output=True, text=True,
                             check=True).stdout
    for target in (["all"], ["install", f"DESTDIR={stage}", "PREFIX=/usr"]):
        result = subprocess.run(["make", "-C", str(NATIVE), f"BUILD={build}", *target],
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "ENGINESDIR" in engines
    return NativeBuild(build, stage)


class ServedModule:
    """``softscm serve`` on a fresh module in a temporary home, on a short socket path."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="scm", dir="/tmp"))
        self.home = self.dir / "home"
        self.socket_path = self.dir / "s.sock"
        self.log = (self.dir / "daemon.log").open("w")
        env = dict(os.environ, SOFTSCM_HOME=str(self.home))
        env.pop("SOFTSCM_SOCKET", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "softscm", "serve", "--socket", str(self.socket_path)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while not self.socket_path.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError("the daemon did not start: "
                                     + (self.dir / "daemon.log").read_text())
            time.sleep(0.05)

    def client(self) -> Client:
        """A Python client of this daemon (the same module)."""
        from softscm.client.socket_transport import SocketTransport

        return Client(SocketTransport(self.socket_path))

    def boot(self) -> None:
        """Power cycle the module and let it boot (module time moves, no real waiting)."""
        with self.client() as scm:
            scm.sim.power_cycle()
            for _ in range(120):
                if scm.status()["lifecycle"] == "running":
                    return
                scm.sim.advance(1)
            raise AssertionError(f"the module did not boot: {scm.status()['lifecycle']}")

    def destroy(self) -> None:
        """Standard production mode, channel 0 armed to self-destruct, a breach."""
        with self.client() as scm:
            scm.lock_binding()
        self.boot()
        with self.client() as scm:
            scm.set_perimeter_event_actions(0, notify=True, self_destruct=True)
            scm.sim.loop_open(0)
            assert scm.status()["destroyed"] is True

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def served() -> Iterator[ServedModule]:
    """One daemon for a test module (tests that only read the module or add keys)."""
    daemon = ServedModule()
    yield daemon
    daemon.stop()


@pytest.fixture
def fresh_served() -> Iterator[ServedModule]:
    """A daemon of its own, for a test that changes the module for good."""
    daemon = ServedModule()
    yield daemon
    daemon.stop()
