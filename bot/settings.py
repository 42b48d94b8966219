"""Settings from `CDSBOT_*` environment variables or `.env`, validated once at start-up."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.secrets import Purpose, header_token

DATABASE_FILE = "cdsbot.sqlite3"
_DB_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
_TELEGRAM_TOKEN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{20,}$")
# Zalo Bot tokens look like "<bot_id>:<secret>"; be tolerant about the alphabet of the secret part.
_ZALO_TOKEN = re.compile(r"^[0-9A-Za-z]{3,}:[A-Za-z0-9_\-]{8,}$")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{8,256}$")
_PLACEHOLDERS = {"changeme", "change-me", "secret", "password", "xxxxxxxx", "your-secret"}
_ADMIN = re.compile(r"^(telegram|zalo|console):[A-Za-z0-9_-]+$")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):[0-5]\d$")

Role = Literal["all", "web", "worker"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = get_args(Weekday)  # Monday first, as datetime.weekday() counts


class Settings(BaseSettings):
    """Every knob of the bot. Secrets are SecretStr so they never print by accident."""

    model_config = SettingsConfigDict(
        env_prefix="CDSBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where the default SQLite database (and files the console saves) live. Unset: the user's data folder
    # ($XDG_DATA_HOME/cdsbot, else ~/.local/share/cdsbot), never the folder the command happens to run in;
    # `make run` points it at ./data of the checkout.
    data_dir: Path | None = None
    database_url: str = ""  # empty: SQLite in data_dir
    telegram_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    zalo_token: SecretStr | None = None
    zalo_api_base: str = "https://bot-api.zaloplatforms.com"
    # Zalo Official Accounts: one app serves the OAs stored with `cdsbot zalo-oa add|connect`.
    zalo_oa_app_id: str | None = None
    zalo_oa_app_secret: SecretStr | None = None
    zalo_oa_secret_key: SecretStr | None = None  # signs the webhooks (⚠ some sources: the app secret)
    zalo_oa_api_base: str = "https://openapi.zalo.me"
    zalo_oa_oauth_base: str = "https://oauth.zaloapp.com"
    zalo_oa_rate: float = Field(default=5.0, gt=0, le=60)  # ⚠ one source: 4,000 a minute per app
    admins: Annotated[tuple[str, ...], NoDecode] = ()
    webhook_base_url: str | None = None
    webhook_secret: SecretStr | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8080, ge=0, le=65535)
    # Bounds on what one client of the HTTP server may hold (bot/http.py); the reverse proxy stays in front.
    http_header_timeout_seconds: float = Field(default=15.0, gt=0, le=600)
    http_body_timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    http_max_connections: int = Field(default=1000, ge=1, le=100_000)
    # Admission control: beyond this many webhook updates being handled at once, answer 503 (the platform
    # sends the update again later) instead of queueing without bound (memory, pool timeouts).
    http_max_inflight: int = Field(default=64, ge=1, le=10_000)
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    # The inbox (bot/inbox.py): a process holds an event it works on for this long, renewed while it
    # works; a dead process's events are taken up by another (or the next start) once it ran out.
    inbox_lease_seconds: float = Field(default=30.0, ge=1, le=600)
    inbox_concurrency: int = Field(default=16, ge=1, le=256)  # events in work at once per process

    # Conversation
    form_ttl_minutes: int = Field(default=60, ge=1)
    max_text_chars: int = Field(default=2000, ge=100)
    flood_per_minute: int = Field(default=20, ge=1)

    # FAQ engine thresholds; unset means the engine's defaults, chosen on the development set
    faq_answer_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    faq_suggest_threshold: float | None = Field(default=None, ge=0.0, le=1.0)

    # Delivery of the outbox (broadcasts, reminders, relays). On PostgreSQL the rates hold for all worker
    # processes together (bot.delivery.shared_limits); SQLite runs one process.
    telegram_rate: float = Field(default=25.0, gt=0, le=30)  # messages per second, all chats together
    telegram_chat_rate: float = Field(default=1.0, gt=0, le=1)  # per chat, per second
    telegram_group_per_minute: int = Field(default=20, ge=1, le=20)  # per group chat
    zalo_rate: float = Field(default=5.0, gt=0, le=50)  # Zalo documents no numbers: stay conservative
    zalo_chat_rate: float = Field(default=1.0, gt=0, le=5)
    zalo_group_per_minute: int = Field(default=20, ge=1, le=60)
    delivery_max_attempts: int = Field(default=5, ge=1, le=20)  # network and 5xx failures per message
    delivery_max_rate_limited: int = Field(default=10, ge=1, le=100)  # 429s per message before giving up
    delivery_lease_seconds: int = Field(default=120, ge=60, le=3600)
    delivery_poll_seconds: float = Field(default=2.0, gt=0, le=60)
    # Retention (README, "Dữ liệu cá nhân và thời hạn lưu"): what the daily purge deletes, by age.
    retention_outbox_days: int = Field(default=90, ge=1, le=3650)  # finished outbox rows and contents
    retention_updates_days: int = Field(default=7, ge=2, le=365)  # update ids (platforms resend ≤ 24 h)
    retention_questions_days: int = Field(default=365, ge=30, le=3650)  # masked question log
    retention_batch: int = Field(default=500, ge=10, le=10_000)  # rows per purge transaction
    # Broadcasts
    broadcast_status_seconds: float = Field(default=5.0, ge=0, le=300)  # Telegram status message edits
    broadcast_zalo_progress_minutes: float = Field(default=10.0, gt=0, le=240)  # Zalo cannot edit
    broadcast_leader_approval: bool = True  # leaders' broadcasts wait for an officer's approval
    # Hand-off to the local team: an unclaimed question goes to the area's leader after this many hours,
    # to the commune's officer after twice as many; a citizen's follow-ups reach the member who took the
    # question for this many hours after the claim or the member's last answer.
    handoff_escalate_hours: float = Field(default=4.0, gt=0, le=24 * 14)
    handoff_relay_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    # Fairness: how many questions one member may hold at once, and how long a taken question may stay
    # unanswered before it goes back to the team's list (the member is told).
    handoff_max_held: int = Field(default=5, ge=1, le=100)
    handoff_release_hours: float = Field(default=12.0, gt=0, le=24 * 14)
    # Campaign reminders: one overdue by more than the grace period (the bot was down) is not sent late but
    # reported missed to the officer; the weekly digest goes out on this day at this local time.
    reminder_grace_hours: float = Field(default=12.0, ge=0, le=24 * 7)
    reminder_poll_seconds: float = Field(default=60.0, ge=1, le=3600)  # how often the claimer looks
    digest_day: Weekday = "mon"
    digest_time: str = "07:30"
    # The weekly list of FAQ entries past their review date, to officers: this day, from this local time.
    faq_review_day: Weekday = "mon"
    faq_review_time: str = "08:00"

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value:
            return value
        scheme = value.split("://", 1)[0]
        if scheme not in _DB_SCHEMES:
            raise ValueError(f"không hỗ trợ loại '{scheme}'; dùng một trong: {', '.join(_DB_SCHEMES)}")
        return value

    @field_validator("telegram_token")
    @classmethod
    def _telegram_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not _TELEGRAM_TOKEN.match(value.get_secret_value()):
            raise ValueError("không giống token của BotFather (chữ số, dấu ':', rồi từ 20 chữ cái/chữ số)")
        return value

    @field_validator("zalo_token")
    @classmethod
    def _zalo_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not _ZALO_TOKEN.match(value.get_secret_value()):
            raise ValueError("không giống token Zalo Bot (dạng '<mã bot>:<khóa>')")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        raw = value.get_secret_value()
        if not _WEBHOOK_SECRET.match(raw):
            raise ValueError("cần 8–256 ký tự trong A-Z a-z 0-9 _ -")
        if raw.lower() in _PLACEHOLDERS:
            raise ValueError(
                "là giá trị mẫu; hãy tạo khóa thật: "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _admins(cls, value: object) -> tuple[str, ...]:
        if value is None or value == "":
            return ()
        items = [s.strip() for s in value.split(",")] if isinstance(value, str) else list(value)  # type: ignore[call-overload]
        admins = tuple(str(s) for s in items if str(s))
        for item in admins:
            if not _ADMIN.match(item):
                raise ValueError(f"'{item}' không có dạng 'kênh:mã' (kênh là telegram, zalo hoặc console)")
        return admins

    @field_validator("digest_time", "faq_review_time")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        if not _HHMM.match(value):
            raise ValueError("cần giờ trong ngày dạng HH:MM, ví dụ 07:30")
        hours, minutes = value.split(":")
        return f"{int(hours):02d}:{minutes}"

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"không biết múi giờ '{value}' (ví dụ đúng: Asia/Ho_Chi_Minh)") from None
        return value

    @field_validator("webhook_base_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("https://", "http://")):
            raise ValueError("cần bắt đầu bằng https://")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///{self.data_folder / DATABASE_FILE}"
        return self

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_base_url and self.webhook_secret is None:
            raise ValueError("cần đặt CDSBOT_WEBHOOK_SECRET khi đã đặt CDSBOT_WEBHOOK_BASE_URL")
        return self

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> Settings:
        answer, suggest = self.faq_answer_threshold, self.faq_suggest_threshold
        if answer is not None and suggest is not None and suggest > answer:
            raise ValueError("CDSBOT_FAQ_SUGGEST_THRESHOLD không được lớn hơn CDSBOT_FAQ_ANSWER_THRESHOLD")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def data_folder(self) -> Path:
        if self.data_dir is not None:
            return self.data_dir.expanduser().resolve()
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
        return Path(base) / "cdsbot"

    @property
    def database_shown(self) -> str:
        """The database in one line for people: the file of SQLite, the URL without password otherwise."""
        if self.is_sqlite:
            return str(Path(self.database_url.split(":///", 1)[1]).resolve())
        return _mask_url_password(self.database_url)

    @property
    def zalo_oa_configured(self) -> bool:
        """The app's id and both secrets are set: OAs can be connected and their webhooks checked."""
        return bool(self.zalo_oa_app_id and self.zalo_oa_app_secret and self.zalo_oa_secret_key)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def secrets(self) -> list[str]:
        """Values that must never appear in logs (with the webhook header values derived from the secret)."""
        out = []
        for secret in (
            self.telegram_token,
            self.zalo_token,
            self.webhook_secret,
            self.zalo_oa_app_secret,
            self.zalo_oa_secret_key,
        ):
            if secret is not None and secret.get_secret_value():
                out.append(secret.get_secret_value())
        if self.webhook_secret is not None:
            raw = self.webhook_secret.get_secret_value()
            out += [header_token(raw, Purpose.TELEGRAM_WEBHOOK), header_token(raw, Purpose.ZALO_WEBHOOK)]
        return out

    def masked(self) -> dict[str, str]:
        """Effective settings for `cdsbot config`, secrets shown only by their last characters."""
        shown: dict[str, str] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                raw = value.get_secret_value()
                text = f"***{raw[-4:]}" if len(raw) > 12 else "***"
            elif value is None:
                text = "(không đặt)"
            elif isinstance(value, tuple):
                text = ",".join(value) or "(không đặt)"
            else:
                text = str(value)
            if name == "database_url":
                text = _mask_url_password(text)
            shown[f"CDSBOT_{name.upper()}"] = text
        return shown


