"""Text shown in the request's language: messages from the gettext catalogue
(``lazy_gettext``/``gettext``), and labels declared in two languages (en, zh) in the node
declarations (``bilingual``), which are data."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import LazyString, gettext, lazy_gettext

from graph.model.base import REGISTRY, Choice, Meta
from graph.model.validation import Message
from views.messages import is_chinese, message_text


def bilingual(en: str, zh: str) -> LazyString:
    """A lazy declared label: ``zh`` in a Chinese request, ``en`` otherwise. Only for labels
    declared as data (node declarations); every other message goes through gettext."""
    return LazyString(lambda: zh if is_chinese() else en)


def lazy_format(text: LazyString, **params: Any) -> LazyString:
    """A lazy message ``text`` with its ``{name}`` placeholders filled in when shown."""
    return LazyString(lambda: str(text).format(**{k: str(v) for k, v in params.items()}))


def localized(table: dict[str, LazyString]) -> dict[str, str]:
    """A page's ``{key: lazy_gettext(text)}`` label table in the request's language."""
    return {key: str(text) for key, text in table.items()}


def declared_name(label: str) -> str:
    """The declared name of node type ``label`` in the request's language."""
    meta = REGISTRY[label].meta
    return meta.zh if is_chinese() else meta.en


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
        uid=lazy_gettext("ID"),
        version=lazy_gettext("Version"),
        created_at=lazy_gettext("Created"),
        updated_at=lazy_gettext("Updated"),
    )
    return labels


# marshmallow's own messages with values in them (schemas of the API's requests), as the
# catalogue says them; its fixed messages are catalogue entries (app/translated_elsewhere.py).
MARSHMALLOW_MESSAGES: tuple[tuple[re.Pattern[str], LazyString], ...] = (
    (
        re.compile(
            r"Must be greater than or equal to (?P<min>\S+) and less than or equal to "
            r"(?P<max>\S+)\."
        ),
        lazy_gettext("Must be from %(min)s to %(max)s."),
    ),
    (
        re.compile(r"Must be greater than or equal to (?P<min>\S+)\."),
        lazy_gettext("Must be %(min)s or more."),
    ),
    (
        re.compile(r"Must be less than or equal to (?P<max>\S+)\."),
        lazy_gettext("Must be %(max)s or less."),
    ),
    (
        re.compile(r"Must be one of: (?P<choices>.*)\."),
        lazy_gettext("Must be one of: %(choices)s."),
    ),
    (
        re.compile(r"Longer than maximum length (?P<max>\d+)\."),
        lazy_gettext("At most %(max)s characters."),
    ),
    (
        re.compile(r"Shorter than minimum length (?P<min>\d+)\."),
        lazy_gettext("At least %(min)s characters."),
    ),
    (
        re.compile(r"Length must be between (?P<min>\d+) and (?P<max>\d+)\."),
        lazy_gettext("From %(min)s to %(max)s characters."),
    ),
)


def translate_message(message: Any) -> str:
    """A validation message in the request's language (ours by key; marshmallow's by its
    text, those with values in them by ``MARSHMALLOW_MESSAGES``)."""
    if isinstance(message, Message):
        return message_text(message.key, message.params)
    text = str(message)
    translated = gettext(text)
    if translated != text:
        return translated
    for pattern, template in MARSHMALLOW_MESSAGES:
        found = pattern.fullmatch(text)
        if found is not None:
            return str(template) % found.groupdict()
    return text


def translate_messages(messages: Any) -> Any:
    """A schema's error messages (nested maps and lists of messages) in the request's
    language."""
    if isinstance(messages, dict):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list):
        return [translate_messages(value) for value in messages]
    return translate_message(messages)
