"""A photo sent in the chat for /thongbao: parsed by the real channel code from the fakes' updates, fetched
once from the fake platform (Telegram getFile + download; Zalo: the image's URL), kept in the database,
and delivered by the worker on Telegram (the file id) and Zalo (our signed link, served over HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from aiogram.types import Update
from aiohttp import ClientSession
from sqlalchemy import select

from bot.channels import telegram, zalo
from bot.channels.zalo_api import ZaloEvent
from bot.downloads import Downloads
from bot.http import HttpServer
from db.models_outbox import Broadcast, OutboxMessage, OutboxPayload
from db.models_visits import DownloadFile
from handlers.broadcasts import texts as t
from handlers.core import texts as core_texts
from handlers.core.retention import RetentionPolicy, purge
from handlers.core.roles import Role
from handlers.core.types import Channel, Reply
from tests.delivery.support import Env, People, add_user, make_people

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 40  # a JPEG by its first bytes, ~10 KB
TEXT = "Lịch tiêm chủng tháng 12 ở trạm y tế xã, bà con xem ảnh."


@pytest.fixture
async def people(env: Env) -> AsyncIterator[People]:
    yield await make_people(env.app)


@pytest.fixture
async def public(env: Env) -> AsyncIterator[Downloads]:
    """The bot with a public address: kept photos get a signed link, served by a real HTTP server."""
    http = HttpServer("127.0.0.1", 0)
    links = Downloads(env.app.sessions, base_url="http://unset", secret="s3cret_links", clock=env.clock)
    links.install(http)
    await http.start()
    links.base_url = f"http://127.0.0.1:{http.port}"
    keeper = env.app.photos
    assert keeper is not None
    keeper.links, keeper.public = links, True
    try:
        yield links
    finally:
        await http.stop()


async def from_telegram(env: Env, update: dict[str, Any]) -> list[Reply]:
    """A Telegram update as the channel turns it into Incoming, answered by the conversation."""
    parsed = Update.model_validate(env.tg.push_update(update), context={})
    assert parsed.message is not None
    message = telegram.to_incoming(
        parsed.message, update_id=parsed.update_id, bot_id=123456, bot_username="cds_test_bot"
    )
    env.replies = await env.app.conversation.handle(message)
    return env.replies


async def from_zalo(env: Env, event: dict[str, Any]) -> list[Reply]:
    message = zalo.to_incoming(ZaloEvent.from_dict(event), "bot.CdsTest")
    assert message is not None
    env.replies = await env.app.conversation.handle(message)
    return env.replies


async def up_to_photo(env: Env, author: Any) -> None:
    for answer in ("/thongbao moi", TEXT):
        [asked] = await env.say(author, answer)
    assert asked.text == t.ASK_PHOTO


async def after_photo(env: Env, author: Any) -> Reply:
    """Subscribers, the author's commune, Telegram and Zalo: the preview."""
    for answer in ("1", "1", "1"):
        [reply] = await env.say(author, answer)
    return reply


async def stored_broadcast(env: Env) -> Broadcast:
    async with env.app.sessions() as session:
        found = await session.get(Broadcast, 1)
    assert found is not None
    return found


async def kept_files(env: Env) -> list[DownloadFile]:
    async with env.app.sessions() as session:
        return list(await session.scalars(select(DownloadFile)))


