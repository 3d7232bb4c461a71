"""Shared fixtures: modules with a fake clock, clients over each transport."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes import CountingEntropy, FakeClock
from softscm import Client
from softscm.module import Module
from softscm.store import Store

SALT = bytes(range(32))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def module(clock: FakeClock) -> Iterator[Module]:
    """A fresh module on an in-memory store, deterministic entropy and a fake clock."""
    store = Store.memory()
    yield Module.provision(store, clock=clock, entropy=CountingEntropy(), salt=SALT)
    store.close()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A state directory, also set as ``SOFTSCM_HOME``."""
    state = tmp_path / "state"
    monkeypatch.setenv("SOFTSCM_HOME", str(state))
    for name in ("SOFTSCM_SOCKET", "XDG_RUNTIME_DIR"):
        monkeypatch.delenv(name, raising=False)
    return state


@pytest.fixture(params=["inprocess"])
def client(request: pytest.FixtureRequest, home: Path) -> Iterator[Client]:
    """A client of a fresh module, over each transport."""
    scm = Client.open(home)
    yield scm
    scm.close()

