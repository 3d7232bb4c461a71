"""The factory default manifest (``scm-behaviour.md`` §6.1, C14): the files a module
provisioned with it signs once, at its first boot or at the first manifest call before
that."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from softscm.module.supervised_boot.manifest import DEFAULT_SLOT, ManifestEntry

#: The factory default manifest, in its listed order (§6.1, C14).
SHIPPED_MANIFEST = (
    "bcm2711-rpi-cm4.dtb", "bootcode.bin", "cmdline.txt", "config.txt", "initrd.img",
    "kernel8.img", "start4.elf", "zymbit_mac_address", "overlays/vc4-kms-v3d.dtbo",
)
#: The kernel a 32-bit image boots instead of ``kernel8.img`` (§6.1).
SHIPPED_KERNEL_32 = ("kernel8.img", "kernel7l.img")


def shipped_entries(read: Callable[[str], bytes | None],
                    sign: Callable[[int, bytes], bytes]) -> tuple[list[ManifestEntry], list[str]]:
    """The entries of the factory default manifest, each file ``read`` from the boot
    partition and its digest signed with ``sign(DEFAULT_SLOT, digest)``, and the names
    of the files missing from the partition (skipped)."""
    entries: list[ManifestEntry] = []
    skipped: list[str] = []
    for name in SHIPPED_MANIFEST:
        path, data = name, read(name)
        if data is None and name == SHIPPED_KERNEL_32[0]:
            path, data = SHIPPED_KERNEL_32[1], read(SHIPPED_KERNEL_32[1])
        if data is None:
            skipped.append(name)
            continue
        digest = hashlib.sha256(data).digest()
        entries.append(ManifestEntry(path, DEFAULT_SLOT, digest, sign(DEFAULT_SLOT, digest)))
    return entries, skipped
