"""The ``zymkey`` command, as Zymbit's: lock and unlock files with the module, random
bytes, and encrypted filesystems (:mod:`zymkey.filesystem`).

    zymkey lock [--remove-original] INFILE OUTFILE
    zymkey unlock INFILE [OUTFILE]
    zymkey random [--num-bytes N]
    zymkey filesystem_create NAME MOUNTPOINT SIZE_MB [--no-automount]
    zymkey filesystem_mount [--automount] NAME
    zymkey filesystem_unmount NAME

Filesystems live under ``--base`` (default ``$ZYMKEY_FILESYSTEM_BASE``, else
:data:`DEFAULT_BASE`). Every command works through the shared ``zymkey.client``; the
module decides, this only moves files and runs ``cryptsetup``.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

import zymkey
from zymkey import vault
from zymkey.exceptions import CommandError, VaultError
from zymkey.filesystem import Filesystem
from zymkey.utils import check_outfile, get_random, open_with_perms

F = TypeVar("F", bound=Callable[..., Any])

#: Where filesystems are kept unless ``--base`` or ``$ZYMKEY_FILESYSTEM_BASE`` says.
DEFAULT_BASE = "/var/lib/zymkey/filesystems"


def _errors(func: F) -> F:
    """Failures as one line on stderr and exit status 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (CommandError, VaultError, AssertionError, OSError) as exc:
            click.echo(f"zymkey: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _need_module() -> None:
    if zymkey.client is None:
        raise CommandError("no Zymbit module can be reached")


def _base_option(func: F) -> F:
    return click.option(
        "--base", envvar="ZYMKEY_FILESYSTEM_BASE", default=DEFAULT_BASE, show_default=True,
        type=click.Path(file_okay=False), help="Directory that holds the filesystems.")(func)


@click.group()
def cli() -> None:
    """Zymbit module utilities: locked files, random bytes, encrypted filesystems."""


@cli.command()
@click.argument("infile", type=click.Path(dir_okay=False, exists=True))
@click.argument("outfile", type=click.Path(dir_okay=False))
@click.option("--remove-original", is_flag=True, help="Delete INFILE once it is locked.")
@_errors
def lock(infile: str, outfile: str, remove_original: bool) -> None:
    """Lock INFILE into OUTFILE (which must not exist) with the module."""
    _need_module()
    vault.lock(outfile, infile=infile, remove_infile=remove_original)


@cli.command()
@click.argument("infile", type=click.Path(dir_okay=False, exists=True))
@click.argument("outfile", type=click.Path(dir_okay=False), required=False)
@_errors
def unlock(infile: str, outfile: str | None) -> None:
    """Unlock INFILE into OUTFILE (which must not exist), or to standard output."""
    _need_module()
    if outfile is not None:
        check_outfile(outfile)
    data = bytes(vault.unlock(infile))
    if outfile is None:
        with click.open_file("-", "wb") as stream:
            stream.write(data)
        return
    with open_with_perms(outfile, "wb", 0o600) as fh:
        fh.write(data)


@cli.command()
@click.option("--num-bytes", "-n", type=click.IntRange(min=1), default=512, show_default=True)
@_errors
def random(num_bytes: int) -> None:
    """Random bytes from the module, as hex."""
    _need_module()
    click.echo(bytes(get_random(num_bytes)).decode("ascii"))


@cli.command("filesystem_create")
@click.argument("name")
@click.argument("mountpoint", type=click.Path(file_okay=False))
@click.argument("size", type=click.IntRange(min=1))
@click.option("--no-automount", is_flag=True, help="Do not mount it at boot.")
@_base_option
@_errors
def filesystem_create(name: str, mountpoint: str, size: int, no_automount: bool,
                      base: str) -> None:
    """Create the encrypted filesystem NAME of SIZE MB, to be mounted at MOUNTPOINT."""
    _need_module()
    Filesystem(base, name).create(mountpoint, size, automount=not no_automount)


@cli.command("filesystem_mount")
@click.argument("name")
@click.option("--automount", is_flag=True,
              help="Only if the filesystem is to be mounted at boot (for a boot unit).")
@_base_option
@_errors
def filesystem_mount(name: str, automount: bool, base: str) -> None:
    """Open and mount the encrypted filesystem NAME."""
    _need_module()
    Filesystem(base, name).mount(automount=automount)


@cli.command("filesystem_unmount")
@click.argument("name")
@_base_option
@_errors
def filesystem_unmount(name: str, base: str) -> None:
    """Unmount and close the encrypted filesystem NAME."""
    if not os.path.isdir(os.path.join(base, name)):
        raise CommandError(f"no filesystem {name} under {base}")
    Filesystem(base, name).unmount()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``zymkey`` console script; ``argv`` for tests."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="zymkey")

