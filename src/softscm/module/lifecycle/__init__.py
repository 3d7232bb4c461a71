"""The module's life over time: power, boots, binding and modes, sensors, event actions
(the decision table and its engine), and the state they share."""

from __future__ import annotations
