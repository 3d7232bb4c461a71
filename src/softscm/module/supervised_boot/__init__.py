"""Supervised boot in the module: the signed manifest of boot-partition files and its
verification at every module boot (``scm-behaviour.md`` §6).

The part that serves the manifest calls and the boot hooks (``supervised_boot.py``), the
manifest's entries, stored form and rules (``manifest.py``), the factory default
manifest (``shipped.py``), the check of each entry at boot (``verification.py``) and
whether the host reaches the module over USB (``usb_link.py``).
"""

from __future__ import annotations
