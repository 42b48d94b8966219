"""Group chats don't leak (issue 14 item 8): what carries personal data or a file is a declared property
of a command (`private_only`), checked once by the dispatcher; in a group it answers one line and a link
to the private chat, whose /start runs the command asked for."""

from __future__ import annotations

from bot.app import App
from db.repos.areas import AreaData
from handlers.core import texts
from handlers.core.dispatcher import start_payload
from handlers.core.types import Channel, Incoming, Kind
from handlers.members import payloads as mp
from handlers.members import texts as t
from handlers.setup import build_dispatcher
from tests.members.support import DONG_TAO, NGHIA_TRU, person, user_row
from tests.support import incoming, texts_of

# Their replies carry names, citizens' questions, numbers per person, invite codes or files.
PRIVATE_ONLY = {
    "dangky",
    "moi",
    "thanhvien",
    "thongke",
    "baocao",
    "thongbao",
    "cauhoi",
    "traloi",
    "faq",
    "web",
}


def test_every_command_says_whether_it_is_private_only() -> None:
    commands = build_dispatcher().all_commands()
    assert {c.name for c in commands if c.private_only} == PRIVATE_ONLY
    # Everything else is fine in a group: greetings, help, topics, a hand-off, campaigns, the team chat.
    assert {c.name for c in commands if not c.private_only} == {
        "start",
        "trogiup",
        "chude",
        "huy",
        "ghinhan",
        "khuvuc",
        "dangkytin",
        "huytin",
        "chiendich",
        "tiendo",
        "hoito",
        "nhomto",
    }


def in_group(
    text: str, user: str, *, bot: str = "cds_bot", kind: Kind = Kind.TEXT, payload: str | None = None
) -> Incoming:
    return Incoming(
        channel=Channel.TELEGRAM,
        chat_id="-100777",
        user_id=user,
        display_name="Tâm",
        text=text,
        kind=kind,
        payload=payload,
        chat_type="group",
        bot_username=bot,
    )


async def test_in_a_group_one_line_and_a_link_then_the_private_chat_runs_it(
    app: App, tree: dict[str, AreaData]
) -> None:
    await person(app, "501", "leader", NGHIA_TRU, name="Tâm", channel=Channel.TELEGRAM)
    await person(app, "502", "member", DONG_TAO, name="Lan", channel=Channel.TELEGRAM)
    say = app.conversation.handle
    for command, link in (
        ("/thanhvien", "https://t.me/cds_bot?start=thanhvien"),
        ("/cauhoi 12", "https://t.me/cds_bot?start=cauhoi-12"),
        ("/thongbao csv 3", "https://t.me/cds_bot?start=thongbao-csv-3"),
        ("/baocao", "https://t.me/cds_bot?start=baocao"),
    ):
        replies = await say(in_group(command, "501"))
        what = command.split()[0]
        assert [(r.text, r.document, r.photo, r.choices) for r in replies] == [
            (texts.PRIVATE_ONLY_LINK.format(what=what, link=link), None, None, ())
        ]
    # Without a username (Zalo, where bots talk in private chats only): one line, no link.
    [zalo] = await say(in_group("/thanhvien", "501", bot=""))
    assert zalo.text == texts.PRIVATE_ONLY.format(what="/thanhvien")
    # A button of /thanhvien pressed in a group shows nobody's card there.
    lan = await user_row(app, "502", Channel.TELEGRAM)
    [button] = await say(in_group("", "501", kind=Kind.BUTTON, payload=mp.PERSON.build(lan.id)))
    assert button.text == texts.PRIVATE_ONLY_LINK.format(what=texts.THIS_BUTTON, link="https://t.me/cds_bot")
    # The link opens the private chat with "/start thanhvien": the list comes, as if typed.
    private = Incoming(Channel.TELEGRAM, "501", "501", "Tâm", "/start thanhvien", bot_username="cds_bot")
    [listing] = await say(private)
    assert listing.text.startswith(t.TEAM_HEADER.format(area="Xã Nghĩa Trụ", count=1, page=1, pages=1))
    # A citizen opening such a link is refused as if they had typed the command.
    [refused] = await say(incoming("/start cauhoi-12", user="someone"))
    assert refused.text.startswith("Chỉ thành viên Tổ công nghệ số")
    # An ordinary /start payload is just a welcome.
    [welcome] = await say(incoming("/start abc-1", user="someone"))
    assert welcome.text == texts.GREETING.format(name="Lan")


async def test_an_invite_code_typed_in_a_group_is_not_repeated_in_the_link(app: App) -> None:
    replies = await app.conversation.handle(in_group("/dangky K7M2QX9P", "600"))
    assert texts_of(replies) == [
        texts.PRIVATE_ONLY_LINK.format(what="/dangky", link="https://t.me/cds_bot?start=dangky")
    ]


def test_start_payloads_fit_telegram() -> None:
    assert start_payload("cauhoi", "12") == "cauhoi-12"
    assert start_payload("faq", "tìm mật khẩu") == "faq"  # not [A-Za-z0-9]: the command alone
    assert start_payload("thongbao", "x" * 80) == "thongbao"  # over 64 characters
