"""``softscm sign`` and ``softscm verify``: SHA-256 of a file (or a given digest)."""

from __future__ import annotations

import hashlib
import sys
from typing import BinaryIO

import click

from softscm.cli.common import INTEGER, Command, State, emit, json_option, parse_hex
from softscm.client.client import STREAM_CHUNK
from softscm.client.files import file_error


def _digest(path: str | None, digest_hex: str | None) -> bytes:
    """The digest to sign or check: ``--digest``, else the SHA-256 of ``path`` (``-``:
    standard input), else of standard input when it is not a terminal (a pipe, as for
    ``openssl dgst``)."""
    if path is not None and digest_hex is not None:
        raise click.UsageError("give a FILE or --digest HEX, not both")
    if digest_hex is not None:
        return parse_hex(digest_hex, "--digest")
    if path is None:
        if _stdin_is_terminal():
            raise click.UsageError("give a FILE (- for standard input), pipe the data in, "
                                   "or give --digest HEX")
        path = "-"
    if path == "-":
        return _sha256(sys.stdin.buffer)
    try:
        with open(path, "rb") as fh:
            return _sha256(fh)
    except OSError as exc:
        raise file_error("read", path, exc) from None


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def _sha256(stream: BinaryIO) -> bytes:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(STREAM_CHUNK), b""):
        digest.update(chunk)
    return digest.digest()


@click.command(cls=Command)
@click.argument("path", required=False,
                type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--slot", type=INTEGER, default=0, show_default=True)
@click.option("--foreign", is_flag=True, help="A foreign slot (refused: no private key).")
@click.option("--digest", "digest_hex", help="Sign this digest (hex) instead of a file.")
@click.option("--recid", is_flag=True, help="Also print the recovery id.")
@json_option
@click.pass_obj
def sign(state: State, path: str | None, slot: int, foreign: bool, digest_hex: str | None,
         recid: bool, as_json: bool) -> None:
    """Sign the SHA-256 of PATH (- or no PATH: standard input) with the key in --slot;
    prints the signature in hex."""
    digest = _digest(path, digest_hex)
    result = state.client().sign_digest(digest, slot, recid=recid, foreign=foreign)
    text = result.signature.hex() + (f" {result.recid}" if recid else "")
    emit(as_json, {"slot": slot, "digest": digest.hex(), "signature": result.signature.hex(),
                   "recid": result.recid}, text)


@click.command(cls=Command)
@click.argument("signature")
@click.argument("path", required=False,
                type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--slot", type=INTEGER, default=0, show_default=True)
@click.option("--foreign", is_flag=True, help="Use the foreign keyring.")
@click.option("--digest", "digest_hex", help="Verify against this digest (hex).")
@json_option
@click.pass_obj
def verify(state: State, signature: str, path: str | None, slot: int, foreign: bool,
           digest_hex: str | None, as_json: bool) -> None:
    """Check SIGNATURE (hex) over the SHA-256 of PATH (- or no PATH: standard input);
    exit status 0 only if valid."""
    digest = _digest(path, digest_hex)
    sig = parse_hex(signature, "SIGNATURE")
    ok = state.client().verify_digest(digest, sig, slot, foreign=foreign)
    emit(as_json, {"slot": slot, "foreign": foreign, "valid": ok},
         "valid" if ok else "invalid")
    if not ok:
        sys.exit(1)
