"""Encrypted filesystems in a file, as Zymbit's ``zymkey.filesystem``: a LUKS container
whose key is a random secret locked by the module (:mod:`zymkey.vault`), driven through
``cryptsetup`` as a subprocess.

A filesystem ``NAME`` under a base directory is the directory ``BASE/NAME`` holding
``fs`` (the LUKS container), ``key`` (its key, locked by the module: only this module,
bound to this host, can unlock it) and ``config.json`` (mount point and whether to mount
at boot). Opened, it is ``/dev/mapper/NAME``.

Where softscm differs from Zymbit's: ``create`` does not enable a
``zymkey-filesystem@NAME`` systemd unit (softscm ships none; run ``zymkey
filesystem_mount --automount NAME`` from your own unit), the container file is made
with ``truncate`` rather than ``dd``, and ``luks_options`` (a softscm keyword) passes
extra options to ``cryptsetup luksFormat``. Opening and mounting need root and the
kernel's device-mapper, as on the hardware's host.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from collections.abc import Sequence
from typing import Any

from zymkey import vault
from zymkey.exceptions import CommandError
from zymkey.utils import get_random

__all__ = ["Filesystem", "FilesystemConfig"]

#: Bytes in one size unit of :meth:`Filesystem.create` (sizes are in MB, as Zymbit's).
MB = 1 << 20
#: Random bytes drawn for a new filesystem's key (hex encoded, as Zymbit's).
SECRET_BYTES = 512
#: ``umount`` exit status for "not mounted"; ``cryptsetup`` for "device not active".
_NOT_MOUNTED = 32
_NOT_ACTIVE = 4


def _run(argv: Sequence[str], stdin: bytes | None = None,
         ignore: Sequence[int] = ()) -> None:
    """Run a command; :class:`CommandError` with its output when it fails."""
    try:
        done = subprocess.run(list(argv), input=stdin, capture_output=True, check=False)  # noqa: S603
    except OSError as exc:
        raise CommandError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    if done.returncode and done.returncode not in ignore:
        output = (done.stderr or done.stdout).decode("utf-8", "replace").strip()
        raise CommandError(f"{' '.join(argv[:2])} failed ({done.returncode}): {output}")


class Filesystem:
    """An encrypted filesystem ``name`` kept under the directory ``base``."""

    def __init__(self, base: str, name: str, *, luks_options: Sequence[str] = ()) -> None:
        if not name or "/" in name or name in (".", ".."):
            raise CommandError(f"bad filesystem name {name!r}")
        self.base = base
        self.name = name
        self.luks_options = tuple(luks_options)
        self.config = FilesystemConfig(self)
        self._secret_key: str | None = None

    @property
    def root(self) -> str:
        """The filesystem's own directory, ``base/name``."""
        return os.path.join(self.base, self.name)

    @property
    def loopback_path(self) -> str:
        """The LUKS container file."""
        return os.path.join(self.root, "fs")

    @property
    def key_path(self) -> str:
        """The container's key, locked by the module."""
        return os.path.join(self.root, "key")

    @property
    def mapper_path(self) -> str:
        """The opened container's device."""
        return f"/dev/mapper/{self.name}"

    @property
    def secret_key(self) -> str:
        """The container's key, unlocked by the module (once per object)."""
        if self._secret_key is None:
            self._secret_key = bytes(vault.unlock(self.key_path)).decode("utf8")
        return self._secret_key

    def create(self, mountpoint: str, size: int, automount: bool = True) -> None:
        """Make a new filesystem of ``size`` MB to be mounted at ``mountpoint``
        (``automount``: at boot): the locked key, the LUKS container, an ext4
        filesystem in it and the configuration. :class:`CommandError` if it exists;
        a creation that fails leaves nothing behind."""
        self.format_container(size)
        try:
            self.unlock()
            try:
                _run(["mkfs.ext4", "-q", self.mapper_path])
            finally:
                self.lock()
            self.config.write(mountpoint, automount)
        except BaseException:
            self._discard()
            raise

    def format_container(self, size: int) -> None:
        """The first steps of :meth:`create`: a new random key, locked by the module
        into :attr:`key_path`, and a LUKS container of ``size`` MB formatted with it
        (neither needs root nor the device-mapper)."""
        if type(size) is not int or size < 1:
            raise CommandError("the size is a whole number of MB, at least 1")
        if os.path.exists(self.root):
            raise CommandError(f"filesystem {self.name} already exists")
        os.makedirs(self.root, mode=0o700)
        try:
            self._secret_key = bytes(get_random(SECRET_BYTES)).decode("ascii")
            vault.lock(self.key_path, self._secret_key.encode("ascii"))
            with open(self.loopback_path, "wb") as fh:
                fh.truncate(size * MB)
            _run(["cryptsetup", "-q", "luksFormat", *self.luks_options, "--key-file=-",
                  self.loopback_path], stdin=self.secret_key.encode("ascii"))
        except BaseException:
            self._discard()
            raise

    def _discard(self) -> None:
        """Remove what a failed creation made."""
        self._secret_key = None
        self.config.clear()
        for path in (self.loopback_path, self.key_path, self.config.config_path):
            with contextlib.suppress(FileNotFoundError):
                os.remove(path)
        with contextlib.suppress(OSError):
            os.rmdir(self.root)

    def mount(self, automount: bool = True) -> None:
        """Open the container and mount it at the configured mount point; with
        ``automount``, only if the configuration asks for mounting at boot."""
        if automount and not self.config.automount:
            return
        self.unlock()
        mountpoint = self.config.mountpoint
        os.makedirs(mountpoint, exist_ok=True)
        _run(["mount", self.mapper_path, mountpoint])

    def unmount(self) -> None:
        """Unmount and close the container (neither being the case is no error)."""
        _run(["umount", self.config.mountpoint], ignore=(_NOT_MOUNTED,))
        _run(["cryptsetup", "luksClose", self.name], ignore=(_NOT_ACTIVE,))

    def lock(self) -> None:
        """Close the opened container."""
        _run(["cryptsetup", "luksClose", self.name])

    def unlock(self) -> None:
        """Open the container as :attr:`mapper_path` with the key the module unlocks."""
        _run(["cryptsetup", "luksOpen", "--key-file=-", self.loopback_path, self.name],
             stdin=self.secret_key.encode("ascii"))


