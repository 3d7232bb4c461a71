"""What every new wallet is made with (curve, name, master generator key, variant), its
checks, and the curve of a stored wallet's key type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from softscm.crypto.curves import KeyType
from softscm.errors import InternalError, InvalidArgument
from softscm.module.keys.keystore import WALLET_KEY_TYPES
from softscm.wallet import bip32, cardano
from softscm.wallet.curves import WalletCurve

MAX_WALLET_NAME = 128
"""Longest wallet name, in characters [softscm: Zymbit documents no limit]."""

MAX_MASTER_GEN_KEY_BYTES = 256
"""Longest master generator key, in bytes [softscm: Zymbit documents no limit]."""


@dataclass(frozen=True)
class WalletSpec:
    """What every new wallet is made with, checked."""

    curve: WalletCurve
    name: str
    master_gen_key: bytes
    variant: str

    @property
    def key_type(self) -> KeyType:
        return WALLET_KEY_TYPES[self.curve]

    @property
    def cardano(self) -> bool:
        return self.variant == cardano.VARIANT

    def to_record(self) -> dict[str, Any]:
        return {"curve": self.curve.value, "name": self.name,
                "master_gen_key": self.master_gen_key, "variant": self.variant}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> WalletSpec:
        return cls(WalletCurve(record["curve"]), str(record["name"]),
                   bytes(record["master_gen_key"]), str(record["variant"]))


def wallet_spec(key_type: object, wallet_name: object, master_gen_key: object,
                variant: object) -> WalletSpec:
    """The checked arguments of a new wallet; ``InvalidArgument`` for any bad one."""
    if not isinstance(key_type, str):
        raise InvalidArgument(f"key_type must be a string, not {type(key_type).__name__}")
    curve = WalletCurve.parse(key_type)
    if not isinstance(variant, str):
        raise InvalidArgument(f"variant must be a string, not {type(variant).__name__}")
    bip32.check_variant(curve, variant)
    if not isinstance(master_gen_key, (bytes, bytearray)):
        raise InvalidArgument("master_gen_key must be bytes")
    if len(master_gen_key) > MAX_MASTER_GEN_KEY_BYTES:
        raise InvalidArgument(f"master_gen_key has at most {MAX_MASTER_GEN_KEY_BYTES} bytes")
    return WalletSpec(curve, check_name(wallet_name), bytes(master_gen_key), variant)


def check_name(name: object) -> str:
    """A wallet name: printable text of 1 to :data:`MAX_WALLET_NAME` characters."""
    if not isinstance(name, str):
        raise InvalidArgument(f"a wallet name is a str, not {type(name).__name__}")
    if not name:
        raise InvalidArgument("a wallet name cannot be empty")
    if len(name) > MAX_WALLET_NAME:
        raise InvalidArgument(f"a wallet name has at most {MAX_WALLET_NAME} characters")
    if not name.isprintable():
        raise InvalidArgument("a wallet name cannot hold control characters")
    return name


def curve_of(key_type: int) -> WalletCurve:
    """The wallet curve of a stored wallet's key type."""
    for curve, value in WALLET_KEY_TYPES.items():
        if int(value) == key_type:
            return curve
    raise InternalError(f"key type {key_type} is not a wallet curve")
