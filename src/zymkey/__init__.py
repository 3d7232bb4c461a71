"""Zymbit's ``zymkey`` Python API, served by a softscm module.

An application written for Zymbit's Secure Compute Module runs unmodified:
``import zymkey; zymkey.client.sign("hello")``. This package reproduces Zymbit's
wrapper (names, defaults, argument conversion and its own checks, return shapes,
encodings, file paths, ``raise_exception`` flags) and maps softscm's errors to what
Zymbit's module raises. Every decision about keys and policy is the module's, reached
through :class:`softscm.Client` (``zymkey-api.md`` is the contract).

Where softscm differs from the hardware: no C library is needed, so importing never
raises ``ZymkeyLibraryError``; ``distutils`` is not imported; areas that are not built
yet raise ``NotImplementedError`` naming the method.
"""

from __future__ import annotations

import errno
import sys

# Zymbit's module does ``from ctypes import *``, so every ctypes name is an attribute of
# the package, and ``sign_digest`` returns a genuine ``ctypes.c_uint`` recovery id.
from ctypes import *  # noqa: F403
from typing import Any

from softscm.client import Client
from softscm.errors import SoftScmError
from zymkey._accel import AccelMethods
from zymkey._binding import BindingMethods
from zymkey._boot import BootMethods
from zymkey._constants import CLOUD_ENCRYPTION_KEY as CLOUD_ENCRYPTION_KEY
from zymkey._constants import ENCRYPTION_KEYS as ENCRYPTION_KEYS
from zymkey._constants import ZYMKEY_ENCRYPTION_KEY as ZYMKEY_ENCRYPTION_KEY
from zymkey._constants import kdfFuncTypes as kdfFuncTypes
from zymkey._constants import keyTypes as keyTypes
from zymkey._device import DeviceMethods
from zymkey._digest import DigestObject as DigestObject
from zymkey._errors import bad_return_code, return_code
from zymkey._keys import KeyMethods
from zymkey._locker import LockerMethods
from zymkey._monitors import MonitorMethods
from zymkey._perimeter import PerimeterMethods
from zymkey._recovery import RecoveryStrategy, RecoveryStrategyBIP39, RecoveryStrategySLIP39
from zymkey._signing import SigningMethods
from zymkey._wallet import WalletMethods
from zymkey.exceptions import VerificationError as VerificationError
from zymkey.exceptions import ZymkeyLibraryError as ZymkeyLibraryError
from zymkey.exceptions import ZymkeyTimeoutError as ZymkeyTimeoutError
from zymkey.settings import ZYMKEY_LIBRARY_PATH as ZYMKEY_LIBRARY_PATH
from zymkey.utils import is_string as is_string

__all__ = ["Zymkey", "client", "RecoveryStrategy", "RecoveryStrategyBIP39",
           "RecoveryStrategySLIP39"]

def _connect() -> Client:
    """The client for this host; a module that cannot be reached is Zymbit's
    ``AssertionError("bad return code N")``, as when ``zkOpen`` fails."""
    try:
        return Client.connect()
    except SoftScmError as exc:
        raise bad_return_code(return_code(exc)) from None
    except OSError as exc:
        raise bad_return_code(-(exc.errno or errno.EIO)) from None


class Zymkey(
    DeviceMethods,
    LockerMethods,
    SigningMethods,
    KeyMethods,
    WalletMethods,
    AccelMethods,
    BindingMethods,
    PerimeterMethods,
    MonitorMethods,
    BootMethods,
):
    """A context on the module: the 63 methods of Zymbit's ``Zymkey`` class.

    ``Zymkey()`` opens it (``AssertionError`` when no module can be reached); several
    instances may coexist and all see the same module. Library failures raise
    ``AssertionError("bad return code N")`` (Q1). ``_client`` (keyword only, not part of
    Zymbit's API) hands in a :class:`softscm.Client`, which the instance then does not
    close.
    """

    #: The slot number of the ephemeral key.
    EPHEMERAL_KEY_SLOT = -1

    ZymkeyAccelAxisData = AccelMethods.ZymkeyAccelAxisData

    def __init__(self, *, _client: Client | None = None) -> None:
        self._owns_client = _client is None
        self._client = _connect() if _client is None else _client

    def __del__(self) -> None:
        # Closing the context; as on the hardware, nothing here reaches the caller.
        # No module globals here: they may be gone already at interpreter exit.
        connection: Any = self.__dict__.pop("_client", None)
        if connection is not None and self.__dict__.get("_owns_client"):
            try:
                connection.close()
            except Exception:
                return


def create_new_client() -> Zymkey | None:
    """A new :class:`Zymkey`, or ``None`` if no module can be reached (Q2); the reason
    is written once to stderr, since ``None`` alone does not say it."""
    try:
        return Zymkey()
    except AssertionError as exc:
        _say_why(exc)
        return None


#: Reasons for a missing client already written to stderr (each is said once).
_SAID: set[str] = set()


def _say_why(exc: AssertionError) -> None:
    """Write why no context could be opened: the softscm error behind ``exc``."""
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, SoftScmError):
        reason = cause.diagnostics()
    elif isinstance(cause, OSError):
        reason = f"{type(cause).__name__}: {cause}"
    else:
        reason = str(exc)
    if reason not in _SAID:
        _SAID.add(reason)
        sys.stderr.write(f"zymkey: no module could be opened, so the client is None: "
                         f"{reason}\n")


#: The shared context made at import; ``None`` when no module could be reached (Q2).
client: Zymkey | None = create_new_client()
