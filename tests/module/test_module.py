"""The module on an in-memory store with a fake clock and deterministic entropy."""

from __future__ import annotations

import pytest

from fakes import CountingEntropy, FakeClock
from softscm.module import Module
from softscm.module.profile import Profile
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


def test_a_module_reopens_with_the_profile_it_was_made_with() -> None:
    """Every field of the profile is kept in the state and read back as it was made;
    a state written before the later fields existed takes their defaults."""
    store = Store.memory()
    made = Profile(profile="hsm6", program="alpha", key_store_size=600,
                   foreign_keyring_size=130, simulation=False, boot_dir="/b",
                   shipped_manifest=True, emulate_usb_link=True, require_authorization=True,
                   tap_code="2-1", authority_slot=3, tamper_production_action="hold",
                   tap_logging=True).resolved()
    Module.create_state(store, entropy=CountingEntropy(), salt=b"s" * 32, profile=made)
    again = Module(store, clock=FakeClock(), entropy=CountingEntropy(), salt=b"s" * 32)
    assert again.profile == made
    assert store.get_meta("tap_logging") == 1
    old = {name: value for name, value in made.to_meta().items()
           if name not in ("boot_dir", "tap_code", "tap_logging", "authority_slot")}
    assert Profile.from_meta(old) == Profile(
        profile="hsm6", program="alpha", model=made.model, firmware=made.firmware,
        key_store_size=600, foreign_keyring_size=130, simulation=False,
        shipped_manifest=True, emulate_usb_link=True, require_authorization=True,
        tamper_production_action="hold")
    with pytest.raises(KeyError):
        Profile.from_meta({k: v for k, v in old.items() if k != "model"})


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


def test_production_reseals_the_master_key_to_the_host(module: Module, clock: FakeClock) -> None:
    """The seal owner re-seals the master key when production begins: the development
    seal is erased, the production seal opens to the same key on the same host."""
    from scenario import to_production

    store = module.context.store
    master = module.master.key
    blob = module.lock(b"kept")
    assert master is not None and store.get_meta("production_seal") is None
    to_production(module, clock)
    assert store.get_meta("master_key") is None
    assert store.get_meta("production_seal") is not None
    again = Module(store, clock=clock, entropy=CountingEntropy(), salt=b"s" * 32,
                   identity={"machine_id": "host-a"}, host_boot_id="another-boot")
    assert again.master.key == master
    again.physical.session_open("host")
    assert again.unlock(blob) == b"kept"


def test_a_self_destruct_reaches_every_holder_of_keys(module: Module, clock: FakeClock) -> None:
    """The key store erases the keys and seals, the seal forgets the master key, the
    data lock its keys and its streams: a stream opened before cannot go on."""
    import softscm
    from scenario import to_production

    to_production(module, clock)
    handle = module.stream_open("lock")
    module.sign_digest(b"d" * 32, slot=0)  # a loaded key in the key store's cache
    module.physical.set_perimeter_event_actions(0, notify=False, self_destruct=True)
    module.simulation.sim_loop_open(0)
    store = module.context.store
    assert module.physical.state().destroyed_code is not None
    assert module.master.key is None
    assert module.data_lock.open_streams == 0
    assert store.get_meta("production_seal") is None
    assert store.get_meta("lock_key_zymkey") is None
    assert store.list_keys() == []
    assert module.keystore._private == {}  # no loaded key is left behind
    with pytest.raises(softscm.InvalidArgument, match="no open stream"):
        module.stream_update(handle, b"x")
    with pytest.raises(softscm.Destroyed):
        module.sign_digest(b"d" * 32, slot=0)
