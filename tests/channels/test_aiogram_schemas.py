"""aiogram's models built on first use (bot/channels/aiogram_schemas.py) are those it builds at import.

Each check runs in a fresh interpreter: whether the build is deferred depends on what was imported first.
"""

from __future__ import annotations

import json
import subprocess
import sys

# Parses an update touching many types, builds replies with keyboards, and prints what aiogram would send
# and what it read; then builds every type and method and prints how many were built late.
PROGRAM = r"""
import json, sys
if sys.argv[1] == "deferred":
    import bot  # installs the deferral, as any import of ours does
import aiogram.methods as methods, aiogram.types as types
from pydantic import BaseModel

deferred_at_import = not types.Message.__pydantic_complete__
update = types.Update.model_validate({
    "update_id": 7,
    "callback_query": {
        "id": "q", "chat_instance": "c", "data": "faq:1",
        "from": {"id": 5, "is_bot": False, "first_name": "Bà", "language_code": "vi"},
        "message": {"message_id": 3, "date": 1700000000, "chat": {"id": 5, "type": "private"},
                    "text": "Có phải bạn hỏi…", "entities": [{"type": "bold", "offset": 0, "length": 3}],
                    "reply_markup": {"inline_keyboard": [[{"text": "1", "callback_data": "faq:1"}]]}},
    },
})
button = types.InlineKeyboardButton(text="Xem thêm", callback_data="more:1")
keyboard = types.InlineKeyboardMarkup(inline_keyboard=[[button]])
replies = [
    methods.SendMessage(chat_id=5, text="Chào bạn", reply_markup=keyboard),
    methods.SendPhoto(chat_id=5, photo="file-id", caption="Ảnh"),
    methods.EditMessageText(chat_id=5, message_id=3, text="Đã chọn"),
]
sent = [reply.model_dump(mode="json", exclude_unset=True) for reply in replies]
built_late = 0
for module in (types, methods):
    for name in module.__all__:
        model = getattr(module, name)
        if isinstance(model, type) and issubclass(model, BaseModel) and not model.__pydantic_complete__:
            model.model_rebuild(raise_errors=True)
            assert model.__pydantic_complete__, name
            built_late += 1
print(json.dumps({
    "deferred_at_import": deferred_at_import,
    "update": update.model_dump(mode="json", exclude_unset=True),
    "sent": sent,
    "built_late": built_late,
}))
"""


def run(mode: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROGRAM, mode], capture_output=True, text=True, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_models_built_on_first_use_read_and_write_what_eager_ones_do() -> None:
    deferred, eager = run("deferred"), run("eager")
    assert deferred["deferred_at_import"] is True
    assert eager["deferred_at_import"] is False
    assert deferred["update"] == eager["update"]
    assert deferred["sent"] == eager["sent"]
    # Every type and method resolves its forward references when built late; the eager import builds
    # them all up front, so nothing is left for it.
    assert isinstance(deferred["built_late"], int) and deferred["built_late"] > 400
    assert eager["built_late"] == 0
