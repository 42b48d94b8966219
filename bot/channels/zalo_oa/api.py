"""One OA's Open API: consultation sends (text, buttons, image, file), uploads, followers, profiles.

Every answer is an `{error, message, data}` envelope, checked on every call (errors come with HTTP 200);
tokens come from the OA's `TokenKeeper`, which refreshes once after -216/-220.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import aiohttp

from bot.channels.zalo_api import _int_or_none, _mapping, _str_or_none
from bot.channels.zalo_oa.errors import ZaloOAServerError, api_error, redact
from bot.channels.zalo_oa.tokens import TokenKeeper
from bot.channels.zalo_oa.transport import Clock, Transport, not_an_answer, utcnow
from handlers.core.textutil import split_text

log = logging.getLogger(__name__)

DEFAULT_API_BASE: Final = "https://openapi.zalo.me"
TEXT_LIMIT: Final = 2000  # characters; counted here in UTF-16 units, the stricter reading
MAX_BUTTONS: Final = 5
BUTTON_TITLE_LIMIT: Final = 100
BUTTON_PAYLOAD_LIMIT: Final = 1000
FOLLOWERS_PAGE: Final = 50  # the most /v3.0/oa/user/getlist returns at once


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_parts(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` in parts of at most `limit` UTF-16 units, cut at paragraphs, then lines, then spaces."""
    astral = utf16_len(text) - len(text)  # characters that count twice in UTF-16 (emoji)
    return split_text(text, max(limit - astral, limit // 2))


@dataclass(frozen=True, slots=True)
class OAButton:
    """A button under a message. `oa.query.show` sends `payload` back as the user's text message."""

    title: str
    payload: str | Mapping[str, str]
    type: str = "oa.query.show"

    @classmethod
    def url(cls, title: str, url: str) -> OAButton:
        return cls(title, {"url": url}, "oa.open.url")

    def as_json(self) -> dict[str, Any]:
        if not self.title.strip() or len(self.title) > BUTTON_TITLE_LIMIT:
            raise ValueError(f"a button title must be 1-{BUTTON_TITLE_LIMIT} characters: {self.title[:20]!r}")
        if isinstance(self.payload, str) and not 0 < len(self.payload) <= BUTTON_PAYLOAD_LIMIT:
            raise ValueError(f"a button payload must be 1-{BUTTON_PAYLOAD_LIMIT} characters")
        return {"title": self.title, "type": self.type, "payload": self.payload}


@dataclass(frozen=True, slots=True)
class Quota:
    quota_type: str | None  # "reply", "sub_quota", "purchase_quota", "reward_quota"
    remain: int | None
    total: int | None


@dataclass(frozen=True, slots=True)
class SentMessage:
    message_id: str  # "" if the answer carried none
    user_id: str | None
    quota: Quota | None


@dataclass(frozen=True, slots=True)
class FollowersPage:
    total: int | None  # None when the answer did not say: then pages are read until an empty one
    offset: int
    user_ids: tuple[str, ...]

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.user_ids)
        more = self.total is None or following < self.total
        return following if self.user_ids and more else None


@dataclass(frozen=True, slots=True)
class OAProfile:
    user_id: str
    display_name: str | None
    avatar_url: str | None
    is_follower: bool | None
    last_interaction: date | None  # Zalo gives a day ("DD/MM/YYYY"), not a time


@dataclass(frozen=True, slots=True)
class OAInfo:
    oa_id: str
    name: str | None
    description: str | None
    avatar_url: str | None
    followers: int | None


def _sent(data: object) -> SentMessage:
    body = _mapping(data)
    quota = _mapping(body.get("quota"))
    return SentMessage(
        message_id=_str_or_none(body.get("message_id") or body.get("msg_id")) or "",
        user_id=_str_or_none(body.get("user_id")),
        quota=Quota(
            _str_or_none(quota.get("quota_type")),
            _int_or_none(quota.get("remain")),
            _int_or_none(quota.get("total")),
        )
        if quota
        else None,
    )


def _day(value: object) -> date | None:
    text = _str_or_none(value)
    if text is None:
        return None
    with contextlib.suppress(ValueError):
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    return None


class ZaloOAClient(Transport):
    """One OA's API, with tokens from its `TokenKeeper`. `async with` it, or call `close()`."""

    def __init__(
        self,
        keeper: TokenKeeper,
        *,
        api_base: str = DEFAULT_API_BASE,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 20.0,
        clock: Clock = utcnow,
    ) -> None:
        super().__init__(session, request_timeout)
        self.keeper = keeper
        self._base = api_base.rstrip("/")
        self._clock = clock

    def __repr__(self) -> str:
        return f"ZaloOAClient(oa_id={self.keeper.oa_id!r}, api_base={self._base!r})"

    async def call(
        self,
        call: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, object] | None = None,
        json_body: Mapping[str, object] | None = None,
        make_form: Callable[[], aiohttp.FormData] | None = None,
    ) -> object:
        """One API call through the keeper: the envelope's `data`, or the ZaloOAError it stands for.

        `query` goes as `?data=<JSON>`, the way the GET endpoints take their parameters; `make_form`
        builds a fresh multipart body per attempt (aiohttp sends a FormData only once).
        """
        params = {"data": json.dumps(query, ensure_ascii=False)} if query is not None else None

        async def attempt(access_token: str) -> object:
            hidden = (access_token,)
            status, body, raw = await self._exchange(
                call,
                method,
                f"{self._base}{path}",
                hidden,
                params=params,
                headers={"access_token": access_token},
                json=json_body,
                data=make_form() if make_form else None,
            )
            code = None if body is None else _int_or_none(body.get("error"))
            if body is None or code is None:  # no envelope at all: a gateway's page, say
                raise not_an_answer(call, status, raw, hidden)
            if code == 0 and 200 <= status < 300:
                log.debug("zalo_oa %s: ok", call)
                return body.get("data")
            if code == 0:
                raise not_an_answer(call, status, raw, hidden)
            message = redact(_str_or_none(body.get("message")) or "no description", hidden)
            error = api_error(call, code, message, self._clock())
            log.debug("zalo_oa %s failed: %s", call, error)
            raise error

        return await self.keeper.call(attempt)

    async def _send_message(self, call: str, user_id: str, message: Mapping[str, Any]) -> SentMessage:
        body = {"recipient": {"user_id": user_id}, "message": message}
        return _sent(await self.call(call, "POST", "/v3.0/oa/message/cs", json_body=body))

    async def send_text(self, user_id: str, text: str, *, quote_message_id: str | None = None) -> SentMessage:
        """A consultation text (≤ TEXT_LIMIT; split longer ones with `text_parts` first)."""
        message: dict[str, Any] = {"text": _checked_text(text)}
        if quote_message_id:
            message["quote_message_id"] = quote_message_id
        return await self._send_message("send_text", user_id, message)

    async def send_buttons(self, user_id: str, text: str, buttons: Sequence[OAButton]) -> SentMessage:
        """A text with up to MAX_BUTTONS buttons: the `template` attachment without a `template_type`,
        as Zalo's own SDK builds it."""
        if not 1 <= len(buttons) <= MAX_BUTTONS:
            raise ValueError(f"1-{MAX_BUTTONS} buttons, not {len(buttons)}")
        attachment = {"type": "template", "payload": {"buttons": [button.as_json() for button in buttons]}}
        message = {"text": _checked_text(text), "attachment": attachment}
        return await self._send_message("send_buttons", user_id, message)

    async def send_image(
        self,
        user_id: str,
        *,
        url: str | None = None,
        attachment_id: str | None = None,
        caption: str | None = None,
    ) -> SentMessage:
        """An image by public URL or by the attachment id `upload_image` returned."""
        if (url is None) == (attachment_id is None):
            raise ValueError("give exactly one of url and attachment_id")
        element = {"media_type": "image", **({"url": url} if url else {"attachment_id": attachment_id})}
        message: dict[str, Any] = {
            "attachment": {"type": "template", "payload": {"template_type": "media", "elements": [element]}}
        }
        if caption:
            message["text"] = _checked_text(caption)
        return await self._send_message("send_image", user_id, message)

    async def send_file(self, user_id: str, file_token: str) -> SentMessage:
        """A file by the token `upload_file` returned (⚠ tokens reportedly expire after about 7 days)."""
        message = {"attachment": {"type": "file", "payload": {"token": file_token}}}
        return await self._send_message("send_file", user_id, message)

    async def upload_image(self, data: bytes, filename: str, content_type: str = "image/jpeg") -> str:
        """Upload a JPG/PNG (≤ 1 MB); returns its attachment_id."""
        return await self._upload("upload_image", "/v2.0/oa/upload/image", data, filename, content_type)

    async def upload_file(self, data: bytes, filename: str, content_type: str = "application/pdf") -> str:
        """Upload a PDF/DOC/DOCX (≤ 5 MB); returns the token `send_file` takes."""
        return await self._upload("upload_file", "/v2.0/oa/upload/file", data, filename, content_type)

    async def _upload(self, call: str, path: str, data: bytes, filename: str, content_type: str) -> str:
        def form() -> aiohttp.FormData:
            body = aiohttp.FormData()
            body.add_field("file", data, filename=filename, content_type=content_type)
            return body

        answer = _mapping(await self.call(call, "POST", path, make_form=form))
        found = _str_or_none(answer.get("attachment_id") or answer.get("token"))
        if found is None:
            raise ZaloOAServerError(call, 0, "the upload answer carried no attachment_id or token")
        return found

    async def get_followers(
        self, offset: int = 0, count: int = FOLLOWERS_PAGE, *, tag_name: str | None = None
    ) -> FollowersPage:
        """One page of the OA's followers (`/v3.0/oa/user/getlist`, `is_follower`: true).

        ⚠ Zalo caps `offset` (reportedly 9,951): a larger OA has to be walked by tag.
        """
        query: dict[str, object] = {"offset": offset, "count": count, "is_follower": "true"}
        if tag_name:
            query["tag_name"] = tag_name
        data = _mapping(await self.call("get_followers", "GET", "/v3.0/oa/user/getlist", query=query))
        users = data.get("users", data.get("followers"))  # v3 says users, v2 said followers
        ids = [
            _str_or_none(user.get("user_id") if isinstance(user, Mapping) else user)
            for user in (users if isinstance(users, list) else [])
        ]
        found = tuple(user_id for user_id in ids if user_id)
        return FollowersPage(_int_or_none(data.get("total")), offset, found)

    async def iter_followers(self, page_size: int = FOLLOWERS_PAGE) -> AsyncIterator[str]:
        """Every follower's user id, page by page."""
        offset: int | None = 0
        while offset is not None:
            page = await self.get_followers(offset, page_size)
            for user_id in page.user_ids:
                yield user_id
            offset = page.next_offset

    async def get_profile(self, user_id: str) -> OAProfile:
        query = {"user_id": user_id}
        data = _mapping(await self.call("get_profile", "GET", "/v3.0/oa/user/detail", query=query))
        avatars = _mapping(data.get("avatars"))
        follower = data.get("user_is_follower")
        return OAProfile(
            user_id=_str_or_none(data.get("user_id")) or user_id,
            display_name=_str_or_none(data.get("display_name")),
            avatar_url=_str_or_none(avatars.get("240") or data.get("avatar")),
            is_follower=follower if isinstance(follower, bool) else None,
            last_interaction=_day(data.get("user_last_interaction_date")),
        )

    async def get_oa_info(self) -> OAInfo:
        data = _mapping(await self.call("get_oa_info", "GET", "/v2.0/oa/getoa"))
        return OAInfo(
            oa_id=_str_or_none(data.get("oa_id") or data.get("oaid")) or self.keeper.oa_id,
            name=_str_or_none(data.get("name")),
            description=_str_or_none(data.get("description")),
            avatar_url=_str_or_none(data.get("avatar")),
            followers=_int_or_none(data.get("num_follower")),
        )


def _checked_text(text: str) -> str:
    if not text.strip() or utf16_len(text) > TEXT_LIMIT:
        raise ValueError(f"a Zalo OA text must be 1-{TEXT_LIMIT} characters; split it with text_parts()")
    return text
