"""Argument conversion exactly as Zymbit's ``ctypes`` wrapper performs it.

Zymbit's module hands every argument to its C library through ``ctypes``, so wrong
argument *types* fail before any device work, with ``ctypes``' own exceptions
(``zymkey-api.md`` §2.3). These helpers let ``ctypes`` itself judge each value, so the
same values pass, wrap or fail as they do on the hardware:

- C ``int`` parameters refuse ``None``, ``float`` and ``str`` with
  ``ctypes.ArgumentError("argument N: TypeError: wrong type")``, where ``N`` is the
  position in the C call (the context pointer is argument 1);
- C ``unsigned int`` parameters wrap negative ints modulo 2**32;
- C ``bool`` parameters take any value by its truthiness;
- byte buffers are built as ``(c_ubyte * len(x))(*x)``: any sequence of ints (reduced
  modulo 256), and a non-empty ``str`` fails with ``TypeError``;
- strings handed to C are ``.encode("utf-8")``-ed, so non-``str`` values raise
  ``AttributeError``.
"""

from __future__ import annotations

import ctypes
from typing import Any

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def _check(ctype: Any, value: Any, argno: int) -> None:
    """Raise what a ``ctypes`` call with ``argtypes`` raises for a value of the wrong type."""
    try:
        ctype.from_param(value)
    except TypeError as exc:
        raise ctypes.ArgumentError(f"argument {argno}: TypeError: {exc}") from None


def c_int(value: Any, argno: int) -> int:
    """A C ``int`` argument: an ``int`` (or ``bool``), truncated to 32 bits like C."""
    if type(value) is int and _INT_MIN <= value <= _INT_MAX:
        return value
    _check(ctypes.c_int, value, argno)
    return int(ctypes.c_int(value).value)


def c_uint(value: Any, argno: int) -> int:
    """A C ``unsigned int`` argument: negative values wrap modulo 2**32 silently."""
    _check(ctypes.c_uint, value, argno)
    return int(ctypes.c_uint32(value).value)


def c_float(value: Any, argno: int) -> float:
    """A C ``float`` argument: an int or float, carried with single precision."""
    _check(ctypes.c_float, value, argno)
    return float(ctypes.c_float(value).value)


def c_bool(value: Any) -> bool:
    """A C ``bool`` argument: any Python value, by its truthiness."""
    return bool(value)


def c_bytes(data: Any) -> bytes:
    """A byte buffer built as the wrapper does: ``(c_ubyte * len(data))(*data)``.

    ``bytes``, ``bytearray``, byte ``memoryview`` s, lists and tuples of ints (reduced
    modulo 256) and the empty ``str`` are accepted; a non-empty ``str`` raises
    ``TypeError("'str' object cannot be interpreted as an integer")``.
    """
    if type(data) is bytes:
        return data
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    if isinstance(data, memoryview) and data.format in ("B", "b") and data.ndim == 1:
        return data.tobytes()
    return bytes((ctypes.c_ubyte * len(data))(*data))


def c_char_p(value: Any, argno: int) -> None:
    """Check a value the wrapper hands to a C ``char *`` without encoding it: ``None``
    passes, a ``str`` raises ``ctypes.ArgumentError`` (``zymkey-api.md`` Q25)."""
    _check(ctypes.c_char_p, value, argno)


def c_string(value: Any) -> str:
    """A string the wrapper passes to C as ``value.encode("utf-8")``.

    Returns ``value`` itself once it has encoded, so a non-``str`` (``bytes``, ``None``)
    raises ``AttributeError`` as on the hardware.
    """
    value.encode("utf-8")
    return str(value)


def float32(value: Any) -> float:
    """A reading that travelled through a C ``float``: ``2.3`` becomes
    ``2.299999952316284`` (``zymkey-api.md`` §4.14)."""
    return float(ctypes.c_float(value).value)
