"""aiogram's ~500 Telegram types and methods get their validators when first used, not all at import.

aiogram declares its models with pydantic's `defer_build`, then undoes it: `aiogram.types` ends with a
loop calling `model_rebuild` on every type, which builds every validator and serializer at import. That
loop is 1.6–1.9 s of CPU and ~100 MiB of a process that uses a dozen of them (bench/footprint.py; the
import alone: 2.5 s and 167 MiB eager, 0.7 s and 61 MiB deferred). Here the loop only records the names
the types refer to each other by; pydantic builds a model the first time it validates or serializes
one, and then resolves those names from the record. The models are the same, only built later
(tests/channels/test_aiogram_schemas.py builds every one of them this way).

This must run before aiogram is imported, so `bot/__init__.py` calls `defer()`: any import of our
code comes first. A process where aiogram was imported earlier simply keeps the eager build.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

from pydantic import BaseModel

# The names aiogram.types passes to its rebuild loop: every type, plus List, Optional, Union, Literal
# and Default, which the types' and methods' annotations use as forward references.
_NAMES: dict[str, Any] = {}
_eager = BaseModel.model_rebuild.__func__  # type: ignore[attr-defined]


def _model_rebuild(
    cls: type[BaseModel],
    *,
    force: bool = False,
    raise_errors: bool = True,
    _parent_namespace_depth: int = 2,
    _types_namespace: Any = None,
) -> bool | None:
    if cls.__module__.startswith("aiogram."):
        if _types_namespace is not None and not force and not cls.__pydantic_complete__:
            _NAMES.update(_types_namespace)  # aiogram.types' loop at import: build on first use instead
            return None
        if _types_namespace is None and _NAMES:
            _types_namespace = _NAMES  # pydantic's rebuild on first use: the names the loop recorded
    result: bool | None = _eager(
        cls,
        force=force,
        raise_errors=raise_errors,
        # One frame more than pydantic expects: this function's own.
        _parent_namespace_depth=_parent_namespace_depth + 1,
        _types_namespace=_types_namespace,
    )
    return result


def defer() -> None:
    """Build aiogram's models on first use. Idempotent; does nothing once aiogram is imported, or with a
    pydantic whose `model_rebuild` no longer takes the private arguments this relies on."""
    if "aiogram" in sys.modules or BaseModel.model_rebuild.__func__ is _model_rebuild:  # type: ignore[attr-defined]
        return
    if not {"_types_namespace", "_parent_namespace_depth"} <= inspect.signature(_eager).parameters.keys():
        return
    BaseModel.model_rebuild = classmethod(_model_rebuild)  # type: ignore[method-assign,assignment]


def warm_up() -> None:
    """Builds the models every update uses before the process says it is ready, so the first updates do
    not pay for them (0.1 s): the update, the replies and what Telegram answers to them."""
    from aiogram.methods import (
        AnswerCallbackQuery,
        EditMessageText,
        SendDocument,
        SendMessage,
        SendPhoto,
    )
    from aiogram.types import Message, Update

    used = (Update, Message, SendMessage, SendPhoto, SendDocument, EditMessageText, AnswerCallbackQuery)
    for model in used:
        model.model_rebuild(raise_errors=True)
