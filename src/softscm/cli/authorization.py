"""``softscm auth``: remote authorisation of a hold (``scm-behaviour.md`` §9.3).
Operator commands: they open no host session, so they work while the module holds the
host."""

from __future__ import annotations

import click

from softscm.cli.common import Group, State, emit, json_option


@click.group(cls=Group)
def auth() -> None:
    """Authorise a hold that waits for it: show the challenge, answer it with the
    authority's signature."""


@auth.command()
@json_option
@click.pass_obj
def challenge(state: State, as_json: bool) -> None:
    """Show the 32-byte challenge of the hold that waits for an authorisation."""
    info = state.operator().auth_challenge()
    if info["awaiting"] is None:
        text = "no hold waits for an authorisation"
    else:
        text = (f"{info['challenge']}\n(the {info['awaiting']} hold waits; sign the "
                f"challenge's SHA-256 digest with the key of foreign slot "
                f"{info['authority_slot']}, then: softscm auth respond SIGNATURE_HEX)")
    emit(as_json, info, text)


@auth.command()
@click.argument("signature_hex", metavar="SIGNATURE_HEX")
@json_option
@click.pass_obj
def respond(state: State, signature_hex: str, as_json: bool) -> None:
    """Answer the challenge with the authority's signature (hex): the hold ends."""
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        raise click.BadParameter("not hexadecimal", param_hint="SIGNATURE_HEX") from None
    state.operator().auth_respond(signature)
    emit(as_json, {"authorized": True}, "authorized: the hold ends")


@auth.command("clear-perimeter")
@json_option
@click.pass_obj
def clear_perimeter(state: State, as_json: bool) -> None:
    """Clear and re-arm the perimeter of a module held for a tamper (close the loops
    first); the hold then waits for an authorisation if one is required."""
    state.operator().operator_clear_perimeter()
    emit(as_json, {"cleared": True}, "perimeter cleared and re-armed")
