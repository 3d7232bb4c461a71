"""``softscm luks-key``: LUKS keys kept in the module (``scm-behaviour.md`` §9.5).

``softscm luks-key NAME`` writes the 64 raw bytes of the key to standard output, for a
``cryptsetup --key-file=-`` pipe or a crypttab key script; ``create``, ``list`` and
``remove`` manage the keys. A key is released only while the module is bound to this
host and its keys are intact.
"""

from __future__ import annotations

from typing import Any

import click

from softscm.cli.common import Group, State, emit, json_option


class _KeyGroup(Group):
    """A group whose unknown first word is the name of a key to print."""

    def resolve_command(self, ctx: click.Context, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["print", *args]
        return super().resolve_command(ctx, args)


@click.group(cls=_KeyGroup, name="luks-key")
def luks_key() -> None:
    """LUKS keys kept sealed in the module: `softscm luks-key NAME` prints the key NAME
    (64 raw bytes) for `cryptsetup --key-file=-`; `print NAME` does the same for a key
    named like a subcommand."""


@luks_key.command("print")
@click.argument("name")
@click.option("--hex", "as_hex", is_flag=True, help="Hexadecimal text instead of raw bytes.")
@json_option
@click.pass_obj
def print_(state: State, name: str, as_hex: bool, as_json: bool) -> None:
    """Write the key NAME to standard output."""
    key = state.client().luks_key(name)
    if as_json:
        emit(True, {"name": name, "key": key.hex()})
    elif as_hex:
        click.echo(key.hex())
    else:
        with click.open_file("-", "wb") as stream:
            stream.write(key)


@luks_key.command()
@click.argument("name")
@json_option
@click.pass_obj
def create(state: State, name: str, as_json: bool) -> None:
    """Have the module draw a new 64-byte key called NAME."""
    state.client().create_luks_key(name)
    emit(as_json, {"name": name, "created": True}, f"created LUKS key {name}")


@luks_key.command("list")
@json_option
@click.pass_obj
def list_(state: State, as_json: bool) -> None:
    """The names of the keys."""
    names = state.client().luks_keys()
    emit(as_json, {"names": names}, "\n".join(names) if names else "no LUKS keys")


@luks_key.command()
@click.argument("name")
@json_option
@click.pass_obj
def remove(state: State, name: str, as_json: bool) -> None:
    """Erase the key NAME for good (what it opens can no longer be opened with it)."""
    state.client().remove_luks_key(name)
    emit(as_json, {"name": name, "removed": True}, f"removed LUKS key {name}")
