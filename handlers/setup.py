"""The one place that says what the conversation understands: each feature registers its commands, forms
and buttons; what is decided across features is here — the order of the menu, and who sees free text."""

from __future__ import annotations

from handlers.broadcasts import setup as broadcasts
from handlers.campaigns import setup as campaigns
from handlers.citizen import faq_chat
from handlers.citizen import setup as citizen
from handlers.core import setup as core
from handlers.core.dispatcher import Dispatcher
from handlers.handoff import ask as handoff_ask
from handlers.handoff import setup as handoff
from handlers.members import setup as members
from handlers.reports import setup as reports
from handlers.visits import setup as visits
from handlers.webaccess import setup as webaccess

# /trogiup and the Telegram menu, in this order: what everyone needs first, then each feature's commands.
MENU = (
    ("start", "trogiup", "chude", "huy"),
    ("dangky", "ghinhan", "thongke", "baocao", "moi", "thanhvien", "khuvuc"),
    ("dangkytin", "huytin", "thongbao"),
    ("chiendich", "tiendo"),
    ("hoito", "cauhoi", "traloi", "nhomto", "faq"),
    ("web",),
)


def build_dispatcher() -> Dispatcher:
    d = Dispatcher()
    core.register(d)  # /start /trogiup /huy
    citizen.register(d)  # questions answered from the FAQ, /chude
    members.register(d)  # /dangky /moi /khuvuc /thanhvien
    visits.register(d)  # /ghinhan
    reports.register(d)  # /thongke /baocao
    broadcasts.register(d)  # /dangkytin /huytin /thongbao
    campaigns.register(d)  # /chiendich /tiendo
    handoff.register(d)  # /hoito /cauhoi /traloi /nhomto /faq
    webaccess.register(d)  # /web
    d.order_menu([name for group in MENU for name in group])
    # Free text, asked in turn: a request for a person, else a question for the FAQ (which passes it on
    # to the member who has the citizen's question unless it answers it confidently).
    d.text(handoff_ask.take_text, faq_chat.ask)
    # An open form never swallows a clear question the FAQ answers; /huy also stops a relay.
    d.before_forms(faq_chat.question_in_form)
    d.stops(handoff_ask.stop_relay)
    return d
