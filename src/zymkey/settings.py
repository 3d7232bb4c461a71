"""Settings of Zymbit's ``zymkey`` package.

``ZYMKEY_LIBRARY_PATH`` names where Zymbit's C library lives on its hosts. softscm does
not load it; the name exists because clients import it.
"""

from __future__ import annotations

#: Where Zymbit installs ``libzk_app_utils.so``; unused by softscm.
ZYMKEY_LIBRARY_PATH = "/usr/lib/libzk_app_utils.so"
