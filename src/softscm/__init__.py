"""softscm: a software Secure Compute Module speaking Zymbit's ``zymkey`` API.

The public surface: :class:`Client`, :class:`Signature`, the errors and their
:class:`Status` codes. Everything else is internal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from softscm.errors import (
    CannotBind,
    ConnectionFailed,
    Destroyed,
    ExportDisabled,
    FileError,
    InternalError,
    InvalidArgument,
    KeyStoreFull,
    ModuleUnavailable,
    NoSession,
    NotBound,
    NotImplementedYet,
    OperationNotSupported,
    PolicyLocked,
    ProtocolError,
    SelfTestFailed,
    SessionActive,
    SlotEmpty,
    SlotReadOnly,
    SoftScmError,
    Status,
    StoreDamaged,
    Timeout,
    VerificationFailed,
    WalletNameExists,
    WalletNotFound,
)

if TYPE_CHECKING:
    from softscm.client import Client, Signature

__version__ = "0.1.0"

__all__ = [
    "CannotBind", "Client", "ConnectionFailed", "Destroyed", "ExportDisabled", "FileError",
    "InternalError", "InvalidArgument", "KeyStoreFull", "ModuleUnavailable", "NoSession",
    "NotBound", "NotImplementedYet", "OperationNotSupported", "PolicyLocked",
    "ProtocolError", "SelfTestFailed", "SessionActive", "Signature", "SlotEmpty",
    "SlotReadOnly", "SoftScmError", "Status", "StoreDamaged", "Timeout", "VerificationFailed",
    "WalletNameExists", "WalletNotFound", "__version__",
]


def __getattr__(name: str) -> Any:
    # The client is loaded on first use, so that a lower layer (``softscm.crypto``,
    # ``softscm.module``...) imports without the layers above it.
    if name in ("Client", "Signature"):
        from softscm import client

        return getattr(client, name)
    raise AttributeError(f"module 'softscm' has no attribute {name!r}")
