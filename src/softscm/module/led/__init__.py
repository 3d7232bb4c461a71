"""The LED: its patterns (§5), fatal codes, timing, and the timeline the module keeps."""

from __future__ import annotations
