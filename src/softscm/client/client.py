"""``softscm.Client``: the native, typed API of a softscm module.

Every method is one operation of the module, carried by a transport: over the socket to
the daemon as a msgpack frame (``softscm.service.protocol``), in-process to an embedded
module in this process with its values handed over as such a frame carries them. Errors
are softscm's own exceptions (``softscm.errors``) whichever the transport.

File paths are read and written here, in the calling process, never by the module.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from softscm.client.authorization import AuthorizationClientMixin
from softscm.client.certificates import CertificateClientMixin
from softscm.client.files import AtomicWriter, PathLike, file_error, write_file
from softscm.client.luks import LuksClientMixin
from softscm.client.metrics import MetricsClientMixin
from softscm.client.physical import PhysicalClientMixin
from softscm.client.simulation import Simulation
from softscm.client.supervised_boot import SupervisedBootClientMixin
from softscm.client.transport import Transport
from softscm.client.wallets import WalletClientMixin
from softscm.errors import SoftScmError

#: Chunk size of lock/unlock streams, in bytes.
STREAM_CHUNK = 1 << 20
#: Data (or a blob) up to this size is locked/unlocked in one call; larger streams.
SINGLE_CALL_BYTES = 2 << 20
#: Largest request for random bytes sent in one call; larger ones are split.
_RANDOM_CHUNK = 1 << 20


class Signature(NamedTuple):
    """A signature made by the module: 64 bytes ``r||s`` (ECDSA, low-S) or ``R||S``
    (Ed25519), and the recovery id (y parity of R) when it was asked for."""

    signature: bytes
    recid: int | None = None


class Client(PhysicalClientMixin, SupervisedBootClientMixin, WalletClientMixin,
             CertificateClientMixin, LuksClientMixin, MetricsClientMixin,
             AuthorizationClientMixin):
    """A connection to one softscm module.

    Use :meth:`connect` (the daemon if its socket exists, else the embedded module of
    ``SOFTSCM_HOME``) or :meth:`open` (an embedded module in a given state directory).
    """

    def __init__(self, transport: Transport, *, host: bool = True) -> None:
        self._transport = transport
        #: This client's host context: its own perimeter and tap notifications.
        self._context = os.urandom(8).hex()
        #: The simulation control plane.
        self.sim = Simulation(self._call)
        #: Whether this client is a host session (binds the module, sends heartbeats)
        #: or only the operator's view (status, simulation, the log).
        self._host = host
        if host:
            try:
                self._call("session_open", context=self._context)
            except BaseException:
                # A failed construction keeps nothing: the state lock and the database
                # connection (in-process) or the socket go with the transport.
                transport.close()
                raise

    # -- connecting ------------------------------------------------------------------

    @classmethod
    def open(cls, home: PathLike | None = None, *, host: bool = True,
             **options: Any) -> Client:
        """Open the embedded module in ``home`` (default: ``SOFTSCM_HOME``, else the
        platform's user data directory), creating it on first use. ``host=False`` gives
        an operator's client that opens no host session."""
        from softscm.client.inprocess import InProcessTransport

        return cls(InProcessTransport.open(home, **options), host=host)

    @classmethod
    def connect(cls, home: PathLike | None = None, *, host: bool = True) -> Client:
        """Reach the module this host uses: the daemon when its socket exists, otherwise
        the embedded module in ``home``. ``host=False``: see :meth:`open`."""
        from softscm.client.locate import locate_transport

        return cls(locate_transport(home), host=host)

    def close(self) -> None:
        """Release the connection. Later calls fail with ``ConnectionFailed``."""
        if self._host:
            with contextlib.suppress(SoftScmError):
                self._call("session_close", context=self._context)
        self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _call(self, op: str, **args: Any) -> Any:
        return self._transport.call(op, args)

    # -- identity and status -----------------------------------------------------------

    def hello(self) -> dict[str, Any]:
        """The protocol version and the module's identity (serial, model, firmware)."""
        return dict(self._call("hello"))

    def status(self) -> dict[str, Any]:
        """The module's status as the operator sees it (``softscm status``)."""
        return dict(self._call("status"))

    def selftest(self) -> dict[str, Any]:
        """Run the module's whole self test now (``softscm selftest``, §9.2):
        ``result`` (``"pass"`` or ``"fail"``), ``checks`` (each ``name`` and whether it
        ``passed``) and, on a failure, the fatal ``code`` the module shows as it
        reboots (a failure is fatal as at boot)."""
        return dict(self._call("self_test"))

    def model_number(self) -> str:
        """The model string (``"SCM"`` by default)."""
        return str(self._call("model_number"))

    def firmware_version(self) -> str:
        """The firmware string (``"01.02.02release"`` by default)."""
        return str(self._call("firmware_version"))

    def serial_number(self) -> str:
        """The module's serial number, fixed at provisioning."""
        return str(self._call("serial_number"))

    def get_time(self, precise: bool = False) -> int:
        """The module RTC in epoch seconds; ``precise`` waits for the next second."""
        return int(self._call("get_time", precise=bool(precise)))

    # -- random ----------------------------------------------------------------------

    def random_bytes(self, num_bytes: int) -> bytes:
        """``num_bytes`` bytes from the module's generator (0 gives ``b""``)."""
        if type(num_bytes) is int and num_bytes > _RANDOM_CHUNK:
            parts = []
            for start in range(0, num_bytes, _RANDOM_CHUNK):
                size = min(_RANDOM_CHUNK, num_bytes - start)
                parts.append(bytes(self._call("random_bytes", num_bytes=size)))
            return b"".join(parts)
        return bytes(self._call("random_bytes", num_bytes=num_bytes))

    def random_file(self, path: PathLike, num_bytes: int) -> None:
        """Write ``num_bytes`` random bytes to ``path`` (created or truncated)."""
        data = self.random_bytes(num_bytes)
        write_file(path, data)

    # -- data lock / unlock ----------------------------------------------------------

    def lock(self, data: bytes | bytearray, key: str = "zymkey") -> bytearray:
        """Encrypt and authenticate ``data`` with the module's ``"zymkey"`` (one-way) or
        ``"cloud"`` (shared) key; the blob comes back as a ``bytearray``. Counterpart to
        :meth:`unlock`. Data larger than :data:`SINGLE_CALL_BYTES` streams in chunks."""
        buffer = _buffer(data)
        if len(buffer) <= SINGLE_CALL_BYTES:
            return _bytearray(self._call("lock", data=buffer, key=key))
        return bytearray(b"".join(self._stream("lock", key, _chunks(buffer))))

    def unlock(self, blob: bytes | bytearray, key: str = "zymkey") -> bytearray:
        """Check and decrypt a blob made by :meth:`lock` (plaintext as a ``bytearray``);
        ``VerificationFailed`` if it was altered, truncated, locked with the other key or
        by another module."""
        buffer = _buffer(blob)
        if len(buffer) <= SINGLE_CALL_BYTES:
            return _bytearray(self._call("unlock", blob=buffer, key=key))
        return bytearray(b"".join(self._stream("unlock", key, _chunks(buffer))))

    def lock_file(self, src: PathLike, dst: PathLike, key: str = "zymkey", *,
                  progress: Callable[[int], None] | None = None) -> None:
        """Lock the file ``src`` into the file ``dst``, streaming: neither side holds
        more than a chunk. ``progress(n)`` is called as each ``n`` bytes of ``src`` are
        done."""
        self._stream_file("lock", key, src, dst, progress)

    def unlock_file(self, src: PathLike, dst: PathLike, key: str = "zymkey", *,
                    progress: Callable[[int], None] | None = None) -> None:
        """Unlock the file ``src`` into ``dst``; nothing appears at ``dst`` unless the
        whole blob verified. ``progress``: as for :meth:`lock_file`."""
        self._stream_file("unlock", key, src, dst, progress)

    def _stream(self, mode: str, key: str, chunks: Iterator[bytes]) -> Iterator[bytes]:
        handle = self._call("stream_open", mode=mode, key=key)
        try:
            for chunk in chunks:
                yield bytes(self._call("stream_update", handle=handle, chunk=chunk))
            finished = True
            yield bytes(self._call("stream_finish", handle=handle))
        except BaseException:
            finished = False
            raise
        finally:
            if not finished:
                with contextlib.suppress(SoftScmError):
                    self._call("stream_abort", handle=handle)

    def _stream_file(self, mode: str, key: str, src: PathLike, dst: PathLike,
                     progress: Callable[[int], None] | None = None) -> None:
        try:
            source = open(src, "rb")  # noqa: SIM115
        except OSError as exc:
            raise file_error("read", src, exc) from None

        def chunks() -> Iterator[bytes]:
            for chunk in iter(lambda: source.read(STREAM_CHUNK), b""):
                yield chunk
                if progress is not None:
                    progress(len(chunk))

        with source, AtomicWriter(dst) as out:
            for piece in self._stream(mode, key, chunks()):
                out.write(piece)

    # -- signatures ------------------------------------------------------------------

    def sign_digest(
        self, digest: bytes, slot: int = 0, *, recid: bool = False, foreign: bool = False
    ) -> Signature:
        """Sign a digest (its first 32 bytes) with the private key in ``slot``.

        ``recid`` asks for the recovery id. Foreign slots hold public keys only, so
        ``foreign=True`` fails with ``OperationNotSupported``."""
        return Signature._make(self._call(
            "sign_digest", digest=bytes(digest), slot=slot, recid=bool(recid),
            foreign=bool(foreign),
        ))

    def verify_digest(
        self, digest: bytes, signature: bytes, slot: int = 0, *, foreign: bool = False
    ) -> bool:
        """Whether ``signature`` is valid for ``digest`` under the public key of ``slot``
        (main store, or the foreign keyring). A malformed signature is simply ``False``."""
        return bool(
            self._call(
                "verify_digest", digest=bytes(digest), signature=bytes(signature),
                slot=slot, foreign=bool(foreign),
            )
        )

    # -- ECDH ------------------------------------------------------------------------

    def ecdh(
        self,
        slot: int,
        peer: bytes | int,
        *,
        peer_foreign: bool = True,
        kdf: str = "none",
        salt: bytes = b"",
        info: bytes = b"",
        iterations: int = 1,
        size: int = 32,
    ) -> bytes:
        """ECDH between the private key in ``slot`` and ``peer`` (raw public key bytes,
        or a slot number: foreign keyring if ``peer_foreign``, else the main store),
        followed by ``kdf`` (``"none"``, ``"rfc5869-sha256"``, ``"rfc5869-sha512"``,
        ``"pbkdf2-sha256"``, ``"pbkdf2-sha512"``). Returns ``size`` bytes."""
        args: dict[str, Any] = {
            "slot": slot, "kdf": kdf, "salt": bytes(salt), "info": bytes(info),
            "iterations": iterations, "size": size, "peer_foreign": bool(peer_foreign),
        }
        if isinstance(peer, int) and not isinstance(peer, bool):
            args["peer_slot"] = peer
        else:
            args["peer_key"] = bytes(peer)
        return bytes(self._call("ecdh", **args))

    # -- keys ------------------------------------------------------------------------

    def public_key(self, slot: int = 0, *, foreign: bool = False) -> bytes:
        """The raw public key of ``slot``: 64 bytes ``X||Y`` (P-256, secp256k1) or 32
        (Ed25519, X25519). ``slot=-1`` is the ephemeral key."""
        return bytes(self._call("public_key", slot=slot, foreign=bool(foreign)))

    def public_key_pem(self, slot: int = 0, *, foreign: bool = False) -> str:
        """The public key of ``slot`` as PEM SubjectPublicKeyInfo text."""
        return str(self._call("public_key_pem", slot=slot, foreign=bool(foreign)))

    def export_public_key(self, path: PathLike, slot: int = 0, *, foreign: bool = False) -> None:
        """Write the PEM public key of ``slot`` to ``path``."""
        write_file(path, self.public_key_pem(slot, foreign=foreign).encode("ascii"))

    def slots(self, *, foreign: bool = False) -> tuple[list[int], int]:
        """``(allocated slots ascending, pool size)`` of the main store or keyring."""
        allocated, size = self._call("slots", foreign=bool(foreign))
        return [int(s) for s in allocated], int(size)

    def keys(self, *, foreign: bool = False) -> list[dict[str, Any]]:
        """One record per allocated slot: ``slot``, ``key_type``, ``exportable``,
        ``origin`` (``factory``, ``generated``, ``foreign``, ``ephemeral``)."""
        return [dict(k) for k in self._call("keys", foreign=bool(foreign))]

    def generate_key(self, key_type: str) -> int:
        """Generate a persistent key pair (``"nistp256"``/``"secp256r1"``,
        ``"secp256k1"``, ``"ed25519"``, ``"x25519"``) in the lowest free slot ≥ 16."""
        return int(self._call("generate_key", key_type=key_type))

    def generate_ephemeral_key(self, key_type: str) -> None:
        """Create the ephemeral key pair (slot -1), replacing any previous one."""
        self._call("generate_ephemeral_key", key_type=key_type)

    def invalidate_ephemeral_key(self) -> None:
        """Take the ephemeral key out of service."""
        self._call("invalidate_ephemeral_key")

    def store_foreign_key(self, key_type: str, public_key: bytes) -> int:
        """Store a peer's raw public key in the foreign keyring; returns its slot."""
        return int(self._call("store_foreign_key", key_type=key_type, public_key=bytes(public_key)))

    def disable_public_key_export(self, slot: int = 0, *, foreign: bool = False) -> None:
        """Forbid exporting the public key of ``slot`` for good."""
        self._call("disable_public_key_export", slot=slot, foreign=bool(foreign))

    def remove_key(self, slot: int, *, foreign: bool = False) -> None:
        """Remove the key in ``slot`` (and, for a wallet node, its descendants). An
        unallocated key-store slot is a no-op; factory slots are ``SlotReadOnly``."""
        self._call("remove_key", slot=slot, foreign=bool(foreign))


def _buffer(value: Any) -> bytes | bytearray:
    """Bytes-like input as ``bytes`` or ``bytearray``, copied only when it is neither."""
    return value if isinstance(value, (bytes, bytearray)) else bytes(value)


def _bytearray(value: Any) -> bytearray:
    """A result as a ``bytearray`` (without a copy when it is one already)."""
    return value if type(value) is bytearray else bytearray(value)


def _chunks(data: bytes | bytearray) -> Iterator[bytes]:
    view = memoryview(data)
    for start in range(0, len(view), STREAM_CHUNK):
        yield bytes(view[start:start + STREAM_CHUNK])
