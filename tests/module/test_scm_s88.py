"""Issue #159 emulation (``scm-behaviour.md`` §8.8, S-88): with the provisioning flag on
an affected identity (SCM, B1, ``01.02.02release``), every module boot loses the keys of
``gen_key_pair``; factory, wallet and foreign keys stay, so the wallet workaround holds.
Off by default, and without effect on firmware that is not affected."""

from __future__ import annotations

from typing import Any

import pytest

from softscm.errors import SlotEmpty
from softscm.testing import SimulatedModule, simulated_module

#: A foreign secp256k1 public key (the generator point, raw X || Y).
FOREIGN = bytes.fromhex(
    "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
    "483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")


def dropped(scm: SimulatedModule) -> list[Any]:
    return [e["detail"]["slots"] for e in scm.client.events(limit=100_000)
            if e["kind"] == "issue159_keys_dropped"]


@pytest.mark.softscm(emulate_issue_159=True)
def test_s88_issue_159_emulation(scm: SimulatedModule) -> None:
    import zymkey

    zk = zymkey.client
    assert zk.get_firmware_version() == "01.02.02release"
    k = zk.gen_key_pair("secp256k1")
    assert k == 16
    s = zk.gen_wallet_master_seed("secp256k1", "", "wallet_name")
    c = zk.gen_wallet_child_key(s, 0, False)
    f = zk.store_foreign_public_key("secp256k1", FOREIGN)
    child_public = bytes(zk.get_public_key(c))
    factory_public = bytes(zk.get_public_key(0))

    assert scm.power_cycle() == "running"

    with pytest.raises(SlotEmpty):
        scm.client.public_key(16)
    with pytest.raises(Exception, match="bad return code"):
        zk.get_public_key(16)
    assert bytes(zk.get_public_key(c)) == child_public
    assert bytes(zk.get_public_key(0)) == factory_public
    assert bytes(zk.get_public_key(f, foreign=True)) == FOREIGN
    assert dropped(scm) == [[16]]
    # The slot is free again, and a key made now is lost at the next boot too.
    assert zk.gen_key_pair("nistp256") == 16
    scm.power_cycle()
    with pytest.raises(SlotEmpty):
        scm.client.public_key(16)
    assert dropped(scm) == [[16], [16]]
    # A boot with nothing to drop logs nothing.
    scm.power_cycle()
    assert dropped(scm) == [[16], [16]]
    assert scm.client.status()["issue_159"] == {"affected": True, "emulated": True}


@pytest.mark.softscm(emulate_issue_159=True)
def test_s88_wallet_workaround_survives_and_recovers_from_the_seed(
        scm: SimulatedModule) -> None:
    client = scm.client
    master, mnemonic = client.create_wallet_bip39("secp256k1", "wallet_name")
    child = client.derive_wallet_child(master, 0, False)
    public = client.public_key(child)
    scm.power_cycle()
    assert client.public_key(child) == public
    assert dropped(scm) == []
    # The wallet's keys come back from its seed, as the workaround relies on.
    client.remove_key(master)
    restored = client.restore_wallet_bip39("secp256k1", "wallet_name", mnemonic)
    again = client.derive_wallet_child(restored, 0, False)
    assert client.public_key(again) == public


@pytest.mark.parametrize("options", [
    {},                                                  # the flag is off by default
    {"emulate_issue_159": True, "firmware": "01.00.00"},  # firmware not affected
    {"emulate_issue_159": True, "revision": "A1"},
    {"emulate_issue_159": True, "profile": "hsm6"},
])
def test_s88_generated_keys_survive_without_the_issue(tmp_path: Any,
                                                      options: dict[str, Any]) -> None:
    with simulated_module(tmp_path, **options) as scm:
        scm.settle()
        slot = scm.client.generate_key("secp256k1")
        public = scm.client.public_key(slot)
        scm.power_cycle()
        assert scm.client.public_key(slot) == public
        assert dropped(scm) == []
        assert scm.client.status()["issue_159"]["emulated"] is False


def test_s88_the_default_identity_is_the_affected_one(tmp_path: Any) -> None:
    with simulated_module(tmp_path) as scm:
        status = scm.client.status()
        assert (status["revision"], status["firmware"]) == ("B1", "01.02.02release")
        assert status["issue_159"] == {"affected": True, "emulated": False}


def test_s88_through_the_cli_and_the_daemon(run: Any, home: Any,
                                            request: pytest.FixtureRequest) -> None:
    from softscm import Client
    from softscm.client.socket_transport import SocketTransport

    made = run("init", "--emulate-issue-159").output
    assert "issue #159 emulated" in made
    assert "and emulated" in run("status").output
    daemon = request.getfixturevalue("daemon")
    client = Client(SocketTransport(daemon.path))
    try:
        client.sim.advance(60)
        assert client.status()["lifecycle"] == "running"
        slot = client.generate_key("secp256k1")
        master = client.create_wallet("secp256k1", "wallet_name")
        child = client.derive_wallet_child(master, 0, False)
        public = client.public_key(child)
        client.sim.power_cycle()
        client.sim.advance(60)
        assert client.status()["lifecycle"] == "running"
        with pytest.raises(SlotEmpty):
            client.public_key(slot)
        assert client.public_key(child) == public
        assert [e["detail"]["slots"] for e in client.events(limit=100_000)
                if e["kind"] == "issue159_keys_dropped"] == [[slot]]
    finally:
        client.close()
