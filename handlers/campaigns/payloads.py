"""The buttons of /chiendich and /tiendo: create, view, edit, cancel (asked first) or keep a campaign,
toggle a counted service in its form, and show its progress (and its drill-down, page by page)."""

from __future__ import annotations

from handlers.core.payloads import Payload

NEW = Payload("campaign.new")
VIEW = Payload("campaign.view", ("campaign",))
EDIT = Payload("campaign.edit", ("campaign",))
CANCEL = Payload("campaign.cancel", ("campaign",))  # asks first
CANCEL_YES = Payload("campaign.cancel.yes", ("campaign",))
KEEP = Payload("campaign.keep", ("campaign",))
SERVICE = Payload("campaign.service", ("code",))
PROGRESS = Payload("campaign.progress", ("campaign",))
DRILL = Payload("campaign.drill", ("campaign", "page"))  # the /tiendo drill-down, one page
