"""The host's measured identity: the factors the binding fingerprint is made of."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: Where Linux keeps the machine id (systemd, then D-Bus's older location).
MACHINE_ID_PATHS = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))
#: Where a Raspberry Pi reports its board (CPU) serial number.
CPUINFO_PATH = Path("/proc/cpuinfo")
#: Where the boot device's serial (eMMC / SD CID) can be read.
BOOT_DEVICE_CID_PATH = Path("/sys/block/mmcblk0/device/cid")


@dataclass(frozen=True)
class HostIdentity:
    """The binding factors of a host (``scm-behaviour.md`` §2.2); empty when absent."""

    machine_id: str = ""
    cpu_serial: str = ""
    boot_device_serial: str = ""

    def factors(self) -> dict[str, str]:
        """The factors by name, as ``softscm sim host-identity`` names them."""
        return {
            "machine_id": self.machine_id,
            "cpu_serial": self.cpu_serial,
            "boot_device_serial": self.boot_device_serial,
        }


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


def _cpu_serial(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        name, _, value = line.partition(":")
        if name.strip().lower() == "serial":
            return value.strip()
    return ""


def measure_identity() -> HostIdentity:
    """Measure this machine: its machine id and, where present, the board serial and the
    boot device's serial."""
    machine_id = next((m for m in map(_read_text, MACHINE_ID_PATHS) if m), "")
    return HostIdentity(
        machine_id=machine_id,
        cpu_serial=_cpu_serial(_read_text(CPUINFO_PATH)),
        boot_device_serial=_read_text(BOOT_DEVICE_CID_PATH),
    )
