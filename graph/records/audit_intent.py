"""The audit intent a history entry carries until its audit event is in the audit log.

A record change and its ``Change`` node are one graph statement; the audit log lives in the
SQL security database, and no transaction spans both. So every ``Change`` is written with
``audit_pending = true`` (plus the request id and client address of the change), and the
audit event is *derived* from it afterwards: right after the write, and again by a drain
that retries until the log has it (``app/audit_outbox.py``). Once the event is committed
the entry is marked audited (``mark_audited``), which also drops the client address from
the graph. A crash at any point leaves either a pending entry (the drain writes its event)
or an event whose entry is still pending (the drain sees it is written and only marks it).

The request's id and client address reach the repositories through ``current_request``,
a context variable the web layer sets per request (graph/ never imports Flask).
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any

from graph.records.history import entry_props
from graph.store.protocol import GraphStore

DRAIN_BATCH = 200


@dataclass(frozen=True)
class RequestInfo:
    """Who asked, as the audit log names it: the request id and the client address."""

    request_id: str | None = None
    ip: str | None = None


@dataclass(frozen=True)
class AuditIntent:
    """A history entry whose audit event may not be in the audit log yet."""

    change_uid: str
    entity: str
    entity_uid: str
    action: str
    actor: str
    request_id: str | None = None
    ip: str | None = None


current_request: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar(
    "graphcrm_request", default=None
)


def change_entry(
    entity: str, action: str, stamp: str, actor: str, fields: str = "[]"
) -> dict[str, Any]:
    """The properties of a new history entry (``Change`` node), audit intent included;
    ``fields`` is the JSON list of field changes."""
    change = entry_props(entity, action, stamp, actor, fields)
    return mark_pending(change)


def mark_pending(change: dict[str, Any]) -> dict[str, Any]:
    """``change`` (a history entry about to be written) with its audit intent added."""
    info = current_request.get() or RequestInfo()
    change["audit_pending"] = True
    if info.request_id:
        change["request_id"] = info.request_id
    if info.ip:
        change["audit_ip"] = info.ip
    return change


def intent_of(change: dict[str, Any], entity_uid: str) -> AuditIntent:
    """The audit intent of the history entry ``change`` written for ``entity_uid``."""
    return AuditIntent(
        change_uid=change["uid"],
        entity=change["entity"],
        entity_uid=entity_uid,
        action=change["action"],
        actor=change.get("by") or "",
        request_id=change.get("request_id"),
        ip=change.get("audit_ip"),
    )


def pending(store: GraphStore, limit: int = DRAIN_BATCH) -> list[AuditIntent]:
    """History entries still waiting for their audit event, oldest first."""
    rows = store.read("change_list_audit_pending", limit=int(limit))
    return [
        AuditIntent(
            change_uid=row["uid"],
            entity=row["entity"] or "",
            entity_uid=row["entity_uid"] or "",
            action=row["action"] or "",
            actor=row["by"] or "",
            request_id=row["request_id"],
            ip=row["ip"],
        )
        for row in rows
    ]


def mark_audited(store: GraphStore, change_uids: list[str]) -> int:
    """Mark these history entries audited (their events are committed); how many were."""
    if not change_uids:
        return 0
    return int(store.write("change_update_audited", uids=list(change_uids))[0]["done"])
