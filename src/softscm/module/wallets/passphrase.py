"""The passphrases of new wallets, as a strategy carries them: base64 text
(``zymkey-api.md`` §7.14), decoded and checked for BIP39 or SLIP39."""

from __future__ import annotations

import base64
import binascii

from softscm.errors import InvalidArgument


def decode_passphrase(text: object) -> bytes:
    """The passphrase a strategy carries as base64 text (``zymkey-api.md`` §7.14)."""
    if not isinstance(text, str):
        raise InvalidArgument(f"the passphrase is base64 text (a str), not "
                              f"{type(text).__name__}")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error):
        raise InvalidArgument("the passphrase is not valid base64 text") from None
    if base64.b64encode(raw).decode("ascii") != text:
        raise InvalidArgument("the passphrase is not canonical base64 text")
    return raw


def bip39_passphrase(text: object) -> bytes:
    """A BIP39 passphrase: base64 of UTF-8 text."""
    raw = decode_passphrase(text)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidArgument("the BIP39 passphrase (base64-decoded) is not UTF-8 "
                              "text") from None
    return raw


def slip39_passphrase(text: object) -> bytes:
    """A SLIP39 passphrase: base64 of printable ASCII."""
    raw = decode_passphrase(text)
    if not all(32 <= c <= 126 for c in raw):
        raise InvalidArgument("the SLIP39 passphrase (base64-decoded) must be printable "
                              "ASCII")
    return raw
