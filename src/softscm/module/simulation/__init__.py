"""The simulation control plane of the module: the physical world and the factory as
inputs (``scm-behaviour.md`` §0.1).

The part that serves the simulation inputs (``controls.py``), the inputs' parameters as
the operator gives them and the checks of their values (``inputs.py``), and what main
power and its loss do to the module (``power.py``).
"""

from __future__ import annotations
