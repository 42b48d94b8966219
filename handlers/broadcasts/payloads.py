"""The buttons of /thongbao: compose, view, cancel (or stop), approve or reject, per-recipient CSV."""

from __future__ import annotations

from handlers.core.payloads import Payload

NEW = Payload("broadcast.new")
VIEW = Payload("broadcast.view", ("broadcast",))
CANCEL = Payload("broadcast.cancel", ("broadcast",))  # stops it while sending
CSV = Payload("broadcast.csv", ("broadcast",))
APPROVE = Payload("broadcast.approve", ("broadcast",))
REJECT = Payload("broadcast.reject", ("broadcast",))
