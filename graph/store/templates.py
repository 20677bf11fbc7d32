"""Statement templates filled with declared names.

Templates are valid Cypher written with placeholder names (``__Label__``, ``__Target__``,
``__REL__``, ``__prop__``); ``render`` replaces them with names that match the identifier
patterns, so only names taken from node declarations ever reach a statement's text.
"""

from __future__ import annotations

import re
from dataclasses import replace

from graph.store.statements import Statement

# The identifiers a statement may be given: labels and relationship types, property names.
LABEL = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
PROPERTY = re.compile(r"^[a-z][a-z0-9_]*$")

_PLACEHOLDERS = {"__Label__": LABEL, "__Target__": LABEL, "__REL__": LABEL, "__prop__": PROPERTY}


class InvalidQuery(ValueError):
    """A statement cannot be composed as asked: a filter or order names a field or operator
    the model does not allow, or a template lacks what is filled into it."""


def render(statement: Statement, **names: str) -> Statement:
    """Fill a template's placeholders with declared names (each checked against its pattern)."""
    text = statement.text
    for placeholder, value in names.items():
        token = f"__{placeholder}__"
        pattern = _PLACEHOLDERS[token]
        if not pattern.match(value):
            raise InvalidQuery(f"{value!r} is not a valid name for {token}")
        text = re.sub(rf"\b{token}\b", value, text)
    leftover = [p for p in _PLACEHOLDERS if re.search(rf"\b{p}\b", text)]
    if leftover:
        raise InvalidQuery(f"{statement.name}: placeholders {leftover} not filled")
    return replace(statement, text=text)
