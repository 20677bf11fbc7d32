"""Statement templates filled with declared names.

Templates are valid Cypher written with placeholder names (``__Label__``, ``__Target__``,
``__REL__``, ``__prop__``); ``render`` fills them through the checked composition
(``graph.store.composition.fill``), so only names that match the identifier patterns
(``LABEL``, ``PROPERTY``, defined there) ever reach a statement's text.
"""

from __future__ import annotations

from graph.store.composition import CompositionError, fill
from graph.store.statements import Statement


class InvalidQuery(ValueError):
    """A statement cannot be composed as asked: a filter or order names a field or operator
    the model does not allow, or a template lacks what is filled into it."""


def render(statement: Statement, **names: str) -> Statement:
    """Fill a template's placeholders with declared names (each checked against its pattern)."""
    try:
        return fill(statement, **names)
    except CompositionError as exc:
        raise InvalidQuery(str(exc)) from exc
