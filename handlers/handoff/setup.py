"""Hand-off to the local team, the learning loop that grows the FAQ base, and /faq for officers."""

from __future__ import annotations

from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role
from handlers.handoff import ask, faq_admin, learning, team


def register(d: Dispatcher) -> None:
    C, M, L = Role.CITIZEN, Role.MEMBER, Role.LEADER
    d.command(Command("hoito", ("askteam",), C, ask.ask_team, "gửi câu hỏi cho Tổ ở gần bạn"))
    d.command(Command("cauhoi", ("questions",), M, team.questions, "câu hỏi người dân đang chờ Tổ"))
    d.command(Command("traloi", ("answer",), M, team.reply_command, "trả lời: /traloi SỐ nội dung"))
    d.command(Command("nhomto", ("teamchat",), L, team.team_chat, "nhóm chat của Tổ nhận câu hỏi"))
    d.command(Command("faq", (), Role.OFFICER, faq_admin.faq, "tìm, sửa, xuất cơ sở trả lời"))
    d.forms.register(ask.QUESTION)
    d.forms.register(ask.AREA)
    d.forms.register(team.ANSWER)
    d.forms.register(learning.FORM)
    d.forms.register(faq_admin.EDIT)
    d.forms.register(faq_admin.PHRASE)
    d.forms.register(faq_admin.REVIEW)
    d.button(Button("hq", C, ask.request))
    d.button(Button("hr", C, ask.rate))
    d.button(Button("hc", M, team.claim))
    d.button(Button("ha", M, team.reply))
    d.button(Button("hx", M, team.close))
    d.button(Button("lr", M, learning.learn))
    d.button(Button("la", Role.OFFICER, learning.decide))
    d.button(Button("fa", Role.OFFICER, faq_admin.button))
