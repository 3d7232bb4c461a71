"""The fatal LED codes the module shows (``scm-behaviour.md`` §5.4, §5.5).

A code is a main count of 0.5 s flashes and an optional sub-code. :class:`FatalCode` is
the record; the named constants below are every code the module can show, with the
meaning from the seeds' LED table and softscm's additions (4, 4/1 and 9).
"""

from __future__ import annotations

from dataclasses import dataclass

from softscm.errors import InvalidArgument

TAMPER_MASK_MAX = 0b11
"""Largest tamper sub-code: bit 0 is channel 0, bit 1 is channel 1 (§3.2, "mask")."""


@dataclass(frozen=True)
class FatalCode:
    """A fatal LED code: ``main`` flashes, then optionally ``sub`` flashes (§5.4)."""

    main: int
    sub: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.main, bool) or not isinstance(self.main, int) or self.main < 1:
            raise InvalidArgument(f"fatal code main count must be a positive int: {self.main!r}")
        if self.sub is not None and (
            isinstance(self.sub, bool) or not isinstance(self.sub, int) or self.sub < 1
        ):
            raise InvalidArgument(f"fatal code sub-code must be a positive int: {self.sub!r}")

    @property
    def label(self) -> str:
        """``"6"`` or ``"6/1"``: the form used in span labels and log records."""
        return str(self.main) if self.sub is None else f"{self.main}/{self.sub}"

    def __str__(self) -> str:
        return self.label

    @classmethod
    def parse(cls, text: str) -> FatalCode:
        """Counterpart to :attr:`label`: ``"22/9"`` → ``FatalCode(22, 9)``."""
        main, sep, sub = text.partition("/")
        try:
            return cls(int(main), int(sub) if sep else None)
        except ValueError:
            raise InvalidArgument(f"not a fatal code: {text!r}") from None


CODE_LOW_BATTERY_ALPHA = FatalCode(4)
"""4: low battery in alpha production, simulated (the seed's "4 flash", C8)."""

CODE_LOW_BATTERY = FatalCode(4, 1)
"""4/1: low battery, development (simulated) and the standard-production sleep hold (C7)."""

CODE_BOOT_SIGNATURE = FatalCode(4, 2)
"""4/2: supervised boot, at least one manifest file failed its signature check (C9)."""

CODE_TAMPER_DESTROYED = FatalCode(5)
"""5: secure-element serial mismatch; every boot after a tamper self-destruct (C19)."""

CODE_KEY_DIGEST = FatalCode(6)
"""6: the key area's digest failed; every boot after a battery, temperature (hsm6) or
supervised-boot self-destruct, and a failed key-store digest self test (C19, §9.2)."""

CODE_HEARTBEAT_LOST = FatalCode(8)
"""8: the module could not answer the host (no heartbeat, §5.6)."""

CODE_SELF_TEST = FatalCode(9)
"""9: a known-answer, RNG, peripheral or code-digest self test failed (softscm, §9.2)."""

CODE_LOW_TEMPERATURE = FatalCode(20, 1)
"""20/1: temperature under the low threshold with the self-destruct action."""

CODE_HIGH_TEMPERATURE = FatalCode(20, 2)
"""20/2: temperature over the high threshold with the self-destruct action."""

CODE_BOOT_PROCESS = FatalCode(22, 9)
"""22/9: a true failure of the supervised boot process (C9)."""


def tamper_code(mask: int) -> FatalCode:
    """6/mask: a tamper with self-destruct armed, simulated or held (§3.2).

    ``mask`` aggregates the channels with a latched breach: bit 0 channel 0, bit 1
    channel 1, so the sub-code is 1, 2 or 3.
    """
    if isinstance(mask, bool) or not isinstance(mask, int) or not 1 <= mask <= TAMPER_MASK_MAX:
        raise InvalidArgument(f"tamper channel mask must be 1, 2 or 3: {mask!r}")
    return FatalCode(6, mask)


_MEANINGS: dict[FatalCode, str] = {
    CODE_LOW_BATTERY_ALPHA: "battery below its threshold (alpha production, simulated)",
    CODE_LOW_BATTERY: "battery below its threshold",
    CODE_BOOT_SIGNATURE: "supervised boot: a manifest file failed its signature check",
    CODE_TAMPER_DESTROYED: "secure element serial mismatch: keys erased by a tamper breach",
    CODE_KEY_DIGEST: "digest of the key area failed: keys destroyed or the key store damaged",
    CODE_HEARTBEAT_LOST: "the module could not answer the host (heartbeat lost)",
    CODE_SELF_TEST: "power-on or background self test failed",
    CODE_LOW_TEMPERATURE: "temperature below the low threshold",
    CODE_HIGH_TEMPERATURE: "temperature above the high threshold",
    CODE_BOOT_PROCESS: "supervised boot: the verification process itself failed",
}


def meaning(code: FatalCode) -> str:
    """What ``code`` means, in one line (for the CLI and status output)."""
    if code.main == 6 and code.sub is not None:
        channels = [str(ch) for ch in range(2) if code.sub & (1 << ch)]
        return "tamper breach with self-destruct armed, channel " + " and ".join(channels)
    return _MEANINGS.get(code, "unknown code")
