"""softscm's exceptions: one root, one leaf per cause, a stable code on each.

Every error the module raises is a :class:`SoftScmError` whose :attr:`status` is a
:class:`Status`. The code crosses the wire unchanged; :func:`error_for` rebuilds the same
class on the other side. The ``zymkey`` package turns :attr:`SoftScmError.rc` into
Zymbit's ``AssertionError("bad return code N")``.
"""

from __future__ import annotations

import errno
from enum import IntEnum, unique


@unique
class Status(IntEnum):
    """Wire codes of softscm's error kinds (``scm-behaviour.md`` §0.3). Never renumber."""

    OK = 0
    INVALID_ARGUMENT = 1
    NOT_BOUND = 2
    CANNOT_BIND = 3
    MODULE_UNAVAILABLE = 4
    DESTROYED = 5
    POLICY_LOCKED = 6
    SLOT_EMPTY = 7
    SLOT_READ_ONLY = 8
    KEY_STORE_FULL = 9
    OPERATION_NOT_SUPPORTED = 10
    EXPORT_DISABLED = 11
    WALLET_NAME_EXISTS = 12
    WALLET_NOT_FOUND = 13
    SESSION_ACTIVE = 14
    NO_SESSION = 15
    VERIFICATION_FAILED = 16
    TIMEOUT = 17
    FILE_ERROR = 18
    SELF_TEST_FAILED = 19
    NOT_IMPLEMENTED = 20
    PROTOCOL_ERROR = 21
    CONNECTION_ERROR = 22
    INTERNAL_ERROR = 23
    STORE_DAMAGED = 24


class SoftScmError(Exception):
    """Root of softscm's errors. ``str(e)`` names the culprit, never a secret."""

    status: Status = Status.INTERNAL_ERROR
    #: The negative errno Zymbit's C library would return (``zymkey-api.md`` §2.4).
    default_rc: int = -errno.EIO

    def __init__(self, message: str = "", *, rc: int | None = None) -> None:
        super().__init__(message or self.__class__.__doc__ or self.__class__.__name__)
        self.message = str(self.args[0])
        self.rc = self.default_rc if rc is None else rc

    def diagnostics(self) -> str:
        """A one-line explanation for people (the CLI prints it)."""
        return f"{self.__class__.__name__}: {self.message}"


class InvalidArgument(SoftScmError):
    """A value is out of range, malformed or of the wrong kind."""

    status = Status.INVALID_ARGUMENT
    default_rc = -errno.EINVAL


class NotBound(SoftScmError):
    """The call needs a binding and the module has none."""

    status = Status.NOT_BOUND


class CannotBind(SoftScmError):
    """Production mode, and the host does not match the locked binding."""

    status = Status.CANNOT_BIND


class ModuleUnavailable(SoftScmError):
    """The module is booting, held, powered off or showing a sequence."""

    status = Status.MODULE_UNAVAILABLE


class Destroyed(SoftScmError):
    """Key material has been destroyed; the module is out of service for good."""

    status = Status.DESTROYED


class PolicyLocked(SoftScmError):
    """The setting may no longer be changed in the current mode."""

    status = Status.POLICY_LOCKED
    default_rc = -errno.EPERM


class SlotEmpty(SoftScmError):
    """The slot holds no key."""

    status = Status.SLOT_EMPTY
    default_rc = -errno.ENOENT


class SlotReadOnly(SoftScmError):
    """Factory keys cannot be removed or overwritten."""

    status = Status.SLOT_READ_ONLY
    default_rc = -errno.EPERM


class KeyStoreFull(SoftScmError):
    """No free slot is left in the key store, foreign keyring or wallet table."""

    status = Status.KEY_STORE_FULL
    default_rc = -errno.ENOSPC


class OperationNotSupported(SoftScmError):
    """The key cannot do this operation (for example an X25519 key asked to sign)."""

    status = Status.OPERATION_NOT_SUPPORTED
    default_rc = -errno.EINVAL


class ExportDisabled(SoftScmError):
    """The public key of this slot may not be exported."""

    status = Status.EXPORT_DISABLED
    default_rc = -errno.EPERM


class WalletNameExists(SoftScmError):
    """A wallet with that name already exists."""

    status = Status.WALLET_NAME_EXISTS
    default_rc = -errno.EEXIST


class WalletNotFound(SoftScmError):
    """No wallet or wallet node matches."""

    status = Status.WALLET_NOT_FOUND
    default_rc = -errno.ENOENT


class SessionActive(SoftScmError):
    """A SLIP39 session blocks the call."""

    status = Status.SESSION_ACTIVE
    default_rc = -errno.EBUSY


class NoSession(SoftScmError):
    """The call needs an open SLIP39 session."""

    status = Status.NO_SESSION
    default_rc = -errno.ENOENT


class VerificationFailed(SoftScmError):
    """A signature or locked blob does not verify."""

    status = Status.VERIFICATION_FAILED
    default_rc = 0


class Timeout(SoftScmError):
    """A wait elapsed."""

    status = Status.TIMEOUT
    default_rc = -errno.ETIMEDOUT


class FileError(SoftScmError):
    """A path cannot be read or written (``rc`` is the negated OS errno)."""

    status = Status.FILE_ERROR


class SelfTestFailed(SoftScmError):
    """A power-on or background self test failed."""

    status = Status.SELF_TEST_FAILED


class NotImplementedYet(SoftScmError, NotImplementedError):
    """The operation belongs to an area that is not built yet."""

    status = Status.NOT_IMPLEMENTED
    default_rc = -errno.ENOSYS


class ProtocolError(SoftScmError):
    """A frame could not be decoded or named an unknown operation."""

    status = Status.PROTOCOL_ERROR
    default_rc = -errno.EPROTO


class ConnectionFailed(SoftScmError):
    """The module could not be reached (no state, or a daemon socket that refuses)."""

    status = Status.CONNECTION_ERROR
    default_rc = -errno.ECONNREFUSED


class InternalError(SoftScmError):
    """An unexpected failure inside the module."""

    status = Status.INTERNAL_ERROR


class StoreDamaged(SoftScmError):
    """The module's state on disk is damaged (a file that is not a sound database, a
    record that does not parse, a seal that does not open): the message names the file.
    The event log can still be exported (``softscm log export``); otherwise restore the
    state directory from a backup. Through ``zymkey`` it is an unusable module
    (``bad return code -5``, EIO)."""

    status = Status.STORE_DAMAGED


_BY_STATUS: dict[int, type[SoftScmError]] = {
    cls.status: cls
    for cls in (
        InvalidArgument, NotBound, CannotBind, ModuleUnavailable, Destroyed, PolicyLocked,
        SlotEmpty, SlotReadOnly, KeyStoreFull, OperationNotSupported, ExportDisabled,
        WalletNameExists, WalletNotFound, SessionActive, NoSession, VerificationFailed,
        Timeout, FileError, SelfTestFailed, NotImplementedYet, ProtocolError,
        ConnectionFailed, InternalError, StoreDamaged,
    )
}


def error_for(status: int, message: str, rc: int | None = None) -> SoftScmError:
    """Rebuild the error a peer reported; unknown codes become :class:`InternalError`."""
    cls = _BY_STATUS.get(status, InternalError)
    return cls(message, rc=rc)
