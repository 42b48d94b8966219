"""Routes of the web console on the process's HTTP server, sessions, CSRF, and the request context.

A session cookie holds a random id; the database keeps its digest, the user it belongs to and the CSRF
token of its forms. Every request restarts the idle clock and reads the user's role and area again, so a
demoted leader loses the console at their next click, whichever web process serves it.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web
from multidict import MultiDictProxy

from bot.web import html as h
from bot.web import texts as t
from db.repos.conversations import ConversationData
from db.store import Store, unit_of_work
from handlers.core.context import Context
from handlers.core.roles import Role
from handlers.core.types import Channel, Incoming
from handlers.webaccess.links import MIN_ROLE, digest

if TYPE_CHECKING:
    from bot.app import App
    from bot.http import HttpServer

log = logging.getLogger(__name__)

COOKIE = "cdsbot_web"
STATIC = Path(__file__).parent / "static"
IDLE = timedelta(minutes=60)  # a session unused this long has ended

Form = MultiDictProxy[str | bytes | bytearray | web.FileField]


class Refused(Exception):
    """Ends a request with a page saying why (404 out of scope, 403 role), nothing written."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def not_found() -> Refused:
    return Refused(404, t.NOT_FOUND_TITLE, t.NOT_FOUND)


@dataclass
class WebCtx:
    """One request of a signed-in person: the chat's Context (same store, user, role, services)."""

    request: web.Request
    ctx: Context
    csrf: str
    form: Form | None
    path: str

    @property
    def store(self) -> Store:
        return self.ctx.store

    @property
    def role(self) -> Role:
        return self.ctx.role

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else self.request.query.get(name)
        return value.strip() if isinstance(value, str) else default

    def upload(self, name: str) -> web.FileField | None:
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, web.FileField) else None

    def replies(self) -> list[str]:
        """What a chat action called from this page answered (shown as the page's notice)."""
        texts = [r.full_text() for r in self.ctx.replies]
        self.ctx.replies.clear()
        return texts

    def render(
        self, title: str, body: object, *, script: str | None = None, status: int = 200
    ) -> web.Response:
        pages = [
            (href, label) for href, label in t.MENU.items() if self.role >= PAGE_ROLES.get(href, MIN_ROLE)
        ]
        header = h.menu(pages, self.path, self.csrf)
        text = h.page(title, body, header, script=script)
        return web.Response(text=text, content_type="text/html", status=status, headers=NO_STORE)


