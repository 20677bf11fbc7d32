"""Labels declared in two languages (en, zh), shown in the request's language."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_babel import LazyString, get_locale, gettext

from graph.model.base import Choice, Meta
from graph.model.validation import MESSAGES, Message


def is_chinese() -> bool:
    """True when the current request is served in Chinese."""
    if not has_request_context():
        return False
    locale = get_locale()
    return locale is not None and locale.language == "zh"


def bilingual(en: str, zh: str) -> LazyString:
    """A lazy label: ``zh`` in a Chinese request, ``en`` otherwise."""
    return LazyString(lambda: zh if is_chinese() else en)


def localized(table: dict[str, tuple[str, str]]) -> dict[str, str]:
    """A page's ``{key: (en, zh)}`` label table in the request's language."""
    return {key: str(bilingual(en, zh)) for key, (en, zh) in table.items()}


def choice_label(choices: tuple[Choice, ...], value: Any) -> str:
    """The label of a stored choice value (the value itself when it is not declared)."""
    for choice in choices:
        if choice.value == value:
            return choice.zh if is_chinese() else choice.en
    return "" if value is None else str(value)


def model_labels(meta: Meta) -> dict[str, LazyString]:
    """Labels of every field of a model, including the system fields."""
    labels = {item.name: bilingual(item.en, item.zh) for item in meta.props + meta.rels}
    labels.update(
        uid=bilingual("ID", "编号"),
        version=bilingual("Version", "版本"),
        created_at=bilingual("Created", "创建时间"),
        updated_at=bilingual("Updated", "更新时间"),
    )
    return labels


def translate_message(message: Any) -> str:
    """A validation message in the request's language."""
    if isinstance(message, Message):
        return gettext(MESSAGES[message.key]).format(**message.params)
    return gettext(str(message))
