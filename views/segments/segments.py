"""Segments: pages at ``/segments/`` and a REST API at ``/api/v1/segments/``.

Permissions: ``can_list``, ``can_show``, ``can_add``, ``can_edit``, ``can_delete`` and
``can_export`` on ``SegmentView``; ``can_get``, ``can_post``, ``can_put``, ``can_delete``,
``can_members`` and ``can_explain`` on ``SegmentApi``. Member counts, lists, exports, the
graph and explanations are limited to the reader's row-level scope (``graph.segments.segments``);
personal data is masked without the personal-data permission; CSV exports are audited.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from flask import Response, abort, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, safe
from flask_appbuilder.security.decorators import permission_name, protect
from flask_wtf.csrf import generate_csrf
from marshmallow import Schema, fields

from graph.errors import NotFound, StaleVersion
from graph.io.csv_writer import export_filename
from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.security.masking import mask_record
from graph.security.scope import Scope
from graph.segments.segments import (
    HIDDEN,
    MAX_HOPS,
    InvalidRule,
    RuleMatch,
    Segment,
    count_members,
    create_segment,
    delete_segment,
    explain,
    get_segment,
    list_segments,
    member_neighbours,
    member_page,
    parse_segment_fields,
    rules_as_seen,
    rules_in_history,
    segment_as_seen,
    segment_history,
    update_segment,
)
from views.crud.api import ChangeEntrySchema
from views.crud.downloads import csv_download, model_columns
from views.crud.history import NOTHING, ShownChange, ShownEntry
from views.crud.interface import GraphInterface
from views.guard import guard
from views.labels import bilingual, choice_label, is_chinese, localized, model_labels
from views.scope import (
    audit,
    business_timezone,
    current_actor,
    current_repository,
    current_scope,
    current_store,
    not_visible,
)

PAGE_SIZE = 25
MAX_PAGE_SIZE = 200
GRAPH_MEMBERS = 100  # members drawn in the graph; with their neighbours at most MAX_GRAPH
MAX_GRAPH = 300
EXPORT_CHUNK = 500
CSV_COLUMNS = ("uid", "name", "stage", "industry", "region", "value_tier", "phone", "email")

LABELS = {
    "title": ("Segments", "客户分群"),
    "new": ("New segment", "新建分群"),
    "edit": ("Edit segment", "编辑分群"),
    "name": ("Name", "名称"),
    "description": ("Description", "描述"),
    "rules": ("Rules (all must hold)", "规则（须全部满足）"),
    "members": ("Members", "成员"),
    "count": ("{n} members visible to you", "您可见的成员 {n} 个"),
    "save": ("Save", "保存"),
    "delete": ("Delete", "删除"),
    "export": ("CSV export", "CSV 导出"),
    "graph": ("Segment as a graph", "分群关系图"),
    "why": ("Why?", "原因"),
    "explain": ("Why this customer is in the segment", "该客户入选原因"),
    "matched": ("matched", "满足"),
    "not_matched": ("not matched", "不满足"),
    "none": ("No segments yet.", "暂无分群。"),
    "previous": ("Previous", "上一页"),
    "next": ("Next", "下一页"),
    "stage": ("Stage", "阶段"),
    "industry": ("Industry (comma-separated for any of)", "行业（逗号分隔表示任一）"),
    "region": ("Region (comma-separated for any of)", "地区（逗号分隔表示任一）"),
    "tags": ("Tags", "标签"),
    "tags_any": ("any of", "任一"),
    "tags_all": ("all of", "全部"),
    "channel": ("Channel", "来源渠道"),
    "owner": ("Owner", "负责人"),
    "value_tier": ("Value tier", "价值等级"),
    "created": ("Created between", "创建日期介于"),
    "follow_up": ("Last follow-up", "最近跟进"),
    "before": ("before", "早于"),
    "after": ("on or after", "不早于"),
    "no_follow_up": ("none yet", "从未跟进"),
    "order_count": ("Orders at least", "订单数不少于"),
    "order_total": ("Order total at least", "订单总额不少于"),
    "referred_by": ("Referred by customer", "推荐来源客户"),
    "hops": ("within hops (1-10)", "跳数以内（1-10）"),
    "descendants": ("Referral descendants at least", "下线客户数不少于"),
    "influence": ("Influence above", "影响力高于"),
}
# What an explanation calls each rule's field, and its sentences about referral paths.
EVIDENCE = {
    "stage": ("stage", "阶段"),
    "value_tier": ("value tier", "价值等级"),
    "industry": ("industry", "行业"),
    "region": ("region", "地区"),
    "tags": ("tags", "标签"),
    "channel": ("channel", "来源渠道"),
    "owner": ("owner", "负责人"),
    "created": ("created", "创建日期"),
    "last_follow_up": ("last follow-up", "最近跟进"),
    "order_count": ("orders", "订单数"),
    "order_total": ("order total", "订单总额"),
    "referred_by": ("referred by", "推荐来源"),
    "descendants": ("referral descendants", "下线客户数"),
    "influence": ("influence", "影响力"),
    "referred": ("referred by {referrer} ({hops} hops)", "由 {referrer} 推荐（{hops} 跳）"),
    "referred_via": (
        "referred by {referrer} via {via} ({hops} hops)",
        "由 {referrer} 经 {via} 推荐（{hops} 跳）",
    ),
    "not_referred": (
        "not referred by {referrer} within {hops} hops",
        "不在 {referrer} 的 {hops} 跳推荐范围内",
    ),
}
CHOICES = {"stage": nodes.STAGES, "value_tier": nodes.TIERS}  # stored values shown as labels
NOT_FOUND = bilingual("This segment does not exist.", "此分群不存在。")
STALE = bilingual(
    "Not saved: someone else changed this segment after you opened it.",
    "未保存：您打开此分群后，其他人修改了它。",
)
STALE_KEPT = bilingual(
    "Not saved: someone else changed this segment after you opened it. Your input is kept "
    "below and is now based on their version; save again to apply your input over theirs.",
    "未保存：您打开此分群后，其他人修改了它。您的输入已保留在下方，并已基于对方的版本；"
    "再次保存即以您的输入覆盖。",
)
VERSION_REQUIRED = bilingual(
    "version: send the version of the segment you edited (a whole number).",
    "version：请发送您所编辑的分群版本号（整数）。",
)

RuleSchema = Schema.from_dict(
    {
        "field": fields.String(
            required=True,
            metadata={
                "enum": [
                    "stage",
                    "industry",
                    "region",
                    "tags",
                    "channel",
                    "owner",
                    "value_tier",
                    "created",
                    "last_follow_up",
                    "order_count",
                    "order_total",
                    "referred_by",
                    "descendants",
                    "influence",
                ]
            },
        ),  # fmt: skip
        "op": fields.String(
            required=True,
            metadata={
                "description": "in, eq, any, all, is, between, before, after, none, gte, "
                "within or gt, depending on the field"
            },
        ),  # fmt: skip
        "value": fields.Raw(
            metadata={"description": 'e.g. ["deal"], "East", {"customer": "C…", "hops": 3}'}
        ),
    },
    name="SegmentRule",
)
SegmentPostSchema = Schema.from_dict(
    {
        "name": fields.String(required=True),
        "description": fields.String(),
        "rules": fields.List(fields.Nested(RuleSchema), required=True),
        "version": fields.Integer(
            metadata={"description": "PUT: required, the version edited (409 if stale)"}
        ),
    },
    name="SegmentPost",
)
SegmentSchema = Schema.from_dict(
    {
        "uid": fields.String(),
        "name": fields.String(),
        "description": fields.String(),
        "rules": fields.List(fields.Nested(RuleSchema)),
        "created_by": fields.String(),
        "created_at": fields.String(),
        "updated_at": fields.String(),
        "version": fields.Integer(),
    },
    name="Segment",
)
SegmentMemberSchema = Schema.from_dict(
    {name: fields.String(allow_none=True) for name in (*CSV_COLUMNS, "owner", "channel")},
    name="SegmentMember",
)
RuleMatchSchema = Schema.from_dict(
    {
        "rule": fields.Nested(RuleSchema),
        "matched": fields.Boolean(),
        "detail": fields.String(),
        "path": fields.List(
            fields.String(), metadata={"description": "Referral path uids; 'hidden' if not visible"}
        ),
    },
    name="SegmentRuleMatch",
)
ExplanationSchema = Schema.from_dict(
    {
        "uid": fields.String(),
        "name": fields.String(),
        "member": fields.Boolean(),
        "rules": fields.List(fields.Nested(RuleMatchSchema)),
    },
    name="SegmentExplanation",
)


def _customers() -> NodeRepository:
    return current_repository(nodes.Customer)


def _actor() -> str:
    """The signed-in user (session or JWT) as recorded on a segment."""
    return current_actor() or ""


def _message(error: InvalidRule) -> str:
    return error.zh if is_chinese() else str(error)


def _member(record: Record, scope: Scope) -> dict[str, Any]:
    """A member as the API, the page and the CSV show it (masked without the permission)."""
    if not scope.pii:
        mask_record(record)
    row = {name: getattr(record, name, None) for name in CSV_COLUMNS}
    row["owner"] = str(record.owner) if getattr(record, "owner", None) else None
    row["channel"] = str(record.channel) if getattr(record, "channel", None) else None
    return row


def _page_args() -> tuple[int, int]:
    def number(name: str, default: int) -> int:
        text = request.args.get(name, "")
        return int(text) if text.isascii() and text.isdigit() else default

    size = min(max(number("page_size", PAGE_SIZE), 1), MAX_PAGE_SIZE)
    return max(number("page", 0), 0), size


def _form_rules(form: Any) -> list[dict[str, Any]]:
    """The rule builder's inputs as rule JSON; a blank input adds no rule."""
    rules: list[dict[str, Any]] = []

    def add(field: str, op: str, value: Any) -> None:
        rules.append({"field": field, "op": op, "value": value})

    if form.getlist("stage"):
        add("stage", "in", form.getlist("stage"))
    for column in ("industry", "region"):
        items = [item.strip() for item in form.get(column, "").split(",") if item.strip()]
        if items:
            add(column, "eq" if len(items) == 1 else "in", items[0] if len(items) == 1 else items)
    if form.getlist("tags"):
        add("tags", "all" if form.get("tags_op") == "all" else "any", form.getlist("tags"))
    for name in ("channel", "owner"):
        if form.get(name):
            add(name, "is", form[name])
    if form.getlist("value_tier"):
        add("value_tier", "in", form.getlist("value_tier"))
    dates = {k: form.get(f"created_{k}") for k in ("from", "to") if form.get(f"created_{k}")}
    if dates:
        add("created", "between", dates)
    follow_up = form.get("follow_up_op")
    if follow_up == "none":
        add("last_follow_up", "none", None)
    elif follow_up in ("before", "after"):
        add("last_follow_up", follow_up, form.get("follow_up_date", ""))
    for name, field, op in (
        ("order_count", "order_count", "gte"),
        ("order_total", "order_total", "gte"),
        ("descendants", "descendants", "gte"),
        ("influence", "influence", "gt"),
    ):
        if form.get(name, "").strip():
            add(field, op, form[name].strip())
    if form.get("referred_by"):
        hops = form.get("referred_hops") or "1"
        add("referred_by", "within", {"customer": form["referred_by"], "hops": hops})
    return rules


