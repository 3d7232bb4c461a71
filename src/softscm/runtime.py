"""The composition root: opening the module of a state directory, the edge where the
real store, clock, entropy and host salt are given to the module. Both doors use it:
the embedded client (:mod:`softscm.client.inprocess`) and the daemon
(:mod:`softscm.service.daemon`)."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import platformdirs

from softscm.errors import InvalidArgument, SoftScmError, StoreDamaged, VerificationFailed
from softscm.host import SystemClock, load_or_create_salt, measure_identity
from softscm.host.boot import current_boot_id
from softscm.host.bootdir import read_boot_file
from softscm.host.code import installed_code
from softscm.host.memory import tune_allocator
from softscm.module import Module, Profile
from softscm.store import Store
from softscm.store.database import DAMAGE_ADVICE
from softscm.store.lockfile import StateLock, check_worker, lock_exclusive, lock_shared

log = logging.getLogger("softscm")

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


def init_state(home: Any = None, profile: Profile | None = None,
               luks_key: str | None = None) -> tuple[Module, Store]:
    """Provision a new module in ``home``; ``InvalidArgument`` if one is there already.
    With ``luks_key``, the new module also draws a LUKS key of that name (§9.7 step 7)."""
    module, store, _ = _init(home, profile, replace=False, luks_key=luks_key)
    return module, store


def replace_state(home: Any = None, profile: Profile | None = None,
                  luks_key: str | None = None) -> tuple[Module, Store, str | None]:
    """Provision a new module in ``home``, destroying the one there (if any) first: its
    keys, seals, settings and log are erased from the files, and the new module has a new
    identity (``scm-behaviour.md`` §9.7). Returns the new module, its store and the
    serial of the module replaced (``None``: there was none). Refused while a daemon or
    another process has the state open. ``luks_key``: as for :func:`init_state`."""
    return _init(home, profile, replace=True, luks_key=luks_key)


#: How to stop a daemon, for the refusals of ``softscm init`` on a state it serves.
_STOP_DAEMON = ("stop the daemon (end its `softscm serve`; for the system's, `sudo "
                "systemctl stop softscm`)")
#: What ``softscm init --replace`` tells the user when the state is not its alone.
_REPLACE_SERVED = (f"a module cannot be replaced while a daemon serves it: {_STOP_DAEMON}, "
                   "run `softscm init --replace` again as the user the daemon runs as, "
                   "then start the daemon")
_REPLACE_OPEN = ("a module cannot be replaced while another process uses it: close them "
                 "(programs using softscm or zymkey without a daemon, other softscm "
                 "commands), then run `softscm init --replace` again")
#: What ``softscm init`` tells the user when a daemon serves the state.
_INIT_SERVED = (f"it already holds that daemon's module; to make a new one in its place, "
                f"{_STOP_DAEMON} and run `softscm init --replace`")


def _init(home: Any, profile: Profile | None, replace: bool,
          luks_key: str | None = None) -> tuple[Module, Store, str | None]:
    directory = resolve_home(home)
    holder = lock_shared(directory, advice=_REPLACE_SERVED if replace else _INIT_SERVED)
    if replace:
        holder.make_exclusive(directory, advice=_REPLACE_OPEN)
    store = _open_store(directory, holder)
    try:
        salt = load_or_create_salt(directory)
        serial = store.get_meta("serial")
        old = None if serial is None else str(serial)
        if replace:
            module = _checked(store, salt, lambda: _replace(store, salt, profile, luks_key))
        else:
            if old is not None:
                raise InvalidArgument(
                    f"{directory} already holds a module ({old}); `softscm init --replace` "
                    "destroys it and makes a new one")
            _require_fresh(store)
            module = _checked(store, salt,
                              lambda: _provision(store, salt, profile, luks_key))
    except BaseException:
        store.close()
        raise
    return module, store, old


def open_embedded(home: Any = None, *, create: bool = True) -> tuple[Module, Store]:
    """The module in ``home``, provisioned with the default profile on first use.
    Refused while a daemon serves that state (``softscm.store.lockfile``)."""
    directory = resolve_home(home)
    holder = lock_shared(directory)
    tune_allocator()
    return _open_module(directory, create, holder)


def close_module(module: Module, store: Store) -> None:
    """Write the calls ``module`` counted in this process (its metrics), then close
    ``store`` and release the state. The count is the one thing a failed write loses:
    the state is released whatever happens."""
    try:
        module.metrics.flush()
    except SoftScmError as exc:
        log.warning("the calls counted in this process were not written: %s", exc)
    finally:
        store.close()


def open_served(home: Any, socket_path: str) -> tuple[Module, Store]:
    """The module in ``home`` for a daemon listening on ``socket_path`` (exclusive)."""
    module, store, _ = open_served_locked(home, socket_path)
    return module, store


def open_served_locked(home: Any, socket_path: str) -> tuple[Module, Store, int]:
    """:func:`open_served`, and the descriptor of the daemon's lock on the state (held
    until the store closes; a daemon's workers inherit it)."""
    directory = resolve_home(home)
    holder = lock_exclusive(directory, socket_path)
    tune_allocator()
    module, store = _open_module(directory, True, holder)
    return module, store, holder.fileno()


def open_worker(home: Any, socket_path: str) -> tuple[Module, Store]:
    """The module in ``home`` for a worker of the daemon listening on ``socket_path``,
    which holds the state (:func:`open_served`) and has provisioned it; refused unless
    that daemon holds it."""
    directory = resolve_home(home)
    check_worker(directory, socket_path)
    tune_allocator()
    return _open_module(directory, False, StateLock(-1))


def _open_store(directory: Path, holder: StateLock) -> Store:
    """The store of ``directory``, which releases ``holder`` when it closes (at once if
    it cannot be opened)."""
    try:
        return Store.open(directory, on_close=holder.release)
    except BaseException:
        holder.release()
        raise


def _open_module(directory: Path, create: bool, holder: StateLock) -> tuple[Module, Store]:
    store = _open_store(directory, holder)
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
    serial was lost to damage, and provisioning over it would overwrite its seals. (Read
    in one go: a serial that another process committed since the caller looked means the
    state was provisioned meanwhile, not damaged.)"""
    meta = store.all_meta()
    if meta and "serial" not in meta:
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


def load_module(store: Store, salt: bytes) -> Module:
    """The module in an open ``store`` of a provisioned state, with a damaged state
    reported as :class:`StoreDamaged` (``softscm store check``)."""
    return _checked(store, salt, lambda: _load(store, salt))


def _provision(store: Store, salt: bytes, profile: Profile | None,
               luks_key: str | None = None) -> Module:
    Module.create_state(store, entropy=os.urandom, salt=salt, profile=profile,
                        luks_key=luks_key)
    return _load(store, salt)


def _replace(store: Store, salt: bytes, profile: Profile | None,
             luks_key: str | None = None) -> Module:
    """Everything in ``store`` destroyed and a new module made, in one transaction: the
    state holds the old module or the new one, never a mix; the old one's rows are
    erased from the files once it has committed."""
    with store.transaction():
        store.destroy_everything()
        Module.create_state(store, entropy=os.urandom, salt=salt, profile=profile,
                            luks_key=luks_key)
    return _load(store, salt)


def _load(store: Store, salt: bytes) -> Module:
    return Module(store, clock=SystemClock(), entropy=os.urandom, salt=salt,
                  identity=measure_identity().factors(), host_boot_id=current_boot_id(),
                  boot_files=read_boot_file, code=installed_code)
