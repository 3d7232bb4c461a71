"""The supervised-boot manifest: its entries, their rules and its stored form
(``scm-behaviour.md`` §6.1).

The manifest lists entries ``(path, slot, digest, signature)``: a path relative to the
boot partition, the factory slot whose P-256 key signed it, the file's SHA-256 digest and
that key's ECDSA signature over it.

The manifest is one meta entry of the store, with an integrity tag (a SHA-256 over its
encoding) that ``sim corrupt manifest`` breaks on purpose. It is not sealed under the
master key: it holds no secret, and verification needs only public keys, so a module
whose key store it cannot unseal (a production state on another host) still verifies
its boot partition and goes on to report "cannot bind". A self-destruct erases it with
the keys (``softscm.store.scrub.SECRET_META``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import msgpack

from softscm.errors import InvalidArgument

#: Name of the store's meta entry that holds the manifest.
MANIFEST_META = "supervised_boot_manifest"
#: Most entries a manifest holds [softscm].
MAX_ENTRIES = 64
#: Longest entry path, in UTF-8 bytes (§6.1).
MAX_PATH_BYTES = 255
#: The factory slot that signs when none is given (§6.1).
DEFAULT_SLOT = 15
#: Length of a manifest entry's digest, in bytes (SHA-256).
DIGEST_BYTES = 32

_FORMAT = 1
_TAG_LABEL = b"softscm/supervised-boot-manifest/v1\x00"
_TAG_BYTES = 32


@dataclass(frozen=True)
class ManifestEntry:
    """One file of the manifest."""

    path: str
    slot: int
    digest: bytes
    signature: bytes

    def to_wire(self) -> list[Any]:
        """The entry as stored."""
        return [self.path, self.slot, self.digest, self.signature]

    @classmethod
    def from_wire(cls, item: object) -> ManifestEntry:
        """Counterpart to :meth:`to_wire`; :class:`Damaged` for anything else."""
        if not isinstance(item, (list, tuple)) or len(item) != 4:
            raise Damaged("a manifest entry has the wrong shape")
        path, slot, digest, signature = item
        if (not isinstance(path, str) or type(slot) is not int
                or not isinstance(digest, bytes) or len(digest) != DIGEST_BYTES
                or not isinstance(signature, bytes)):
            raise Damaged("a manifest entry has the wrong types")
        return cls(path, slot, digest, signature)


class Damaged(Exception):
    """The stored manifest does not decode or fails its integrity check."""


def encode_manifest(entries: Sequence[ManifestEntry]) -> bytes:
    """The stored form: the msgpack body followed by its integrity tag."""
    body = msgpack.packb([_FORMAT, [e.to_wire() for e in entries]], use_bin_type=True)
    return bytes(body) + _tag(body)


def decode_manifest(stored: object) -> list[ManifestEntry]:
    """Counterpart to :func:`encode_manifest`; :class:`Damaged` if the tag or the
    encoding is wrong."""
    if not isinstance(stored, bytes) or len(stored) <= _TAG_BYTES:
        raise Damaged("the manifest store is unreadable")
    body, tag = stored[:-_TAG_BYTES], stored[-_TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(body)):
        raise Damaged("the manifest store failed its integrity check")
    try:
        fmt, items = msgpack.unpackb(body, raw=False)
    except (ValueError, TypeError, msgpack.UnpackException):
        raise Damaged("the manifest store does not decode") from None
    if fmt != _FORMAT or not isinstance(items, list):
        raise Damaged("the manifest store has an unknown format")
    return [ManifestEntry.from_wire(item) for item in items]


def _tag(body: bytes) -> bytes:
    return hashlib.sha256(_TAG_LABEL + body).digest()


def check_path(path: object) -> str:
    """A manifest path (§6.1): relative to the boot partition, no ``..``, no NUL, at
    most 255 bytes; not starting with ``/`` or ``boot/``. Empty and ``.`` components are
    refused too (one file, one spelling), and whitespace, which separates the paths of
    the manifest string (``zymkey-api.md`` §5.16)."""
    if not isinstance(path, str):
        raise InvalidArgument("the boot file path must be a string")
    if not path:
        raise InvalidArgument("the boot file path is empty")
    if path.startswith("/") or path.startswith("boot/"):
        raise InvalidArgument(
            f"{path!r}: give the path relative to the boot partition "
            "(config.txt, not /boot/config.txt)")
    if "\x00" in path:
        raise InvalidArgument("the boot file path contains a NUL character")
    if any(ch.isspace() for ch in path):
        raise InvalidArgument(f"{path!r}: a boot file path cannot contain whitespace")
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        raise InvalidArgument(f"{path!r}: the boot file path is not valid text") from None
    if size > MAX_PATH_BYTES:
        raise InvalidArgument(f"the boot file path is longer than {MAX_PATH_BYTES} bytes")
    parts = path.split("/")
    if ".." in parts:
        raise InvalidArgument(f"{path!r}: a boot file path cannot contain '..'")
    if any(part in ("", ".") for part in parts):
        raise InvalidArgument(f"{path!r}: a boot file path has no empty or '.' components")
    return path


def check_slot(slot: object, factory_slots: int) -> int:
    """A signing slot: a factory slot (0-15 on an SCM); key-store slots are refused."""
    if type(slot) is not int or not 0 <= slot < factory_slots:
        raise InvalidArgument(
            f"supervised boot signs with a factory slot 0-{factory_slots - 1}: {slot!r}")
    return slot
