"""Fixtures of the C library's tests: the library built once per run, a daemon on a
fresh module, the library loaded with ctypes, and a Python client on the same daemon."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from native_support import NATIVE, Build, Daemon

from softscm.client import Client


def _need_toolchain() -> None:
    missing = [tool for tool in ("gcc", "make") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the C library needs {' and '.join(missing)} to build")


@pytest.fixture(scope="session")
def native_build(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """``make -C native install`` into a temporary prefix, once per test run."""
    _need_toolchain()
    root = tmp_path_factory.mktemp("native")
    prefix = root / "prefix"
    subprocess.run(
        ["make", "-s", "-C", str(NATIVE), f"BUILD={root / 'build'}", f"PREFIX={prefix}",
         "install"],
        check=True, capture_output=True,
    )
    return Build(prefix / "lib" / "libzk_app_utils.so", prefix / "include" / "zymkey")


@pytest.fixture(scope="session")
def asan_build(native_build: Build, tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The ASan/UBSan variant (``make asan``)."""
    root = tmp_path_factory.mktemp("native-asan")
    subprocess.run(["make", "-s", "-C", str(NATIVE), f"BUILD={root}", "asan"], check=True,
                   capture_output=True)
    return Build(root / "asan" / "libzk_app_utils.so", native_build.include)


def _daemon(root: Path) -> Iterator[Daemon]:
    home, boot = root / "home", root / "boot"
    boot.mkdir()
    subprocess.run(
        [sys.executable, "-m", "softscm", "init", "--boot-dir", str(boot)],
        env=dict(os.environ, SOFTSCM_HOME=str(home)), check=True, capture_output=True,
    )
    daemon = Daemon(home, root / "softscm.sock")
    daemon.start()
    try:
        yield daemon
    finally:
        daemon.kill()


@pytest.fixture(scope="session")
def native_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon on a fresh module, shared by the tests that do not disturb it."""
    yield from _daemon(tmp_path_factory.mktemp("daemon"))


@pytest.fixture
def own_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """A daemon of the test's own, for tests that stop it or change the module."""
    yield from _daemon(tmp_path_factory.mktemp("own-daemon"))


@pytest.fixture(scope="session")
def lib(native_build: Build) -> ctypes.CDLL:
    """The library loaded in this process, declared as zku declares it."""
    from zku_binding import load

    return load(native_build.lib)


@pytest.fixture
def ctx(lib: ctypes.CDLL, native_daemon: Daemon,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[ctypes.c_void_p]:
    """An open context on the shared daemon."""
    monkeypatch.setenv("SOFTSCM_SOCKET", str(native_daemon.socket))
    handle = ctypes.c_void_p()
    assert lib.zkOpen(ctypes.byref(handle)) == 0
    yield handle
    assert lib.zkClose(handle) == 0


@pytest.fixture
def py(native_daemon: Daemon) -> Iterator[Client]:
    """A Python client of the shared daemon."""
    client = native_daemon.client()
    yield client
    client.close()
