"""The buttons of /thongke: the same area for another period."""

from __future__ import annotations

from handlers.core.payloads import Payload

PERIOD = Payload("stats", ("period", "area"))  # period: week, month or last_month; area 0: everywhere
