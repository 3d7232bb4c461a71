"""Opening the embedded module of a state directory: the edge where the real store,
clock, entropy and host salt are given to the module."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, NamedTuple

import platformdirs

from softscm.errors import InvalidArgument, SoftScmError, StoreDamaged, VerificationFailed
from softscm.host import SystemClock, load_or_create_salt, measure_identity
from softscm.host.boot import current_boot_id
from softscm.host.bootdir import read_boot_file
from softscm.host.memory import tune_allocator
from softscm.module import Module, Profile
from softscm.store import EventRecord, Store
from softscm.store.database import DAMAGE_ADVICE, DATABASE_NAME
from softscm.store.lockfile import StateLock, lock_exclusive, lock_shared

#: Environment variable naming the state directory.
HOME_ENV = "SOFTSCM_HOME"
#: Meta entry holding a check value of the host salt the state was made with, which
#: tells a wrong salt from a damaged master-key seal.
SALT_CHECK_META = "host_salt_check"


def default_home() -> Path:
    """``SOFTSCM_HOME``, else the platform's user data directory for softscm."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("softscm", appauthor=False))


def resolve_home(home: Any = None) -> Path:
    """The state directory to use for ``home`` (``None``: the default)."""
    return default_home() if home is None else Path(home).expanduser()


def init_state(home: Any = None, profile: Profile | None = None) -> tuple[Module, Store]:
    """Provision a new module in ``home``; ``InvalidArgument`` if one is there already."""
    directory = resolve_home(home)
    holder = lock_shared(directory)
    try:
        store = Store.open(directory, on_close=holder.release)
    except BaseException:
        holder.release()
        raise
    try:
        salt = load_or_create_salt(directory)
        if store.get_meta("serial") is None:
            _require_fresh(store)
        module = _checked(store, salt, lambda: _provision(store, salt, profile))
    except BaseException:
        store.close()
        raise
    return module, store


def open_embedded(home: Any = None, *, create: bool = True) -> tuple[Module, Store]:
    """The module in ``home``, provisioned with the default profile on first use.
    Refused while a daemon serves that state (``softscm.store.lockfile``)."""
    directory = resolve_home(home)
    holder = lock_shared(directory)
    tune_allocator()
    return _open_module(directory, create, holder)


def open_served(home: Any, socket_path: str) -> tuple[Module, Store]:
    """The module in ``home`` for a daemon listening on ``socket_path`` (exclusive)."""
    directory = resolve_home(home)
    holder = lock_exclusive(directory, socket_path)
    tune_allocator()
    return _open_module(directory, True, holder)


def _open_module(directory: Path, create: bool, holder: StateLock) -> tuple[Module, Store]:
    try:
        store = Store.open(directory, on_close=holder.release)
    except BaseException:
        holder.release()
        raise
    try:
        salt = load_or_create_salt(directory)
        if store.get_meta("serial") is None:
            _require_fresh(store)
            if not create:
                raise InvalidArgument(f"no module in {directory} (run `softscm init`)")
            try:
                module = _checked(store, salt, lambda: _provision(store, salt, None))
            except InvalidArgument:
                # Another process provisioned it first: use theirs.
                module = _checked(store, salt, lambda: _load(store, salt))
        else:
            module = _checked(store, salt, lambda: _load(store, salt))
    except BaseException:
        store.close()
        raise
    return module, store


def _require_fresh(store: Store) -> None:
    """A state without a module serial must be empty: anything else in it means the
    serial was lost to damage, and provisioning over it would overwrite its seals."""
    if store.all_meta():
        raise StoreDamaged(f"the state in {store.path} holds values but no module serial: "
                           f"it is damaged; {DAMAGE_ADVICE}")


def _salt_check(salt: bytes) -> bytes:
    return hashlib.sha256(b"softscm/host-salt-check/v1" + salt).digest()


def _checked(store: Store, salt: bytes, make: Any) -> Module:
    """Run ``make`` (provision or load the module in ``store``), reporting what a
    damaged state makes fail as :class:`StoreDamaged` naming the file, never as a raw
    exception; a master-key seal that does not open although the host salt is the
    one the state was made with is damage too, not a wrong salt."""
    try:
        module: Module = make()
    except VerificationFailed as exc:
        check = store.get_meta(SALT_CHECK_META)
        if "host salt" in exc.message and check != _salt_check(salt):
            raise  # the salt is not the one the state was made with (or cannot be told)
        raise StoreDamaged(
            f"a sealed secret (the master key or a data-lock key) in {store.path} does "
            f"not open, although the host salt is the one the state was made with: "
            f"the state is damaged; {DAMAGE_ADVICE}") from None
    except SoftScmError:
        raise
    except Exception as exc:
        raise StoreDamaged(
            f"the state in {store.path} is damaged: a value does not parse "
            f"({type(exc).__name__}: {exc}); {DAMAGE_ADVICE}") from None
    try:
        module.profile.resolved()
    except InvalidArgument as exc:
        raise StoreDamaged(f"the module's profile in {store.path} is damaged "
                           f"({exc.message}); {DAMAGE_ADVICE}") from None
    if store.get_meta(SALT_CHECK_META) is None:
        store.set_meta(SALT_CHECK_META, _salt_check(salt))
    return module


