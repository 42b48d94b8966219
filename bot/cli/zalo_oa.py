"""`cdsbot zalo-oa add | connect | list`: the Zalo Official Accounts the bot answers on.

- `add --oa-id ID --refresh-token TOKEN [--area CODE]` stores an OA and spends the refresh token at
  once (it is single-use), so a wrong token is reported here rather than at the first message.
- `connect [--area CODE]` prints the consent link (OAuth v4 with PKCE); the bot finishes it at
  `/zalo-oa/callback` (bot/channels/zalo_oa/consent.py).
- `list` shows each OA, its area, until when its access token works and its last event.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import sys
from datetime import UTC, datetime
from typing import Any

from bot.channels.zalo_oa import texts as t
from bot.channels.zalo_oa.consent import CALLBACK_PATH
from bot.channels.zalo_oa.oauth import pkce_challenge, pkce_verifier
from bot.settings import Settings


def add_parser(sub: Any) -> None:
    oa = sub.add_parser("zalo-oa", help="Zalo Official Account (OA) của xã")
    cmd = oa.add_subparsers(dest="zalo_oa_command", required=True)
    add = cmd.add_parser("add", help="lưu một OA bằng refresh token")
    add.add_argument("--oa-id", required=True)
    add.add_argument("--refresh-token", required=True)
    add.add_argument("--area", help="mã địa bàn (xã) của OA")
    connect = cmd.add_parser("connect", help="in liên kết cấp quyền cho quản trị viên OA")
    connect.add_argument("--area", help="mã địa bàn (xã) của OA")
    cmd.add_parser("list", help="các OA đã kết nối")
    followers = cmd.add_parser("followers", help="nhận người theo dõi OA làm người nhận thông báo của xã")
    followers.add_argument("--oa-id", required=True)


def run(settings: Settings, args: argparse.Namespace) -> int:
    if not settings.zalo_oa_configured:
        sys.stderr.write(t.CLI_NOT_CONFIGURED + "\n")
        return 2
    command = {"add": _add, "connect": _connect, "list": _list, "followers": _followers}[args.zalo_oa_command]
    return int(asyncio.run(command(settings, args)))


def _when(value: datetime | None, settings: Settings) -> str:
    return value.astimezone(settings.tz).strftime("%H:%M %d/%m/%Y") if value else t.CLI_NEVER


async def _area_id(settings: Settings, code: str | None) -> int | bool | None:
    """The area's id (None without a code); False when no area has the code."""
    if not code:
        return None
    from db.session import create_engine, session_factory
    from db.store import unit_of_work

    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            area = await store.areas.by_code(code)
    finally:
        await engine.dispose()
    return False if area is None else area.id


