"""The module: softscm's "firmware". Pure logic over an injected store, clock and entropy.

Each public method is one operation of the module, named as on the wire
(``softscm.service.dispatch``) and in :class:`softscm.Client`. Every argument is checked
here, whoever the caller; a failed check raises before anything changes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from softscm.crypto import keys as ck
from softscm.crypto.curves import KeyType
from softscm.crypto.kdf import check_arguments, derive, kdf_from_name
from softscm.errors import InvalidArgument, OperationNotSupported
from softscm.module import eventlog
from softscm.module.authorization import Authorization
from softscm.module.checks import check_bytes, check_digest, check_str
from softscm.module.codes import EventKind
from softscm.module.context import Clock, Context
from softscm.module.deferred import Deferred
from softscm.module.integrity import CodeSource, Integrity
from softscm.module.keys import luks
from softscm.module.keys.certificates import Certificates
from softscm.module.keys.datalock import DataLock, new_sealed_lock_keys
from softscm.module.keys.keystore import KeyStore
from softscm.module.keys.luks import LuksKeys
from softscm.module.keys.master import MasterKey, new_sealed_master
from softscm.module.lifecycle.physical import Hooks, Physical
from softscm.module.lifecycle.selftest import ContinuousTest
from softscm.module.metrics import Metrics
from softscm.module.operations import Kind, Operation, exposed, operations_of, registry
from softscm.module.profile import Profile
from softscm.module.records import EventRecord
from softscm.module.simulation.controls import SimulationControls
from softscm.module.storage import ModuleStore
from softscm.module.supervised_boot.supervised_boot import (
    BootFiles,
    SupervisedBoot,
    no_boot_files,
)
from softscm.module.wallets.wallets import Wallets

#: Protocol version reported by ``hello``.
PROTOCOL_VERSION = 2
#: Most random bytes one call returns (larger requests are split by the client).
MAX_RANDOM_BYTES = 1 << 20
#: Length of the random part of a serial number, in bytes.
SERIAL_RANDOM_BYTES = 6


class Module:
    """One softscm module (see ``spec/scm-behaviour.md``).

    Build it with :meth:`provision` (a new module) or from an existing state with the
    constructor. Operations of an area with a file of its own live on a part
    (``module.wallets``); :meth:`operation` finds either."""

    #: The operations served by the module's own methods, not a part's (set below,
    #: from the registry).
    OPERATIONS: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self, store: ModuleStore, *, clock: Clock, entropy: Callable[[int], bytes], salt: bytes,
        identity: dict[str, str] | None = None, host_boot_id: str = "",
        boot_files: BootFiles | None = None, code: CodeSource | None = None,
    ) -> None:
        meta = store.all_meta()
        if "serial" not in meta:
            raise InvalidArgument("the state holds no module (run `softscm init`)")
        self._store = store
        self._clock = clock
        #: The injected source under the continuous test: every draw is tested (§9.2).
        self._entropy = ContinuousTest.over(entropy)
        entropy = self._entropy
        self.serial = str(meta["serial"])
        self.profile = Profile.from_meta(meta)
        #: What the parts are given (:mod:`softscm.module.context`).
        self.context = Context(
            store=store, clock=clock, now=lambda: self.physical.now(), entropy=entropy,
            serial=self.serial,
            record=self.record, host_guard=self._host_call, sync=self._sync,
            master_key=lambda: self.master.key,
        )
        #: The master key, as this process unsealed it.
        self.master = MasterKey(self.context, meta, salt=salt, identity=identity or {})
        self.data_lock = DataLock(self.context, meta)
        self.keystore = KeyStore(store, self.profile, self.serial, self.context.master_key,
                                 entropy)
        self.wallets = Wallets(self.context, self.keystore, self.profile.profile)
        self.certificates = Certificates(self.context, self.keystore)
        self.luks = LuksKeys(self.context)
        self.metrics = Metrics(self.context)
        self.supervised_boot = SupervisedBoot(self.context, self.keystore, self.profile,
                                              boot_files or no_boot_files)
        self.integrity = Integrity(self.context, self.keystore, self.profile,
                                   self.supervised_boot.corrupt_manifest, code)
        self.physical = Physical(
            self.context, self.profile,
            Hooks(destroy_keys=(self.keystore.destroy, self.master.forget, self.data_lock.forget),
                  drop_volatile=self.keystore.drop_volatile,
                  verify_boot=self.supervised_boot.verify,
                  host_reaches_module=self.supervised_boot.host_reaches_module,
                  seal_for_production=self.master.seal_for_production,
                  after_commit=(self.metrics.flush, self.master.scrub),
                  integrity_checks=self.integrity.checks),
            identity=identity or {}, salt=salt, host_boot_id=host_boot_id)
        self.simulation = SimulationControls(self.physical, self.profile)
        self.authorization = Authorization(self.physical, self.keystore, self.profile)
        parts = (self, self.wallets, self.supervised_boot, self.physical, self.simulation,
                 self.certificates, self.luks, self.metrics, self.integrity,
                 self.authorization)
        owners: dict[type, object] = {type(owner): owner for owner in parts}
        #: Operation name to (the object serving it, the name of its method).
        self._served: dict[str, tuple[object, str]] = {
            name: (owners[_OWNER[name]], op.method) for name, op in OPERATIONS.items()}
        self._version = store.data_version()
        self._token: bytes | None = None
        self.physical.on_open()

    def operation(self, op: str) -> Callable[..., Any] | None:
        """The method that serves operation ``op`` (:data:`OPERATIONS`), or ``None`` if
        there is none. The method of an operation with slow work returns a
        :class:`Deferred`, to be run once the module is free for other callers."""
        served = self._served.get(op)
        if served is None:
            return None
        if self._entropy.failed:
            self._continuous_test_failed()
        self.metrics.count_call(op)
        return getattr(*served)  # type: ignore[no-any-return]

    def _continuous_test_failed(self) -> None:
        """A draw failed the continuous test (§9.2; the operation that drew failed with
        ``SelfTestFailed`` and kept nothing): the module fails its self test before it
        serves anything else."""
        self._entropy.failed = False
        with self.physical.edit() as st:
            self.physical.engine.continuous_test_failed(st, self.physical.time_at(st))

    @classmethod
    def provision(
        cls, store: ModuleStore, *, clock: Clock, entropy: Callable[[int], bytes], salt: bytes,
        profile: Profile | None = None, identity: dict[str, str] | None = None,
        luks_key: str | None = None,
    ) -> Module:
        """Create a new module in an empty ``store`` (:meth:`create_state`) and open it."""
        cls.create_state(store, entropy=entropy, salt=salt, profile=profile, luks_key=luks_key)
        return cls(store, clock=clock, entropy=entropy, salt=salt, identity=identity)

    @staticmethod
    def create_state(
        store: ModuleStore, *, entropy: Callable[[int], bytes], salt: bytes,
        profile: Profile | None = None, luks_key: str | None = None,
    ) -> None:
        """Write a new module into an empty ``store``: identity, master key, data-lock
        keys and the factory keys, all drawn from ``entropy``, in one transaction; with
        ``luks_key``, also a LUKS key of that name (§9.7 step 7, §9.5)."""
        prof = (profile or Profile()).resolved()
        if luks_key is not None:
            luks.check_name(luks_key)
        entropy = ContinuousTest.over(entropy)
        serial = "SSCM" + entropy(SERIAL_RANDOM_BYTES).hex().upper()
        with store.transaction():
            if store.get_meta("serial") is not None:
                raise InvalidArgument("the state already holds a module")
            master, sealed = new_sealed_master(serial, salt, entropy)
            sealed.update(new_sealed_lock_keys(master, serial, entropy))
            values: dict[str, Any] = {"serial": serial, **prof.to_meta(), **sealed}
            for name, value in values.items():
                store.set_meta(name, value)
            KeyStore(store, prof, serial, lambda: master, entropy).provision_factory_keys()
            if luks_key is not None:
                luks.add_new_key(store, serial, master, luks_key, entropy)

    # -- shared state --------------------------------------------------------------------

    def _sync(self) -> None:
        """Drop caches if another process changed the state since we last looked. The
        store's change token answers "nothing at all was committed" cheaply; only when
        it moved is SQLite asked whether the commit was another connection's."""
        token = self._store.change_token()
        if token is not None and token == self._token:
            return
        version = self._store.data_version()
        self._token = token
        if version != self._version:
            self._version = version
            self.keystore.forget()
            self.physical.forget()

    def _host_call(self) -> None:
        """Every host (``zymkey``) operation starts here: the module must be serving
        the host (running and bound), or the call fails with the reason. (The physical
        part first looks whether another process changed the state.)"""
        self.physical.require_host()

    # -- event log -----------------------------------------------------------------------

    def record(self, kind: str, _at: float | None = None, /, **detail: Any) -> None:
        """Append a record of ``kind`` (an :class:`~softscm.module.codes.EventKind`, or
        its string) to the event log, at module time ``_at`` (default: now), with the
        module's RTC and uptime (``rtc``, ``mono_ms``); past the log's bound the oldest
        records give way (:mod:`softscm.module.eventlog`)."""
        kind = str(kind)  # the kind's own string, as stored and hashed
        at = self.physical.now() if _at is None else _at
        if any(name in detail for name in eventlog.CLOCK_FIELDS):
            raise ValueError(f"{kind}: {eventlog.CLOCK_FIELDS} are the log's own fields")
        rtc, mono_ms = self.physical.log_clock(at)
        with self._store.transaction():
            previous = self._store.last_event()
            new = eventlog.make_record(previous, at, kind,
                                       {**detail, "rtc": rtc, "mono_ms": mono_ms})
            self._store.append_event(new)
            self.metrics.on_record(kind, detail)
            self._bound_log(new, rtc, mono_ms)

    def _bound_log(self, last: EventRecord, rtc: float, mono_ms: int) -> None:
        """Keep the newest :data:`eventlog.MAX_RECORDS` records once the log is over
        its bound by :data:`eventlog.TRUNCATE_SLACK`, with a ``log_truncated`` marker."""
        if last.seq <= eventlog.MAX_RECORDS + eventlog.TRUNCATE_SLACK:
            return
        first = self._store.events(0, 1)
        if not first or not eventlog.truncation_due(last, first[0]):
            return
        first_seq = eventlog.first_kept(last)
        removed = self._store.events(first_seq - 2, 1)
        if not removed or removed[0].seq != first_seq - 1:
            return  # the log has a gap there: leave it for ``softscm log verify``
        self._store.drop_events(first_seq)
        detail = {**eventlog.truncation_detail(first_seq, removed[0]),
                  "rtc": rtc, "mono_ms": mono_ms}
        self._store.append_event(eventlog.make_record(
            last, last.at, str(EventKind.LOG_TRUNCATED), detail))

    @exposed(Kind.OPERATOR)
    def events(self, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """Event-log records after sequence number ``after`` (oldest first)."""
        if type(after) is not int or type(limit) is not int or limit < 0 or after < 0:
            raise InvalidArgument("after and limit must be non-negative integers")
        self._sync()
        self.physical.catch_up()
        records = self._store.events(after, min(limit, 10_000))
        if not records:
            return []
        before = self._store.events(after - 1, 1) if after > 0 else []
        previous = eventlog.previous_digest(
            records[0], before[0] if before else None,
            lambda: self._store.last_event_of(str(EventKind.LOG_TRUNCATED)))
        return eventlog.as_dicts(records, previous)

    # -- identity ------------------------------------------------------------------------

    @exposed(Kind.OPERATOR)
    def hello(self) -> dict[str, Any]:
        """Protocol version and identity; needs no binding."""
        return {
            "protocol": PROTOCOL_VERSION, "serial": self.serial,
            "model": self.profile.model, "firmware": self.profile.firmware,
        }

    @exposed(Kind.OPERATOR)
    def status(self) -> dict[str, Any]:
        """The operator's view of the module (``softscm status``)."""
        self._sync()
        status: dict[str, Any] = {
            "serial": self.serial, "model": self.profile.model,
            "firmware": self.profile.firmware, "profile": self.profile.profile,
            "program": self.profile.program, "revision": self.profile.revision,
            "simulation": self.profile.simulation,
            "issue_159": {"affected": self.profile.affected_by_issue_159,
                          "emulated": self.profile.issue_159_emulated},
            "tap_logging": self.profile.tap_logging,
            "keys": {"allocated": len(self.keystore.slots()),
                     "key_store_size": self.profile.key_store_size,
                     "foreign": len(self.keystore.foreign_slots()),
                     "foreign_keyring_size": self.profile.foreign_keyring_size},
            "time": int(self.physical.rtc()),
            "events": self.events(after=max(0, self.last_seq() - 10)),
            # Deleted secrets not yet erased from the files (retried until done).
            "erasure_pending": self._store.erasure_pending(),
        }
        status.update(self.physical.physical_status())
        return status

    @exposed(Kind.OPERATOR)
    def module_time(self) -> float:
        """Module time in seconds (the clock plus the simulated offset)."""
        self._sync()
        return self.physical.now()

    def sleep(self, seconds: float) -> None:
        """Let ``seconds`` pass for the caller (real time, or a fake clock's)."""
        self._clock.sleep(seconds)

    @property
    def clock_jumps(self) -> bool:
        """Whether the clock's time passes only when a caller sleeps or a test moves it
        (see :class:`Clock`)."""
        return bool(getattr(self._clock, "jumps", False))

    def next_due(self) -> float | None:
        """Module time of the next thing that happens by itself (a pending timer), or
        ``None``; a waiter on a jumping clock sleeps until then."""
        return self.physical.next_due()

    def last_seq(self) -> int:
        """Sequence number of the newest event-log record (0: none)."""
        self._sync()
        last = self._store.last_event()
        return 0 if last is None else last.seq

    @exposed(Kind.HOST)
    def model_number(self) -> str:
        """The model string."""
        self._host_call()
        return self.profile.model

    @exposed(Kind.HOST)
    def firmware_version(self) -> str:
        """The firmware string."""
        self._host_call()
        return self.profile.firmware

    @exposed(Kind.HOST)
    def serial_number(self) -> str:
        """The serial number, fixed at provisioning."""
        self._host_call()
        return self.serial

    def get_time(self, precise: bool = False) -> int:
        """The RTC in epoch seconds; ``precise`` waits for the next second boundary
        (at most 1 s)."""
        return self.begin_get_time(precise).run()

    @exposed(Kind.HOST, name="get_time")
    def begin_get_time(self, precise: bool = False) -> Deferred[int]:
        """:meth:`get_time` in two parts: the RTC is read now, the wait for the next
        second boundary is the returned work, which holds nobody else up."""
        self._host_call()
        now = self.physical.rtc()
        if not precise:
            seconds = int(now)
            return Deferred(lambda: seconds)
        boundary = math.floor(now) + 1
        clock = self._clock

        def wait() -> int:
            clock.sleep(boundary - now)
            return boundary

        return Deferred(wait)

    # -- random ----------------------------------------------------------------------------

    @exposed(Kind.HOST)
    def random_bytes(self, num_bytes: int) -> bytes:
        """``num_bytes`` bytes from the module's generator (at most 1 MiB a call)."""
        if type(num_bytes) is not int or not 0 <= num_bytes <= MAX_RANDOM_BYTES:
            raise InvalidArgument(f"num_bytes must be an integer in 0..{MAX_RANDOM_BYTES}")
        self._host_call()
        return self._entropy(num_bytes) if num_bytes else b""

    # -- data lock (:mod:`softscm.module.keys.datalock`) -----------------------------------

    @exposed(Kind.HOST)
    def lock(self, data: bytes, key: str = "zymkey") -> bytearray:
        """Encrypt and authenticate ``data`` with a data-lock key (softscm's segmented
        blob format, ``softscm.crypto.blob``)."""
        return self.data_lock.lock(data, key)

    @exposed(Kind.HOST)
    def unlock(self, blob: bytes, key: str = "zymkey") -> bytearray:
        """Check and decrypt a locked blob; ``VerificationFailed`` for any mismatch."""
        return self.data_lock.unlock(blob, key)

    @exposed(Kind.HOST)
    def stream_open(self, mode: str, key: str = "zymkey") -> int:
        """Start locking (``mode="lock"``) or unlocking a stream of data in chunks, so
        that large data never sits in memory whole; returns the stream's handle."""
        return self.data_lock.stream_open(mode, key)

    @exposed(Kind.HOST)
    def stream_update(self, handle: int, chunk: bytes) -> bytes:
        """Feed a chunk; returns the output it completes (only verified plaintext when
        unlocking)."""
        return self.data_lock.stream_update(handle, chunk)

    @exposed(Kind.HOST)
    def stream_finish(self, handle: int) -> bytes:
        """End a stream: the last output. An unlock stream raises ``VerificationFailed``
        unless the whole blob verified. The handle is closed either way."""
        return self.data_lock.stream_finish(handle)

    @exposed(Kind.HOST)
    def stream_abort(self, handle: int) -> None:
        """Drop a stream without output (a client went away)."""
        self.data_lock.stream_abort(handle)

    # -- signatures ------------------------------------------------------------------------

    def sign_digest(
        self, digest: bytes, slot: int = 0, recid: bool = False, foreign: bool = False
    ) -> tuple[bytes, int | None]:
        """Sign the first 32 bytes of ``digest`` with the key in ``slot``; returns the
        signature and, when ``recid``, the recovery id."""
        return self.begin_sign(digest, slot, recid, foreign).run()

    @exposed(Kind.HOST, name="sign_digest")
    def begin_sign(
        self, digest: bytes, slot: int = 0, recid: bool = False, foreign: bool = False
    ) -> Deferred[tuple[bytes, int | None]]:
        """:meth:`sign_digest` in two parts: every argument is checked and the key
        found now; the signature is the returned work. It needs the key alone, and the
        curve library lets go of the interpreter while it signs, so the signs of several
        callers of a daemon run side by side on several cores. (A sign under way when a
        self-destruct lands finishes, as one on the hardware would.)"""
        check_digest(digest)
        if foreign:
            raise OperationNotSupported("foreign slots hold public keys only and cannot sign")
        self._host_call()
        key = self.keystore.private_key(slot)
        if not key.key_type.can_sign:
            raise OperationNotSupported(f"a {key.key_type.name} key cannot sign")
        return Deferred(partial(key.sign_digest, bytes(digest), recid))

    @exposed(Kind.HOST)
    def verify_digest(
        self, digest: bytes, signature: bytes, slot: int = 0, foreign: bool = False
    ) -> bool:
        """Whether ``signature`` is valid for ``digest`` under the key in ``slot``."""
        check_digest(digest)
        check_bytes("signature", signature)
        self._host_call()
        key = self.keystore.public_key(slot, foreign=foreign)
        if not key.key_type.can_sign:
            raise OperationNotSupported(f"a {key.key_type.name} key cannot verify signatures")
        return key.verify_digest(digest, signature)

    # -- ECDH --------------------------------------------------------------------------

    def ecdh(
        self, slot: int, kdf: str = "none", salt: bytes = b"", info: bytes = b"",
        iterations: int = 1, size: int = 32, peer_key: bytes | None = None,
        peer_slot: int | None = None, peer_foreign: bool = True,
    ) -> bytes:
        """ECDH of the key in ``slot`` with a peer public key (bytes, or a slot of the
        foreign keyring / main store), followed by a KDF (``softscm.crypto.kdf``, whose
        limits apply: at most ``PBKDF2_MAX_ITERATIONS`` and ``PBKDF2_MAX_SIZE``)."""
        return self.begin_ecdh(slot, kdf, salt, info, iterations, size, peer_key,
                               peer_slot, peer_foreign).run()

    @exposed(Kind.HOST, name="ecdh")
    def begin_ecdh(
        self, slot: int, kdf: str = "none", salt: bytes = b"", info: bytes = b"",
        iterations: int = 1, size: int = 32, peer_key: bytes | None = None,
        peer_slot: int | None = None, peer_foreign: bool = True,
    ) -> Deferred[bytes]:
        """:meth:`ecdh` in two parts: every argument is checked and the shared secret
        computed now; the KDF is the returned work, which holds nobody else up."""
        function = kdf_from_name(kdf)
        check_bytes("salt", salt)
        check_bytes("info", info)
        check_arguments(function, salt=salt, info=info, iterations=iterations, size=size)
        if (peer_key is None) == (peer_slot is None):
            raise InvalidArgument("give exactly one of a peer key and a peer slot")
        self._host_call()
        local = self.keystore.private_key(slot)
        if not local.key_type.can_ecdh:
            raise OperationNotSupported(f"a {local.key_type.name} key cannot do ECDH")
        if peer_slot is not None:
            peer_type, peer = self._peer_from_slot(peer_slot, peer_foreign)
            if peer_type != local.key_type:
                raise InvalidArgument(
                    f"peer key is {peer_type.name}, local key is {local.key_type.name}"
                )
        else:
            check_bytes("peer key", peer_key)
            peer = ck.parse_public_key(local.key_type, bytes(peer_key or b""))
        secret = local.ecdh(peer)
        salt, info = bytes(salt), bytes(info)
        return Deferred(lambda: derive(function, secret, salt=salt, info=info,
                                       iterations=iterations, size=size))

    def _peer_from_slot(self, slot: int, foreign: bool) -> tuple[KeyType, bytes]:
        if foreign:
            frec = self.keystore.foreign_record(slot)
            return KeyType(frec.key_type), frec.public
        rec = self.keystore.record(slot)
        return KeyType(rec.key_type), rec.public

    # -- keys ------------------------------------------------------------------------------

    @exposed(Kind.HOST)
    def public_key(self, slot: int = 0, foreign: bool = False) -> bytes:
        """The raw public key of ``slot``, if its export is allowed."""
        self._host_call()
        return self.keystore.exported_public(slot, foreign=foreign)[1]

    @exposed(Kind.HOST)
    def public_key_pem(self, slot: int = 0, foreign: bool = False) -> str:
        """The public key of ``slot`` as PEM, if its export is allowed."""
        self._host_call()
        key_type, raw = self.keystore.exported_public(slot, foreign=foreign)
        return ck.public_key_pem(key_type, raw)

    @exposed(Kind.HOST)
    def slots(self, foreign: bool = False) -> tuple[list[int], int]:
        """Allocated slots and the pool size."""
        self._host_call()
        if foreign:
            return self.keystore.foreign_slots(), self.profile.foreign_keyring_size
        return self.keystore.slots(), self.profile.key_store_size

    @exposed(Kind.HOST)
    def keys(self, foreign: bool = False) -> list[dict[str, Any]]:
        """One public record per allocated slot (no key material)."""
        self._host_call()
        if foreign:
            return [{"slot": r.slot, "key_type": KeyType(r.key_type).name.lower(),
                     "origin": "foreign", "exportable": r.exportable}
                    for r in self.keystore.foreign_records()]
        return [{"slot": r.slot, "key_type": KeyType(r.key_type).name.lower(), "origin": r.origin,
                 "exportable": r.exportable} for r in self.keystore.records()]

    @exposed(Kind.HOST)
    def generate_key(self, key_type: str) -> int:
        """A new persistent key pair; returns its slot."""
        check_str("key_type", key_type)
        self._host_call()
        return self.keystore.generate(key_type)

    @exposed(Kind.HOST)
    def generate_ephemeral_key(self, key_type: str) -> None:
        """Create the ephemeral key (slot -1), replacing any previous one."""
        check_str("key_type", key_type)
        self._host_call()
        self.keystore.generate_ephemeral(key_type)

    @exposed(Kind.HOST)
    def invalidate_ephemeral_key(self) -> None:
        """Take the ephemeral key out of service."""
        self._host_call()
        self.keystore.invalidate_ephemeral()

    @exposed(Kind.HOST)
    def store_foreign_key(self, key_type: str, public_key: bytes) -> int:
        """Keep a peer's public key in the foreign keyring; returns its slot."""
        check_str("key_type", key_type)
        check_bytes("public key", public_key)
        self._host_call()
        return self.keystore.store_foreign(key_type, public_key)

    @exposed(Kind.HOST)
    def disable_public_key_export(self, slot: int = 0, foreign: bool = False) -> None:
        """Forbid exporting the public key of ``slot`` for good."""
        self._host_call()
        self.keystore.disable_export(slot, foreign=foreign)

    @exposed(Kind.HOST)
    def remove_key(self, slot: int, foreign: bool = False) -> None:
        """Remove a key (key store or foreign keyring)."""
        self._host_call()
        if foreign:
            self.keystore.remove_foreign(slot)
        else:
            self.keystore.remove(slot)


#: The module and its parts that serve operations (the order of the registry).
PARTS: tuple[type, ...] = (Module, Wallets, Physical, SimulationControls, SupervisedBoot,
                           Certificates, LuksKeys, Metrics, Integrity, Authorization)
#: Every operation of the module (:mod:`softscm.module.operations`), by name.
OPERATIONS: dict[str, Operation] = registry(PARTS)
_OWNER: dict[str, type] = {name: cls for cls in PARTS for name in operations_of(cls)}
Module.OPERATIONS = frozenset(operations_of(Module))
