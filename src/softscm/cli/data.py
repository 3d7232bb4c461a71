"""``softscm lock``, ``softscm unlock`` and ``softscm random``."""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click

from softscm.cli.common import Command, State, emit, json_option, progress
from softscm.client.client import STREAM_CHUNK
from softscm.client.files import AtomicWriter, read_file

_KEYS = click.Choice(["zymkey", "cloud"])

#: Most random bytes printed on standard output (as hex or base64, or in JSON); more
#: must go to a file with ``--out``.
RANDOM_PRINT_MAX = 1 << 20
#: Most random bytes one ``softscm random`` writes with ``--out`` (streamed in chunks of
#: :data:`~softscm.client.client.STREAM_CHUNK`); a larger count is refused before any
#: work.
RANDOM_OUT_MAX = 1 << 30


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    return read_file(path)


def _write(path: str, data: bytes | bytearray) -> None:
    if path == "-":
        out = sys.stdout.buffer
        out.write(data)
        out.flush()
        return
    with AtomicWriter(path) as out_file:
        out_file.write(bytes(data))


def _lock_command(name: str, help_text: str) -> click.Command:
    """``softscm lock`` and ``softscm unlock``: the same shape, the other direction."""

    @click.command(cls=Command, name=name, help=help_text)
    @click.argument("src", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
    @click.argument("dst", type=click.Path(dir_okay=False, allow_dash=True))
    @click.option("--key", type=_KEYS, default="zymkey", show_default=True)
    @json_option
    @click.pass_obj
    def command(state: State, src: str, dst: str, key: str, as_json: bool) -> None:
        client = state.client()
        if src != "-" and dst != "-":
            transform_file = client.lock_file if name == "lock" else client.unlock_file
            with progress(Path(src).stat().st_size, f"{name} {src}") as advance:
                transform_file(src, dst, key, progress=advance)
            size = Path(dst).stat().st_size
        else:
            transform = client.lock if name == "lock" else client.unlock
            out = transform(_read(src), key)
            _write(dst, out)
            size = len(out)
        if dst != "-":
            emit(as_json, {"src": src, "dst": dst, "key": key, "bytes": size},
                 f"{name}ed {src} -> {dst} ({size} bytes)")

    return command


lock = _lock_command("lock", "Lock (encrypt and sign) SRC into DST; - is stdin/stdout.")
unlock = _lock_command("unlock", "Unlock SRC into DST; nothing is written unless the blob "
                                 "verifies.")


@click.command(cls=Command)
@click.argument("num_bytes", type=click.IntRange(min=0, max=RANDOM_OUT_MAX))
@click.option("--out", type=click.Path(dir_okay=False, allow_dash=True),
              help="Write the raw bytes to this file (- for standard output) instead of "
                   f"printing them; up to {RANDOM_OUT_MAX} bytes, streamed.")
@click.option("--format", "fmt", type=click.Choice(["hex", "base64"]), default="hex",
              show_default=True)
@json_option
@click.pass_obj
def random(state: State, num_bytes: int, out: str | None, fmt: str, as_json: bool) -> None:
    """NUM_BYTES random bytes from the module, printed (at most 1 MiB) or written to
    --out (at most 1 GiB)."""
    if not out and num_bytes > RANDOM_PRINT_MAX:
        raise click.BadParameter(
            f"{num_bytes} bytes is more than the {RANDOM_PRINT_MAX} printed on standard "
            "output: write them to a file with --out FILE", param_hint="'NUM_BYTES'")
    client = state.client()
    if out:
        _random_to(out, num_bytes, client.random_bytes)
        if out != "-":
            emit(as_json, {"out": out, "bytes": num_bytes}, f"wrote {num_bytes} bytes to {out}")
        return
    data = client.random_bytes(num_bytes)
    text = data.hex() if fmt == "hex" else base64.b64encode(data).decode("ascii")
    emit(as_json, {"bytes": num_bytes, fmt: text}, text)


def _random_to(path: str, num_bytes: int, draw: Callable[[int], bytes]) -> None:
    """Stream ``num_bytes`` from ``draw`` into ``path`` (``-``: standard output), a chunk
    at a time, with a progress bar on a terminal."""
    with progress(num_bytes, f"random -> {path}") as advance:
        if path == "-":
            stdout = sys.stdout.buffer
            for size in _chunks(num_bytes):
                stdout.write(draw(size))
                advance(size)
            stdout.flush()
            return
        with AtomicWriter(path) as out:
            for size in _chunks(num_bytes):
                out.write(draw(size))
                advance(size)


def _chunks(total: int) -> Iterator[int]:
    for start in range(0, total, STREAM_CHUNK):
        yield min(STREAM_CHUNK, total - start)
