"""``DigestObject``: what ``sign()`` and ``verify()`` hash (``zymkey-api.md`` §3.2)."""

from __future__ import annotations

import hashlib
from typing import Any


class DigestObject:
    """The hash of ``src`` encoded with ``encoding``, fed into ``digest`` (a fresh
    SHA-256 when ``None``) as soon as the object is made.

    ``src`` may be a ``str`` or ``bytes``/``bytearray`` (decoded with ``encoding``, then
    encoded again: undecodable bytes raise ``UnicodeDecodeError``); anything else leaves
    ``str`` at ``None`` and construction fails with ``AttributeError``. A hash object
    passed as ``digest`` is used and updated in place (Q8).
    """

    def __init__(self, src: Any, encoding: str = "utf-8", digest: Any = None) -> None:
        self.src = src
        self.encoding = encoding
        self.hashlib: Any = hashlib.sha256() if digest is None else digest
        text: Any = None
        if isinstance(src, str):
            text = src
        elif isinstance(src, (bytes, bytearray)):
            text = src.decode(encoding)
        self.str: Any = text
        self.hashlib.update(text.encode(encoding))

    def digest(self, update_hash: bool = False) -> Any:
        """The hash object's digest; with ``update_hash`` the text is fed in once more
        first."""
        if update_hash:
            self.hashlib.update(self.str.encode(self.encoding))
        return self.hashlib.digest()
