"""The module on an in-memory store with a fake clock and deterministic entropy."""

from __future__ import annotations

import pytest

from fakes import CountingEntropy, FakeClock
from softscm.module import Module
from softscm.store import Store


def test_precise_time_waits_for_next_second(module: Module, clock: FakeClock) -> None:  # S-71
    clock.time = 1_700_000_000.3
    assert module.get_time() == 1_700_000_000
    assert module.get_time(precise=True) == 1_700_000_001
    assert clock.slept == [pytest.approx(0.7)]


def test_deterministic_given_entropy() -> None:
    def make() -> tuple:
        store = Store.memory()
        m = Module.provision(store, clock=FakeClock(), entropy=CountingEntropy(b"x"), salt=b"s" * 32)
        m.physical.session_open("host")
        return m.serial, [m.public_key(s) for s in range(16)], m.public_key(m.generate_key("ed25519"))

    assert make() == make()


def test_master_key_needs_the_salt(module: Module) -> None:
    import softscm

    with pytest.raises(softscm.VerificationFailed, match="host salt"):
        Module(module._store, clock=FakeClock(), entropy=CountingEntropy(), salt=b"\0" * 32)


def test_store_holds_no_clear_private_key(tmp_path) -> None:
    """Generated key bytes never appear in clear in any file of the state directory."""
    captured: list[bytes] = []
    entropy = CountingEntropy(b"scan")

    def recording(n: int) -> bytes:
        data = entropy(n)
        captured.append(data)
        return data

    store = Store.open(tmp_path)
    module = Module.provision(store, clock=FakeClock(), entropy=recording, salt=b"s" * 32)
    module.physical.session_open("host")
    for curve in ("nistp256", "secp256k1", "ed25519", "x25519"):
        module.generate_key(curve)
    store.close()
    secrets = [c for c in captured if len(c) == 32]
    assert len(secrets) >= 20
    blobs = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())
    for secret in secrets:
        assert secret not in blobs
