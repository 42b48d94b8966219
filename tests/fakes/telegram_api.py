"""A fake Telegram Bot API server on 127.0.0.1 for the real aiogram 3 client.

    async with FakeTelegramAPI(token="123456:TEST-token") as tg:
        session = AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url))
        bot = Bot("123456:TEST-token", session=session)
        ...
        await tg.wait_calls("sendMessage", 1)

What aiogram sends (aiogram 3.31 / aiohttp 3.14): a POST to `/bot{token}/{Method}` whose body is
`application/x-www-form-urlencoded` when no file is attached and `multipart/form-data` when one is. Every
value is a string: numbers and booleans JSON-encoded ("123", "true"), objects and lists (reply_markup,
scope, commands, allowed_updates, entities) as JSON text; fields that are None or empty are left out. An
uploaded file is sent as a part with a random name and referenced from its field as "attach://<name>".
The fake also accepts application/json bodies and query strings, like Telegram.

How it validates, like Telegram: text 1–4096 and captions 0–1024, counted in UTF-16 code units after
HTML parsing (the conservative reading of "characters": a text the fake accepts fits Telegram whichever
way it counts); parse_mode=HTML parsed with Telegram's tag set, malformed HTML → 400 "can't parse
entities"; MarkdownV2 and Markdown are not parsed (counted raw); inline button callback_data 1–64 UTF-8
bytes. Chats are not checked for existence: every chat id is reachable unless `forbid()` or `fail_next()`
says otherwise. setWebhook accepts http:// URLs (Telegram demands HTTPS) so tests can use loopback.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import time
from typing import Any

from tests.fakes import (
    REGISTERED,
    ApiError,
    Call,
    FakeBotAPIServer,
    UploadedFile,
    _Registered,
)

__all__ = ["Call", "FakeTelegramAPI", "UploadedFile", "parse_html", "utf16_len"]

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes
DOCUMENT_LIMIT = 50 * 1024 * 1024
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"

_METHODS = (
    "getMe",
    "getUpdates",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "deleteMyCommands",
    "getMyCommands",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "sendPhoto",
    "sendDocument",
    "sendChatAction",
    "getFile",
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
    }
)
_INT_FIELDS = frozenset(
    {
        "message_id",
        "offset",
        "limit",
        "timeout",
        "max_connections",
        "cache_time",
        "message_thread_id",
        "reply_to_message_id",
        "user_id",
        "from_chat_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "show_alert",
        "drop_pending_updates",
        "has_spoiler",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "disable_content_type_detection",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_INT_RE = re.compile(r"-?\d+")
_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)

# -- HTML (parse_mode=HTML) ------------------------------------------------------------------------

_HTML_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "tg-emoji": "custom_emoji",
    "blockquote": "blockquote",
}
_CHAR_REF = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_NAMED_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_ATTR = re.compile(r"""\s*([A-Za-z_][A-Za-z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


class HtmlParseError(ValueError):
    pass


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _char_ref(match: re.Match[str]) -> str:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _NAMED_REFS[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Telegram's parse_mode=HTML: the plain text and its entities, or HtmlParseError with its message.

    Supported: b strong i em u ins s strike del tg-spoiler span.tg-spoiler a[href] code pre tg-emoji
    blockquote[expandable]; &lt; &gt; &amp; &quot; and numeric references. A bare "&" is kept as text, a
    bare "<" is an error, as in Telegram.
    """
    out: list[str] = []
    length = 0  # UTF-16 length of what is in `out`
    stack: list[tuple[str, int, dict[str, str], int]] = []  # (tag, start offset, attributes, byte offset)
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(text)

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8"))

    def emit(chunk: str) -> None:
        nonlocal length
        out.append(chunk)
        length += utf16_len(chunk)

    while i < n:
        char = text[i]
        if char == "&":
            match = _CHAR_REF.match(text, i)
            if match:
                emit(_char_ref(match))
                i = match.end()
            else:
                emit("&")
                i += 1
            continue
        if char != "<":
            stop = min((k for k in (text.find("<", i), text.find("&", i)) if k != -1), default=n)
            emit(text[i:stop])
            i = stop
            continue
        at = byte_offset(i)
        if text.startswith("</", i):
            end = text.find(">", i)
            if end == -1:
                raise HtmlParseError(f"Unclosed end tag at byte offset {at}")
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {at}")
            tag, start, opened_attrs, _ = stack.pop()
            if name != tag:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {at}, expected "</{tag}>", found "</{name}>"'
                )
            i = end + 1
            if tag == "code" and stack and stack[-1][0] == "pre" and "class" in opened_attrs:
                language = opened_attrs["class"].removeprefix("language-")
                if opened_attrs["class"].startswith("language-") and language:
                    stack[-1][2]["language"] = language
                    continue
            entity = _html_entity(tag, opened_attrs, start, length - start)
            if entity is not None:
                entities.append(entity)
            continue
        name_match = _TAG_NAME.match(text, i + 1)
        name = name_match.group(0).lower() if name_match else ""
        if name not in _HTML_ENTITY_TYPES:
            raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {at}')
        j = name_match.end() if name_match else i + 1
        attrs: dict[str, str] = {}
        while True:
            if j >= n:
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {at}')
            if text[j] == ">":
                j += 1
                break
            attr = _ATTR.match(text, j)
            if attr is None or attr.end() == j:
                if text[j].isspace():
                    j += 1
                    continue
                raise HtmlParseError(f'Unclosed start tag "{name}" at byte offset {at}')
            value = next((v for v in attr.groups()[1:] if v is not None), "")
            attrs[attr.group(1).lower()] = _CHAR_REF.sub(_char_ref, value)
            j = attr.end()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        stack.append((name, length, attrs, at))
        i = j
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_entity(tag: str, attrs: dict[str, str], offset: int, size: int) -> dict[str, Any] | None:
    if size <= 0:
        return None
    kind = _HTML_ENTITY_TYPES[tag]
    entity: dict[str, Any] = {"type": kind, "offset": offset, "length": size}
    if tag == "a":
        if not attrs.get("href"):
            return None
        entity["url"] = attrs["href"]
    elif tag == "pre" and "language" in attrs:
        entity["language"] = attrs["language"]
    elif tag == "tg-emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    elif tag == "blockquote" and "expandable" in attrs:
        entity["type"] = "expandable_blockquote"
    return entity


# -- the fake ---------------------------------------------------------------------------------------


class FakeTelegramAPI(FakeBotAPIServer):
    """Telegram Bot API fake. Public state: `calls`, `counts`, `messages`, `updates`, `webhook_url`,
    `webhook_secret`, `commands`; see the module docstring for behaviour."""

    chat_methods = frozenset(
        {
            "sendMessage",
            "editMessageText",
            "editMessageReplyMarkup",
            "sendPhoto",
            "sendDocument",
            "sendChatAction",
        }
    )
    forbidden_error = (403, "Forbidden: bot was blocked by the user")

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        poll_cap: float = 1.0,
        bot_username: str = "cds_test_bot",
        bot_first_name: str = "CDS Test Bot",
    ) -> None:
        super().__init__(token, host=host, port=port, poll_cap=poll_cap)
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.messages: dict[tuple[str, int], dict[str, Any]] = {}  # (chat, message_id) → Message
        self.updates: list[dict[str, Any]] = []  # queued for getUpdates, unconfirmed
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.allowed_updates: list[str] | None = None
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (scope JSON, language) → commands
        self.callback_query_ids: set[str] = set()
        self._chats: dict[str, dict[str, Any]] = {}
        self._message_ids: dict[str, int] = {}
        self._update_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self.files: dict[str, dict[str, Any]] = {}  # file_id → File fields, for getFile
        self._poll_generation = 0
        self.methods = {
            name: getattr(self, "_" + re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()) for name in _METHODS
        }
        self._by_lower = {name.lower(): name for name in _METHODS}

    # -- fault injection ------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        chat_id: Any = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with an error.

        429 → "Too Many Requests: retry after N" with parameters.retry_after (aiogram: TelegramRetryAfter);
        400 → "Bad Request: chat not found"; 403 → blocked; 5xx → "Internal Server Error"; or `description`.
        """
        parameters = None
        if status == 429:
            parameters = {"retry_after": retry_after}
            description = description or f"Too Many Requests: retry after {retry_after}"
        default = {
            400: "Bad Request: chat not found",
            401: "Unauthorized",
            403: "Forbidden: bot was blocked by the user",
            404: "Not Found",
            409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance "
            "is running",
            502: "Bad Gateway",
        }.get(status, "Internal Server Error" if status >= 500 else f"Error {status}")
        error = ApiError(status, description or default, parameters=parameters)
        self._add_fault(self._canonical(method), error, chat_id, times)

    def stall_next(self, method: str, *, chat_id: Any = None, times: int = 1) -> None:
        super().stall_next(self._canonical(method), chat_id=chat_id, times=times)

    def _canonical(self, method: str) -> str:
        return self._by_lower.get(method.lower(), method)

    # -- update builders ------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str = "Lan",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
    ) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            user["last_name"] = last_name
        if username:
            user["username"] = username
        if language_code:
            user["language_code"] = language_code
        return user

    def chat(
        self, chat_id: int | str, chat_type: str | None = None, *, title: str | None = None
    ) -> dict[str, Any]:
        """The Chat object for `chat_id`; a chat_type given here is remembered for the bot's replies."""
        key = str(chat_id)
        if chat_type is None:
            if key in self._chats:
                return dict(self._chats[key])
            number = int(key) if _INT_RE.fullmatch(key) else 0
            chat_type = "private" if number > 0 else "supergroup" if number <= -(10**12) else "group"
        chat: dict[str, Any] = {"id": int(key) if _INT_RE.fullmatch(key) else key, "type": chat_type}
        if chat_type != "private":
            chat["title"] = title or "Tổ CNSCĐ thử nghiệm"
        self._chats[key] = chat
        return dict(chat)

    def message(
        self,
        chat_id: int,
        text: str | None,
        *,
        user_id: int | None = None,
        first_name: str = "Lan",
        chat_type: str = "private",
        **extra: Any,
    ) -> dict[str, Any]:
        """A Message from a user (not queued). `extra` adds or overrides fields (photo, sticker, …)."""
        sender = self.user(
            user_id if user_id is not None else self._default_user(chat_id, chat_type), first_name
        )
        message: dict[str, Any] = {
            "message_id": self._next_message_id(str(chat_id)),
            "from": sender,
            "chat": self.chat(chat_id, chat_type),
            "date": int(time.time()),
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split(maxsplit=1)[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        message.update(extra)
        self.messages[(str(chat_id), message["message_id"])] = message
        return message

    def message_update(
        self,
        chat_id: int,
        text: str | None,
        *,
        user_id: int | None = None,
        first_name: str = "Lan",
        chat_type: str = "private",
        **extra: Any,
    ) -> dict[str, Any]:
        """`{"message": ...}`; text starting with "/" gets a bot_command entity, like Telegram adds."""
        message = self.message(
            chat_id, text, user_id=user_id, first_name=first_name, chat_type=chat_type, **extra
        )
        return {"message": message}

    def sticker_update(
        self,
        chat_id: int,
        *,
        emoji: str = "👍",
        user_id: int | None = None,
        first_name: str = "Lan",
        chat_type: str = "private",
        **extra: Any,
    ) -> dict[str, Any]:
        number = next(self._file_ids)
        sticker = {
            "file_id": f"CAACAgIAAxkBAAI{number:08d}",
            "file_unique_id": f"AgAD{number:06d}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self.message_update(
            chat_id,
            None,
            user_id=user_id,
            first_name=first_name,
            chat_type=chat_type,
            sticker=sticker,
            **extra,
        )

    def photo_update(
        self,
        chat_id: int,
        data: bytes,
        *,
        caption: str | None = None,
        user_id: int | None = None,
        first_name: str = "Lan",
        chat_type: str = "private",
    ) -> dict[str, Any]:
        """A photo a user sent: two sizes, the larger one's bytes downloadable (getFile, then
        /file/bot<token>/<file_path>)."""
        number = next(self._file_ids)
        sizes = []
        for width, size in ((90, min(len(data), 1000)), (1280, len(data))):
            file_id = f"AgACAgIAAxkBAAI{number:08d}-{width}"
            fields = {"file_unique_id": f"AQAD{number:06d}{width}", "file_size": size}
            self.files[file_id] = dict(fields)
            sizes.append({"file_id": file_id, **fields, "width": width, "height": width * 3 // 4})
        largest = sizes[-1]["file_id"]
        self.files[largest]["file_path"] = f"photos/file_{number}.jpg"
        self.hosted[f"file/bot{self.token}/photos/file_{number}.jpg"] = data
        extra: dict[str, Any] = {"photo": sizes}
        if caption is not None:
            extra["caption"] = caption
        return self.message_update(
            chat_id, None, user_id=user_id, first_name=first_name, chat_type=chat_type, **extra
        )

    def callback_update(
        self,
        chat_id: int,
        data: str,
        message_id: int,
        *,
        user_id: int | None = None,
        first_name: str = "Lan",
        chat_type: str = "private",
        message_text: str = "…",
        reply_markup: dict[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """A button press on bot message `message_id`. If the fake never saw that message, it is created
        (from the bot, with `message_text` and `reply_markup`) so later edits of it succeed."""
        key = (str(chat_id), message_id)
        if key not in self.messages:
            self.messages[key] = {
                "message_id": message_id,
                "from": dict(self.bot_user),
                "chat": self.chat(chat_id, chat_type),
                "date": int(time.time()),
                "text": message_text,
                **({"reply_markup": reply_markup} if reply_markup else {}),
            }
            self._message_ids[str(chat_id)] = max(self._message_ids.get(str(chat_id), 0), message_id)
        query_id = f"{self.bot_user['id']}{next(self._callback_ids):08d}"
        self.callback_query_ids.add(query_id)
        sender_id = user_id if user_id is not None else self._default_user(chat_id, chat_type)
        query: dict[str, Any] = {
            "id": query_id,
            "from": self.user(sender_id, first_name),
            "message": copy.deepcopy(self.messages[key]),
            "chat_instance": str(abs(hash(str(chat_id))) % 10**18),
            "data": data,
        }
        query.update(extra)
        return {"callback_query": query}

    def update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """A generic update: `{kind: payload}` (e.g. "edited_message", "my_chat_member")."""
        return {kind: payload}

    @staticmethod
    def _default_user(chat_id: int, chat_type: str) -> int:
        return int(chat_id) if chat_type == "private" else 100001

    # -- delivering updates ---------------------------------------------------------------------

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (assigning the next update_id if it has none); returns it."""
        update = self._with_update_id(update)
        self.updates.append(update)
        self._updates_signal.fire()
        return update

    async def deliver_webhook(
        self, update: dict[str, Any], *, secret: str | _Registered | None = REGISTERED
    ) -> int:
        """POST `update` to the registered webhook, as Telegram does; returns the HTTP status.

        `secret` defaults to the secret_token given to setWebhook; pass a string to send a wrong one, or
        None to send no X-Telegram-Bot-Api-Secret-Token header at all.
        """
        if not self.webhook_url:
            raise AssertionError("FakeTelegramAPI: no webhook is set (call setWebhook first)")
        update = self._with_update_id(update)
        value = self.webhook_secret if secret is REGISTERED else secret
        headers = {"Content-Type": "application/json"}
        if isinstance(value, str):
            headers[SECRET_HEADER] = value
        session = await self._http()
        async with session.post(self.webhook_url, data=json.dumps(update), headers=headers) as response:
            await response.read()
            return response.status

    def _with_update_id(self, update: dict[str, Any]) -> dict[str, Any]:
        update = dict(update)
        if "update_id" not in update:
            update["update_id"] = next(self._update_ids)
        return update

    # -- request decoding -----------------------------------------------------------------------

    def _resolve_method(self, name: str) -> str | None:
        return self._by_lower.get(name.lower())  # Telegram method names are case-insensitive

    def _decode_params(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        decoded: dict[str, Any] = {}
        for key, value in params.items():
            if isinstance(value, str):
                if key in _JSON_FIELDS:
                    try:
                        value = json.loads(value)
                    except ValueError:
                        raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from None
                elif key in _INT_FIELDS:
                    value = int(value) if _INT_RE.fullmatch(value.strip()) else value
                elif key in _BOOL_FIELDS:
                    value = value.strip().lower() in ("true", "1")
                elif key == "chat_id" and _INT_RE.fullmatch(value.strip()):
                    value = int(value)
            if isinstance(value, str) and value.startswith("attach://"):
                name = value.removeprefix("attach://")
                if name not in files:
                    raise ApiError(400, f"Bad Request: file {value!r} not found in the request")
                value = files[name]
            decoded[key] = value
        for name, upload in files.items():  # a file sent directly as the field itself
            if name not in decoded and not any(v is upload for v in decoded.values()):
                decoded[name] = upload
        return decoded

    # -- validation helpers ---------------------------------------------------------------------

    def _require_chat(self, params: dict[str, Any]) -> str:
        chat = params.get("chat_id")
        if chat is None or chat == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        return str(chat)

    @staticmethod
    def _formatted(
        text: Any, parse_mode: Any, entities: Any, *, limit: int, caption: bool
    ) -> tuple[str, list[dict[str, Any]]]:
        if text is None or text == "":
            if caption:
                return "", []
            raise ApiError(400, "Bad Request: message text is empty")
        text = str(text)
        if isinstance(parse_mode, str) and parse_mode.lower() == "html":
            try:
                plain, parsed = parse_html(text)
            except HtmlParseError as error:
                raise ApiError(400, f"Bad Request: can't parse entities: {error}") from None
        else:
            plain, parsed = text, list(entities) if isinstance(entities, list) else []
        if not caption and not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > limit:
            raise ApiError(
                400,
                "Bad Request: message caption is too long" if caption else "Bad Request: message is too long",
            )
        return plain, parsed

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        """Validate reply_markup; returns it when it is an inline keyboard (echoed in the Message)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise ApiError(
                400,
                'Bad Request: field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of '
                "Arrays",
            )
        actions = (
            "callback_data",
            "url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "web_app",
            "login_url",
            "callback_game",
            "pay",
            "copy_text",
        )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not str(button.get("text") or "").strip():
                    raise ApiError(400, "Bad Request: BUTTON_TEXT_INVALID")
                if not any(key in button for key in actions):
                    raise ApiError(
                        400,
                        "Bad Request: can't parse inline keyboard button: Text buttons are "
                        "unallowed in the inline keyboard",
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"(https?|tg)://\S+$", str(button["url"])):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return markup

    def _next_message_id(self, chat: str) -> int:
        self._message_ids[chat] = self._message_ids.get(chat, 0) + 1
        return self._message_ids[chat]

    def _bot_message(self, chat: str, params: dict[str, Any], **fields: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self._next_message_id(chat),
            "from": dict(self.bot_user),
            "chat": self.chat(params["chat_id"]),
            "date": int(time.time()),
        }
        message.update({key: value for key, value in fields.items() if value not in (None, [], "")})
        self.messages[(chat, message["message_id"])] = message
        return copy.deepcopy(message)

    def _stored_for_edit(self, params: dict[str, Any]) -> dict[str, Any] | None:
        if params.get("inline_message_id"):
            return None
        chat = self._require_chat(params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise ApiError(400, "Bad Request: message identifier is not specified")
        stored = self.messages.get((chat, message_id))
        if stored is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if not stored.get("from", {}).get("is_bot"):
            raise ApiError(400, "Bad Request: message can't be edited")
        return stored

    def _file_object(self, upload: UploadedFile | str, kind: str) -> dict[str, Any]:
        number = next(self._file_ids)
        if isinstance(upload, UploadedFile):
            if upload.size > DOCUMENT_LIMIT:
                raise ApiError(413, "Request Entity Too Large")
            base = {
                "file_id": f"BQACAgIAAx{kind}{number:08d}",
                "file_unique_id": f"AgAD{number:06d}",
                "file_size": upload.size,
            }
            if kind == "document":
                return {**base, "file_name": upload.filename, "mime_type": upload.content_type}
            return base
        return {"file_id": str(upload), "file_unique_id": f"AgAD{number:06d}"}

    # -- methods --------------------------------------------------------------------------------

    async def _get_me(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return dict(self.bot_user)

    async def _get_updates(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if self.webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        raw_limit, raw_timeout = params.get("limit"), params.get("timeout")
        limit = max(1, min(100, raw_limit)) if isinstance(raw_limit, int) else 100
        timeout = max(0, raw_timeout) if isinstance(raw_timeout, int) else 0
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self.allowed_updates = list(allowed) if isinstance(allowed, list) and allowed else None
        if isinstance(offset, int) and offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        elif isinstance(offset, int) and offset < 0:
            self.updates = self.updates[offset:]
        self._poll_generation += 1
        self._updates_signal.fire()  # an older long poll is terminated by this one, as in Telegram

        def ready() -> bool:
            if self.allowed_updates is not None:  # updates of other types are dropped, not delivered
                self.updates = [
                    u for u in self.updates if set(u) - {"update_id"} <= set(self.allowed_updates)
                ]
            return bool(self.updates)

        current = await self._long_poll(min(timeout, self.poll_cap), ready, lambda: self._poll_generation)
        if not current:
            raise ApiError(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one "
                "bot instance is running",
            )
        ready()
        return copy.deepcopy(self.updates[:limit])

    async def _set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        url = str(params.get("url") or "")
        if url and not re.match(r"https?://[^\s/]+", url):
            raise ApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if params.get("drop_pending_updates"):
            self.updates.clear()
        if "allowed_updates" in params:
            allowed = params["allowed_updates"]
            self.allowed_updates = list(allowed) if isinstance(allowed, list) and allowed else None
        self.webhook_url = url
        self.webhook_secret = str(secret) if url and secret is not None else None
        self._updates_signal.fire()
        return True

    async def _delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if params.get("drop_pending_updates"):
            self.updates.clear()
        self.webhook_url = ""
        self.webhook_secret = None
        return True

    async def _get_webhook_info(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        info: dict[str, Any] = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.webhook_url:
            info["max_connections"] = 40
            if self.allowed_updates:
                info["allowed_updates"] = list(self.allowed_updates)
        return info

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    def my_commands(
        self, scope: dict[str, Any] | None = None, language_code: str = ""
    ) -> list[dict[str, Any]]:
        """The commands set for `scope` (default scope when None) and `language_code`."""
        key = json.dumps(scope or {"type": "default"}, sort_keys=True), language_code
        return list(self.commands.get(key, []))

    async def _set_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an Array of at most 100 BotCommand")
        for command in commands:
            if not isinstance(command, dict) or not _COMMAND_RE.fullmatch(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description") or "").strip()) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _delete_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _get_my_commands(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return list(self.commands.get(self._commands_key(params), []))

    async def _send_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._require_chat(params)
        text, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=TEXT_LIMIT,
            caption=False,
        )
        markup = self._check_markup(params.get("reply_markup"))
        return self._bot_message(chat, params, text=text, entities=entities, reply_markup=markup)

    async def _edit_message_text(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        stored = self._stored_for_edit(params)
        text, entities = self._formatted(
            params.get("text"),
            params.get("parse_mode"),
            params.get("entities"),
            limit=TEXT_LIMIT,
            caption=False,
        )
        markup = self._check_markup(params.get("reply_markup"))
        if stored is None:
            return True
        if "text" not in stored:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        if (stored.get("text"), stored.get("entities", []), stored.get("reply_markup")) == (
            text,
            entities,
            markup,
        ):
            raise ApiError(400, _NOT_MODIFIED)
        stored["text"] = text
        for key, value in (("entities", entities), ("reply_markup", markup)):
            if value:
                stored[key] = value
            else:
                stored.pop(key, None)
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _edit_message_reply_markup(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        stored = self._stored_for_edit(params)
        markup = self._check_markup(params.get("reply_markup"))
        if stored is None:
            return True
        if stored.get("reply_markup") == markup:
            raise ApiError(400, _NOT_MODIFIED)
        if markup:
            stored["reply_markup"] = markup
        else:
            stored.pop("reply_markup", None)
        stored["edit_date"] = int(time.time())
        return copy.deepcopy(stored)

    async def _answer_callback_query(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if str(params.get("callback_query_id")) not in self.callback_query_ids:
            raise ApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    async def _send_photo(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._require_chat(params)
        photo = params.get("photo")
        if not isinstance(photo, UploadedFile | str) or not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        is_url = isinstance(photo, str) and photo.startswith(("http://", "https://"))
        if isinstance(photo, str) and not is_url and photo not in self.files:
            # A file id this bot never received nor sent (another bot's): Telegram refuses it.
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption, entities = self._formatted(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=CAPTION_LIMIT,
            caption=True,
        )
        size = self._file_object(photo, "photo")
        self.files.setdefault(size["file_id"], {"file_unique_id": size["file_unique_id"]})
        sizes = [{**size, "width": 90, "height": 90}, {**size, "width": 1280, "height": 960}]
        markup = self._check_markup(params.get("reply_markup"))
        return self._bot_message(
            chat, params, photo=sizes, caption=caption, caption_entities=entities, reply_markup=markup
        )

    async def _send_document(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        chat = self._require_chat(params)
        document = params.get("document")
        if not isinstance(document, UploadedFile | str) or not document:
            raise ApiError(400, "Bad Request: there is no document in the request")
        caption, entities = self._formatted(
            params.get("caption"),
            params.get("parse_mode"),
            params.get("caption_entities"),
            limit=CAPTION_LIMIT,
            caption=True,
        )
        markup = self._check_markup(params.get("reply_markup"))
        return self._bot_message(
            chat,
            params,
            document=self._file_object(document, "document"),
            caption=caption,
            caption_entities=entities,
            reply_markup=markup,
        )

    async def _get_file(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        found = self.files.get(str(params.get("file_id") or ""))
        if found is None:
            raise ApiError(400, "Bad Request: wrong file_id or the file is temporarily unavailable")
        return {"file_id": params["file_id"], **found}

    async def _send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self._require_chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        return True

    # -- convenience for assertions -------------------------------------------------------------

    def documents(self, chat_id: Any = None) -> list[UploadedFile]:
        """Files uploaded with successful sendDocument calls."""
        return [
            call.params["document"]
            for call in self.sent("sendDocument", chat_id)
            if isinstance(call.params.get("document"), UploadedFile)
        ]

    def last(self, method: str = "sendMessage", chat_id: Any = None) -> Call:
        found = self.sent(method, chat_id)
        if not found:
            raise AssertionError(f"no successful {method}; recorded calls:\n{self.describe_calls()}")
        return found[-1]