async def _add(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import prepare_database
    from bot.channels.zalo_oa.accounts import OAClients, to_stored
    from bot.channels.zalo_oa.errors import ZaloOAError
    from bot.channels.zalo_oa.oauth import OAToken
    from db.session import create_engine, session_factory
    from db.store import unit_of_work

    await prepare_database(settings)
    area_id = await _area_id(settings, args.area)
    if area_id is False:
        sys.stderr.write(t.CLI_NO_AREA.format(code=args.area) + "\n")
        return 1
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    clients = OAClients.from_settings(settings, sessions, clock=lambda: datetime.now(UTC))
    now = datetime.now(UTC)
    try:
        # The token was just handed to us, so no other process can spend it: refresh first, and store
        # only a pair that works (a refused token must not overwrite a pair in use).
        given = OAToken(args.oa_id, "", args.refresh_token, now, now)
        try:
            token = await clients.oauth.refresh(given)
        except ZaloOAError as error:
            sys.stderr.write(t.CLI_ADD_REFUSED.format(error=error.message) + "\n")
            return 1
        async with unit_of_work(sessions) as store:
            await store.zalo_oa.save_account(to_stored(token), now=now, area_id=area_id or None, name="")
        client = clients.client(args.oa_id)
        name = args.oa_id
        with contextlib.suppress(ZaloOAError):  # the name is a nicety; the tokens are what matter
            name = (await client.get_oa_info()).name or name
        async with unit_of_work(sessions) as store:
            await store.zalo_oa.rename(args.oa_id, name)
        area = f", địa bàn {args.area}" if args.area else ""
        expires = _when(token.access_expires_at, settings)
        print(t.CLI_ADDED.format(oa_id=args.oa_id, name=name, area=area, expires=expires))
        return 0
    finally:
        await clients.close()
        await engine.dispose()


async def _connect(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import prepare_database
    from bot.channels.zalo_oa.oauth import ZaloOAuth
    from db.session import create_engine, session_factory
    from db.store import unit_of_work

    if not settings.webhook_base_url:
        sys.stderr.write(t.CLI_NEEDS_URL + "\n")
        return 2
    await prepare_database(settings)
    area_id = await _area_id(settings, args.area)
    if area_id is False:
        sys.stderr.write(t.CLI_NO_AREA.format(code=args.area) + "\n")
        return 1
    state, verifier = secrets.token_urlsafe(24), pkce_verifier()
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            await store.zalo_oa.add_consent(state, verifier, area_id or None, datetime.now(UTC))
    finally:
        await engine.dispose()
    assert settings.zalo_oa_app_id and settings.zalo_oa_app_secret  # zalo_oa_configured
    oauth = ZaloOAuth(
        settings.zalo_oa_app_id,
        settings.zalo_oa_app_secret.get_secret_value(),
        oauth_base=settings.zalo_oa_oauth_base,
    )
    callback = f"{settings.webhook_base_url}{CALLBACK_PATH}"
    print(
        t.CLI_CONNECT.format(
            url=oauth.consent_url(callback, pkce_challenge(verifier), state), callback=callback
        )
    )
    return 0


async def _list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import prepare_database
    from db.session import create_engine, session_factory
    from db.store import unit_of_work

    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    now = datetime.now(UTC)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            accounts = await store.zalo_oa.all()
            areas = {a.id: a for a in await store.areas.all()}
    finally:
        await engine.dispose()
    if not accounts:
        print(t.CLI_NONE)
        return 0
    for account in accounts:
        area = areas.get(account.area_id or 0)
        notes = t.CLI_REFRESH_FAILED if account.refresh_failed_at else ""
        if account.paused_until and account.paused_until > now:
            notes += t.CLI_PAUSED.format(until=_when(account.paused_until, settings))
        print(
            t.CLI_ROW.format(
                oa_id=account.oa_id,
                name=account.name or "?",
                area=f"{area.code} {area.name}" if area else t.CLI_NO_AREA_SET,
                expires=_when(account.access_expires_at, settings),
                last=_when(account.last_event_at, settings),
                notes=notes,
            )
        )
    return 0


async def _followers(settings: Settings, args: argparse.Namespace) -> int:
    """Page through the OA's followers (`/v3.0/oa/user/getlist`), 50 at a time, committing each page."""
    from bot.app import prepare_database
    from bot.channels.zalo_oa.accounts import OAClients
    from bot.channels.zalo_oa.errors import ZaloOAError
    from db.session import create_engine, session_factory
    from db.store import unit_of_work

    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    clients = OAClients.from_settings(settings, sessions, clock=lambda: datetime.now(UTC))
    try:
        async with unit_of_work(sessions) as store:
            account = await store.zalo_oa.get(args.oa_id)
        if account is None:
            sys.stderr.write(t.CLI_UNKNOWN_OA.format(oa_id=args.oa_id) + "\n")
            return 1
        if account.area_id is None:
            sys.stderr.write(t.CLI_FOLLOWERS_NO_AREA.format(oa_id=args.oa_id) + "\n")
            return 1
        seen = added = 0
        page: list[str] = []
        try:
            async for user_id in clients.client(args.oa_id).iter_followers():
                page.append(user_id)
                if len(page) == 50:
                    added += await _import_page(sessions, args.oa_id, page, account.area_id)
                    seen, page = seen + len(page), []
            added += await _import_page(sessions, args.oa_id, page, account.area_id)
            seen += len(page)
        except ZaloOAError as error:
            sys.stderr.write(t.CLI_FOLLOWERS_STOPPED.format(seen=seen, error=error.message) + "\n")
            return 1
        print(t.CLI_FOLLOWERS_DONE.format(seen=seen, added=added))
        return 0
    finally:
        await clients.close()
        await engine.dispose()


async def _import_page(sessions: Any, oa_id: str, page: list[str], area_id: int) -> int:
    from db.store import unit_of_work

    if not page:
        return 0
    async with unit_of_work(sessions) as store:
        return await store.zalo_oa.subscribe_followers(oa_id, page, area_id, datetime.now(UTC))