def _form_values(segment: Segment | None) -> dict[str, Any]:
    """The rule builder's inputs for an existing segment (one rule per field)."""
    values: dict[str, Any] = {"tags_op": "any", "referred_hops": 1}
    for rule in segment.rules if segment else ():
        value = rule.value
        if rule.field in ("industry", "region"):
            values[rule.field] = value if rule.op == "eq" else ", ".join(value)
        elif rule.field == "tags":
            values.update(tags=value, tags_op=rule.op)
        elif rule.field == "created":
            values.update(created_from=value.get("from"), created_to=value.get("to"))
        elif rule.field == "last_follow_up":
            values.update(follow_up_op=rule.op, follow_up_date=value)
        elif rule.field == "referred_by":
            values.update(referred_by=value["customer"], referred_hops=value["hops"])
        else:
            values[rule.field] = value
    return values


def _version(value: Any) -> int | None:
    """The version an edit is based on, from a form field or a JSON body (None if missing
    or not a whole number)."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _history_as_seen(uid: str, scope: Scope) -> list[Any]:
    """The segment's history with every rule naming a record the reader may not see
    hidden (rules as JSON text, as stored)."""
    store = current_store()

    def seen(field: str, value: Any) -> Any:
        if field != "rules" or value is None:
            return value
        rules = rules_as_seen(store, rules_in_history(value), scope)
        return json.dumps([rule.as_dict() for rule in rules], ensure_ascii=False)

    return [
        replace(
            entry,
            changes=tuple(
                replace(c, old=seen(c.field, c.old), new=seen(c.field, c.new))
                for c in entry.changes
            ),
        )  # fmt: skip
        for entry in segment_history(store, uid)
    ]


def _readable_history(uid: str, scope: Scope) -> list[ShownEntry]:
    """The segment's history as the record pages show theirs."""
    return [
        ShownEntry(
            entry,
            tuple(
                ShownChange(
                    c.field,
                    NOTHING if c.old in (None, "") else str(c.old),
                    NOTHING if c.new in (None, "") else str(c.new),
                )
                for c in entry.changes
            ),
        )  # fmt: skip
        for entry in _history_as_seen(uid, scope)
    ]


