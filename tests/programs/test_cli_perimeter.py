"""``softscm perimeter``: check, clear, arm (``scm-behaviour.md`` §4.4, §4.6, S-36)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from softscm import Client


def iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")


def test_s36_channels_are_named_by_their_own_index(run, home) -> None:
    run("sim", "tamper", "1")
    with Client.open(home) as scm:
        stamp = scm.perimeter_info()[1]
    lines = run("perimeter", "check").output.splitlines()
    assert lines[0] == "channel 0 clear"
    assert lines[1] == f"channel 1 breached at {iso(stamp)}"
    assert not any(line.startswith("channel 0 breached") for line in lines)
    assert "clear and check again" in lines[2]


def test_check_json(run, home) -> None:
    run("sim", "tamper", "0")
    out = json.loads(run("perimeter", "check", "--json").stdout)
    assert out["cleared"] is False
    first, second = out["channels"]
    assert first["channel"] == 0 and first["breached"] is True and first["timestamp"] > 0
    assert first["time"] == iso(first["timestamp"])
    assert second == {"channel": 1, "breached": False, "timestamp": 0, "time": None}


def test_check_after_clearing_is_the_arming_check(run) -> None:
    # §4.6 step 7: an open loop is recorded again at once; a closed one reads clear.
    run("sim", "tamper", "0")
    run("sim", "tamper", "1")
    run("sim", "close", "1")
    lines = run("perimeter", "check", "--clear").output.splitlines()
    assert lines[0].startswith("channel 0 breached at ")
    assert lines[1] == "channel 1 clear"
    run("sim", "close", "0")
    assert run("perimeter", "check", "--clear").output.splitlines() == [
        "channel 0 clear", "channel 1 clear"]


def test_clear(run, home) -> None:
    run("sim", "tamper", "1")
    run("sim", "close", "1")
    assert run("perimeter", "clear").stdout.strip() == \
        "perimeter events cleared; both channels re-armed"
    with Client.open(home) as scm:
        assert scm.perimeter_info() == [0, 0]


def test_arm_sets_the_channel_actions(run) -> None:
    assert run("perimeter", "arm", "1", "--no-notify").stdout.strip() == \
        "channel 1 armed: no action (breaches recorded only)"
    status = json.loads(run("status", "--json").stdout)
    assert status["settings"]["perimeter"][1] == 0
    assert run("perimeter", "arm", "0").stdout.strip() == "channel 0 armed: notify"
    out = json.loads(run("perimeter", "arm", "0", "--no-notify", "--json").stdout)
    assert out == {"channel": 0, "notify": False, "self_destruct": False}
    result = run("perimeter", "arm", "2", code=1)
    assert result.output.startswith("error: InvalidArgument")


def test_arming_self_destruct_before_the_lock_warns(run) -> None:
    result = run("perimeter", "arm", "0", "--self-destruct")
    assert result.stdout.strip() == "channel 0 armed: notify, self-destruct"
    assert "becomes live at the first production boot" in result.stderr


def test_production_gives_one_chance_per_channel(run, home) -> None:
    # S-35 through the CLI: lock, power cycle, close, clear and check, arm once.
    run("perimeter", "arm", "0")
    run("perimeter", "arm", "1")
    with Client.open(home) as scm:
        scm.lock_binding()
    run("sim", "power-cycle")
    run("sim", "advance", "20")
    run("keys", "list")  # a host session binds the module after its boot
    assert json.loads(run("status", "--json").stdout)["binding"] == "production"
    run("sim", "tamper", "0")
    run("sim", "close", "0")
    assert run("perimeter", "check", "--clear").output.splitlines() == [
        "channel 0 clear", "channel 1 clear"]
    result = run("perimeter", "arm", "0", "--self-destruct")
    assert result.stdout.strip() == "channel 0 armed: notify, self-destruct"
    assert result.stderr == ""
    result = run("perimeter", "arm", "0", code=1)
    assert result.output.startswith("error: PolicyLocked")


def test_check_works_when_the_module_refuses_the_host(run, home) -> None:
    # Production on another host: the host API fails CannotBind, the operator still reads.
    run("sim", "tamper", "1")
    with Client.open(home) as scm:
        stamp = scm.perimeter_info()[1]
        scm.lock_binding()
    run("sim", "power-cycle")
    run("sim", "advance", "20")
    run("keys", "list")  # a host session binds: production
    run("sim", "host-identity", "machine_id", "another-host")
    run("sim", "power-cycle")
    run("sim", "advance", "20")
    assert run("keys", "list", code=1).output.startswith("error: CannotBind")
    assert json.loads(run("status", "--json").stdout)["lifecycle"] == "cannot_bind"
    assert run("perimeter", "check").output.splitlines()[:2] == [
        "channel 0 clear", f"channel 1 breached at {iso(stamp)}"]
    assert run("perimeter", "check", "--clear", code=1).output.startswith("error: CannotBind")
