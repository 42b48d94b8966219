"""The buttons of /moi: revoke the invite code just made."""

from __future__ import annotations

from handlers.core.payloads import Payload

REVOKE = Payload("invite.revoke", ("invite",))
