"""The embedded module of a state directory, as the client opens it: the composition
root itself lives in :mod:`softscm.runtime`, below the service and the client."""

from __future__ import annotations

from softscm.runtime import (
    HOME_ENV,
    SALT_CHECK_META,
    default_home,
    init_state,
    load_module,
    open_embedded,
    open_served,
    replace_state,
    resolve_home,
)

__all__ = ["HOME_ENV", "SALT_CHECK_META", "default_home", "init_state", "load_module",
           "open_embedded", "open_served", "replace_state", "resolve_home"]
