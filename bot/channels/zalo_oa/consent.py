"""`GET /zalo-oa/callback?code=&oa_id=&state=`: where Zalo sends an OA admin after the consent.

The state names a consent handed out by `cdsbot zalo-oa connect` (its PKCE verifier and area); it is
used once. The single-use code is exchanged for a pair, which is stored (a new OA, or a new pair for a
known one) before the page says it is done.
"""

from __future__ import annotations

import html
import logging

from aiohttp import web

from bot.channels.zalo_oa import texts
from bot.channels.zalo_oa.accounts import OAClients, consent_expiry, to_stored
from bot.channels.zalo_oa.errors import ZaloOAError
from db.store import unit_of_work

log = logging.getLogger(__name__)

CALLBACK_PATH = "/zalo-oa/callback"


def _page(text: str, status: int = 200) -> web.Response:
    body = (
        f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{texts.CALLBACK_TITLE}</title>'
        f"<body><p>{html.escape(text)}</p></body></html>"
    )
    return web.Response(status=status, text=body, content_type="text/html")


class ConsentCallback:
    def __init__(self, clients: OAClients) -> None:
        self.clients = clients

    def install(self, app: web.Application) -> None:
        app.router.add_get(CALLBACK_PATH, self.handle)

    async def handle(self, request: web.Request) -> web.Response:
        code, oa_id, state = (request.query.get(k, "") for k in ("code", "oa_id", "state"))
        if not code or not oa_id or not state:
            return _page(texts.CALLBACK_UNKNOWN, 400)
        now = self.clients.clock()
        async with unit_of_work(self.clients.sessions) as store:
            consent = await store.zalo_oa.take_consent(state, consent_expiry(now))
        if consent is None:
            return _page(texts.CALLBACK_UNKNOWN, 400)
        verifier, area_id = consent
        try:
            token = await self.clients.oauth.exchange_code(oa_id, code, verifier)
        except ZaloOAError as error:
            log.warning("zalo_oa: consent of OA %s not completed: %s", oa_id, error)
            return _page(texts.CALLBACK_REFUSED, 400)
        async with unit_of_work(self.clients.sessions) as store:
            await store.zalo_oa.save_account(to_stored(token), now=now, area_id=area_id, name="")
        name = oa_id
        try:
            name = (await self.clients.client(oa_id).get_oa_info()).name or oa_id
        except ZaloOAError as error:
            log.info("zalo_oa: the name of OA %s not read: %s", oa_id, error)
        else:
            async with unit_of_work(self.clients.sessions) as store:
                await store.zalo_oa.rename(oa_id, name)
        log.info("zalo_oa: OA %s connected", oa_id)
        return _page(texts.CALLBACK_DONE.format(name=name))