async def test_a_photo_sent_on_telegram_reaches_telegram_and_zalo(
    env: Env, people: People, public: Downloads
) -> None:
    await up_to_photo(env, people.officer)
    await from_telegram(env, env.tg.photo_update(500, JPEG, caption="ảnh lịch tiêm"))
    assert env.replies[0].text == t.ASK_GROUPS
    [get_file] = env.tg.sent("getFile")
    assert get_file.params["file_id"].endswith("-1280")  # the largest size, downloaded once
    assert len(env.tg.downloads) == 1

    preview = await after_photo(env, people.officer)
    assert t.PREVIEW_PHOTO_SENT in preview.text and "chỉ nhận phần chữ" not in preview.text
    [started] = await env.say(people.officer, "1")
    assert started.text == t.STARTED.format(id=1, total=4)
    await env.drain()

    broadcast = await stored_broadcast(env)
    [kept] = await kept_files(env)
    assert (kept.data, kept.mime) == (JPEG, "image/jpeg")
    assert broadcast.photo_file_id == kept.id and broadcast.telegram_file_id == get_file.params["file_id"]
    assert broadcast.photo_url is not None and broadcast.photo_url.startswith(f"{public.base_url}/files/")
    for chat in (600, 601, 602):  # Telegram resends the file id: no upload, no URL
        [photo] = env.tg.sent("sendPhoto", chat)
        assert photo.params["photo"] == broadcast.telegram_file_id and not photo.files
        assert TEXT in photo.params["caption"]
    [on_zalo] = env.zl.sent("sendPhoto", "z600")
    assert on_zalo.params["photo"] == broadcast.photo_url and TEXT in on_zalo.params["caption"]
    async with ClientSession() as http, http.get(on_zalo.params["photo"]) as served:
        assert served.status == 200 and served.content_type == "image/jpeg"
        assert await served.read() == JPEG
    assert env.tg.sent("sendMessage", 600) == [] and env.zl.sent("sendMessage", "z600") == []


async def test_a_photo_sent_on_zalo_reaches_both_through_the_link(
    env: Env, people: People, public: Downloads
) -> None:
    author = await add_user(
        env.app, Channel.ZALO, "zo1", role=Role.OFFICER, area=people.tree.commune1, name="Chị Mai"
    )
    await up_to_photo(env, author)
    [next_step] = await from_zalo(env, env.zl.hosted_image_event("zo1", JPEG))
    assert next_step.text.startswith(t.ASK_GROUPS)
    assert len(env.zl.downloads) == 1
    preview = await after_photo(env, author)
    assert t.PREVIEW_PHOTO_SENT in preview.text and "chỉ nhận phần chữ" not in preview.text
    await env.say(author, "1")
    await env.drain()
    broadcast = await stored_broadcast(env)
    assert broadcast.telegram_file_id is None and broadcast.photo_url is not None
    [on_tg] = env.tg.sent("sendPhoto", 600)
    [on_zalo] = env.zl.sent("sendPhoto", "z600")
    assert on_tg.params["photo"] == on_zalo.params["photo"] == broadcast.photo_url


async def test_without_a_public_address_zalo_gets_the_text_and_the_preview_says_so(
    env: Env, people: People
) -> None:
    await up_to_photo(env, people.officer)
    await from_telegram(env, env.tg.photo_update(500, JPEG))
    preview = await after_photo(env, people.officer)
    assert t.PREVIEW_PHOTO_SENT in preview.text
    assert t.PREVIEW_PHOTO_TEXT_ONLY.format(channels="Zalo") in preview.text
    await env.say(people.officer, "1")
    await env.drain()
    broadcast = await stored_broadcast(env)
    assert broadcast.photo_url is None and broadcast.telegram_file_id is not None
    [photo] = env.tg.sent("sendPhoto", 600)
    assert photo.params["photo"] == broadcast.telegram_file_id
    [text] = env.zl.sent("sendMessage", "z600")
    assert TEXT in text.params["text"] and env.zl.sent("sendPhoto", "z600") == []


async def test_what_the_photo_step_refuses_and_where_a_photo_is_not_read(env: Env, people: People) -> None:
    # Outside the photo step a photo gets today's answer and is never downloaded.
    [answer] = await from_telegram(env, env.tg.photo_update(600, JPEG))
    assert answer.text == core_texts.MEDIA_REPLY["photo"]
    [sticker] = await from_telegram(env, env.tg.sticker_update(500))
    assert sticker.text == core_texts.MEDIA_REPLY["sticker"]
    assert env.tg.sent("getFile") == [] and env.tg.downloads == []

    await up_to_photo(env, people.officer)
    refused, again = await from_telegram(env, env.tg.photo_update(500, b"GIF-not-really" + b"x" * 50))
    assert (refused.text, again.text) == (t.PHOTO_NOT_IMAGE, t.ASK_PHOTO)
    keeper = env.app.photos
    assert keeper is not None
    keeper.max_bytes = 4096
    refused, again = await from_telegram(env, env.tg.photo_update(500, JPEG))
    assert (refused.text, again.text) == (t.PHOTO_TOO_BIG.format(mb=0), t.ASK_PHOTO)
    [sticker] = await from_telegram(env, env.tg.sticker_update(500))  # a sticker is still not a photo
    assert sticker.text == core_texts.MEDIA_REPLY["sticker"]
    assert await kept_files(env) == []
    [url_ok] = await env.say(people.officer, "https://example.org/lich.jpg")  # a link works as before
    assert url_ok.text == t.ASK_GROUPS


