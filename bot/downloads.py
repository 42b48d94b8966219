"""Short-lived signed links to report files, served by the bot's own HTTP server.

Zalo bots cannot send files, so /baocao on Zalo answers with links. A link is
`{CDSBOT_WEBHOOK_BASE_URL}/files/{id}.{expiry}.{signature}/{filename}`: the signature is an HMAC-SHA256 of
the id and the expiry under a key derived from the webhook secret for this job alone (bot/secrets.py),
so links cannot be guessed or extended, nor signed with a webhook header's value, and every web
process behind the proxy can check them. The bytes live in the database (`download_files`), not in one
process's memory, and are dropped once expired.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import quote

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.http import HttpServer
from bot.secrets import Purpose, derive
from db.store import Store, unit_of_work

log = logging.getLogger(__name__)

ROUTE = "/files/{token}/{name}"
TTL = timedelta(minutes=30)
GONE = "Đường dẫn đã hết hạn. Bạn gõ lại /baocao để lấy đường dẫn mới."
NOT_FOUND = "Không có tệp này."


MAX_ID = 2**31 - 1  # the id column is a 32-bit integer on PostgreSQL
MAX_STAMP = 2**40  # seconds since 1970: far beyond any expiry we hand out
_DIGITS = re.compile(r"[0-9]{1,13}")


def _number(text: str, limit: int) -> int | None:
    """ASCII digits within `limit`, else None. (str.isdigit() takes "²" and int() then fails; a 5,000-digit
    id or 2^70 used to reach int() or the database and end in a 500.)"""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= limit else None


def sign(key: bytes, file_id: int, expires: int) -> str:
    digest = hmac.new(key, f"download:{file_id}:{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Downloads:
    """The `downloads` service of handlers/reports.py: keeps a file, returns a signed link to it."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        base_url: str,
        secret: str,
        clock: Callable[[], datetime],
        ttl: timedelta = TTL,
    ) -> None:
        self.sessions = sessions
        self.base_url = base_url.rstrip("/")
        self.key = derive(secret, Purpose.DOWNLOAD_LINKS)
        self.clock = clock
        self.ttl = ttl

    def install(self, http: HttpServer) -> None:
        """Add the route; call before the server starts (aiohttp freezes its router then)."""
        http.app.router.add_get(ROUTE, self._serve)

    async def link(
        self, store: Store, *, filename: str, mime: str, data: bytes, now: datetime
    ) -> tuple[str, datetime]:
        expires = now + self.ttl
        file_id = await store.downloads.put(
            filename=filename, mime=mime, data=data, now=now, expires_at=expires
        )
        return self.url(file_id, filename, expires), expires

    def url(self, file_id: int, filename: str, expires: datetime) -> str:
        """The signed link to a kept file, good until `expires` (and while the file is kept)."""
        stamp = int(expires.timestamp())
        token = f"{file_id}.{stamp}.{sign(self.key, file_id, stamp)}"
        return f"{self.base_url}/files/{token}/{quote(filename)}"

    async def _serve(self, request: web.Request) -> web.Response:
        raw_id, _, rest = request.match_info["token"].partition(".")
        raw_stamp, _, signature = rest.partition(".")
        file_id, stamp = _number(raw_id, MAX_ID), _number(raw_stamp, MAX_STAMP)
        if file_id is None or stamp is None or not signature:
            return web.Response(status=404, text=NOT_FOUND)
        expected = sign(self.key, file_id, stamp)
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            log.warning("download with a bad signature from %s", request.remote)
            return web.Response(status=404, text=NOT_FOUND)
        now = self.clock()
        if stamp <= now.timestamp():
            return web.Response(status=410, text=GONE)
        async with unit_of_work(self.sessions) as store:
            found = await store.downloads.get(file_id, now)
        if found is None:
            return web.Response(status=410, text=GONE)
        disposition = "inline" if found.mime.startswith("image/") else "attachment"
        return web.Response(
            body=found.data,
            content_type=found.mime,
            headers={
                "Content-Disposition": f'{disposition}; filename="{found.filename}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
