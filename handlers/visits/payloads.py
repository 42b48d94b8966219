"""The buttons of /ghinhan: save the card, toggle a service, and after saving: log another, correct,
delete (asked first) or keep a session."""

from __future__ import annotations

from handlers.core.payloads import Payload

SAVE = Payload("visit.save", ("token",))  # the card's token: a second press says "already saved"
SERVICE = Payload("visit.service", ("code",))
NEW = Payload("visit.new")
EDIT = Payload("visit.edit", ("visit",))
DELETE = Payload("visit.delete", ("visit",))  # asks first
DELETE_YES = Payload("visit.delete.yes", ("visit",))
KEEP = Payload("visit.keep", ("visit",))