def _provision(store: Store, salt: bytes, profile: Profile | None) -> Module:
    Module.create_state(store, entropy=os.urandom, salt=salt, profile=profile)
    return _load(store, salt)


def _load(store: Store, salt: bytes) -> Module:
    return Module(store, clock=SystemClock(), entropy=os.urandom, salt=salt,
                  identity=measure_identity().factors(), host_boot_id=current_boot_id(),
                  boot_files=read_boot_file)


class Check(NamedTuple):
    """The result of one check of :func:`check_state`."""

    name: str
    ok: bool
    detail: str


def check_state(home: Any = None) -> list[Check]:
    """Check the state in ``home`` without changing it (``softscm store check``): the
    paths, SQLite's integrity check, that the module loads (its master key and data-lock
    keys open), that every sealed key record opens, the event log's hash chain, and
    whether an erasure is still pending. Refused while a daemon serves the state."""
    directory = resolve_home(home)
    if not (directory / DATABASE_NAME).exists():
        raise InvalidArgument(f"no module in {directory} (run `softscm init`)")
    holder = lock_shared(directory)
    try:
        store = Store.open(directory, on_close=holder.release)
    except StoreDamaged as exc:
        holder.release()
        return [Check("database", False, exc.message)]
    except BaseException:
        holder.release()
        raise
    try:
        return _checks(directory, store)
    finally:
        store.close()


def _checks(directory: Path, store: Store) -> list[Check]:
    integrity = store.integrity_check()
    checks = [Check("integrity", integrity == "ok",
                    "SQLite's integrity check passed" if integrity == "ok" else integrity)]
    try:
        pending = store.erasure_pending()
        checks.append(Check("erasure", not pending,
                            "deleted key material is still in the files: another "
                            "connection holds an old snapshot; erasure is retried"
                            if pending else "no erasure pending"))
    except StoreDamaged as exc:
        checks.append(Check("erasure", False, exc.message))
    try:
        module = _checked(store, load_or_create_salt(directory),
                          lambda: _load(store, load_or_create_salt(directory)))
    except SoftScmError as exc:
        checks.append(Check("module", False, exc.message))
        return checks
    checks.append(Check("module", True, f"module {module.serial} loads (master key and "
                        "data-lock keys open)" if _has_master(module) else
                        f"module {module.serial} loads; its master key is not available "
                        "(destroyed, or a production state on another host)"))
    checks.append(_seal_check(module, store))
    checks.append(_log_check(store))
    return checks


def _has_master(module: Module) -> bool:
    # Without it (destroyed, or production on another host) there is nothing to open.
    return module._master is not None


def _seal_check(module: Module, store: Store) -> Check:
    if not _has_master(module):
        return Check("seals", True, "skipped: no master key to open them with")
    from softscm.module.keystore import WALLET_ORIGINS

    try:
        records = store.list_keys()
        for rec in records:
            if rec.origin in WALLET_ORIGINS:
                module.keystore.wallet_node(rec.slot)
            else:
                module.keystore.private_key(rec.slot)
        module.keystore.session()
    except SoftScmError as exc:
        return Check("seals", False, exc.message)
    return Check("seals", True, f"all {len(records)} sealed key records open")


def _log_check(store: Store) -> Check:
    from softscm.module import eventlog

    try:
        records: list[EventRecord] = []
        while True:
            page = store.events(records[-1].seq if records else 0, 10_000)
            if not page:
                break
            records += page
    except StoreDamaged as exc:
        return Check("event log", False, exc.message)
    broken = eventlog.first_broken(records)
    if broken is not None:
        return Check("event log", False, f"the hash chain breaks at record #{broken}")
    return Check("event log", True, f"{len(records)} records, hash chain whole")


class DamagedStateLog:
    """The event log of a state too damaged to load, read straight from its database
    (what ``softscm log export`` falls back to on :class:`StoreDamaged`): ``hello`` and
    ``events`` as a client answers them, with what can still be read."""

    def __init__(self, home: Any = None) -> None:
        directory = resolve_home(home)
        holder = lock_shared(directory)
        try:
            self._store = Store.open(directory, on_close=holder.release, verify=False)
        except BaseException:
            holder.release()
            raise
        #: Rows that could not be read (damaged), over every call so far.
        self.skipped = 0

    def hello(self) -> dict[str, Any]:
        """The module's identity as far as it can be read (``"?"`` where it cannot)."""
        out: dict[str, Any] = {}
        for name in ("serial", "model", "firmware"):
            try:
                value = self._store.get_meta(name)
            except StoreDamaged:
                value = None
            out[name] = value if isinstance(value, str) else "?"
        return out

    def events(self, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        """The readable records after ``after``, with their chain digests."""
        from softscm.module import eventlog

        records, skipped = self._store.salvage_events(after, min(limit, 10_000))
        self.skipped += skipped
        previous = eventlog.GENESIS
        if records and after > 0:
            before, _ = self._store.salvage_events(after - 1, 1)
            if before and before[0].seq == after:
                previous = before[0].digest
        out = []
        for record in records:
            out.append(eventlog.as_dict(record, previous))
            previous = record.digest
        return out

    def close(self) -> None:
        """Release the state."""
        self._store.close()
