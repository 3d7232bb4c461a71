"""What a module is made with (``scm-behaviour.md`` §1.1) and its fixed limits (§1.2)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from softscm.errors import InvalidArgument, OperationNotSupported
from softscm.module.lifecycle.authorization import parse_tap_code

#: Slot number of the ephemeral key (``Zymkey.EPHEMERAL_KEY_SLOT``).
EPHEMERAL_SLOT = -1
#: First slot of the key store, on every profile.
KEY_STORE_FIRST_SLOT = 16
#: Minimum (and default) number of key-store slots.
KEY_STORE_SIZE = 512
#: Minimum (and default) number of foreign public keys.
FOREIGN_KEYRING_SIZE = 128
#: Factory key slots per profile.
FACTORY_SLOTS = {"scm": 16, "hsm6": 14}
#: Firmware strings per SCM hardware revision.
FIRMWARE_BY_REVISION = {"B1": "01.02.02release", "A1": "01.00.00"}
#: The revision and firmware affected by issue #159 (generated keys lost at a reboot, §8.8).
ISSUE_159_REVISION = "B1"
ISSUE_159_FIRMWARE = "01.02.02release"
#: Default model strings per profile.
MODEL_BY_PROFILE = {"scm": "SCM", "hsm6": "HSM6"}
#: Programs: ``alpha`` simulates destructive production actions.
PROGRAMS = ("standard", "alpha")
#: What a self-destruct tamper may do in standard production (§9.3).
TAMPER_PRODUCTION_ACTIONS = ("destroy", "hold")
#: The fields every state keeps among its meta entries; the later ones came since, and
#: a state written before them takes their defaults.
_FIRST_FIELDS = ("profile", "program", "revision", "model", "firmware", "key_store_size",
                 "foreign_keyring_size", "simulation")
#: How a field's value is read back from its meta entry, by the field's type.
_FROM_META = {"str": str, "int": int, "bool": bool}


@dataclass(frozen=True)
class Profile:
    """Provisioning parameters, fixed for the life of the module."""

    profile: str = "scm"
    program: str = "standard"
    revision: str = "B1"
    model: str = ""
    firmware: str = ""
    key_store_size: int = KEY_STORE_SIZE
    foreign_keyring_size: int = FOREIGN_KEYRING_SIZE
    #: Whether the simulation controls (``softscm sim``) are allowed.
    simulation: bool = True
    #: The boot partition supervised boot reads (§6.1).
    boot_dir: str = "/boot"
    #: Sign the factory default manifest at provisioning (§6.1).
    shipped_manifest: bool = False
    #: Check the host's USB-link overlay in ``config.txt`` at each host boot (§6.7).
    emulate_usb_link: bool = False
    #: Emulate issue #159 on an affected unit: keys from ``gen_key_pair`` are lost at
    #: each module boot (§8.8). Off by default.
    emulate_issue_159: bool = False
    #: A remedied battery-sleep or tamper hold waits for an authorisation (§9.3).
    require_authorization: bool = False
    #: The tap code that authorises a hold, such as ``"3-1-2"`` (empty: none, §9.3).
    tap_code: str = ""
    #: The foreign slot of the authority whose signature authorises a hold (§9.3).
    authority_slot: int = 0
    #: What a self-destruct tamper does in standard production: ``"destroy"`` or
    #: ``"hold"`` the host (§3.2, §9.3).
    tamper_production_action: str = "destroy"
    #: Log every detected tap (``tap {axis, direction}``, §7.3, §9.1); default off.
    tap_logging: bool = False

    def resolved(self) -> Profile:
        """This profile with defaults filled in and every value checked."""
        if self.profile not in FACTORY_SLOTS:
            raise InvalidArgument(f"unknown profile {self.profile!r} (scm or hsm6)")
        if self.program not in PROGRAMS:
            raise InvalidArgument(f"unknown program {self.program!r} (standard or alpha)")
        if self.profile == "scm" and self.revision not in FIRMWARE_BY_REVISION:
            raise InvalidArgument(f"unknown revision {self.revision!r} (A1 or B1)")
        if self.key_store_size < KEY_STORE_SIZE:
            raise InvalidArgument(f"the key store holds at least {KEY_STORE_SIZE} keys")
        if self.foreign_keyring_size < FOREIGN_KEYRING_SIZE:
            raise InvalidArgument(
                f"the foreign keyring holds at least {FOREIGN_KEYRING_SIZE} keys"
            )
        firmware = self.firmware or (
            FIRMWARE_BY_REVISION[self.revision] if self.profile == "scm" else "01.01.00"
        )
        model = self.model or MODEL_BY_PROFILE[self.profile]
        if not self.boot_dir:
            raise InvalidArgument("the boot directory must be given")
        parse_tap_code(self.tap_code)
        if type(self.authority_slot) is not int or not (
                0 <= self.authority_slot < self.foreign_keyring_size):
            raise InvalidArgument(f"the authority slot must be a foreign slot "
                                  f"(0-{self.foreign_keyring_size - 1})")
        if self.tamper_production_action not in TAMPER_PRODUCTION_ACTIONS:
            raise InvalidArgument(f"unknown tamper production action "
                                  f"{self.tamper_production_action!r} (destroy or hold)")
        return replace(self, model=model, firmware=firmware,
                       require_authorization=bool(self.require_authorization),
                       tap_logging=bool(self.tap_logging))

    def to_meta(self) -> dict[str, str | int]:
        """The meta entries that keep this profile in a state (flags as 0 or 1)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        return {name: int(value) if isinstance(value, bool) else value
                for name, value in values.items()}

    @classmethod
    def from_meta(cls, meta: Mapping[str, Any]) -> Profile:
        """The profile kept in a state's meta entries (:meth:`to_meta`)."""
        return cls(**{f.name: _FROM_META[str(f.type)](meta[f.name]) for f in fields(cls)
                      if f.name in meta or f.name in _FIRST_FIELDS})

    @property
    def affected_by_issue_159(self) -> bool:
        """Whether the identity is the one issue #159 affects (SCM, revision B1, firmware
        ``01.02.02release``; the default), whether or not the issue is emulated."""
        return (self.profile == "scm" and self.revision == ISSUE_159_REVISION
                and self.firmware == ISSUE_159_FIRMWARE)

    @property
    def issue_159_emulated(self) -> bool:
        """Whether module boots lose the keys of ``gen_key_pair`` (§8.8): the flag is on
        and the identity is the affected one."""
        return self.emulate_issue_159 and self.affected_by_issue_159

    @property
    def factory_slots(self) -> int:
        """How many factory P-256 keys the profile has (slots 0..n-1)."""
        return FACTORY_SLOTS[self.profile]

    @property
    def last_key_slot(self) -> int:
        """The highest key-store slot."""
        return KEY_STORE_FIRST_SLOT + self.key_store_size - 1

    def require_simulation(self) -> None:
        """``OperationNotSupported`` unless the simulation controls are allowed."""
        if not self.simulation:
            raise OperationNotSupported(
                "this module was made for a real deployment: simulation controls are off")
