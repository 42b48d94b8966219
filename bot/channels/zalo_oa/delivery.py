"""The delivery worker's sender for the OAs: one HTTP call per part, the OA's rules as failures.

A row's chat is `<oa_id>:<user_id>`, so each row goes out through its own OA's client. What each failure
comes to is the worker's (bot/delivery/policy.py); what is about the OA rather than the row is done here:

- -211 (quota used up): the OA is paused until the next midnight, Vietnam time (⚠ Zalo does not say when
  a quota comes back; a daily reset is the common reading), the officers whose broadcasts are sending on
  it are told once, and its other rows wait without a call (ZaloOAQuotaExhausted with `not_before`);
- a refused refresh: the admins are told once (OAClients.refresh_refused) and the OA pauses for an hour;
- the night ban (-234) carries `not_before` = 06:00; -230/-232, -213, -32 are the worker's to judge.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.channels.parts import Part, SentPart, as_reply
from bot.channels.retry import Classified
from bot.channels.zalo_oa import texts
from bot.channels.zalo_oa.accounts import OAClients
from bot.channels.zalo_oa.channel import split_chat
from bot.channels.zalo_oa.errors import (
    VIETNAM,
    ZaloOAQuotaExhausted,
    ZaloOARefreshFailed,
    ZaloOAUnauthorized,
    classify,
)
from bot.channels.zalo_oa.render import OAPart, reply_parts, send_part
from db.repos.outbox import Content
from db.store import unit_of_work

log = logging.getLogger(__name__)

REFRESH_PAUSE = timedelta(hours=1)


def next_midnight(now: datetime) -> datetime:
    local = now.astimezone(VIETNAM)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), VIETNAM)
    return midnight.astimezone(now.tzinfo or VIETNAM)


class ZaloOADelivery:
    channel = "zalo_oa"
    can_edit = False
    # Choices are buttons that send back their number, read against the choices the recipient was last
    # offered: the worker must remember them, as for channels without buttons.
    has_buttons = False

    def __init__(self, clients: OAClients) -> None:
        self.clients = clients
        self._paused: dict[str, datetime] = {}

    def parts(self, content: Content) -> list[Part]:
        found = [Part(text=p.text, markup=p.buttons or None) for p in reply_parts(as_reply(content))]
        if content.photo_url and found:
            # The photo goes first, by its public URL; the text follows as the OA's own parts.
            return [Part(text=None, photo=content.photo_url), *found]
        return found

    async def send(self, chat_id: str, part: Part) -> SentPart:
        oa_id, user_id = split_chat(chat_id)
        now = self.clients.clock()
        until = self._paused.get(oa_id)
        if until is not None and until > now:
            raise ZaloOAQuotaExhausted("send", -211, "the OA is paused", not_before=until)
        client = self.clients.client(oa_id)
        try:
            if isinstance(part.photo, str):
                sent = await client.send_image(user_id, url=part.photo)
            else:
                sent = await send_part(client, user_id, OAPart(part.text or "", part.markup or ()))
        except ZaloOAQuotaExhausted as error:
            raise await self._pause(oa_id, next_midnight(now), error) from None
        except ZaloOARefreshFailed as error:
            await self.clients.refresh_refused(oa_id, error)
            raise await self._pause(oa_id, now + REFRESH_PAUSE, error) from None
        return SentPart(sent.message_id)

    async def _pause(
        self, oa_id: str, until: datetime, error: ZaloOAUnauthorized | ZaloOAQuotaExhausted
    ) -> ZaloOAQuotaExhausted:
        """Pause the OA (here and in the database) and tell the officers sending on it, once."""
        self._paused[oa_id] = until
        now = self.clients.clock()
        async with unit_of_work(self.clients.sessions) as store:
            if await store.zalo_oa.pause(oa_id, until, f"{error.code}: {error.message}", now):
                account = await store.zalo_oa.get(oa_id)
                name = account.name if account and account.name else oa_id
                shown = until.astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")
                text = texts.QUOTA_PAUSED.format(name=name, until=shown)
                key = f"zoa:paused:{oa_id}:{until:%Y%m%d%H}"
                told = await store.zalo_oa.tell_senders(oa_id, text, key=key, now=now)
                log.warning("zalo_oa: OA %s paused until %s (%s); %s told", oa_id, until, error.code, told)
        return ZaloOAQuotaExhausted("send", error.code, error.message, not_before=until)

    async def edit(self, chat_id: str, message_id: str, content: Content) -> None:
        raise NotImplementedError("a Zalo OA message cannot be edited")

    def classify(self, error: Exception) -> Classified | None:
        return classify(error)

    def is_group(self, chat_id: str) -> bool:
        return False  # an OA talks to one person at a time

    async def close(self) -> None:
        await self.clients.close()