class SegmentView(BaseView):
    """Segment pages: list, rule builder, members, CSV, graph and explanations."""

    route_base = "/segments"
    default_view = "list"

    def _can(self, permission: str) -> bool:
        return bool(self.appbuilder.sm.has_access(permission, self.class_permission_name))

    def _segment(self, uid: str) -> Segment:
        try:
            return get_segment(current_store(), uid)
        except NotFound:
            abort(404)

    @expose("/list/")
    @guard("list")
    def list(self) -> Any:
        return self.render_template(
            "graphcrm/segment_list.html",
            segments=list_segments(current_store()),
            labels=localized(LABELS),
            can_add=self._can("can_add"),
        )

    def _form(self, segment: Segment | None, error: str = "", status: int = 200) -> Any:
        values = _form_values(segment)
        if request.method == "POST":
            values = {**request.form.to_dict(), **{
                k: request.form.getlist(k) for k in ("stage", "tags", "value_tier")}}  # fmt: skip
        page = self.render_template(
            "graphcrm/segment_form.html",
            segment=segment,
            values=values,
            titles=_picked_titles(values),
            error=error,
            labels=localized(LABELS),
            csrf=generate_csrf(),
            stages=[(c.value, choice_label(nodes.STAGES, c.value)) for c in nodes.STAGES],
            tiers=[(c.value, choice_label(nodes.TIERS, c.value)) for c in nodes.TIERS],
            max_hops=MAX_HOPS,
        )
        return page, status

    def _save(self, segment: Segment | None) -> Any:
        data = {
            "name": request.form.get("name", ""),
            "description": request.form.get("description", ""),
            "rules": _form_rules(request.form),
        }
        try:
            name, description, rules = parse_segment_fields(data)
            actor = _actor()
            if segment is None:
                segment = create_segment(
                    current_store(), name, description, rules, actor, timezone=business_timezone()
                )
            else:
                version = _version(request.form.get("version"))
                if version is None:
                    return self._form(segment, str(VERSION_REQUIRED), 400)
                segment = update_segment(
                    current_store(), segment.uid, version, name, description, rules, actor
                )
        except InvalidRule as exc:
            return self._form(segment, _message(exc), 400)
        except StaleVersion:
            assert segment is not None  # only an update can be stale
            # The form is based on the version stored now, with the person's input kept.
            return self._form(self._segment(segment.uid), str(STALE_KEPT), 409)
        return redirect(url_for("SegmentView.show", uid=segment.uid))

    @expose("/add", methods=["GET", "POST"])
    @guard("add")
    def add(self) -> Any:
        return self._save(None) if request.method == "POST" else self._form(None)

    @expose("/edit/<uid>", methods=["GET", "POST"])
    @guard("edit")
    def edit(self, uid: str) -> Any:
        segment = self._segment(uid)
        return self._save(segment) if request.method == "POST" else self._form(segment)

    @expose("/delete/<uid>", methods=["POST"])
    @guard("delete")
    def delete(self, uid: str) -> Any:
        try:
            delete_segment(current_store(), uid, _actor())
        except NotFound:
            abort(404)
        return redirect(url_for("SegmentView.list"))

    @expose("/show/<uid>")
    @guard("show")
    def show(self, uid: str) -> Any:
        segment, scope = self._segment(uid), current_scope()
        page, size = _page_args()
        total = count_members(current_store(), segment, scope)
        records = member_page(_customers(), segment, scope, page * size, size)
        labels = localized(LABELS)
        return self.render_template(
            "graphcrm/segment_show.html",
            segment=segment,
            rules=json.dumps(
                [r.as_dict() for r in rules_as_seen(current_store(), segment.rules, scope)],
                ensure_ascii=False,
                indent=1,
            ),
            total=total,
            members=[_member(record, scope) for record in records],
            page=page,
            pages=(total + size - 1) // size,
            labels=localized(LABELS),
            # The member list's headers and stages as a person reads them (not form hints).
            columns={k: str(v) for k, v in model_labels(nodes.Customer.meta).items()},
            stage_label=lambda value: choice_label(nodes.STAGES, value),
            csrf=generate_csrf(),
            can_edit=self._can("can_edit"),
            can_delete=self._can("can_delete"),
            can_export=self._can("can_export"),
            history=_readable_history(uid, scope),
            history_labels={name: labels[name] for name in ("name", "description", "rules")},
        )

    @expose("/export/<uid>")
    @guard("export")
    def export(self, uid: str) -> Any:
        segment, scope = self._segment(uid), current_scope()
        customers = _customers()
        total = count_members(current_store(), segment, scope)
        audit(
            "export",
            target=f"Segment:{uid}",
            detail={"segment": uid, "name": segment.name, "rows": total, "masked": not scope.pii},
        )

        def members() -> Iterator[dict[str, Any]]:
            for skip in range(0, total, EXPORT_CHUNK):
                for record in member_page(customers, segment, scope, skip, EXPORT_CHUNK):
                    yield _member(record, scope)

        columns = model_columns(nodes.Customer, (*CSV_COLUMNS, "owner", "channel"))
        name = export_filename(str(bilingual("segment", "分群")), segment.name or uid)
        return csv_download(columns, members(), name)

    @expose("/graph/<uid>")
    @guard("show")
    def graph(self, uid: str) -> Any:
        """Cytoscape elements: members and their tags, channels and referrers (capped)."""
        segment, scope = self._segment(uid), current_scope()
        records = member_page(_customers(), segment, scope, 0, GRAPH_MEMBERS)
        elements: dict[str, dict[str, Any]] = {}
        for record in records:
            elements[record.uid or ""] = {
                "data": {"id": record.uid, "label": record.name, "kind": "member",
                         "url": url_for("CustomerView.show", pk=record.uid)}}  # fmt: skip
        edges = []
        for row in member_neighbours(current_store(), [r.uid or "" for r in records], scope):
            if row["uid"] not in elements:
                if len(elements) >= MAX_GRAPH:
                    continue
                elements[row["uid"]] = {
                    "data": {"id": row["uid"], "label": row["name"], "kind": row["kind"]}
                }
            source, target = (
                (row["uid"], row["member"]) if row["kind"] == "Customer" else
                (row["member"], row["uid"])
            )  # fmt: skip
            edges.append({"data": {"id": f"{source}>{target}", "source": source,
                                   "target": target, "kind": row["kind"]}})  # fmt: skip
        return {"nodes": list(elements.values()), "edges": edges, "cap": MAX_GRAPH}

    @expose("/explain/<uid>/<customer>")
    @guard("show")
    def explain(self, uid: str, customer: str) -> Any:
        segment = self._segment(uid)
        try:
            found = explain(current_store(), segment, customer, current_scope())
        except NotFound:
            abort(404)
        words = localized(EVIDENCE)
        rows = [(words[m.rule.field], m.matched, evidence(m, words)) for m in found.rules]
        return self.render_template(
            "graphcrm/segment_explain.html",
            segment=segment,
            found=found,
            rows=rows,
            labels=localized(LABELS),
        )


