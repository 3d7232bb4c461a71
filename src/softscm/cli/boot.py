"""``softscm boot``: the supervised-boot manifest and policy (``scm-behaviour.md`` §6)."""

from __future__ import annotations

import click

from softscm.cli.common import INTEGER, Group, State, emit, json_option

#: Policy names the command takes besides the numbers.
POLICIES = {"none": 0, "self-destruct": 1, "hold": 2}
_POLICY_NAMES = {value: name for name, value in POLICIES.items()}


@click.group(cls=Group)
def boot() -> None:
    """Supervised boot: the signed manifest of boot-partition files and the policy
    applied when one fails its check at a power cycle."""


@boot.command()
@click.argument("path")
@click.option("--slot", type=INTEGER, default=15, show_default=True,
              help="Factory key (0-15) that signs the file.")
@json_option
@click.pass_obj
def add(state: State, path: str, slot: int, as_json: bool) -> None:
    """Sign PATH (relative to the boot directory) and add it to the manifest, or sign
    its current contents again."""
    state.client().add_or_update_supervised_boot_file(path, slot)
    emit(as_json, {"path": path, "slot": slot}, f"signed {path} with slot {slot}")


@boot.command()
@click.argument("path")
@json_option
@click.pass_obj
def remove(state: State, path: str, as_json: bool) -> None:
    """Remove PATH from the manifest."""
    state.client().remove_supervised_boot_file(path)
    emit(as_json, {"removed": path}, f"removed {path}")


@boot.command()
@json_option
@click.pass_obj
def manifest(state: State, as_json: bool) -> None:
    """Show the manifest: each file and the slot that signed it."""
    client = state.client()
    entries = client.supervised_boot_entries()
    boot_dir = client.supervised_boot_dir()
    lines = [f"boot directory {boot_dir}"]
    lines += [f"  {e['path']}  (slot {e['slot']}, sha256 {e['digest'].hex()})" for e in entries]
    if not entries:
        lines.append("  (empty: supervised boot is off)")
    data = {"boot_dir": boot_dir, "manifest": " ".join(e["path"] for e in entries),
            "entries": entries}
    emit(as_json, data, "\n".join(lines))


@boot.command()
@click.argument("policy", required=False,
                type=click.Choice(["0", "1", "2", *POLICIES], case_sensitive=False))
@json_option
@click.pass_obj
def policy(state: State, policy: str | None, as_json: bool) -> None:
    """Show or set the policy: 0/none (log only), 1/self-destruct, 2/hold (hold the
    host in reset; the factory default)."""
    client = state.client()
    if policy is not None:
        value = int(policy) if policy.isdigit() else POLICIES[policy.lower()]
        client.set_supervised_boot_policy(value)
    else:
        value = int(client.status()["settings"]["supervised_boot_policy"])
    emit(as_json, {"policy": value, "name": _POLICY_NAMES[value]},
         f"supervised boot policy {value} ({_POLICY_NAMES[value]})")
