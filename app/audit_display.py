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

from graph.model.base import REGISTRY
from graph.security.scope import scope_conditions
from views.labels import bilingual, is_chinese
from views.scope import current_repository, current_scope, current_security_session
from views.texts import CONSOLE_OUTCOMES as OUTCOMES

# Every action code the app writes (app/security_manager.py, app/security_changes.py,
# app/audit_outbox.py as record_<create|update|delete>, app/cli.py as graph_engine_<kind>,
# app/jobs.py as job_<start|cancel|retry|failed>,
# views/console/console.py, views/segments/segments.py, app/audit_view.py, app/audit.py).
ACTIONS: dict[str, tuple[str, str]] = {
    "login": ("Signed in", "登录"),
    "logout": ("Signed out", "退出登录"),
    "login_failed": ("Sign-in failed", "登录失败"),
    "login_refused": ("Sign-in refused (locked)", "登录被拒绝（已锁定）"),
    "login_throttled": ("Sign-in slowed down (too many failures)", "登录受限（失败次数过多）"),
    "login_unlocked": ("Sign-in unlocked by an admin", "管理员已解除登录限制"),
    "permission_sync": ("Permissions synchronised", "权限同步"),
    "record_create": ("Record created", "新建记录"),
    "record_update": ("Record edited", "编辑记录"),
    "record_delete": ("Record deleted", "删除记录"),
    "user_create": ("Account created", "新建账号"),
    "user_update": ("Account changed", "修改账号"),
    "user_delete": ("Account deleted", "删除账号"),
    "role_create": ("Role created", "新建角色"),
    "role_update": ("Role changed", "修改角色"),
    "role_delete": ("Role deleted", "删除角色"),
    "group_create": ("Group created", "新建用户组"),
    "group_update": ("Group changed", "修改用户组"),
    "group_delete": ("Group deleted", "删除用户组"),
    "export": ("Export", "导出"),
    "console_query": ("Console query", "控制台查询"),
    "personal_data_search": ("Personal data search", "个人信息检索"),
    "graph_engine_down": ("Graph engine down", "图数据库停止运行"),
    "graph_engine_restarted": ("Graph engine restarted", "图数据库已重启"),
    "graph_engine_restart_failed": ("Graph engine restart failed", "图数据库重启失败"),
    "job_start": ("Background job started", "后台任务已开始"),
    "job_cancel": ("Background job cancelled", "后台任务已取消"),
    "job_retry": ("Background job retried", "后台任务已重试"),
    "job_failed": ("Background job failed", "后台任务失败"),
}

# Keys of event details; permission_sync counts actions, labelled by ACTIONS.
DETAIL_KEYS: dict[str, tuple[str, str]] = {
    "request_id": ("Request", "请求编号"),
    "change": ("History entry", "变更记录"),
    "rows": ("Rows", "行数"),
    "filters": ("Filters", "筛选条件"),
    "query": ("Query", "查询"),
    "params": ("Parameters", "参数"),
    "params_sha256": ("Parameter hash", "参数哈希"),
    "outcome": ("Outcome", "结果"),
    "duration_ms": ("Duration (ms)", "耗时（毫秒）"),
    "error": ("Error", "错误"),
    "name": ("Name", "名称"),
    "fields": ("Fields", "字段"),
    "roles": ("Roles", "角色"),
    "groups": ("Groups", "用户组"),
    "users": ("Accounts", "账号"),
    "permissions": ("Permissions", "权限"),
    "roles_added": ("Roles added", "新增角色"),
    "roles_removed": ("Roles removed", "移除角色"),
    "groups_added": ("Groups added", "新增用户组"),
    "groups_removed": ("Groups removed", "移除用户组"),
    "users_added": ("Accounts added", "新增账号"),
    "users_removed": ("Accounts removed", "移除账号"),
    "permissions_added": ("Permissions added", "新增权限"),
    "permissions_removed": ("Permissions removed", "移除权限"),
    "renamed_from": ("Renamed from", "原名称"),
    "active": ("Active", "启用"),
    "lock": ("Locked", "锁定"),
    "locked": ("Now locked", "已锁定"),
    "attempt": ("Attempt", "尝试次数"),
    "segment": ("Segment", "分群"),
    "masked": ("Personal data masked", "个人信息已脱敏"),
}
YES, NO = bilingual("yes", "是"), bilingual("no", "否")
# Targets that name no record.
PLACES: dict[str, tuple[str, str]] = {
    "audit_event": ("Audit log", "审计日志"),
    "console": ("Cypher console", "Cypher 控制台"),
    "graph": ("Graph engine", "图数据库"),
}
ACCOUNT_TABLES = {
    "ab_user": (User, "username"),
    "ab_role": (Role, "name"),
    "ab_group": (Group, "name"),
}
ACCOUNT_TYPES = {
    "ab_user": ("Account", "账号"),
    "ab_role": ("Role", "角色"),
    "ab_group": ("Group", "用户组"),
}
# Targets "<kind>:<id>" that are neither accounts nor graph records.
OTHER_TYPES = {"Segment": ("Segment", "分群"), "Job": ("Background job", "后台任务")}
_CACHE = "graphcrm_audit_targets"
# Keys shown after the others: bookkeeping rather than what happened.
_LAST = ("change", "request_id")


def _pick(pair: tuple[str, str]) -> str:
    return pair[1] if is_chinese() else pair[0]


def action_label(code: str | None) -> str:
    """The action in the reader's language; an unknown code as it is."""
    if not code:
        return ""
    pair = ACTIONS.get(code)
    return _pick(pair) if pair else code


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
            value = _pick(OUTCOMES[value])
        parts.append(f"{_pick(pair) if pair else key}: {_value_text(value)}")
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
            type_label = _pick(ACCOUNT_TYPES[kind])
        elif kind in REGISTRY:
            names = _record_names(kind, keys)
            type_label = _pick((REGISTRY[kind].meta.en, REGISTRY[kind].meta.zh))
        else:
            names = {}
            type_label = _pick(OTHER_TYPES[kind]) if kind in OTHER_TYPES else kind
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
        return _pick(PLACES[target])
    model = REGISTRY.get(target)
    if model is not None:
        return _pick((model.meta.en_plural, model.meta.zh_plural))
    return target


def _account_names(kind: str, keys: dict[str, str]) -> dict[str, str]:
    model, column = ACCOUNT_TABLES[kind]
    ids = [int(key) for key in keys if key.isdigit()]
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