class FilesystemConfig(dict):  # type: ignore[type-arg]
    """The ``config.json`` of a filesystem: ``mountpoint`` and ``automount``."""

    def __init__(self, filesystem: Filesystem) -> None:
        super().__init__()
        self.filesystem = filesystem
        self.check_config()

    @property
    def config_path(self) -> str:
        """Where the configuration is kept."""
        return os.path.join(self.filesystem.root, "config.json")

    @property
    def mountpoint(self) -> str:
        """Where the filesystem is mounted."""
        value = self.get("mountpoint")
        if not isinstance(value, str):
            raise CommandError(f"filesystem {self.filesystem.name} has no configuration")
        return value

    @property
    def automount(self) -> bool:
        """Whether the filesystem is mounted at boot."""
        return bool(self.get("automount", False))

    def check_config(self) -> dict[str, Any]:
        """Read the configuration file if there is one; returns the configuration."""
        if os.path.exists(self.config_path):
            with open(self.config_path, encoding="utf-8") as fh:
                data = json.load(fh)
            if isinstance(data, dict):
                self.update(data)
        return dict(self)

    def write(self, mountpoint: str, automount: bool) -> None:
        """Keep ``mountpoint`` and ``automount``."""
        self["mountpoint"] = mountpoint
        self["automount"] = bool(automount)
        with open(self.config_path, "w", encoding="utf-8") as fh:
            json.dump(dict(self), fh)
