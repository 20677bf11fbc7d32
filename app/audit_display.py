"""Audit events as a reader reads them, on the screen and in the CSV export.

Stored events keep their codes (``record_update``, ``ab_user:1``, JSON details): the hash
chain covers them. Shown, an action is a label in the reader's language, a target is a
name (an account's username, a record's title when the reader may see the record, else
its type and id), a detail is ``key: value`` text, and nothing is "None".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from flask import g
from flask_appbuilder.security.sqla.models import Group, Role, User
from flask_babel import LazyString, lazy_gettext

from graph.model.base import REGISTRY
from graph.security.scope import scope_conditions
from views.labels import bilingual
from views.scope import current_repository, current_scope, current_security_session
from views.texts import CONSOLE_OUTCOMES as OUTCOMES

# Every action code the app writes (app/security_manager.py, app/security_changes.py,
# app/audit_outbox.py as record_<create|update|delete>, app/cli.py as graph_engine_<kind>,
# app/jobs.py as job_<start|cancel|retry|failed>,
# views/console/, views/segments/, app/audit_view.py, app/audit.py).
ACTIONS: dict[str, LazyString] = {
    "login": lazy_gettext("Signed in"),
    "logout": lazy_gettext("Signed out"),
    "login_failed": lazy_gettext("Sign-in failed"),
    "login_refused": lazy_gettext("Sign-in refused (locked)"),
    "login_throttled": lazy_gettext("Sign-in slowed down (too many failures)"),
    "login_unlocked": lazy_gettext("Sign-in unlocked by an admin"),
    "permission_sync": lazy_gettext("Permissions synchronised"),
    "record_create": lazy_gettext("Record created"),
    "record_update": lazy_gettext("Record edited"),
    "record_delete": lazy_gettext("Record deleted"),
    "user_create": lazy_gettext("Account created"),
    "user_update": lazy_gettext("Account changed"),
    "user_delete": lazy_gettext("Account deleted"),
    "role_create": lazy_gettext("Role created"),
    "role_update": lazy_gettext("Role changed"),
    "role_delete": lazy_gettext("Role deleted"),
    "group_create": lazy_gettext("Group created"),
    "group_update": lazy_gettext("Group changed"),
    "group_delete": lazy_gettext("Group deleted"),
    "export": lazy_gettext("Export"),
    "console_query": lazy_gettext("Console query"),
    "personal_data_search": lazy_gettext("Personal data search"),
    "graph_engine_down": lazy_gettext("Graph engine down"),
    "graph_engine_restarted": lazy_gettext("Graph engine restarted"),
    "graph_engine_restart_failed": lazy_gettext("Graph engine restart failed"),
    "job_start": lazy_gettext("Background job started"),
    "job_cancel": lazy_gettext("Background job cancelled"),
    "job_retry": lazy_gettext("Background job retried"),
    "job_failed": lazy_gettext("Background job failed"),
    "import": lazy_gettext("Import"),
    "import_resume": lazy_gettext("Import resumed"),
    "import_undo": lazy_gettext("Import undone"),
}

# Keys of event details; permission_sync counts actions, labelled by ACTIONS.
DETAIL_KEYS: dict[str, LazyString] = {
    "request_id": lazy_gettext("Request"),
    "change": lazy_gettext("History entry"),
    "rows": lazy_gettext("Rows"),
    "filters": lazy_gettext("Filters"),
    "query": lazy_gettext("Query"),
    "params": lazy_gettext("Parameters"),
    "params_sha256": lazy_gettext("Parameter hash"),
    "outcome": lazy_gettext("Outcome"),
    "duration_ms": lazy_gettext("Duration (ms)"),
    "error": lazy_gettext("Error"),
    "name": lazy_gettext("Name"),
    "fields": lazy_gettext("Fields"),
    "roles": lazy_gettext("Roles"),
    "groups": lazy_gettext("Groups"),
    "users": lazy_gettext("Accounts"),
    "permissions": lazy_gettext("Permissions"),
    "roles_added": lazy_gettext("Roles added"),
    "roles_removed": lazy_gettext("Roles removed"),
    "groups_added": lazy_gettext("Groups added"),
    "groups_removed": lazy_gettext("Groups removed"),
    "users_added": lazy_gettext("Accounts added"),
    "users_removed": lazy_gettext("Accounts removed"),
    "permissions_added": lazy_gettext("Permissions added"),
    "permissions_removed": lazy_gettext("Permissions removed"),
    "renamed_from": lazy_gettext("Renamed from"),
    "active": lazy_gettext("Active"),
    "lock": lazy_gettext("Locked"),
    "locked": lazy_gettext("Now locked"),
    "attempt": lazy_gettext("Attempt"),
    "segment": lazy_gettext("Segment"),
    "masked": lazy_gettext("Personal data masked"),
}
YES, NO = lazy_gettext("yes"), lazy_gettext("no")
# Targets that name no record.
PLACES: dict[str, LazyString] = {
    "audit_event": lazy_gettext("Audit log"),
    "console": lazy_gettext("Cypher console"),
    "graph": lazy_gettext("Graph engine"),
    "search": lazy_gettext("Global search"),
}
ACCOUNT_TABLES = {
    "ab_user": (User, "username"),
    "ab_role": (Role, "name"),
    "ab_group": (Group, "name"),
}
ACCOUNT_TYPES = {
    "ab_user": lazy_gettext("Account"),
    "ab_role": lazy_gettext("Role"),
    "ab_group": lazy_gettext("Group"),
}
# Targets "<kind>:<id>" that are neither accounts nor graph records.
OTHER_TYPES = {"Segment": lazy_gettext("Segment"), "Job": lazy_gettext("Background job")}
_CACHE = "graphcrm_audit_targets"
# Keys shown after the others: bookkeeping rather than what happened.
_LAST = ("change", "request_id")


def action_label(code: str | None) -> str:
    """The action in the reader's language; an unknown code as it is."""
    if not code:
        return ""
    pair = ACTIONS.get(code)
    return str(pair) if pair else code


