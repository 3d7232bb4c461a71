"""The host layer: what softscm reads from (and keeps on) the real machine."""

from __future__ import annotations

from softscm.host.clock import SystemClock
from softscm.host.identity import HostIdentity, measure_identity
from softscm.host.salt import load_or_create_salt

__all__ = ["HostIdentity", "SystemClock", "load_or_create_salt", "measure_identity"]