Page = Callable[[WebCtx], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
NO_STORE = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
# Who sees which page in the menu (and may open it); everything else: leaders and up.
PAGE_ROLES = {"/web/faq": Role.OFFICER, "/web/audit": Role.OFFICER, "/web/areas": Role.ADMIN}


def bare(title: str, body: object, status: int = 200) -> web.Response:
    """A page without the menu (signed out, refused)."""
    return web.Response(text=h.page(title, body), content_type="text/html", status=status, headers=NO_STORE)


class Console:
    """The console of one process; also what `/web` asks for the address to put in its links."""

    def __init__(self, app: App, http: HttpServer) -> None:
        self.app = app
        self.http = http
        self.secure = (app.settings.webhook_base_url or "").startswith("https://")
        self.started = False

    def base_url(self) -> str | None:
        if self.app.settings.webhook_base_url is not None:
            return self.app.settings.webhook_base_url
        if not self.started:
            return None
        return f"http://{self.http.host}:{self.http.port}"

    def install(self) -> None:
        from bot.web.pages import register_all

        router = self.http.app.router
        router.add_get("/web/login/{token}", self.login_page)
        router.add_post("/web/login/{token}", self.login)
        router.add_post("/web/logout", self.logout)
        router.add_get("/quanly", self._home)
        router.add_get("/web", self._home)
        router.add_static("/web/static", STATIC)
        register_all(self)
        self.http.app.on_startup.append(self._on_startup)

    async def _on_startup(self, _app: web.Application) -> None:
        self.started = True

    async def _home(self, _request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/web/")

    # -- pages ----------------------------------------------------------------------------------------

    def get(self, path: str, page: Page, min_role: Role = MIN_ROLE) -> None:
        self.http.app.router.add_get(path, self._wrap(page, min_role, post=False))

    def post(self, path: str, page: Page, min_role: Role = MIN_ROLE) -> None:
        self.http.app.router.add_post(path, self._wrap(page, min_role, post=True))

    def _wrap(
        self, page: Page, min_role: Role, *, post: bool
    ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def handle(request: web.Request) -> web.StreamResponse:
            return await self._serve(request, page, min_role, post)

        return handle

    async def _serve(
        self, request: web.Request, page: Page, min_role: Role, post: bool
    ) -> web.StreamResponse:
        cookie = request.cookies.get(COOKIE, "")
        if not cookie:
            return bare(t.NEED_LOGIN_TITLE, h.tag("p", t.NEED_LOGIN), 401)
        form: Form | None = await request.post() if post else None
        services = self.app.services
        async with unit_of_work(self.app.sessions) as store:
            now = services.clock()
            session = await store.web.touch_session(digest(cookie), now, IDLE)
            user = await store.users.get(session.user_id) if session is not None else None
            if session is None or user is None:
                response = bare(t.NEED_LOGIN_TITLE, h.tag("p", t.NEED_LOGIN), 401)
                response.del_cookie(COOKIE, path="/web")
                return response
            role = Role.parse(user.role)
            if role < MIN_ROLE:
                await store.web.end_session(digest(cookie), now)
                return bare(t.FORBIDDEN_TITLE, h.tag("p", t.LINK_REFUSED), 403)
            incoming = Incoming(Channel(user.channel), user.chat_id, user.external_id, user.display_name)
            ctx = Context(
                incoming, user, role, store, services, ConversationData(), self.app.dispatcher.forms
            )
            wctx = WebCtx(request, ctx, session.csrf, form, request.path)
            if role < min_role:
                return wctx.render(
                    t.FORBIDDEN_TITLE, h.tag("p", t.FORBIDDEN.format(role=min_role.label)), status=403
                )
            if post:
                sent = form.get("csrf") if form is not None else None
                if not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
                    log.warning("web: CSRF token missing or wrong for user %s on %s", user.id, request.path)
                    return wctx.render(t.CSRF_TITLE, h.tag("p", t.CSRF), status=403)
            try:
                return await page(wctx)
            except Refused as refused:
                body = h.join([h.tag("p", refused.message), h.link("/web/", t.BACK_HOME)])
                return wctx.render(refused.title, body, status=refused.status)
            except web.HTTPRedirection as moved:  # after an action: committed first, then sent
                redirect = moved
        raise redirect

    # -- getting in and out ---------------------------------------------------------------------------

    async def login_page(self, request: web.Request) -> web.StreamResponse:
        """Only shows a button: chat apps open links to preview them, which must not use the link up."""
        token = request.match_info["token"]
        body = h.join(
            [
                h.tag("p", t.LOGIN_ASK),
                h.tag("form", h.button(t.LOGIN_BUTTON), method="post", action=f"/web/login/{token}"),
            ]
        )
        return bare(t.LOGIN_TITLE, body)

    async def login(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        async with unit_of_work(self.app.sessions) as store:
            now = self.app.services.clock()
            user_id = await store.web.use_login(digest(token), now)
            user = await store.users.get(user_id) if user_id is not None else None
            if user is None:
                return bare(t.LOGIN_TITLE, h.tag("p", t.LINK_INVALID), 403)
            if Role.parse(user.role) < MIN_ROLE:
                log.info("web: login link of user %s refused: role %s", user.id, user.role)
                return bare(t.LOGIN_TITLE, h.tag("p", t.LINK_REFUSED), 403)
            session_id = secrets.token_urlsafe(32)
            await store.web.start_session(
                digest=digest(session_id), user_id=user.id, csrf=secrets.token_urlsafe(24), now=now
            )
            log.info("web: user %s signed in", user.id)
        response = web.HTTPSeeOther("/web/")
        response.set_cookie(
            COOKIE, session_id, path="/web", httponly=True, samesite="Lax", secure=self.secure or None
        )
        raise response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        cookie = request.cookies.get(COOKIE, "")
        form = await request.post()
        if cookie:
            async with unit_of_work(self.app.sessions) as store:
                now = self.app.services.clock()
                session = await store.web.touch_session(digest(cookie), now, IDLE)
                sent = form.get("csrf")
                if (
                    session is None
                    or not isinstance(sent, str)
                    or not hmac.compare_digest(sent, session.csrf)
                ):
                    return bare(t.CSRF_TITLE, h.tag("p", t.CSRF), 403)
                await store.web.end_session(digest(cookie), now)
        response = bare(t.LOGOUT, h.tag("p", t.SIGNED_OUT))
        response.del_cookie(COOKIE, path="/web")
        return response
