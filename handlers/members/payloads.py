"""The buttons of /moi (revoke the invite code just made) and /thanhvien (a page, a person, a change)."""

from __future__ import annotations

from handlers.core.payloads import Payload

REVOKE = Payload("invite.revoke", ("invite",))
PAGE = Payload("member.page", ("index",))
PERSON = Payload("member.person", ("user",))
MOVE = Payload("member.move", ("user",))
ROLE = Payload("member.role", ("user",))
REMOVE = Payload("member.remove", ("user",))
