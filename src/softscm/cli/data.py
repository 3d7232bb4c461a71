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


def _lock_command(name: str, help_text: str) -> click.Command:
    """``softscm lock`` and ``softscm unlock``: the same shape, the other direction."""

    @click.command(name=name, help=help_text)
    @click.argument("src", type=click.Path(dir_okay=False, allow_dash=True))
    @click.argument("dst", type=click.Path(dir_okay=False, allow_dash=True, writable=True))
    @click.option("--key", type=_KEYS, default="zymkey", show_default=True)
    @json_option
    @click.pass_obj
    @handle_errors
    def command(state: State, src: str, dst: str, key: str, as_json: bool) -> None:
        client = state.client()
        transform = client.lock if name == "lock" else client.unlock
        out = transform(_read(src), key)
        _write(dst, out)
        if dst != "-":
            emit(as_json, {"src": src, "dst": dst, "key": key, "bytes": len(out)},
                 f"{name}ed {src} -> {dst} ({len(out)} bytes)")

    return command


lock = _lock_command("lock", "Lock (encrypt and sign) SRC into DST; - is stdin/stdout.")
unlock = _lock_command("unlock", "Unlock SRC into DST; nothing is written unless the blob "
                                 "verifies.")


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
