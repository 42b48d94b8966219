"""Logging set-up: plain text or JSON lines, with every configured secret and bot token redacted."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

# Bot API URLs carry the token in the path ("/bot123:ABC/sendMessage"); redact any such shape as well.
_TOKEN_SHAPE = re.compile(r"(bot)?\d{3,}:[A-Za-z0-9_-]{8,}")
_DATABASE_LOGGERS = ("sqlalchemy", "aiosqlite", "asyncpg")


class RedactFilter(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 6]

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return _TOKEN_SHAPE.sub("***", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if record.exc_info:
            # Format the traceback now, redacted, so handlers never print the raw one.
            formatter = logging.Formatter()
            clean += "\n" + self.redact(formatter.formatException(record.exc_info))
            record.exc_info = None
            record.exc_text = None
        record.msg, record.args = clean, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(
            {
                "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname,
                "logger": record.name,
                "msg": record.getMessage(),
            },
            ensure_ascii=False,
        )


def setup_logging(level: str = "INFO", fmt: str = "text", secrets: list[str] | None = None) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactFilter(secrets or []))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log repeats every webhook hit; keep it at warning unless debugging.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
    logging.getLogger("alembic").setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
    logging.getLogger("aiogram.event").setLevel(logging.WARNING if level != "DEBUG" else logging.DEBUG)
    # The database layer logs statements with their parameters (what people wrote, invite codes) and at
    # DEBUG the rows it read: aiosqlite every call with its arguments, SQLAlchemy's engine the bound
    # values. Never at any level; db/session.py also keeps parameters out of exception messages.
    for name in _DATABASE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def into_file(path: Path) -> None:
    """Write every log line to `path` from now on instead of the terminal: the console chat owns the
    terminal, and log lines printed between its messages read as if the bot had said them. The redaction
    and format set up by `setup_logging` stay."""
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    handler = logging.FileHandler(path, encoding="utf-8")
    for old in root.handlers:
        for kept in old.filters:
            handler.addFilter(kept)
        if old.formatter is not None:
            handler.setFormatter(old.formatter)
    replaced, root.handlers[:] = root.handlers[:], [handler]
    for old in replaced:
        if isinstance(old, logging.FileHandler):
            old.close()  # an earlier log file of this process
