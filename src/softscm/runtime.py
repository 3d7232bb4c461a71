"""The composition root: opening the module of a state directory, the edge where the
real store, clock, entropy and host salt are given to the module. Both doors use it:
the embedded client (:mod:`softscm.client.inprocess`) and the daemon
(:mod:`softscm.service.daemon`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import platformdirs

from softscm.errors import InvalidArgument
from softscm.host import SystemClock, load_or_create_salt, measure_identity
from softscm.host.boot import current_boot_id
from softscm.host.bootdir import read_boot_file
from softscm.host.memory import tune_allocator
from softscm.module import Module, Profile
from softscm.store import Store
from softscm.store.lockfile import StateLock, lock_exclusive, lock_shared

#: Environment variable naming the state directory.
HOME_ENV = "SOFTSCM_HOME"


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
    store = Store.open(directory, on_close=holder.release)
    try:
        module = _provision(store, load_or_create_salt(directory), profile)
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
            if not create:
                raise InvalidArgument(f"no module in {directory} (run `softscm init`)")
            try:
                module = _provision(store, salt, None)
            except InvalidArgument:
                # Another process provisioned it first: use theirs.
                module = _load(store, salt)
        else:
            module = _load(store, salt)
    except BaseException:
        store.close()
        raise
    return module, store


def _provision(store: Store, salt: bytes, profile: Profile | None) -> Module:
    Module.create_state(store, entropy=os.urandom, salt=salt, profile=profile)
    return _load(store, salt)


def _load(store: Store, salt: bytes) -> Module:
    return Module(store, clock=SystemClock(), entropy=os.urandom, salt=salt,
                  identity=measure_identity().factors(), host_boot_id=current_boot_id(),
                  boot_files=read_boot_file)
