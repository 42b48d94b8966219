"""The one place that lists what the conversation understands, in order."""

from __future__ import annotations

from handlers.broadcasts import commands as broadcast
from handlers.broadcasts import form as broadcast_form
from handlers.broadcasts import subscription
from handlers.campaigns import commands as campaigns
from handlers.campaigns import form as campaign_form
from handlers.campaigns import tracking as progress
from handlers.citizen import faq_chat as citizen
from handlers.core import basics
from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role
from handlers.handoff import ask as handoff
from handlers.handoff import faq_admin, learning
from handlers.handoff import team as handoff_team
from handlers.members import areas as areas_admin
from handlers.members import invites as members
from handlers.reports import commands as reports
from handlers.reports import stats
from handlers.visits import commands as visits
from handlers.visits import form as visit_form

C, M, L = Role.CITIZEN, Role.MEMBER, Role.LEADER


def build_dispatcher() -> Dispatcher:
    d = Dispatcher()
    d.command(Command("start", ("batdau",), C, basics.start, "lời chào và những việc bot làm được"))
    d.command(Command("trogiup", ("help",), C, basics.help_, "các lệnh dùng được"))
    d.command(Command("chude", ("topics",), C, citizen.topics, "xem các chủ đề hỏi đáp"))
    d.command(Command("huy", ("cancel",), C, basics.cancel, "dừng việc đang làm dở"))

    # Team members, areas and roles; logging sessions; numbers and reports (issue 6).
    d.command(Command("dangky", ("join",), C, members.join, "tham gia Tổ bằng mã mời: /dangky MÃ", args=True))
    d.command(Command("ghinhan", ("log",), M, visits.log, "ghi nhận một buổi hướng dẫn"))
    d.command(Command("thongke", ("stats",), M, stats.show, "số buổi, số người đã hướng dẫn"))
    d.command(Command("baocao", ("report",), L, reports.send, "báo cáo Excel và biểu đồ"))
    d.command(Command("moi", ("invite",), L, members.invite, "tạo mã mời thành viên"))
    d.command(Command("khuvuc", ("areas",), L, areas_admin.show, "danh sách thôn, xã và mã"))
    d.forms.register(visit_form.GUIDED_FORM)
    d.forms.register(visit_form.CARD_FORM)
    d.forms.register(members.INVITE)

    # Announcements: citizens subscribe for their area; officers (leaders, with approval) broadcast (issue 7).
    d.command(Command("dangkytin", ("subscribe",), C, subscription.subscribe, "nhận thông báo của xã/thôn"))
    d.command(Command("huytin", ("unsubscribe",), C, subscription.unsubscribe, "thôi nhận thông báo"))
    d.command(Command("thongbao", ("broadcast",), L, broadcast.command, "gửi và theo dõi thông báo"))
    d.forms.register(subscription.FORM)
    d.forms.register(broadcast_form.FORM)
    d.forms.register(broadcast.REJECT_FORM)

    # Campaigns with deadlines and targets, and progress against pace (issue 8).
    d.command(Command("chiendich", ("campaigns",), L, campaigns.command, "chiến dịch, chỉ tiêu, hạn chót"))
    d.command(Command("tiendo", ("progress",), M, progress.show, "tiến độ chiến dịch so với chỉ tiêu"))
    d.forms.register(campaign_form.CREATE_FORM)
    d.forms.register(campaign_form.EDIT_FORM)
    d.button(Button("cp", L, campaigns.button))
    d.button(Button("cpv", Role.OFFICER, campaign_form.toggle))
    d.button(Button("td", M, progress.button))

    # Hand-off to the local team, the learning loop and /faq for officers (issue 9).
    d.command(Command("hoito", ("askteam",), C, handoff.ask_team, "gửi câu hỏi cho Tổ ở gần bạn"))
    d.command(Command("cauhoi", ("questions",), M, handoff_team.questions, "câu hỏi người dân đang chờ Tổ"))
    d.command(Command("traloi", ("answer",), M, handoff_team.reply_command, "trả lời: /traloi SỐ nội dung"))
    d.command(Command("nhomto", ("teamchat",), L, handoff_team.team_chat, "nhóm chat của Tổ nhận câu hỏi"))
    d.command(Command("faq", (), Role.OFFICER, faq_admin.faq, "tìm, sửa, xuất cơ sở trả lời"))
    d.forms.register(handoff.QUESTION)
    d.forms.register(handoff.AREA)
    d.forms.register(handoff_team.ANSWER)
    d.forms.register(learning.FORM)
    d.forms.register(faq_admin.EDIT)
    d.forms.register(faq_admin.PHRASE)
    d.forms.register(faq_admin.REVIEW)
    d.button(Button("hq", C, handoff.request))
    d.button(Button("hr", C, handoff.rate))
    d.button(Button("hc", M, handoff_team.claim))
    d.button(Button("ha", M, handoff_team.reply))
    d.button(Button("hx", M, handoff_team.close))
    d.button(Button("lr", M, learning.learn))
    d.button(Button("la", Role.OFFICER, learning.decide))
    d.button(Button("fa", Role.OFFICER, faq_admin.button))

    d.button(Button("faq", C, citizen.chosen))
    d.button(Button("fb", C, citizen.feedback))
    d.button(Button("t", C, citizen.topic))
    d.button(Button("vs", M, visits.save))
    d.button(Button("vt", M, visits.toggle))
    d.button(Button("vx", M, visits.change))
    d.button(Button("st", L, stats.period_button))
    d.button(Button("inv", L, members.revoke))
    d.button(Button("bc", L, broadcast.button))

    # Free text: a follow-up for the member who has the citizen's question, else a question for the FAQ.
    d.text(handoff.take_text, citizen.ask)
    return d
