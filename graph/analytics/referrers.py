"""The top referrers, as the last analytics refresh left them (``graph.analytics.refresh``)."""

from __future__ import annotations

from typing import Any

from graph.errors import InvalidValue
from graph.store.protocol import GraphStore

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


def top_referrers(store: GraphStore, limit: object = DEFAULT_LIMIT) -> list[dict[str, Any]]:
    """The top ``limit`` referrers (1..MAX_LIMIT; digits in a string accepted, as a query
    string gives them) as plain rows; ``InvalidValue`` for any other limit."""
    if isinstance(limit, str) and limit.strip().isascii() and limit.strip().isdigit():
        limit = int(limit) if len(limit.strip()) < 10 else MAX_LIMIT + 1  # "²" passes isdigit
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidValue(f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return store.read("customer_list_top_referrers", limit=limit)
