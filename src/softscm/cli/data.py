"""``softscm lock``, ``softscm unlock`` and ``softscm random``."""

from __future__ import annotations

import base64

import click

from softscm.cli.common import State, emit, handle_errors, json_option

_KEYS = click.Choice(["zymkey", "cloud"])


def _read(path: str) -> bytes:
    with click.open_file(path, "rb") as fh:
        return bytes(fh.read())


def _write(path: str, data: bytes) -> None:
    with click.open_file(path, "wb", atomic=path != "-") as fh:
        fh.write(data)


@click.command()
@click.argument("src", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("dst", type=click.Path(dir_okay=False, allow_dash=True, writable=True))
@click.option("--key", type=_KEYS, default="zymkey", show_default=True)
@json_option
@click.pass_obj
@handle_errors
def lock(state: State, src: str, dst: str, key: str, as_json: bool) -> None:
    """Lock (encrypt and sign) SRC into DST; - is stdin/stdout."""
    blob = state.client().lock(_read(src), key)
    _write(dst, blob)
    if dst != "-":
        emit(as_json, {"src": src, "dst": dst, "key": key, "bytes": len(blob)},
             f"locked {src} -> {dst} ({len(blob)} bytes)")


@click.command()
@click.argument("src", type=click.Path(dir_okay=False, allow_dash=True))
@click.argument("dst", type=click.Path(dir_okay=False, allow_dash=True, writable=True))
@click.option("--key", type=_KEYS, default="zymkey", show_default=True)
@json_option
@click.pass_obj
@handle_errors
def unlock(state: State, src: str, dst: str, key: str, as_json: bool) -> None:
    """Unlock SRC into DST; nothing is written unless the blob verifies."""
    data = state.client().unlock(_read(src), key)
    _write(dst, data)
    if dst != "-":
        emit(as_json, {"src": src, "dst": dst, "key": key, "bytes": len(data)},
             f"unlocked {src} -> {dst} ({len(data)} bytes)")


@click.command()
@click.argument("num_bytes", type=click.IntRange(min=0))
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the raw bytes to this file instead of printing them.")
@click.option("--format", "fmt", type=click.Choice(["hex", "base64"]), default="hex",
              show_default=True)
@json_option
@click.pass_obj
@handle_errors
def random(state: State, num_bytes: int, out: str | None, fmt: str, as_json: bool) -> None:
    """NUM_BYTES random bytes from the module."""
    client = state.client()
    if out:
        if out == "-":
            _write(out, client.random_bytes(num_bytes))
        else:
            client.random_file(out, num_bytes)
            emit(as_json, {"out": out, "bytes": num_bytes}, f"wrote {num_bytes} bytes to {out}")
        return
    data = client.random_bytes(num_bytes)
    text = data.hex() if fmt == "hex" else base64.b64encode(data).decode("ascii")
    emit(as_json, {"bytes": num_bytes, fmt: text}, text)
