"""Saved console queries and run history, as the console's API speaks of them.

The app keeps them in the SQL security store (``app.console_queries``, out of Cypher's
reach) and registers that store here at start; the console view reaches it through
``saved_queries()`` and never imports the app.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol, cast

from flask import Flask, current_app

EXTENSION = "graphcrm_saved_queries"


class NotFound(LookupError):
    """No such query, or a private query of someone else."""


class Forbidden(PermissionError):
    """A shared query of someone else: readable, but only its owner may change it."""


class Invalid(ValueError):
    """Bad values; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(json.dumps(errors, ensure_ascii=False))
        self.errors = errors


@dataclass(frozen=True)
class Saved:
    """A saved query as shown to ``viewer`` (``mine``: the viewer owns it)."""

    id: int
    owner: str
    name: str
    description: str
    query: str
    params: dict[str, Any]
    shared: bool
    mine: bool
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class Run:
    """One history entry."""

    id: int
    at: str
    action: str
    query: str
    params: dict[str, Any]
    outcome: str
    rows: int | None
    duration_ms: float | None


class SavedQueries(Protocol):
    """What the console needs of the saved-query store (``app.console_queries``)."""

    def record_run(
        self,
        username: str | None,
        query: str,
        params: Any,
        outcome: str,
        rows: int | None = None,
        duration_ms: float | None = None,
        action: str = "console_query",
    ) -> None: ...

    def visible(self, user: str) -> list[Saved]: ...

    def save(self, owner: str, values: dict[str, Any]) -> Saved: ...

    def update(self, user: str, query_id: int, values: dict[str, Any]) -> Saved: ...

    def remove(self, user: str, query_id: int) -> None: ...

    def history(self, username: str) -> list[Run]: ...


def register(app: Flask, store: SavedQueries) -> None:
    """Give the console ``store`` (called by the app at start)."""
    app.extensions[EXTENSION] = store


def saved_queries() -> SavedQueries:
    """The app's saved-query store."""
    return cast(SavedQueries, current_app.extensions[EXTENSION])
