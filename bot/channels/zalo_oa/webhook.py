"""Webhooks: the `X-ZEvent-Signature` check and the events, parsed tolerantly into six dataclasses.

The signature is SHA-256 of app id + raw body + timestamp + secret key (not an HMAC); `parse_event`
never raises: what it cannot place is an `UnknownEvent` with the raw body kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.channels.zalo_api import _datetime_or_none, _int_or_none, _mapping, _str_or_none


def verify_signature(
    app_id: str, raw_body: bytes, timestamp: str, secret_key: str, header: str | None
) -> bool:
    """Check `X-ZEvent-Signature` ("mac=" + hex SHA-256 of app id + raw body + timestamp + secret key).

    The "mac=" prefix is optional, the comparison constant-time; no header or no secret is a failure.
    """
    if not header or not secret_key:
        return False
    given = header.strip()
    if given[:4].lower() == "mac=":
        given = given[4:].strip()
    digest = hashlib.sha256(app_id.encode() + raw_body + str(timestamp).encode() + secret_key.encode())
    return hmac.compare_digest(digest.hexdigest().encode(), given.lower().encode("utf-8", "replace"))


def verify_webhook(app_id: str, raw_body: bytes, secret_key: str, header: str | None) -> bool:
    """`verify_signature` with the timestamp taken from the body's own `timestamp` field."""
    try:
        body = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    stamp = _str_or_none(body.get("timestamp")) if isinstance(body, dict) else None
    return stamp is not None and verify_signature(app_id, raw_body, stamp, secret_key, header)


@dataclass(frozen=True, slots=True)
class Attachment:
    type: str | None = None  # image, gif, sticker, audio, video, file, link, location, …
    url: str | None = None
    thumbnail: str | None = None
    name: str | None = None
    size: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class OAEventBase:
    """What every event has. `user_id` is the person (never the OA), `oa_id` the OA, when known."""

    event_name: str = ""
    app_id: str | None = None
    oa_id: str | None = None
    user_id: str | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserMessage(OAEventBase):
    """user_send_* (and anonymous_send_*): `kind` is the part after "send_" (text, image, sticker, …)."""

    kind: str = ""
    msg_id: str | None = None
    text: str | None = None
    quote_msg_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    anonymous: bool = False


@dataclass(frozen=True, slots=True)
class FollowChange(OAEventBase):
    followed: bool = True
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt(OAEventBase):
    """user_received_message (seen=False) and user_seen_message (seen=True)."""

    msg_ids: tuple[str, ...] = ()
    seen: bool = False


@dataclass(frozen=True, slots=True)
class Echo(OAEventBase):
    """oa_send_*: a message the OA sent, by us or (with `admin_id`) by a person in the OA chat tool."""

    kind: str = ""
    msg_id: str | None = None
    text: str | None = None
    admin_id: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class ChatNow(OAEventBase):
    """user_click_chatnow: the person opened a chat with the OA."""


@dataclass(frozen=True, slots=True)
class UnknownEvent(OAEventBase):
    """Any other event (user_submit_info, add_user_to_tag, …), kept whole in `raw`."""

    raw: Mapping[str, Any] = field(default_factory=dict)


OAEvent = UserMessage | FollowChange | Receipt | Echo | ChatNow | UnknownEvent


def _float_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    with contextlib.suppress(ValueError, OverflowError):
        number = float(value)
        return number if number == number and abs(number) != float("inf") else None
    return None


def _attachments(message: Mapping[str, Any]) -> tuple[Attachment, ...]:
    raw = message.get("attachments")
    found: list[Attachment] = []
    for item in raw if isinstance(raw, list) else []:
        entry = _mapping(item)
        payload = _mapping(entry.get("payload"))
        point = _mapping(payload.get("coordinates")) or payload
        found.append(
            Attachment(
                type=_str_or_none(entry.get("type")),
                url=_str_or_none(payload.get("url")),
                thumbnail=_str_or_none(payload.get("thumbnail")),
                name=_str_or_none(payload.get("name") or payload.get("title")),
                size=_int_or_none(payload.get("size")),
                latitude=_float_or_none(point.get("latitude")),
                longitude=_float_or_none(point.get("longitude")),
            )
        )
    location = _mapping(message.get("location"))  # one public sample puts it here
    if location and not any(a.latitude is not None for a in found):
        latitude, longitude = (
            _float_or_none(location.get("latitude")),
            _float_or_none(location.get("longitude")),
        )
        found.append(Attachment(type="location", latitude=latitude, longitude=longitude))
    return tuple(found)


def parse_event(data: object) -> OAEvent:
    """A webhook body as one of the event dataclasses. Never raises: what it cannot place is UnknownEvent."""
    body: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    name = _str_or_none(body.get("event_name")) or ""
    sender, recipient = _mapping(body.get("sender")), _mapping(body.get("recipient"))
    message = _mapping(body.get("message"))
    from_id, to_id = _str_or_none(sender.get("id")), _str_or_none(recipient.get("id"))
    common: dict[str, Any] = {
        "event_name": name,
        "app_id": _str_or_none(body.get("app_id")),
        "timestamp": _datetime_or_none(body.get("timestamp")),
    }
    stated_oa = _str_or_none(body.get("oa_id"))
    msg_id = _str_or_none(message.get("msg_id") or message.get("message_id"))
    for prefix, anonymous in (("user_send_", False), ("anonymous_send_", True)):
        if name.startswith(prefix):
            return UserMessage(
                **common,
                oa_id=stated_oa or to_id,
                user_id=from_id,
                kind=name.removeprefix(prefix),
                msg_id=msg_id,
                text=_str_or_none(message.get("text")),
                quote_msg_id=_str_or_none(message.get("quote_msg_id") or message.get("quote_message_id")),
                attachments=_attachments(message),
                anonymous=anonymous,
            )
    if name.startswith("oa_send_"):
        return Echo(
            **common,
            oa_id=stated_oa or from_id,
            user_id=to_id,
            kind=name.removeprefix("oa_send_"),
            msg_id=msg_id,
            text=_str_or_none(message.get("text")),
            admin_id=_str_or_none(sender.get("admin_id")),
            attachments=_attachments(message),
        )
    if name in ("follow", "unfollow"):
        follower = _mapping(body.get("follower"))
        return FollowChange(
            **common,
            oa_id=stated_oa or to_id,
            user_id=_str_or_none(follower.get("id")) or from_id,
            followed=name == "follow",
            source=_str_or_none(body.get("source")),
        )
    if name in ("user_received_message", "user_seen_message"):
        raw_ids = message.get("msg_ids")
        ids = [_str_or_none(i) for i in raw_ids] if isinstance(raw_ids, list) else [msg_id]
        return Receipt(
            **common,
            oa_id=stated_oa or from_id,  # the OA sent what was received, so it is the "sender"
            user_id=to_id,
            msg_ids=tuple(i for i in ids if i),
            seen=name == "user_seen_message",
        )
    if name == "user_click_chatnow":
        return ChatNow(**common, oa_id=stated_oa or to_id, user_id=from_id)
    return UnknownEvent(**common, oa_id=stated_oa or to_id, user_id=from_id, raw=dict(body))
