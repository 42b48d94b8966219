"""Photos sent in the chat for an announcement: fetched once, checked, kept in the database.

Only a form step that asks for a photo calls this (/thongbao's): nobody else's picture is downloaded.
Telegram: getFile, then the file itself, through aiogram's session against the configured Bot API server.
Zalo Bot and Zalo OA: the image's address on Zalo's servers (https only, or a configured API server: the
fakes in tests), so a composer cannot make the bot fetch a plain-http address on the local network.
The bytes are capped while they stream and must be a JPEG, PNG, WebP or GIF by their first bytes (the
content type a server claims is not trusted).

The file lives in `download_files`, where every web process can serve it at /files/<token> and a restart
loses nothing: as a draft for a day, then, once the announcement is saved, for as long as its outbox rows
may be kept; the retention purge removes it with them (db/repos/retention.py "broadcast_photos").
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import ClientError, ClientSession, ClientTimeout

from bot.downloads import Downloads
from db.store import Store
from handlers.core.context import KeptPhoto, PhotoRefused
from handlers.core.types import Channel, Incoming

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
DRAFT = timedelta(days=1)  # a photo whose form was left is dropped by the next purge after this
_CHUNK = 64 * 1024
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
)


def sniff(data: bytes) -> tuple[str, str] | None:
    """(mime, extension) of an image we send on, from its first bytes; None for anything else."""
    for magic, mime, extension in _SIGNATURES:
        if data.startswith(magic):
            return mime, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


class PlatformError(Exception):
    """Telegram refused getFile (its exception type stays out of this module's imports)."""


class PhotoKeeper:
    """The `photos` service of handlers (handlers.core.context.Photos)."""

    def __init__(
        self,
        *,
        links: Downloads | None,
        keep_for: timedelta,
        telegram: Callable[[], Bot] | None = None,  # the process's one Bot (App.telegram_bot)
        trusted_bases: tuple[str, ...] = (),  # plain-http addresses allowed besides https (test fakes)
        max_bytes: int = MAX_BYTES,
        timeout: float = 20.0,
    ) -> None:
        self.links = links
        self.public = links is not None
        self.keep_for = keep_for
        self.max_bytes = max_bytes
        self.timeout = timeout
        self._telegram = telegram
        self._trusted = tuple(base.rstrip("/") + "/" for base in trusted_bases)
        self._http: ClientSession | None = None

    async def keep(self, store: Store, incoming: Incoming, *, now: datetime) -> KeptPhoto:
        media = incoming.media
        if media is None:
            raise PhotoRefused(PhotoRefused.UNREACHABLE)
        if media.size is not None and media.size > self.max_bytes:
            raise PhotoRefused(PhotoRefused.TOO_BIG)
        on_telegram = incoming.channel == Channel.TELEGRAM and bool(media.file_id)
        try:
            data = await (self._from_telegram(media.file_id) if on_telegram else self._from_url(media.url))
        except (PlatformError, ClientError, TimeoutError) as error:
            # The error's text can hold the file address, which holds the bot token: its type only.
            log.warning("photo from %s could not be fetched: %s", incoming.channel, type(error).__name__)
            raise PhotoRefused(PhotoRefused.UNREACHABLE) from None
        found = sniff(data)
        if found is None:
            raise PhotoRefused(PhotoRefused.NOT_IMAGE)
        mime, extension = found
        filename = f"anh-thong-bao.{extension}"
        file_id = await store.downloads.put(
            filename=filename, mime=mime, data=data, now=now, expires_at=now + DRAFT
        )
        # The link is signed now for the photo's whole possible life; the file itself goes earlier if the
        # form is left (DRAFT) or with its broadcast's rows (the purge).
        url = self.links.url(file_id, filename, now + DRAFT + self.keep_for) if self.links else None
        return KeptPhoto(file_id, url, media.file_id if on_telegram else None)

    async def keep_for_broadcast(self, store: Store, file_id: int, *, now: datetime) -> None:
        await store.downloads.keep_until(file_id, now + self.keep_for)

    async def _from_telegram(self, file_id: str) -> bytes:
        if self._telegram is None:
            raise PhotoRefused(PhotoRefused.UNREACHABLE)
        from aiogram.exceptions import TelegramAPIError

        bot = self._telegram()
        try:
            found = await bot.get_file(file_id, request_timeout=int(self.timeout))
        except TelegramAPIError as error:
            raise PlatformError from error
        if found.file_size is not None and found.file_size > self.max_bytes:
            raise PhotoRefused(PhotoRefused.TOO_BIG)
        if not found.file_path:
            raise PhotoRefused(PhotoRefused.UNREACHABLE)
        url = bot.session.api.file_url(bot.token, found.file_path)
        chunks = bot.session.stream_content(url, timeout=int(self.timeout), chunk_size=_CHUNK)
        return await self._capped(chunks)

    async def _from_url(self, url: str) -> bytes:
        if not url.startswith(("https://", *self._trusted)):
            raise PhotoRefused(PhotoRefused.UNREACHABLE)
        if self._http is None:
            self._http = ClientSession(timeout=ClientTimeout(total=self.timeout))
        async with self._http.get(url) as response:
            response.raise_for_status()
            if response.content_length is not None and response.content_length > self.max_bytes:
                raise PhotoRefused(PhotoRefused.TOO_BIG)
            return await self._capped(response.content.iter_chunked(_CHUNK))

    async def _capped(self, chunks: AsyncIterator[bytes]) -> bytes:
        data = bytearray()
        async for chunk in chunks:
            data += chunk
            if len(data) > self.max_bytes:
                raise PhotoRefused(PhotoRefused.TOO_BIG)
        return bytes(data)

    async def close(self) -> None:  # the Telegram Bot is the App's, closed with it
        if self._http is not None:
            await self._http.close()
            self._http = None
