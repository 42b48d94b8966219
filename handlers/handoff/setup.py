"""Hand-off to the local team, the learning loop that grows the FAQ base, and /faq for officers."""

from __future__ import annotations

from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role
from handlers.handoff import ask, faq_admin, learning, team
from handlers.handoff import payloads as p


def register(d: Dispatcher) -> None:
    C, M, L = Role.CITIZEN, Role.MEMBER, Role.LEADER
    d.command(Command("hoito", ("askteam",), C, ask.ask_team, "gửi câu hỏi cho Tổ ở gần bạn"))
    d.command(
        Command(
            "cauhoi", ("questions",), M, team.questions, "câu hỏi người dân đang chờ Tổ", private_only=True
        )
    )
    d.command(
        Command(
            "traloi", ("answer",), M, team.reply_command, "trả lời: /traloi SỐ nội dung", private_only=True
        )
    )
    d.command(Command("nhomto", ("teamchat",), L, team.team_chat, "nhóm chat của Tổ nhận câu hỏi"))
    d.command(
        Command("faq", (), Role.OFFICER, faq_admin.faq, "tìm, sửa, xuất cơ sở trả lời", private_only=True)
    )
    d.forms.register(ask.QUESTION)
    d.forms.register(ask.AREA)
    d.forms.register(team.ANSWER)
    d.forms.register(learning.FORM)
    d.forms.register(learning.EDIT_FORM)
    d.forms.register(faq_admin.EDIT)
    d.forms.register(faq_admin.PHRASE)
    d.forms.register(faq_admin.REVIEW)
    d.actions(C, ask.request, p.REQUEST)
    d.actions(C, ask.rate, p.HELPFUL, p.WRONG)
    d.actions(M, team.claim, p.CLAIM)
    d.actions(M, team.reply, p.ANSWER)
    d.actions(M, team.close, p.CLOSE)
    d.actions(M, learning.learn, p.LEARN)
    d.actions(M, learning.edit, p.EDIT_PROPOSAL)
    d.actions(Role.OFFICER, learning.decide, p.APPROVE, p.REJECT)
    d.button(Button(p.VIEW, Role.OFFICER, faq_admin.view_button))
    d.button(Button(p.EDIT, Role.OFFICER, faq_admin.edit_button))
    d.button(Button(p.PHRASE, Role.OFFICER, faq_admin.phrase_button))
    d.button(Button(p.REVIEW, Role.OFFICER, faq_admin.review_button))
    d.button(Button(p.EXPORT, Role.OFFICER, faq_admin.export_button, private_only=True))
    d.button(Button(p.DUE, Role.OFFICER, faq_admin.due_button))
    d.button(Button(p.PENDING, Role.OFFICER, faq_admin.pending_button))
