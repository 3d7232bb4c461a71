"""LED, random numbers, clock, module information and i2c address (``zymkey-api.md``
§4.1, §4.2, §4.9, §4.11, §4.14)."""

from __future__ import annotations

from typing import Any

from zymkey._cargs import c_bool, c_int, c_string, c_uint
from zymkey._errors import library_call
from zymkey._facade import Facade


class DeviceMethods(Facade):
    """Methods about the module itself rather than its keys."""

    # -- LED ---------------------------------------------------------------------------

    def led_on(self) -> None:
        """Switch the LED steadily on."""
        with library_call():
            self._client.led_on()

    def led_off(self) -> None:
        """Switch the LED off."""
        with library_call():
            self._client.led_off()

    def led_flash(self, on_ms: Any, off_ms: Any = 0, num_flashes: Any = 0) -> None:
        """Flash the LED: ``on_ms`` on and ``off_ms`` off per cycle (``0`` means the same
        as ``on_ms``), for ``num_flashes`` cycles (``0``: until told otherwise).

        The times are C unsigned integers: negative values wrap modulo 2**32.
        """
        if off_ms == 0:
            off_ms = on_ms
        on = c_uint(on_ms, 2)
        off = c_uint(off_ms, 3)
        flashes = c_uint(num_flashes, 4)
        with library_call():
            self._client.led_flash(on, off, flashes)

    # -- random numbers ----------------------------------------------------------------

    def get_random(self, num_bytes: Any) -> bytearray:
        """``num_bytes`` random bytes from the module's generator, as a ``bytearray``."""
        count = c_int(num_bytes, 3)
        with library_call():
            return bytearray(self._client.random_bytes(count))

    def create_random_file(self, file_path: Any, num_bytes: Any) -> None:
        """Write ``num_bytes`` random bytes to ``file_path`` (created or truncated).

        The path is resolved in the calling process (relative paths are allowed).
        """
        path = c_string(file_path)
        count = c_int(num_bytes, 3)
        with library_call():
            self._client.random_file(path, count)

    # -- clock -------------------------------------------------------------------------

    def get_time(self, precise: Any = False) -> int:
        """The module's real-time clock in whole seconds since the Unix epoch (UTC).

        With ``precise`` the call waits for the next second boundary (up to 1 s).
        """
        with library_call():
            return int(self._client.get_time(c_bool(precise)))

    # -- module information ------------------------------------------------------------

    def get_model_number(self) -> str:
        """The module's model string."""
        with library_call():
            return str(self._client.model_number())

    def get_firmware_version(self) -> str:
        """The module's firmware version string (for example ``"01.02.02release"``)."""
        with library_call():
            return str(self._client.firmware_version())

    def get_serial_number(self) -> str:
        """The module's serial number."""
        with library_call():
            return str(self._client.serial_number())

    # -- administration ----------------------------------------------------------------

    def set_i2c_address(self, address: Any) -> None:
        """Set the i2c address of an i2c-attached unit (0x30-0x37 or 0x60-0x67).

        softscm stores the value, validated, with no other effect.
        """
        addr = c_int(address, 2)
        with library_call():
            self._client.set_i2c_address(addr)
