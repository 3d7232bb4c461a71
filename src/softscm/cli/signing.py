"""``softscm sign`` and ``softscm verify``: SHA-256 of a file (or a given digest)."""

from __future__ import annotations

import hashlib
import sys

import click

from softscm.cli.common import State, emit, handle_errors, json_option, parse_hex


def _digest(path: str | None, digest_hex: str | None) -> bytes:
    if (path is None) == (digest_hex is None):
        raise click.UsageError("give a FILE (or - for stdin) or --digest HEX, not both")
    if digest_hex is not None:
        return parse_hex(digest_hex, "--digest")
    with click.open_file(path or "-", "rb") as fh:
        return hashlib.sha256(fh.read()).digest()


@click.command()
@click.argument("path", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--slot", type=int, default=0, show_default=True)
@click.option("--foreign", is_flag=True, help="A foreign slot (refused: no private key).")
@click.option("--digest", "digest_hex", help="Sign this digest (hex) instead of a file.")
@click.option("--recid", is_flag=True, help="Also print the recovery id.")
@json_option
@click.pass_obj
@handle_errors
def sign(state: State, path: str | None, slot: int, foreign: bool, digest_hex: str | None,
         recid: bool, as_json: bool) -> None:
    """Sign the SHA-256 of PATH with the key in --slot; prints the signature in hex."""
    digest = _digest(path, digest_hex)
    result = state.client().sign_digest(digest, slot, recid=recid, foreign=foreign)
    text = result.signature.hex() + (f" {result.recid}" if recid else "")
    emit(as_json, {"slot": slot, "digest": digest.hex(), "signature": result.signature.hex(),
                   "recid": result.recid}, text)


@click.command()
@click.argument("signature")
@click.argument("path", required=False, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--slot", type=int, default=0, show_default=True)
@click.option("--foreign", is_flag=True, help="Use the foreign keyring.")
@click.option("--digest", "digest_hex", help="Verify against this digest (hex).")
@json_option
@click.pass_obj
@handle_errors
def verify(state: State, signature: str, path: str | None, slot: int, foreign: bool,
           digest_hex: str | None, as_json: bool) -> None:
    """Check SIGNATURE (hex) over the SHA-256 of PATH; exit status 0 only if valid."""
    digest = _digest(path, digest_hex)
    sig = parse_hex(signature, "SIGNATURE")
    ok = state.client().verify_digest(digest, sig, slot, foreign=foreign)
    emit(as_json, {"slot": slot, "foreign": foreign, "valid": ok},
         "valid" if ok else "invalid")
    if not ok:
        sys.exit(1)