def _value_text(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(YES if value else NO)
    if isinstance(value, list):
        return ", ".join(_value_text(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={_value_text(v)}" for k, v in value.items())
    return str(value)


def detail_text(detail: str | None) -> str:
    """An event's detail as ``key: value; key: value`` with labelled keys; text that is not
    a JSON object (e.g. one cut at the length limit) as it is; nothing as ""."""
    if not detail:
        return ""
    try:
        values = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(values, dict):
        return _value_text(values)
    keys = sorted(values, key=lambda key: key in _LAST)
    parts = []
    for key in keys:
        pair = DETAIL_KEYS.get(key) or ACTIONS.get(key)
        value = values[key]
        if key == "outcome" and value in OUTCOMES:
            value = str(OUTCOMES[value])
        parts.append(f"{str(pair) if pair else key}: {_value_text(value)}")
    return "; ".join(parts)


def resolve_targets(targets: Iterable[str | None]) -> dict[str, str]:
    """Readable names of audit targets, a few queries for many events (one per account
    table and record type), remembered for the request: ``ab_user:1`` is the username,
    ``Customer:C…`` the customer's name and id when the reader may see it, else its type
    and id; a record type alone (a personal-data search) is the type's name."""
    known: dict[str, str] = g.setdefault(_CACHE, {})
    wanted = {t for t in targets if t and t not in known}
    by_kind: dict[str, dict[str, str]] = {}
    for target in wanted:
        kind, _, key = target.partition(":")
        if key:
            by_kind.setdefault(kind, {})[key] = target
        else:
            known[target] = _place(target)
    for kind, keys in by_kind.items():
        if kind in ACCOUNT_TABLES:
            names = _account_names(kind, keys)
            type_label = str(ACCOUNT_TYPES[kind])
        elif kind in REGISTRY:
            names = _record_names(kind, keys)
            type_label = str(bilingual(REGISTRY[kind].meta.en, REGISTRY[kind].meta.zh))
        else:
            names = {}
            type_label = str(OTHER_TYPES[kind]) if kind in OTHER_TYPES else kind
        for key, target in keys.items():
            name = names.get(key)
            if kind in ACCOUNT_TABLES:
                known[target] = name or f"{type_label} #{key}"
            else:
                known[target] = f"{type_label}: {name} ({key})" if name else f"{type_label}: {key}"
    return known


def target_label(target: str | None) -> str:
    """One audit target as the reader reads it (see ``resolve_targets``)."""
    if not target:
        return ""
    return resolve_targets([target])[target]


def _place(target: str) -> str:
    if target in PLACES:
        return str(PLACES[target])
    model = REGISTRY.get(target)
    if model is not None:
        return str(bilingual(model.meta.en_plural, model.meta.zh_plural))
    return target


def _account_names(kind: str, keys: dict[str, str]) -> dict[str, str]:
    model, column = ACCOUNT_TABLES[kind]
    ids = [int(key) for key in keys if key.isascii() and key.isdigit() and len(key) < 19]
    if not ids:
        return {}
    session = current_security_session()
    rows = session.query(model.id, getattr(model, column)).filter(model.id.in_(ids)).all()
    return {str(row[0]): str(row[1]) for row in rows}


def _record_names(label: str, keys: dict[str, str]) -> dict[str, str]:
    model = REGISTRY[label]
    scope = current_scope()
    if not scope.may_read(model):
        return {}
    repository = current_repository(model)
    return repository.titles(sorted(keys), scope_conditions(model, scope))