def _picked_titles(values: dict[str, Any]) -> dict[str, str]:
    """Names for the uids already chosen in the form's pickers, as the reader may see them
    (a customer hidden by row-level rules keeps showing its uid)."""
    picked = {
        nodes.Tag: values.get("tags") or [],
        nodes.Channel: [values.get("channel")],
        nodes.User: [values.get("owner")],
        nodes.Customer: [values.get("referred_by")],
    }
    titles: dict[str, str] = {}
    for model, uids in picked.items():
        wanted = [uid for uid in uids if uid and isinstance(uid, str)]
        if wanted:
            found = current_repository(model).titles(wanted, GraphInterface(model).conditions())
            titles.update(found)
    return titles


def evidence(match: RuleMatch, words: dict[str, str]) -> str:
    """Why a rule holds or not, in the reader's language (``words``: ``EVIDENCE``, localized)."""
    field = match.rule.field
    if field in CHOICES:
        return f"{words[field]}: {choice_label(CHOICES[field], match.shown)}"
    if field != "referred_by":
        return f"{words[field]}: {match.shown}"

    def named(uid: str) -> str:
        return not_visible() if uid == HIDDEN else uid

    referrer = named(match.rule.value["customer"])
    if not match.matched:
        return words["not_referred"].format(referrer=referrer, hops=match.rule.value["hops"])
    via, hops = match.path[1:-1], len(match.path) - 1
    if via:
        shown = ", ".join(named(uid) for uid in via)
        return words["referred_via"].format(referrer=referrer, via=shown, hops=hops)
    return words["referred"].format(referrer=referrer, hops=hops)


