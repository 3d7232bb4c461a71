"""Whether the host reaches the module over USB (``scm-behaviour.md`` §6.7): the
module's ``config.txt`` must keep the ``dwc2`` host-mode overlay and not set
``otg_mode=1``."""

from __future__ import annotations

#: The boot file that sets up the USB link.
CONFIG_FILE = "config.txt"


def link_is_host_mode(config: bytes | None) -> bool:
    """Whether ``config`` (the contents of :data:`CONFIG_FILE`; ``None`` when it is
    missing) keeps the USB link in host mode, so the host reaches the module."""
    if config is None:
        return False
    lines = [line.split("#", 1)[0].strip().replace(" ", "")
             for line in config.decode("utf-8", "replace").splitlines()]
    return "dtoverlay=dwc2,dr_mode=host" in lines and "otg_mode=1" not in lines
