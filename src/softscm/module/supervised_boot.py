"""Supervised boot in the module: the signed manifest of boot-partition files and its
verification at every module boot (``scm-behaviour.md`` §6). Operations are served
through :meth:`Module.operation`.

The manifest lists entries ``(path, slot, digest, signature)``: a path relative to the
boot partition, the factory slot whose P-256 key signed it, the file's SHA-256 digest and
that key's ECDSA signature over it. The client reads a file and sends its digest; the
module checks the path and slot and signs (§6.2). At boot the module reads its own boot
directory through its host source ``boot_files`` and verifies every entry (§6.3).

The manifest is one meta entry of the store, with an integrity tag (a SHA-256 over its
encoding) that :meth:`SupervisedBoot.corrupt_manifest` breaks on purpose. It is not sealed
under the master key: it holds no secret, and verification needs only public keys, so
a module whose key store it cannot unseal (a production state on another host) still
verifies its boot partition and goes on to report "cannot bind". A self-destruct erases
it with the keys (``softscm.store.scrub.SECRET_META``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgpack

from softscm.crypto.curves import KeyType
from softscm.errors import (
    InvalidArgument,
    KeyStoreFull,
    OperationNotSupported,
    SelfTestFailed,
    SoftScmError,
)
from softscm.module.codes import EventKind
from softscm.module.operations import Kind, exposed

if TYPE_CHECKING:
    from softscm.module.context import Context
    from softscm.module.keys.keystore import KeyStore
    from softscm.module.profile import Profile

#: Name of the store's meta entry that holds the manifest.
MANIFEST_META = "supervised_boot_manifest"
#: Most entries a manifest holds [softscm].
MAX_ENTRIES = 64
#: Longest entry path, in UTF-8 bytes (§6.1).
MAX_PATH_BYTES = 255
#: The factory slot that signs when none is given (§6.1).
DEFAULT_SLOT = 15
#: Length of a manifest entry's digest, in bytes (SHA-256).
DIGEST_BYTES = 32
#: The factory default manifest, in its listed order (§6.1, C14).
SHIPPED_MANIFEST = (
    "bcm2711-rpi-cm4.dtb", "bootcode.bin", "cmdline.txt", "config.txt", "initrd.img",
    "kernel8.img", "start4.elf", "zymbit_mac_address", "overlays/vc4-kms-v3d.dtbo",
)
#: The kernel a 32-bit image boots instead of ``kernel8.img`` (§6.1).
SHIPPED_KERNEL_32 = ("kernel8.img", "kernel7l.img")

_FORMAT = 1
_TAG_LABEL = b"softscm/supervised-boot-manifest/v1\x00"
_TAG_BYTES = 32

#: Reads a file of the boot partition: ``(boot_dir, relative_path)`` to bytes or ``None``.
BootFiles = Callable[[str, str], "bytes | None"]


@dataclass(frozen=True)
class ManifestEntry:
    """One file of the manifest."""

    path: str
    slot: int
    digest: bytes
    signature: bytes

    def to_wire(self) -> list[Any]:
        """The entry as stored."""
        return [self.path, self.slot, self.digest, self.signature]

    @classmethod
    def from_wire(cls, item: object) -> ManifestEntry:
        """Counterpart to :meth:`to_wire`; ``_Damaged`` for anything else."""
        if not isinstance(item, (list, tuple)) or len(item) != 4:
            raise _Damaged("a manifest entry has the wrong shape")
        path, slot, digest, signature = item
        if (not isinstance(path, str) or type(slot) is not int
                or not isinstance(digest, bytes) or len(digest) != DIGEST_BYTES
                or not isinstance(signature, bytes)):
            raise _Damaged("a manifest entry has the wrong types")
        return cls(path, slot, digest, signature)


class _Damaged(Exception):
    """The stored manifest does not decode or fails its integrity check."""


def encode_manifest(entries: Sequence[ManifestEntry]) -> bytes:
    """The stored form: the msgpack body followed by its integrity tag."""
    body = msgpack.packb([_FORMAT, [e.to_wire() for e in entries]], use_bin_type=True)
    return bytes(body) + _tag(body)


def decode_manifest(stored: object) -> list[ManifestEntry]:
    """Counterpart to :func:`encode_manifest`; ``_Damaged`` if the tag or the encoding
    is wrong."""
    if not isinstance(stored, bytes) or len(stored) <= _TAG_BYTES:
        raise _Damaged("the manifest store is unreadable")
    body, tag = stored[:-_TAG_BYTES], stored[-_TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(body)):
        raise _Damaged("the manifest store failed its integrity check")
    try:
        fmt, items = msgpack.unpackb(body, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise _Damaged("the manifest store does not decode") from None
    if fmt != _FORMAT or not isinstance(items, list):
        raise _Damaged("the manifest store has an unknown format")
    return [ManifestEntry.from_wire(item) for item in items]


def _tag(body: bytes) -> bytes:
    return hashlib.sha256(_TAG_LABEL + body).digest()


def check_path(path: object) -> str:
    """A manifest path (§6.1): relative to the boot partition, no ``..``, no NUL, at
    most 255 bytes; not starting with ``/`` or ``boot/``. Empty and ``.`` components are
    refused too (one file, one spelling), and whitespace, which separates the paths of
    the manifest string (``zymkey-api.md`` §5.16)."""
    if not isinstance(path, str):
        raise InvalidArgument("the boot file path must be a string")
    if not path:
        raise InvalidArgument("the boot file path is empty")
    if path.startswith("/") or path.startswith("boot/"):
        raise InvalidArgument(
            f"{path!r}: give the path relative to the boot partition "
            "(config.txt, not /boot/config.txt)")
    if "\x00" in path:
        raise InvalidArgument("the boot file path contains a NUL character")
    if any(ch.isspace() for ch in path):
        raise InvalidArgument(f"{path!r}: a boot file path cannot contain whitespace")
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidArgument(f"{path!r}: the boot file path is not valid text") from None
    if size > MAX_PATH_BYTES:
        raise InvalidArgument(f"the boot file path is longer than {MAX_PATH_BYTES} bytes")
    parts = path.split("/")
    if ".." in parts:
        raise InvalidArgument(f"{path!r}: a boot file path cannot contain '..'")
    if any(part in ("", ".") for part in parts):
        raise InvalidArgument(f"{path!r}: a boot file path has no empty or '.' components")
    return path


def check_slot(slot: object, factory_slots: int) -> int:
    """A signing slot: a factory slot (0-15 on an SCM); key-store slots are refused."""
    if type(slot) is not int or not 0 <= slot < factory_slots:
        raise InvalidArgument(
            f"supervised boot signs with a factory slot 0-{factory_slots - 1}: {slot!r}")
    return slot


class SupervisedBoot:
    """The supervised-boot part of a module."""

    def __init__(self, context: Context, keystore: KeyStore, profile: Profile,
                 boot_files: BootFiles) -> None:
        self._c = context
        self._keys = keystore
        self._profile = profile
        self._boot_files = boot_files

    # -- helpers -------------------------------------------------------------------------

    @property
    def supported(self) -> bool:
        """Whether the profile has supervised boot (the SCM; not the HSM6)."""
        return self._profile.profile == "scm"

    def _host(self) -> None:
        """Every host call: the module must serve the host, and have supervised boot."""
        self._c.host_guard()
        if not self.supported:
            raise OperationNotSupported("supervised boot is an SCM feature; this is an "
                                        f"{self._profile.model} module")

    def _stored(self) -> object:
        return self._c.store.get_meta(MANIFEST_META)

    def _entries(self) -> list[ManifestEntry]:
        """The manifest (empty when none was ever written); ``_Damaged`` if it is."""
        stored = self._stored()
        return [] if stored is None else decode_manifest(stored)

    def _host_entries(self) -> list[ManifestEntry]:
        """The manifest as a host call sees it: a damaged one is an error."""
        try:
            return self._entries()
        except _Damaged as exc:
            raise SelfTestFailed(
                f"{exc}: add the files again to re-create the manifest") from None

    def _save(self, entries: Sequence[ManifestEntry]) -> None:
        self._c.store.set_meta(MANIFEST_META, encode_manifest(entries))

    def _now(self) -> float:
        return self._c.now()

    def _sign(self, slot: int, digest: bytes) -> bytes:
        signature, _ = self._keys.private_key(slot).sign_digest(digest)
        return bytes(signature)

    def host_reaches_module(self) -> bool:
        """Whether the host can reach the module over USB: with ``emulate_usb_link``,
        ``config.txt`` must keep the ``dwc2`` host-mode overlay and not set
        ``otg_mode=1`` (§6.7)."""
        if not self._profile.emulate_usb_link:
            return True
        config = self.read_boot_file("config.txt")
        if config is None:
            return False
        lines = [line.split("#", 1)[0].strip().replace(" ", "")
                 for line in config.decode("utf-8", "replace").splitlines()]
        return "dtoverlay=dwc2,dr_mode=host" in lines and "otg_mode=1" not in lines

    def read_boot_file(self, path: str) -> bytes | None:
        """A file of the module's boot partition, read through the host source."""
        return self._boot_files(self._profile.boot_dir, path)

    def _provision_shipped(self, t: float) -> None:
        """Sign the factory default manifest once, if the module was provisioned with
        it (§6.1): at its first boot, or at the first manifest call before that. Files
        missing from the boot partition are skipped and logged."""
        if (not self._profile.shipped_manifest or not self.supported
                or self._stored() is not None or self._c.master_key() is None):
            return
        entries: list[ManifestEntry] = []
        skipped: list[str] = []
        for name in SHIPPED_MANIFEST:
            path, data = name, self.read_boot_file(name)
            if data is None and name == SHIPPED_KERNEL_32[0]:
                path, data = SHIPPED_KERNEL_32[1], self.read_boot_file(SHIPPED_KERNEL_32[1])
            if data is None:
                skipped.append(name)
                continue
            digest = hashlib.sha256(data).digest()
            entries.append(ManifestEntry(path, DEFAULT_SLOT, digest,
                                         self._sign(DEFAULT_SLOT, digest)))
        with self._c.store.transaction():
            self._save(entries)
            self._c.record(EventKind.MANIFEST_CHANGED, t, op="shipped", slot=DEFAULT_SLOT,
                          paths=[e.path for e in entries], skipped=skipped)

    # -- verification at boot (§6.3) -----------------------------------------------------

    def verify(self, t: float) -> tuple[str, dict[str, Any]]:
        """Verify the manifest at a module boot at module time ``t``:
        ``("ok", {"entries": n})``, ``("signature", {"paths": [...]})`` or
        ``("process", {"reason": ..., "paths": [...]})``; a process failure takes
        precedence. Logs ``supervised_boot_ok {entries}`` (a non-empty manifest) or one
        ``supervised_boot_fail {path, class, reason}`` per failing path."""
        if not self.supported:
            return "ok", {"entries": 0}
        try:
            self._provision_shipped(t)
        except SoftScmError as exc:  # the boot goes on; a manifest call tries again
            self._c.record(EventKind.WARNING, t, kind="shipped_manifest_failed", reason=exc.message)
        try:
            entries = self._entries()
        except _Damaged as exc:
            self._c.record(EventKind.SUPERVISED_BOOT_FAIL, t,
                          **{"class": "process", "reason": str(exc)})
            return "process", {"reason": str(exc), "paths": []}
        if not entries:
            return "ok", {"entries": 0}
        failures = [f for f in (self._check(e) for e in entries) if f is not None]
        for path, kind, reason in failures:
            self._c.record(EventKind.SUPERVISED_BOOT_FAIL, t,
                          **{"path": path, "class": kind, "reason": reason})
        process = [f for f in failures if f[1] == "process"]
        if process:
            return "process", {"reason": process[0][2], "paths": [f[0] for f in failures]}
        if failures:
            return "signature", {"paths": [f[0] for f in failures]}
        self._c.record(EventKind.SUPERVISED_BOOT_OK, t, entries=len(entries))
        return "ok", {"entries": len(entries)}

    def _check(self, entry: ManifestEntry) -> tuple[str, str, str] | None:
        """``(path, class, reason)`` if ``entry`` fails, else ``None``."""
        try:
            key = self._keys.public_key(entry.slot)
        except SoftScmError:
            return entry.path, "process", f"no signing key in slot {entry.slot}"
        if key.key_type is not KeyType.NISTP256:
            return entry.path, "process", f"slot {entry.slot} holds no P-256 signing key"
        try:
            data = self.read_boot_file(entry.path)
        except Exception:  # a host source that fails: the partition cannot be read
            return entry.path, "process", "the boot partition cannot be read"
        if data is None:
            return entry.path, "signature", "missing"
        if not key.verify_digest(hashlib.sha256(data).digest(), entry.signature):
            return entry.path, "signature", "changed"
        return None

    # -- manifest calls (§6.2) -----------------------------------------------------------

    @exposed(Kind.HOST)
    def supervised_boot_dir(self) -> str:
        """The boot directory the module verifies (provisioning setting)."""
        return self._profile.boot_dir

    @exposed(Kind.HOST)
    def prepare_supervised_boot_file(self, path: str, slot: int = DEFAULT_SLOT) -> str:
        """Check ``path`` and ``slot`` for :meth:`add_or_update_supervised_boot_file`
        and return the boot directory the client reads the file from: the rules are
        checked before any file is read."""
        self._host()
        check_path(path)
        check_slot(slot, self._profile.factory_slots)
        return self._profile.boot_dir

    @exposed(Kind.HOST)
    def add_or_update_supervised_boot_file(self, path: str, slot: int = DEFAULT_SLOT,
                                           digest: bytes = b"") -> None:
        """Sign ``digest`` (the SHA-256 of the file the client read) with factory key
        ``slot`` and store the entry, replacing one with the same path in its place. A
        damaged manifest is replaced by a new one (logged with ``reset``)."""
        self._host()
        check_path(path)
        check_slot(slot, self._profile.factory_slots)
        if not isinstance(digest, bytes) or len(digest) != DIGEST_BYTES:
            raise InvalidArgument(f"the digest must be {DIGEST_BYTES} bytes (SHA-256)")
        t = self._now()
        with self._c.store.transaction():
            self._provision_shipped(t)
            try:
                entries = self._entries()
                reset = False
            except _Damaged:
                entries, reset = [], True
            entry = ManifestEntry(path, slot, digest, self._sign(slot, digest))
            index = next((i for i, e in enumerate(entries) if e.path == path), None)
            if index is None:
                if len(entries) >= MAX_ENTRIES:
                    raise KeyStoreFull(f"the manifest holds at most {MAX_ENTRIES} files")
                entries.append(entry)
                op = "add"
            else:
                entries[index] = entry
                op = "update"
            self._save(entries)
            detail: dict[str, Any] = {"path": path, "op": op, "slot": slot}
            if reset:
                detail["reset"] = True
            self._c.record(EventKind.MANIFEST_CHANGED, t, **detail)

    @exposed(Kind.HOST)
    def remove_supervised_boot_file(self, path: str) -> None:
        """Drop ``path`` from the manifest; ``InvalidArgument`` if it is not listed.
        Removing the last entry turns supervised boot off."""
        self._host()
        if not isinstance(path, str):
            raise InvalidArgument("the boot file path must be a string")
        t = self._now()
        with self._c.store.transaction():
            self._provision_shipped(t)
            entries = self._host_entries()
            kept = [e for e in entries if e.path != path]
            if len(kept) == len(entries):
                raise InvalidArgument(f"{path!r} is not in the supervised boot manifest")
            self._save(kept)
            self._c.record(EventKind.MANIFEST_CHANGED, t, path=path, op="remove")

    @exposed(Kind.HOST)
    def supervised_boot_manifest(self) -> str:
        """The manifest's paths in insertion order, separated by single spaces; ``""``
        when it is empty (``zymkey-api.md`` §5.16)."""
        self._host()
        self._provision_shipped(self._now())
        return " ".join(e.path for e in self._host_entries())

    @exposed(Kind.HOST)
    def supervised_boot_entries(self) -> list[dict[str, Any]]:
        """The manifest's entries: ``path``, ``slot`` and ``digest`` (SHA-256)."""
        self._host()
        self._provision_shipped(self._now())
        return [{"path": e.path, "slot": e.slot, "digest": e.digest}
                for e in self._host_entries()]

    # -- simulation ----------------------------------------------------------------------

    def corrupt_manifest(self) -> None:
        """Damage the stored manifest (``sim corrupt manifest``, a test hook for
        integrity failures): it fails its integrity check, so the next boot is a
        supervised-boot process failure (22/9)."""
        if not self.supported:
            raise OperationNotSupported("supervised boot is an SCM feature")
        with self._c.store.transaction():
            stored = self._stored()
            damaged = b"\xff" + (stored if isinstance(stored, bytes) else b"")
            self._c.store.set_meta(MANIFEST_META, damaged)
            self._c.record(EventKind.SIM_CORRUPT, self._now(), area="manifest")
