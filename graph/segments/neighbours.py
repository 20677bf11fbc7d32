"""The graph of a segment: its members' tags, channels and referring customers."""

from __future__ import annotations

from typing import Any

from graph.records.visibility import visible_uids
from graph.security.scope import Scope
from graph.store.protocol import GraphStore


def member_neighbours(store: GraphStore, uids: list[str], scope: Scope) -> list[dict[str, Any]]:
    """Tags, channels and referring customers of the members ``uids``: rows of
    ``{member, kind, uid, name}``; referrers ``scope`` may not see are left out."""
    rows = store.read("segment_member_neighbours", uids=uids)
    referrers = [row["uid"] for row in rows if row["kind"] == "Customer"]
    visible = visible_uids(store, "Customer", referrers, scope)
    return [dict(row) for row in rows if row["kind"] != "Customer" or row["uid"] in visible]
