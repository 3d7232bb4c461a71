"""``softscm keys``: list, generate, remove and export keys."""

from __future__ import annotations

from pathlib import Path

import click

from softscm.cli.common import INTEGER, Group, State, emit, json_option

KEY_TYPES = ["nistp256", "secp256r1", "secp256k1", "ed25519", "x25519"]


@click.group(cls=Group)
def keys() -> None:
    """Key slots: factory keys, generated keys and the foreign keyring."""


@keys.command("list")
@click.option("--foreign", is_flag=True, help="The foreign keyring.")
@json_option
@click.pass_obj
def list_keys(state: State, foreign: bool, as_json: bool) -> None:
    """List the allocated slots."""
    client = state.client()
    records = client.keys(foreign=foreign)
    _, size = client.slots(foreign=foreign)
    lines = [f"{'slot':>5}  {'type':<10} {'origin':<10} export"]
    lines += [f"{r['slot']:>5}  {r['key_type']:<10} {r['origin']:<10} "
              f"{'yes' if r['exportable'] else 'disabled'}" for r in records]
    lines.append(f"{len(records)} keys; pool of {size}")
    emit(as_json, {"keys": records, "size": size}, "\n".join(lines))


@keys.command()
@click.argument("key_type", type=click.Choice(KEY_TYPES))
@click.option("--ephemeral", is_flag=True, help="Make the ephemeral key (slot -1).")
@json_option
@click.pass_obj
def generate(state: State, key_type: str, ephemeral: bool, as_json: bool) -> None:
    """Generate a key pair; prints its slot."""
    client = state.client()
    if ephemeral:
        client.generate_ephemeral_key(key_type)
        slot = -1
    else:
        slot = client.generate_key(key_type)
    emit(as_json, {"slot": slot, "key_type": key_type}, str(slot))


@keys.command()
@click.argument("slot", type=INTEGER)
@click.option("--foreign", is_flag=True, help="A slot of the foreign keyring.")
@json_option
@click.pass_obj
def remove(state: State, slot: int, foreign: bool, as_json: bool) -> None:
    """Remove the key in SLOT."""
    state.client().remove_key(slot, foreign=foreign)
    emit(as_json, {"removed": slot, "foreign": foreign}, f"removed slot {slot}")


@keys.command("export-public")
@click.argument("slot", type=INTEGER)
@click.option("--foreign", is_flag=True, help="A slot of the foreign keyring.")
@click.option("--out", "out", type=click.Path(dir_okay=False), help="Write the PEM here.")
@click.option("--raw", is_flag=True, help="Print the raw public key in hex instead of PEM.")
@json_option
@click.pass_obj
def export_public(state: State, slot: int, foreign: bool, out: str | None, raw: bool,
                  as_json: bool) -> None:
    """Print (or write) the public key of SLOT."""
    client = state.client()
    pem = client.public_key_pem(slot, foreign=foreign)
    public = client.public_key(slot, foreign=foreign)
    if out:
        client.export_public_key(Path(out), slot, foreign=foreign)
    text = public.hex() if raw else pem.rstrip("\n")
    if out:
        text = f"wrote {out}"
    emit(as_json, {"slot": slot, "foreign": foreign, "public_key": public.hex(), "pem": pem},
         text)
