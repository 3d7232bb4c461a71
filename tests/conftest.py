"""Shared fixtures: modules with a fake clock, clients over each transport."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon_process import DaemonThread
from fakes import FakeClock
from softscm import Client
from softscm.module import Module
from softscm.store import Store

#: The tiers of the suite, one folder each: the module and the layers below it, the
#: client over both transports (and ``zymkey`` on it), and the programs (the CLI, the
#: pytest plugin, programs run as processes). Each is a marker: ``-m client``.
TIERS = ("module", "client", "programs")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--device", metavar="SOCKET", default=None,
        help="run the client tier's tests against the module behind SOCKET (a daemon "
             "serving a real device) instead of a fresh module over each transport; "
             "also runs the tests marked hardware. Give the tests' path too, or write "
             "--device=SOCKET: alone, an existing SOCKET is taken for the tests' path")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """The ``client`` fixture: each transport to a fresh module, or ``--device``."""
    if "client" in metafunc.fixturenames:
        device = metafunc.config.getoption("--device")
        metafunc.parametrize("client", ["device"] if device else ["inprocess", "socket"],
                             indirect=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tier (its folder); skip the ``hardware`` tests without a
    ``--device``."""
    root = Path(__file__).parent
    no_device = pytest.mark.skip(reason="needs a real device (--device SOCKET)")
    for item in items:
        parts = Path(str(item.fspath)).relative_to(root).parts
        if parts and parts[0] in TIERS:
            item.add_marker(getattr(pytest.mark, parts[0]))
        if "hardware" in item.keywords and not config.getoption("--device"):
            item.add_marker(no_device)


def pytest_configure(config: pytest.Config) -> None:
    """Keep the whole run away from the user's own module and daemon: ``import zymkey``
    at collection opens the default module, so the default is a throw-away one, removed
    when the run ends."""
    for name, prefix in (("SOFTSCM_HOME", "softscm-tests-"),
                         ("XDG_RUNTIME_DIR", "softscm-tests-run-")):
        path = tempfile.mkdtemp(prefix=prefix)
        config.add_cleanup(lambda path=path: shutil.rmtree(path, ignore_errors=True))
        os.environ[name] = path
    os.environ.pop("SOFTSCM_SOCKET", None)
    for tier in TIERS:
        config.addinivalue_line("markers", f"{tier}: a test of the {tier} tier (tests/{tier})")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def module(clock: FakeClock) -> Iterator[Module]:
    """The §12 background: a provisioned module on an in-memory store and the fake
    clock, a host session bound (:func:`scenario.make_module`)."""
    from scenario import make_module

    store = Store.memory()
    yield make_module(clock, store=store)
    store.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state directory, also set as ``SOFTSCM_HOME``."""
    state = tmp_path / "state"
    monkeypatch.setenv("SOFTSCM_HOME", str(state))
    for name in ("SOFTSCM_SOCKET", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(name, raising=False)
    return state


@pytest.fixture
def run_dir() -> Iterator[Path]:
    """A short directory for sockets, searchable by other users (the daemon makes its
    socket directory inside)."""
    path = Path(tempfile.mkdtemp(prefix="scm", dir="/tmp"))
    os.chmod(path, 0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def daemon(home: Path, run_dir: Path) -> Iterator[DaemonThread]:
    """A daemon on ``home`` in a thread; its socket in a short temporary path."""
    running = DaemonThread(home, run_dir / "s.sock")
    yield running
    running.stop()


@pytest.fixture
def client(request: pytest.FixtureRequest, home: Path) -> Iterator[Client]:
    """A client of a fresh module, over each transport; with ``--device``, a client of
    the module behind that socket (see :func:`pytest_generate_tests`)."""
    if request.param == "device":
        from softscm.client.socket_transport import SocketTransport

        scm = Client(SocketTransport(request.config.getoption("--device")))
        yield scm
        scm.close()
        return
    if request.param == "inprocess":
        scm = Client.open(home)
        yield scm
        scm.close()
        return
    from softscm.client.socket_transport import SocketTransport

    running = request.getfixturevalue("daemon")
    scm = Client(SocketTransport(running.path))
    yield scm
    scm.close()


@pytest.fixture
def run(home: Path):
    """Run the ``softscm`` command on ``home``: ``run(*args, code=0)`` asserts the exit
    code and returns click's result."""
    from cli_runner import cli_runner
    from softscm.cli.app import cli

    runner = cli_runner()

    def invoke(*args: str, code: int = 0):
        result = runner.invoke(cli, ["--home", str(home), *args], catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return invoke
