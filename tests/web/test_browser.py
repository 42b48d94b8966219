"""A real browser through the console: the distribution's headless Chromium driven by Playwright, the
real bot polling a fake Telegram server, the delivery worker sending.

An officer asks /web in the chat, opens the link, creates a campaign by uploading a CSV, approves a
member's FAQ proposal, sends an announcement and watches the page's live count reach the two recipients
(who the fake Telegram server saw receive it); on the way it edits the campaign's targets in the table
and makes a member leader. Screenshots go to artefacts/web/ (not committed).
Without /usr/bin/chromium the test is skipped on a developer's machine and fails under CI=true
(`.ci/run` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from bot.app import App, build_app
from bot.runner import Service
from bot.services import services_for
from bot.settings import Settings
from db.repos.faq_proposals import PHRASING
from db.store import unit_of_work
from handlers.broadcasts import texts as bt
from tests.campaigns.support import TG, make_team, person
from tests.e2e.harness import TELEGRAM_TOKEN, free_port
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.members.support import DONG_TAO
from tests.support import FakeClock

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "artefacts" / "web"
LINK = re.compile(r"(http://\S+/web/login/[A-Za-z0-9_-]+)")
CSV = (
    "chiến dịch,từ ngày,đến ngày,nội dung,mã địa bàn,chỉ tiêu\n"
    "Tháng định danh,14/03/2026,30/04/2026,vneid2,3300201,120\n"
    "Tháng định danh,14/03/2026,30/04/2026,vneid2,3300202,80\n"
)
WAIT_MS = 15_000


def chromium() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {CHROMIUM} is missing: `.ci/run` installs it with apt-get install chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@asynccontextmanager
async def bot(database_url: str, clock: FakeClock) -> AsyncIterator[tuple[App, FakeTelegramAPI]]:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as tg:
        settings = Settings(
            database_url=database_url,
            telegram_token=TELEGRAM_TOKEN,
            telegram_api_base=tg.base_url,
            http_port=free_port(),
            delivery_poll_seconds=0.2,
        )
        app = await build_app(settings, clock=clock)
        started: list[Service] = []
        try:
            for service in services_for(app, "all"):  # polling: the HTTP server only serves the console
                await service.start()
                started.append(service)
            await tg.wait_long_poll()
            yield app, tg
        finally:
            for service in reversed(started):
                await service.stop()
            await app.close()


async def test_officer_in_a_real_browser(settings: Settings, clock: FakeClock) -> None:
    executable = chromium()
    from playwright.async_api import async_playwright, expect

    if ARTEFACTS.exists():
        shutil.rmtree(ARTEFACTS)
    ARTEFACTS.mkdir(parents=True)
    async with bot(settings.database_url, clock) as (app, tg):
        team = await make_team(app)
        citizens = [
            await person(app, str(n), "citizen", DONG_TAO, name=f"Dân {n}", channel=TG) for n in (7001, 7002)
        ]
        async with unit_of_work(app.sessions) as store:
            for citizen in citizens:
                await store.users.set_subscribed(citizen.id, True)
            area = await store.areas.by_code(DONG_TAO)
            entry = next(e for e in await store.faq.all() if e.area is None)
            assert area is not None
            proposal = await store.faq_proposals.create(
                kind=PHRASING,
                entry_id=entry.id,
                questions=["cài định danh cho ông bà ở nhà"],
                title=None,
                answer=None,
                handoff_id=None,
                area_id=area.id,
                proposed_by=team.member.id,
                now=clock(),
            )

        # the link, from the chat
        mark = tg.mark()
        tg.push_update(tg.message_update(int(team.officer.external_id), "/web"))
        answer = await tg.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == 900 and c.ok, since=mark
        )
        found = LINK.search(str(answer.params["text"]))
        assert found is not None
        link = found.group(1)

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=str(executable), headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            try:
                page = await browser.new_page(viewport={"width": 412, "height": 915})  # a phone
                await page.goto(link)
                await page.get_by_role("button", name="Vào trang quản lý").click()
                await expect(page.get_by_role("heading", name="Tổng quan")).to_be_visible()
                await page.screenshot(path=ARTEFACTS / "1-tong-quan.png", full_page=True)

                # a campaign by upload
                await page.goto(f"{link.split('/web/')[0]}/web/campaigns/new")
                await page.set_input_files(
                    'input[type="file"]',
                    {"name": "chi-tieu.csv", "mimeType": "text/csv", "buffer": CSV.encode()},
                )
                await (
                    page.locator("form", has=page.locator('input[type="file"]'))
                    .get_by_role("button", name="Xem trước")
                    .click()
                )
                await expect(page.get_by_text("Kiểm tra xong, không có lỗi")).to_be_visible()
                await page.screenshot(path=ARTEFACTS / "2-chien-dich-xem-truoc.png", full_page=True)
                await page.get_by_role("button", name="Tạo tất cả").click()
                await expect(page.get_by_text("Đã tạo 1 chiến dịch")).to_be_visible()
                await page.screenshot(path=ARTEFACTS / "3-chien-dich.png", full_page=True)
                # …then one of its targets changed in the edit form's table
                await page.get_by_role("link", name="#1 Tháng định danh").click()
                await page.get_by_role("link", name="Sửa hoặc hủy chiến dịch").click()
                await page.locator('input[name="target_3300201"]').fill("150")
                await page.get_by_role("button", name="Lưu thay đổi").click()
                await expect(page.get_by_text("Đã lưu thay đổi của chiến dịch #1")).to_be_visible()
                await page.screenshot(path=ARTEFACTS / "3b-chien-dich-sua.png", full_page=True)

                # the member's proposal, approved
                await page.get_by_role("link", name="Hỏi đáp").click()
                row = page.locator("tr", has_text=f"#{proposal.id}")
                await row.get_by_role("button", name="Duyệt").click()
                await expect(page.get_by_text(entry.title).first).to_be_visible()
                await page.screenshot(path=ARTEFACTS / "4-hoi-dap.png", full_page=True)

                # an announcement, followed live
                await page.get_by_role("link", name="Thông báo").click()
                await page.locator('textarea[name="text"]').fill(
                    "Chủ nhật Tổ hướng dẫn cài VNeID ở nhà văn hóa."
                )
                await page.locator('select[name="area"]').select_option(label="Thôn Đông Tảo")
                await page.locator('select[name="channels"]').select_option("t")
                await page.get_by_role("button", name="Xem trước").click()
                await expect(page.get_by_text("2 (Telegram 2)")).to_be_visible()
                await page.get_by_role("button", name=bt.SEND_NOW).click()
                await page.locator("td a", has_text="#1").click()
                sent = page.locator('[data-count="telegram:sent"]')
                await expect(sent).to_have_text("2", timeout=WAIT_MS)  # the page's script polled it there
                await page.screenshot(path=ARTEFACTS / "5-thong-bao.png", full_page=True)

                # a member made leader of their hamlet
                await page.get_by_role("link", name="Thành viên").click()
                await page.get_by_role("link", name="Lan", exact=True).click()
                await page.locator('select[name="role"]').select_option("leader")
                await page.get_by_role("button", name="Đổi vai trò").click()
                await expect(page.get_by_text("Đã đổi vai trò của Lan thành tổ trưởng")).to_be_visible()
                await page.screenshot(path=ARTEFACTS / "6-thanh-vien.png", full_page=True)
            finally:
                await browser.close()

        for chat in (7001, 7002):
            got = await tg.wait_for(
                lambda c, chat=chat: c.method == "sendMessage" and c.chat_id == chat and c.ok
            )
            assert "nhà văn hóa" in str(got.params["text"])
        async with unit_of_work(app.sessions) as store:
            decided = await store.faq_proposals.get(proposal.id)
            campaign = await store.campaigns.same(
                "Tháng định danh", clock().date(), clock().date().replace(month=4, day=30)
            )
            lan = await store.users.get(team.member.id)
    assert decided is not None and decided.status == "approved"
    assert campaign is not None and campaign.target_total == 230
    assert lan is not None and lan.role == "leader"
    assert sorted(p.name for p in ARTEFACTS.glob("*.png")) == [
        "1-tong-quan.png",
        "2-chien-dich-xem-truoc.png",
        "3-chien-dich.png",
        "3b-chien-dich-sua.png",
        "4-hoi-dap.png",
        "5-thong-bao.png",
        "6-thanh-vien.png",
    ]
