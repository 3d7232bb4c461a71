"""The supervised-boot part of a module (``scm-behaviour.md`` §6): the manifest calls
(§6.2), served through :meth:`Module.operation`, and the hooks of a module boot: the
verification of the manifest (§6.3) and the USB link (§6.7).

The client reads a file and sends its digest; the module checks the path and slot and
signs (§6.2). At boot the module reads its own boot directory through its host source
``boot_files`` and verifies every entry (§6.3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from softscm.errors import (
    InvalidArgument,
    KeyStoreFull,
    OperationNotSupported,
    SelfTestFailed,
    SoftScmError,
)
from softscm.module.codes import EventKind
from softscm.module.operations import Kind, exposed
from softscm.module.supervised_boot import usb_link
from softscm.module.supervised_boot.manifest import (
    DEFAULT_SLOT,
    DIGEST_BYTES,
    MANIFEST_META,
    MAX_ENTRIES,
    Damaged,
    ManifestEntry,
    check_path,
    check_slot,
    decode_manifest,
    encode_manifest,
)
from softscm.module.supervised_boot.shipped import shipped_entries
from softscm.module.supervised_boot.verification import OK, PROCESS, check_entry, verdict

if TYPE_CHECKING:
    from softscm.module.context import Context
    from softscm.module.keys.keystore import KeyStore
    from softscm.module.profile import Profile

#: Reads a file of the boot partition for the module: ``(boot_dir, relative_path)`` to
#: its bytes, or ``None`` when it is missing or unreadable (a host source, §6.2).
BootFiles = Callable[[str, str], "bytes | None"]


def no_boot_files(boot_dir: str, path: str) -> bytes | None:
    """The :data:`BootFiles` of a module given no boot partition: every file is missing."""
    return None


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
        """The manifest (empty when none was ever written); ``Damaged`` if it is."""
        stored = self._stored()
        return [] if stored is None else decode_manifest(stored)

    def _host_entries(self) -> list[ManifestEntry]:
        """The manifest as a host call sees it: a damaged one is an error."""
        try:
            return self._entries()
        except Damaged as exc:
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
        return usb_link.link_is_host_mode(self.read_boot_file(usb_link.CONFIG_FILE))

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
        entries, skipped = shipped_entries(self.read_boot_file, self._sign)
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
            return OK, {"entries": 0}
        try:
            self._provision_shipped(t)
        except SoftScmError as exc:  # the boot goes on; a manifest call tries again
            self._c.record(EventKind.WARNING, t, kind="shipped_manifest_failed", reason=exc.message)
        try:
            entries = self._entries()
        except Damaged as exc:
            self._c.record(EventKind.SUPERVISED_BOOT_FAIL, t,
                          **{"class": PROCESS, "reason": str(exc)})
            return PROCESS, {"reason": str(exc), "paths": []}
        if not entries:
            return OK, {"entries": 0}
        checked = (check_entry(e, self._keys.public_key, self.read_boot_file) for e in entries)
        failures = [f for f in checked if f is not None]
        for failure in failures:
            self._c.record(EventKind.SUPERVISED_BOOT_FAIL, t,
                          **{"path": failure.path, "class": failure.kind,
                             "reason": failure.reason})
        outcome, detail = verdict(entries, failures)
        if not failures:
            self._c.record(EventKind.SUPERVISED_BOOT_OK, t, entries=len(entries))
        return outcome, detail

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
            except Damaged:
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
