"""The exceptions of Zymbit's ``zymkey`` package (``zymkey-api.md`` §2.1).

All five are plain subclasses of :class:`Exception` with no extra attributes. Library
failures are not among them: Zymbit's module reports those as
``AssertionError("bad return code N")``.
"""

from __future__ import annotations

__all__ = [
    "CommandError",
    "VaultError",
    "VerificationError",
    "ZymkeyLibraryError",
    "ZymkeyTimeoutError",
]


class CommandError(Exception):
    """Raised by the :mod:`zymkey.utils` helpers (an output file that already exists)."""


class VaultError(Exception):
    """Raised by the :mod:`zymkey.vault` helpers (``content`` and ``infile`` both given)."""


class VerificationError(Exception):
    """A signature or locked object does not verify; always raised with no arguments."""


class ZymkeyLibraryError(Exception):
    """Zymbit's C library is missing. Zymbit's module raises it at import; softscm needs
    no C library and never does."""


class ZymkeyTimeoutError(Exception):
    """A wait (``wait_for_tap``, ``wait_for_perimeter_event``) timed out."""
