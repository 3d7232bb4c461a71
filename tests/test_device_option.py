"""The suite's ``--device SOCKET`` option (``tests/conftest.py``), run as a user of the
suite would: a small test file under this suite's own conftest, through ``pytester``.

With the option, the client tier's ``client`` fixture is one client (``device``) of the
module behind that socket, and the tests marked ``hardware`` run. Without it, ``client``
is each transport (``inprocess``, ``socket``) to a fresh module, and the ``hardware``
tests are skipped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from daemon_process import DaemonThread

pytest_plugins = ["pytester"]

TESTS = Path(__file__).resolve().parent

#: The test file run under the suite's conftest: what the client tier gets, and whether
#: a ``hardware`` test runs.
PROBE = """
import pytest


def test_client(client, request):
    # The transport is the client's private attribute: named here to show which it is.
    print("CLIENT", request.node.callspec.id, type(client._transport).__name__,
          client.serial_number())


@pytest.mark.hardware
def test_on_hardware():
    print("HARDWARE RAN")
"""


def run_suite(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """Run :data:`PROBE` under a copy of this suite's conftest and its markers."""
    pytester.makeconftest((TESTS / "conftest.py").read_text(encoding="utf-8"))
    pytester.makeini(f"""
        [pytest]
        pythonpath = {TESTS}
        addopts = --strict-markers
        markers =
            hardware: needs a real Zymbit SCM
    """)
    probe = pytester.makepyfile(test_probe=PROBE)
    # As the README runs it: the tests' path first, then the option.
    return pytester.runpytest_subprocess(probe.name, "-s", "-rs", "-p", "no:randomly",
                                         "-p", "no:cacheprovider", *args)


def clients(result: pytest.RunResult) -> list[tuple[str, str, str]]:
    """``(fixture id, transport, serial)`` of every client the probe was given."""
    found = (re.search(r"\bCLIENT (\S+) (\S+) (\S+)", line) for line in result.outlines)
    return [(m.group(1), m.group(2), m.group(3)) for m in found if m]


def test_without_device_each_transport_to_a_fresh_module_and_no_hardware(
        pytester: pytest.Pytester) -> None:
    result = run_suite(pytester)
    result.assert_outcomes(passed=2, skipped=1)
    given = clients(result)
    assert sorted((name, transport) for name, transport, _ in given) == [
        ("inprocess", "InProcessTransport"), ("socket", "SocketTransport")]
    assert len({serial for _, _, serial in given}) == 2, "each is a fresh module"
    assert "HARDWARE RAN" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*SKIPPED*test_probe.py*needs a real device (--device SOCKET)*"])


def test_with_device_one_client_of_that_module_and_hardware_runs(
        pytester: pytest.Pytester, daemon: DaemonThread) -> None:
    result = run_suite(pytester, "--device", str(daemon.path))
    result.assert_outcomes(passed=2)
    assert clients(result) == [("device", "SocketTransport", daemon.module.serial)]
    assert "HARDWARE RAN" in result.stdout.str()
