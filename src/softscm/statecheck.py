"""Looking at a state without trusting it: the checks of ``softscm store check``, and
the event log of a state too damaged to load (what ``softscm log export`` falls back
to). Beside the composition root (:mod:`softscm.runtime`): it opens the store and the
module of a state itself, not through a client."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from softscm.errors import InvalidArgument, SoftScmError, StoreDamaged
from softscm.host import load_or_create_salt
from softscm.module import Module, eventlog
from softscm.module.codes import EventKind
from softscm.module.keys.keystore import WALLET_ORIGINS
from softscm.runtime import load_module, resolve_home
from softscm.store import EventRecord, Store
from softscm.store.database import DATABASE_NAME
from softscm.store.lockfile import lock_shared


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
        module = load_module(store, load_or_create_salt(directory))
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
    return module.master.key is not None


def _seal_check(module: Module, store: Store) -> Check:
    if not _has_master(module):
        return Check("seals", True, "skipped: no master key to open them with")
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
        records, skipped = self._store.salvage_events(after, min(limit, 10_000))
        self.skipped += skipped
        if not records:
            return []
        before = self._store.salvage_events(after - 1, 1)[0] if after > 0 else []
        previous = eventlog.previous_digest(
            records[0], before[0] if before else None, self._marker)
        return eventlog.as_dicts(records, previous)

    def _marker(self) -> EventRecord | None:
        try:
            return self._store.last_event_of(str(EventKind.LOG_TRUNCATED))
        except StoreDamaged:
            return None

    def close(self) -> None:
        """Release the state."""
        self._store.close()
