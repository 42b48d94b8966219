"""What /baocao adds for officers, against figures computed by hand from rows written here."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from bot.app import App
from db.models import QuestionLog
from db.models_handoff import Handoff
from db.repos.handoff_stats import FaqFigures
from db.repos.users import UserData
from handlers.core.dates import Period
from handlers.core.roles import Role
from handlers.core.types import Channel
from handlers.handoff import texts as t
from handlers.reports.officer import fold_merged, render
from tests.delivery.support import add_user
from tests.handoff.support import make_team, say

MARCH = datetime(2026, 3, 5, 3, 0, tzinfo=UTC)
FORGOT, FEE = "vneid.password.forgot", "cancuoc.fee"
FORGOT_TITLE = "Quên mật khẩu VNeID thì lấy lại thế nào?"
FEE_TITLE = "Làm, đổi, cấp lại thẻ căn cước hết bao nhiêu tiền?"


def question(
    n: int,
    user: UserData,
    outcome: str,
    top: str | None = None,
    *,
    chosen: str | None = None,
    feedback: str | None = None,
    at: datetime = MARCH,
) -> QuestionLog:
    return QuestionLog(
        id=n,
        channel=user.channel,
        user_id=user.id,
        text=f"câu hỏi {n}",
        outcome=outcome,
        top_entry_id=top,
        chosen_entry_id=chosen,
        score=0.5,
        feedback=feedback,
        created_at=at + timedelta(minutes=n),
    )


def handoff(
    question_id: int,
    user: UserData,
    area_id: int,
    answered_after: timedelta | None,
    rating: str | None = None,
) -> Handoff:
    created = MARCH + timedelta(minutes=question_id, seconds=30)
    return Handoff(
        question_id=question_id,
        citizen_user_id=user.id,
        area_id=area_id,
        text="?",
        status="answered" if answered_after else "open",
        stage=0,
        answered_at=created + answered_after if answered_after else None,
        rating=rating,
        created_at=created,
    )


async def test_the_figures_match_a_hand_count(app: App) -> None:
    team = await make_team(app)
    tree = team.tree
    a = await add_user(app, Channel.ZALO, "za", area=tree.hamlet1)
    b = await add_user(app, Channel.TELEGRAM, "801", area=tree.hamlet2)
    c = await add_user(app, Channel.TELEGRAM, "802", area=tree.hamlet3)  # commune 2: not in the report
    d = await add_user(app, Channel.ZALO, "zd")  # never said where they live: not in the report
    async with app.sessions() as session, session.begin():
        session.add_all(
            [
                question(1, a, "answer", FORGOT, feedback="helpful"),
                question(2, a, "answer", FORGOT, feedback="wrong"),
                question(3, b, "answer", FORGOT),
                question(4, b, "choices", FEE, chosen=FEE, feedback="helpful"),
                question(5, a, "choices", FEE, chosen=""),  # "none of these": not answered
                question(6, b, "decline"),
                question(7, a, "decline"),
                question(8, a, "handoff"),
                question(9, b, "answer", FEE, feedback="wrong"),  # then passed to the team
                question(10, c, "answer", FORGOT),
                question(11, d, "answer", FORGOT),
                question(12, a, "browse", FEE),  # browsing /chude is not a question
                question(13, a, "answer", FORGOT, at=MARCH - timedelta(days=30)),  # February
            ]
        )
        await session.flush()
        session.add_all(
            [
                handoff(6, b, tree.hamlet2.id, timedelta(hours=2)),
                handoff(7, a, tree.hamlet1.id, timedelta(hours=6), "helpful"),
                handoff(8, a, tree.hamlet1.id, None),
                handoff(9, b, tree.hamlet2.id, timedelta(hours=1), "wrong"),
                handoff(10, c, tree.hamlet3.id, timedelta(minutes=5)),
            ]
        )

    replies = await say(app, team.officer, "/baocao")
    # Questions 1-9 are the commune's. The bot answered 1-4 (9 went to the team); the team answered
    # 6, 7 and 9; 5 and 8 got no answer. Team answer times 2 h, 6 h, 1 h: the median is 2 h.
    assert replies[0].text == "\n".join(
        [
            t.REPORT_TITLE.format(area="Xã Yên Lạc", period="tháng 3/2026"),
            t.REPORT_SHARE.format(
                questions=9, bot=4, bot_share="44%", people=3, people_share="33%", rest=2, rest_share="22%"
            ),
            t.REPORT_HANDOFFS.format(handed=4, answered=3, waiting=1),
            t.REPORT_MEDIAN.format(median="2 giờ"),
            t.REPORT_HUMAN_RATING.format(helpful=1, wrong=1),
            "",
            t.REPORT_TOP,
            t.REPORT_TOP_LINE.format(n=1, title=FORGOT_TITLE, count=3),
            t.REPORT_TOP_LINE.format(n=2, title=FEE_TITLE, count=2),
            "",
            t.REPORT_FEEDBACK,
            t.REPORT_FEEDBACK_LINE.format(title=FEE_TITLE, helpful=1, wrong=1),
            t.REPORT_FEEDBACK_LINE.format(title=FORGOT_TITLE, helpful=1, wrong=1),
            "",
            t.REPORT_SCOPE_NOTE,
        ]
    )
    assert replies[1].document is not None  # the visits workbook follows, as before

    # Everywhere (an admin without an area): questions 1-11; the bot also answered 11 (10 went to the
    # team too); the team answered 6, 7, 9 and 10; the median of 5 min, 1 h, 2 h and 6 h is 1 h 30 min.
    admin = await add_user(app, Channel.TELEGRAM, "900", role=Role.ADMIN)
    everywhere = (await say(app, admin, "/baocao"))[0].text.splitlines()
    assert everywhere[1] == t.REPORT_SHARE.format(
        questions=11, bot=5, bot_share="45%", people=4, people_share="36%", rest=2, rest_share="18%"
    )
    assert everywhere[3] == t.REPORT_MEDIAN.format(median="1 giờ 30 phút")

    leader = await say(app, team.leader, "/baocao")
    assert not leader[0].text.startswith("Hỏi đáp của người dân")


def test_questions_logged_under_a_merged_entry_count_for_the_entry_it_was_merged_into() -> None:
    # lltp.fee was merged into vneid.lltp (faq/data `replaces`); logs written before keep the old id.
    logged = FaqFigures(questions=6, asked=Counter({"lltp.fee": 2, "vneid.lltp": 3, "sim.check": 1}))
    logged.wrong["lltp.fee"] += 1
    folded = fold_merged(logged)
    assert folded.asked == Counter({"vneid.lltp": 5, "sim.check": 1})
    assert folded.wrong == Counter({"vneid.lltp": 1})
    week = Period(date(2026, 3, 2), date(2026, 3, 8), "tuần này")
    text = render(folded, {"vneid.lltp": "Lý lịch tư pháp", "sim.check": "SIM"}, None, week)
    assert "lltp.fee" not in text and "Lý lịch tư pháp" in text
