"""The open SLIP39 session: a generation (the master secret and the shares made) or a
restore (the shares fed so far), with the wallet it will make.

The session belongs to the module, not to a process: it is kept sealed under the master
key in the store (``keys/keystore.py``), in the form :meth:`Session.to_bytes` gives, so
every process on the state sees it and is blocked by it. A mnemonic is returned once,
when it is made, and never stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgpack

from softscm.errors import InternalError, InvalidArgument, NoSession
from softscm.module.wallets.spec import WalletSpec
from softscm.wallet.slip39 import Slip39Generation, Slip39Restore

SLIP39_LIMITS = {"scm": 16, "hsm6": 14}
"""Most SLIP39 groups, and members per group, by profile (``scm-behaviour.md`` §8.6, C4)."""

GENERATE = "generate"
"""The kind of a generation session."""

RESTORE = "restore"
"""The kind of a restore session."""

_FORMAT = 1


def slip39_limit(profile: str) -> int:
    """Most SLIP39 groups, and members per group, on ``profile``."""
    return SLIP39_LIMITS.get(profile, min(SLIP39_LIMITS.values()))


@dataclass
class Session:
    """The open SLIP39 session and the wallet it will make."""

    spec: WalletSpec
    state: Slip39Generation | Slip39Restore

    @property
    def kind(self) -> str:
        return GENERATE if isinstance(self.state, Slip39Generation) else RESTORE

    def generation(self) -> Slip39Generation:
        """The generation session; ``NoSession`` if this is a restore session."""
        if not isinstance(self.state, Slip39Generation):
            raise NoSession("the open SLIP39 session is a restore session, not a "
                            "generation session")
        return self.state

    def restore(self) -> Slip39Restore:
        """The restore session; ``NoSession`` if this is a generation session."""
        if not isinstance(self.state, Slip39Restore):
            raise NoSession("the open SLIP39 session is a generation session, not a "
                            "restore session")
        return self.state

    def describe(self) -> dict[str, Any]:
        """What the session is, without its secrets: ``kind``, the wallet it makes and,
        for a generation, the group being set up and the members left."""
        info: dict[str, Any] = {
            "kind": self.kind, "wallet_name": self.spec.name,
            "key_type": self.spec.curve.value, "variant": self.spec.variant,
        }
        if isinstance(self.state, Slip39Generation):
            info.update(group_count=self.state.group_count,
                        group_threshold=self.state.group_threshold,
                        group_index=self.state.group_index,
                        members_left=self.state.members_left)
        return info

    def to_bytes(self) -> bytes:
        packed: bytes = msgpack.packb(
            {"format": _FORMAT, "kind": self.kind, "spec": self.spec.to_record(),
             "state": self.state.to_record()}, use_bin_type=True)
        return packed

    @classmethod
    def from_bytes(cls, payload: bytes) -> Session:
        try:
            record = msgpack.unpackb(payload, raw=False)
            if record["format"] != _FORMAT:
                raise ValueError(record["format"])
            spec = WalletSpec.from_record(record["spec"])
            if record["kind"] == GENERATE:
                return cls(spec, Slip39Generation.from_record(record["state"]))
            return cls(spec, Slip39Restore.from_record(record["state"]))
        except (ValueError, KeyError, TypeError, InvalidArgument):
            raise InternalError("the stored SLIP39 session cannot be read") from None
