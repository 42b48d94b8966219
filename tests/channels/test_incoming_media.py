"""A photo sent in the chat, as each channel hands it to the conversation: `Incoming.media` says where its
bytes are (nothing is downloaded here), the caption is the text; other media carry no `media`."""

from __future__ import annotations

from typing import Any

from aiogram.types import Update

from bot.channels import telegram, zalo
from bot.channels.zalo_api import ZaloEvent
from bot.channels.zalo_oa.channel import to_incoming as oa_incoming
from bot.channels.zalo_oa.webhook import parse_event
from handlers.core.types import Incoming, Kind, Media
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.fakes.zalo_oa_api import FakeZaloOA


def _telegram(raw: dict[str, Any]) -> Incoming:
    update = Update.model_validate({"update_id": 1, **raw}, context={})
    assert update.message is not None
    return telegram.to_incoming(update.message, update_id=1, bot_id=123456, bot_username="cds_test_bot")


def test_telegram_photo_gives_the_largest_size_and_the_caption() -> None:
    tg = FakeTelegramAPI()
    photo = _telegram(tg.photo_update(700, b"\xff\xd8\xff" + b"x" * 5000, caption="Lịch tiêm"))
    assert photo.kind == Kind.PHOTO and photo.text == "Lịch tiêm"
    assert photo.media is not None and photo.media.file_id.endswith("-1280") and photo.media.size == 5003
    sticker = _telegram(tg.sticker_update(700))
    assert (sticker.kind, sticker.media) == (Kind.STICKER, None)
    document = {"file_id": "BQACAgIAAxkBAAIdoc", "file_unique_id": "AgADdoc", "file_size": 900}
    as_file = _telegram(tg.message_update(700, None, document={**document, "mime_type": "image/png"}))
    assert as_file.kind == Kind.DOCUMENT and as_file.media == Media(file_id="BQACAgIAAxkBAAIdoc", size=900)
    pdf = _telegram(tg.message_update(700, None, document={**document, "mime_type": "application/pdf"}))
    assert (pdf.kind, pdf.media) == (Kind.DOCUMENT, None)


def test_zalo_image_gives_its_url_and_the_caption() -> None:
    zl = FakeZaloAPI()
    event = zl.image_event("c1", "https://photo-stal.zadn.vn/fake/anh.jpg", caption="Họp thôn")
    image = zalo.to_incoming(ZaloEvent.from_dict(event), "bot.CdsTest")
    assert image is not None and (image.kind, image.text) == (Kind.PHOTO, "Họp thôn")
    assert image.media == Media(url="https://photo-stal.zadn.vn/fake/anh.jpg")
    sticker = zalo.to_incoming(ZaloEvent.from_dict(zl.sticker_event("c1")), "bot.CdsTest")
    assert sticker is not None and (sticker.kind, sticker.media, sticker.text) == (Kind.STICKER, None, "")


def test_zalo_oa_user_send_image_gives_the_attachment_url() -> None:
    oa = FakeZaloOA()
    image = oa_incoming(parse_event(oa.image_event("u1", "https://photo-stal.zadn.vn/fake/b.jpg")))
    assert image is not None and image.kind == Kind.PHOTO
    assert image.media is not None and image.media.url == "https://photo-stal.zadn.vn/fake/b.jpg"
    sticker = oa_incoming(parse_event(oa.sticker_event("u1")))
    assert sticker is not None and (sticker.kind, sticker.media) == (Kind.STICKER, None)
