"""One glossary of terms (handlers/core/texts.py): no feature's texts use a variant it replaces."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import handlers
from handlers.core import texts


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _texts_modules() -> list[Any]:
    found = []
    for feature in pkgutil.iter_modules(handlers.__path__):
        if feature.ispkg:
            try:
                found.append(importlib.import_module(f"handlers.{feature.name}.texts"))
            except ModuleNotFoundError:
                continue
    return found


def test_every_texts_module_is_scanned() -> None:
    names = {m.__name__ for m in _texts_modules()}
    assert {"handlers.core.texts", "handlers.visits.texts", "handlers.campaigns.texts"} <= names
    assert len(names) >= 6


def test_no_texts_module_uses_a_variant_the_glossary_replaces() -> None:
    found = []
    for module in _texts_modules():
        for name, value in vars(module).items():
            if not name.isupper() or name == "AVOID":
                continue
            for text in _strings(value):
                found += [f"{module.__name__}.{name}: {bad!r}" for bad in texts.AVOID if bad in text]
    assert found == []