def _mask_url_password(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]+@", r"\1***@", url)


# pydantic's own words for the checks people trip over, in Vietnamese; other messages are ours already.
_PYDANTIC: dict[str, str] = {
    "int_parsing": "cần một số nguyên",
    "int_from_float": "cần một số nguyên",
    "float_parsing": "cần một số",
    "bool_parsing": "cần true hoặc false",
    "greater_than": "cần lớn hơn {gt}",
    "greater_than_equal": "cần từ {ge} trở lên",
    "less_than": "cần nhỏ hơn {lt}",
    "less_than_equal": "cần không quá {le}",
    "literal_error": "cần một trong: {expected}",
    "string_type": "cần một chuỗi ký tự",
    "missing": "thiếu giá trị",
}


def explain(error: ValidationError) -> list[str]:
    """One Vietnamese line per problem: the variable to fix and what it needs."""
    lines = []
    for problem in error.errors():
        loc = ".".join(str(p) for p in problem["loc"])
        name = f"CDSBOT_{loc.upper()}" if loc else "cấu hình"
        template = _PYDANTIC.get(problem["type"])
        if template is not None:
            context = {k: str(v).replace("'", "") for k, v in (problem.get("ctx") or {}).items()}
            message = template.format(**context)
        else:
            message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"Cấu hình không hợp lệ: {name}: {message}")
    return lines


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