async def test_the_purge_removes_the_photo_with_the_broadcasts_rows(env: Env, people: People) -> None:
    await up_to_photo(env, people.officer)
    await from_telegram(env, env.tg.photo_update(500, JPEG))
    await after_photo(env, people.officer)
    await env.say(people.officer, "1")
    await env.drain()
    # A photo of a form that was left goes after a day; this one stays while its broadcast's rows do.
    await up_to_photo(env, people.officer)
    await from_telegram(env, env.tg.photo_update(500, JPEG))
    assert len(await kept_files(env)) == 2
    policy = RetentionPolicy(outbox=timedelta(days=90))
    await purge(env.app.units, env.clock.now + timedelta(days=2), policy)
    [kept] = await kept_files(env)
    assert (await stored_broadcast(env)).photo_file_id == kept.id
    await purge(env.app.units, env.clock.now + timedelta(days=91), policy)
    assert await kept_files(env) == []
    async with env.app.sessions() as session:
        assert list(await session.scalars(select(OutboxMessage.id).where(OutboxMessage.ref_id == 1))) == []
    assert (await stored_broadcast(env)).photo_file_id is None


async def test_sent_on_zalo_without_a_public_address_telegram_gets_the_bytes_once(
    env: Env, people: People
) -> None:
    author = await add_user(
        env.app, Channel.ZALO, "zo1", role=Role.OFFICER, area=people.tree.commune1, name="Chị Mai"
    )
    await up_to_photo(env, author)
    await from_zalo(env, env.zl.hosted_image_event("zo1", JPEG))
    preview = await after_photo(env, author)
    assert t.PREVIEW_PHOTO_TEXT_ONLY.format(channels="Zalo") in preview.text
    await env.say(author, "1")
    await env.drain()
    [kept] = await kept_files(env)
    assert (await stored_broadcast(env)).photo_file_id == kept.id
    # The kept bytes are uploaded to the first Telegram recipient; the others get the id it handed back.
    photos = [env.tg.last("sendPhoto", chat) for chat in (600, 601, 602)]
    uploads = [p for p in photos if p.files]
    assert len(uploads) == 1 and uploads[0].params["photo"].data == JPEG
    file_id = uploads[0].result["photo"][-1]["file_id"]
    assert {p.params["photo"] for p in photos if not p.files} == {file_id}
    async with env.app.sessions() as session:
        payload = await session.scalar(select(OutboxPayload).where(OutboxPayload.photo_file_id == kept.id))
    assert payload is not None and payload.telegram_file_id == file_id
    assert env.zl.sent("sendPhoto") == [] and TEXT in env.zl.last("sendMessage", "z600").params["text"]


async def test_a_zalo_image_on_a_plain_http_address_is_not_fetched(env: Env, people: People) -> None:
    author = await add_user(
        env.app, Channel.ZALO, "zo1", role=Role.OFFICER, area=people.tree.commune1, name="Chị Mai"
    )
    await up_to_photo(env, author)
    # Served by the fake, but under another name than the configured API server: only https is fetched.
    url = env.zl.serve_file("media/noi-bo.jpg", JPEG).replace("127.0.0.1", "localhost")
    refused, again = await from_zalo(env, env.zl.image_event("zo1", url))
    assert (refused.text, again.text) == (t.PHOTO_UNREACHABLE, t.ASK_PHOTO)
    assert env.zl.downloads == [] and await kept_files(env) == []
