"""softscm: a software Secure Compute Module speaking Zymbit's ``zymkey`` API.

The public surface: :class:`Client`, :class:`Signature`, the errors and their
:class:`Status` codes. Everything else is internal.
"""

from __future__ import annotations

from softscm.client import Client, Signature
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

__version__ = "0.1.0"

__all__ = [
    "CannotBind", "Client", "ConnectionFailed", "Destroyed", "ExportDisabled", "FileError",
    "InternalError", "InvalidArgument", "KeyStoreFull", "ModuleUnavailable", "NoSession",
    "NotBound", "NotImplementedYet", "OperationNotSupported", "PolicyLocked",
    "ProtocolError", "SelfTestFailed", "SessionActive", "Signature", "SlotEmpty",
    "SlotReadOnly", "SoftScmError", "Status", "StoreDamaged", "Timeout", "VerificationFailed",
    "WalletNameExists", "WalletNotFound", "__version__",
]
