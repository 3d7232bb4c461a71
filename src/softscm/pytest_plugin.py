"""pytest plugin: the ``scm`` fixture, a fresh softscm module for each test.

Registered through the ``pytest11`` entry point, so installing softscm is enough. In a
test that uses ``scm``:

- ``scm.client`` is a :class:`softscm.Client` on a new module (running, bound, in
  development mode) in a temporary directory, on a fake clock (``scm.clock``);
- ``scm.sim`` is its simulation control plane (``scm.sim.loop_open(0)``, …) and
  ``scm.advance(seconds)`` lets module time pass;
- ``zymkey.client``, ``zymkey.Zymkey()``, ``zymkey.create_new_client()`` and
  ``softscm.Client.connect()`` all reach that module, so the application under test
  needs no change.

``@pytest.mark.softscm(program="alpha", profile="hsm6", …)`` chooses how the module is
made (the fields of :class:`softscm.module.Profile`);
``@pytest.mark.softscm(emulate_issue_159=True)`` emulates issue #159 of the default
identity (SCM B1, firmware ``01.02.02release``): each module boot, ``scm.power_cycle()``
for one, drops the keys of ``gen_key_pair``, so a test can check a workaround;
``@pytest.mark.softscm(require_authorization=True, tap_code="3-1-2", authority_slot=0,
tamper_production_action="hold")`` makes a remedied hold wait for an authorisation
(``scm.sim.tap``, or ``scm.client.auth_respond`` with a signed challenge).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from softscm.testing import SimulatedModule

#: The marker that chooses the test module's profile.
MARKER = "softscm"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``softscm`` marker."""
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**profile): how the scm fixture's module is made "
        "(profile, program, revision, simulation, boot_dir, emulate_issue_159, ...)",
    )


@pytest.fixture
def scm(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedModule]:
    """A fresh softscm module on a fake clock, which ``zymkey`` reaches in this test."""
    # Imported here, not with the plugin: every pytest run in an environment with
    # softscm installed loads the plugin, and most never ask for the fixture.
    from softscm.testing import simulated_module

    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    harness = simulated_module(tmp_path_factory.mktemp("softscm"), **options)
    try:
        with pytest.MonkeyPatch.context() as patches:
            _route_clients(harness, patches)
            yield harness
    finally:
        harness.close()


def _route_clients(harness: SimulatedModule, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every new client of this process, and ``zymkey.client``, reach ``harness``."""
    import softscm.client.locate as locate

    def locate_transport(home: Any = None) -> Any:
        return harness.transport()

    # Client.connect() looks the transport up at each call: zymkey's contexts too.
    monkeypatch.setattr(locate, "locate_transport", locate_transport)
    if "zymkey" not in sys.modules:
        import zymkey  # noqa: F401 - its import-time client now reaches the harness
    zymkey = sys.modules["zymkey"]
    monkeypatch.setattr(zymkey, "client", zymkey.Zymkey(_client=harness.new_client()))
