"""The module layer: softscm's firmware, pure logic over injected store, clock and entropy."""

from __future__ import annotations

from softscm.module.context import Clock
from softscm.module.module import Module
from softscm.module.profile import Profile

__all__ = ["Clock", "Module", "Profile"]
