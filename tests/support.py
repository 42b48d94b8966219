"""Shared test helpers: a controllable clock, app builders and a way to talk to the conversation."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from handlers.core.types import Channel, Incoming, Kind, Reply

if TYPE_CHECKING:
    from bot.app import App
    from db.repos.users import UserData


@dataclass
class FakeClock:
    """Time that moves only when a test says so."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 14, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def incoming(
    text: str = "",
    *,
    user: str = "u1",
    channel: Channel = Channel.CONSOLE,
    kind: Kind = Kind.TEXT,
    payload: str | None = None,
    chat: str | None = None,
    chat_type: str = "private",
    name: str = "Lan",
    update_id: str | None = None,
    mentioned: bool = False,
) -> Incoming:
    return Incoming(
        channel=channel,
        chat_id=chat or user,
        user_id=user,
        display_name=name,
        text=text,
        payload=payload,
        kind=kind,
        chat_type=chat_type,
        update_id=update_id,
        mentioned=mentioned,
    )


async def say(app: App, user: UserData, text: str = "", *, payload: str | None = None) -> list[Reply]:
    """What `user` types (or presses, with `payload`) in their own chat, through the real conversation."""
    message = incoming(
        text,
        user=user.external_id,
        channel=Channel(user.channel),
        kind=Kind.BUTTON if payload else Kind.TEXT,
        payload=payload,
        name=user.display_name,
    )
    return await app.conversation.handle(message)


def texts_of(replies: list[Reply]) -> list[str]:
    return [r.text for r in replies]


# -- the command line, in this process --------------------------------------------------------------------


@dataclass
class Result:
    """What `cdsbot ARGS` ended with and printed."""

    code: int
    out: str
    err: str


@contextmanager
def _as_a_process(env: Mapping[str, str], stdin: str) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """The process-wide state a real `cdsbot` would own: environment (CDSBOT_* replaced by `env`), the
    standard streams and the logging set-up, all put back afterwards."""
    saved_env = dict(os.environ)
    saved_streams = sys.stdin, sys.stdout, sys.stderr
    root = logging.getLogger()
    saved_logging = root.handlers[:], root.level
    out, err = io.StringIO(), io.StringIO()
    for key in [k for k in os.environ if k.startswith("CDSBOT_")]:
        del os.environ[key]
    os.environ.update(env)
    sys.stdin, sys.stdout, sys.stderr = io.StringIO(stdin), out, err
    try:
        yield out, err
    finally:
        sys.stdin, sys.stdout, sys.stderr = saved_streams
        for handler in root.handlers:
            if handler not in saved_logging[0]:
                handler.close()  # the log file the console opened
        root.handlers[:], level = saved_logging
        root.setLevel(level)
        os.environ.clear()
        os.environ.update(saved_env)


def run_cdsbot(*args: str, env: Mapping[str, str] | None = None, stdin: str = "") -> Result:
    """`cdsbot ARGS` run by `bot.cli.main` in this process: the same code as the installed command without
    paying ~3 s of interpreter and imports per call. One test (tests/core/test_console.py) still runs the
    real process."""
    from bot.cli import main

    with _as_a_process(env or {}, stdin) as (out, err):
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse and settings errors exit like the real command
            code = stop.code if isinstance(stop.code, int) else 1
    return Result(code, out.getvalue(), err.getvalue())


async def cdsbot(database_url: str, *args: str, env: Mapping[str, str] | None = None) -> Result:
    """`run_cdsbot` on `database_url` from a test's event loop (the CLI runs its own loop: in a thread)."""
    full_env = {"CDSBOT_DATABASE_URL": database_url, **(env or {})}
    return await asyncio.to_thread(run_cdsbot, *args, env=full_env)
