"""Segment pages at ``/segments/``: list, rule builder, members, CSV export, graph and
explanations. Permissions: ``can_list``, ``can_show``, ``can_add``, ``can_edit``,
``can_delete`` and ``can_export`` on ``SegmentView``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from flask import abort, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import lazy_gettext
from flask_wtf.csrf import generate_csrf

from graph.errors import NotFound, StaleVersion
from graph.io.csv_writer import export_filename
from graph.model import nodes
from graph.segments.members import (
    count_members,
    explain,
    member_page,
    rules_as_seen,
)
from graph.segments.neighbours import member_neighbours
from graph.segments.rules import MAX_HOPS, InvalidRule, parse_segment_fields
from graph.segments.storage import (
    Segment,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    update_segment,
)
from views.crud.downloads import csv_download, model_columns
from views.graph_legend import graph_legend
from views.guard import guard
from views.labels import choice_label, declared_name, localized, model_labels
from views.messages import error_text
from views.scope import audit, business_timezone, current_scope, current_store
from views.segments.context import (
    CSV_COLUMNS,
    EXPORT_CHUNK,
    GRAPH_MEMBERS,
    MAX_GRAPH,
    actor,
    customers,
    member_row,
    page_args,
    readable_history,
    version_of,
)
from views.segments.form import form_rules, form_values, picked_titles
from views.segments.texts import (
    EVIDENCE,
    LABELS,
    STALE_KEPT,
    VERSION_REQUIRED,
    evidence,
)


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
        values = form_values(segment)
        if request.method == "POST":
            values = {**request.form.to_dict(), **{
                k: request.form.getlist(k) for k in ("stage", "tags", "value_tier")}}  # fmt: skip
        page = self.render_template(
            "graphcrm/segment_form.html",
            segment=segment,
            values=values,
            titles=picked_titles(values),
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
            "rules": form_rules(request.form),
        }
        try:
            name, description, rules = parse_segment_fields(data)
            by = actor()
            if segment is None:
                segment = create_segment(
                    current_store(), name, description, rules, by, timezone=business_timezone()
                )
            else:
                version = version_of(request.form.get("version"))
                if version is None:
                    return self._form(segment, str(VERSION_REQUIRED), 400)
                segment = update_segment(
                    current_store(), segment.uid, version, name, description, rules, by
                )
        except InvalidRule as exc:
            return self._form(segment, error_text(exc), 400)
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
            delete_segment(current_store(), uid, actor())
        except NotFound:
            abort(404)
        return redirect(url_for("SegmentView.list"))

    @expose("/show/<uid>")
    @guard("show")
    def show(self, uid: str) -> Any:
        segment, scope = self._segment(uid), current_scope()
        page, size = page_args()
        total = count_members(current_store(), segment, scope)
        records = member_page(customers(), segment, scope, page * size, size)
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
            members=[member_row(record, scope) for record in records],
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
            history=readable_history(uid, scope),
            history_labels={name: labels[name] for name in ("name", "description", "rules")},
            legend=graph_legend(),
            groupings={"Channel": declared_name("Channel"), "Tag": declared_name("Tag")},
        )

    @expose("/export/<uid>")
    @guard("export")
    def export(self, uid: str) -> Any:
        segment, scope = self._segment(uid), current_scope()
        repository = customers()
        total = count_members(current_store(), segment, scope)
        audit(
            "export",
            target=f"Segment:{uid}",
            detail={"segment": uid, "name": segment.name, "rows": total, "masked": not scope.pii},
        )

        def members() -> Iterator[dict[str, Any]]:
            for skip in range(0, total, EXPORT_CHUNK):
                for record in member_page(repository, segment, scope, skip, EXPORT_CHUNK):
                    yield member_row(record, scope)

        columns = model_columns(nodes.Customer, (*CSV_COLUMNS, "owner", "channel"))
        name = export_filename(str(lazy_gettext("segment")), segment.name or uid)
        return csv_download(columns, members(), name)

    @expose("/graph/<uid>")
    @guard("show")
    def graph(self, uid: str) -> Any:
        """Cytoscape elements: members (``member``, with their stage) and their tags, channels
        and referring customers (capped); ``kind`` is the node type."""
        segment, scope = self._segment(uid), current_scope()
        records = member_page(customers(), segment, scope, 0, GRAPH_MEMBERS)
        elements: dict[str, dict[str, Any]] = {}
        for record in records:
            elements[record.uid or ""] = {
                "data": {"id": record.uid, "label": record.name, "kind": "Customer",
                         "member": True, "stage": record.stage,
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