class SegmentApi(BaseApi):
    """``/api/v1/segments/``: saved segments, their members and explanations."""

    resource_name = "segments"
    openapi_spec_tag = "Segments"
    openapi_spec_component_schemas = (
        RuleSchema,
        SegmentPostSchema,
        SegmentSchema,
        SegmentMemberSchema,
        RuleMatchSchema,
        ExplanationSchema,
    )

    @expose("/", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("get")
    def get_list(self) -> Response:
        """Every saved segment.
        ---
        get:
          responses:
            200:
              description: The segments, by name
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/Segment'
            401:
              $ref: '#/components/responses/401'
        """
        store, scope = current_store(), current_scope()
        segments = list_segments(store)
        return self.response(
            200, result=[segment_as_seen(store, s, scope).as_dict() for s in segments]
        )

    def _body(self) -> tuple[str, str, Any] | Response:
        try:
            return parse_segment_fields(request.get_json(silent=True))
        except InvalidRule as exc:
            return self.response_400(message=_message(exc))

    @expose("/", methods=["POST"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("post")
    def post(self) -> Response:
        """Save a new segment.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/SegmentPost'
          responses:
            201:
              description: The segment as saved
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Segment'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        body = self._body()
        if isinstance(body, Response):
            return body
        name, description, rules = body
        segment = create_segment(
            current_store(), name, description, rules, _actor(), timezone=business_timezone()
        )
        return self.response(201, result=segment.as_dict())

    @expose("/<uid>", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("get")
    def get(self, uid: str) -> Response:
        """One segment.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          responses:
            200:
              description: The segment
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Segment'
            404:
              $ref: '#/components/responses/404'
        """
        try:
            segment = segment_as_seen(
                current_store(), get_segment(current_store(), uid), current_scope()
            )
            return self.response(200, result=segment.as_dict())
        except NotFound:
            return self.response_404()

    @expose("/<uid>", methods=["PUT"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("put")
    def put(self, uid: str) -> Response:
        """Change a segment (send the version you edited; 409 if someone changed it since).
        ---
        put:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/SegmentPost'
          responses:
            200:
              description: The segment as saved
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Segment'
            400:
              $ref: '#/components/responses/400'
            404:
              $ref: '#/components/responses/404'
            409:
              description: Someone else changed the segment since that version
            422:
              description: No version (or not a whole number) was sent
        """
        body = self._body()
        if isinstance(body, Response):
            return body
        name, description, rules = body
        version = (request.get_json(silent=True) or {}).get("version")
        if isinstance(version, bool) or not isinstance(version, int):
            return self.response(422, message=str(VERSION_REQUIRED))
        try:
            segment = update_segment(
                current_store(), uid, version, name, description, rules, _actor()
            )
        except NotFound:
            return self.response_404()
        except StaleVersion:
            current = get_segment(current_store(), uid)
            return self.response(409, message=str(STALE), version=current.version)
        return self.response(200, result=segment.as_dict())

    @expose("/<uid>", methods=["DELETE"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("delete")
    def delete(self, uid: str) -> Response:
        """Delete a segment.
        ---
        delete:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          responses:
            200:
              description: Deleted
            404:
              $ref: '#/components/responses/404'
        """
        try:
            delete_segment(current_store(), uid, _actor())
        except NotFound:
            return self.response_404()
        return self.response(200, message="OK")

    @expose("/<uid>/history", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("history")
    def history(self, uid: str) -> Response:
        """Change history of a segment, newest first (at most 200 entries); ``rules``
        values are the rules' JSON text.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          responses:
            200:
              description: History entries, newest first
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      id:
                        type: string
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/ChangeEntry'
            404:
              $ref: '#/components/responses/404'
        """
        try:
            get_segment(current_store(), uid)
        except NotFound:
            return self.response_404()
        entries = _history_as_seen(uid, current_scope())
        return self.response(200, id=uid, result=ChangeEntrySchema(many=True).dump(entries))

    @expose("/<uid>/members", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("members")
    def members(self, uid: str) -> Response:
        """One page of the segment's members the caller may see, and their count.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          - in: query
            schema:
              type: integer
              minimum: 0
              default: 0
            name: page
          - in: query
            schema:
              type: integer
              minimum: 1
              maximum: 200
              default: 25
            name: page_size
          responses:
            200:
              description: Members by name; personal data masked without the permission
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      count:
                        type: integer
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/SegmentMember'
            404:
              $ref: '#/components/responses/404'
        """
        try:
            segment = get_segment(current_store(), uid)
        except NotFound:
            return self.response_404()
        scope = current_scope()
        page, size = _page_args()
        total = count_members(current_store(), segment, scope)
        records = member_page(_customers(), segment, scope, page * size, size)
        return self.response(200, count=total, result=[_member(r, scope) for r in records])

    @expose("/<uid>/explain/<customer>", methods=["GET"])
    @protect(allow_browser_login=True)
    @safe
    @permission_name("explain")
    def explain(self, uid: str, customer: str) -> Response:
        """Rule by rule, why a customer is (or is not) in the segment.
        ---
        get:
          parameters:
          - in: path
            schema:
              type: string
            name: uid
          - in: path
            schema:
              type: string
            name: customer
          responses:
            200:
              description: The explanation
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/SegmentExplanation'
            404:
              $ref: '#/components/responses/404'
        """
        try:
            segment = get_segment(current_store(), uid)
            found = explain(current_store(), segment, customer, current_scope())
        except NotFound:
            return self.response_404()
        return self.response(200, result=found.as_dict())


def register(appbuilder: Any) -> None:
    """Add the segment pages (menu entry under Customers) and their API."""
    appbuilder.add_view(
        SegmentView,
        "Segments",
        label=bilingual("Segments", "客户分群"),
        icon="fa-object-group",
        category="Customers",
    )
    appbuilder.add_api(SegmentApi)
