"""The audit log screen: read-only, newest first, filterable, with a CSV export.

Permissions (view ``AuditEventView``): ``can_list``, ``can_show`` and ``can_csv``; no
add, edit or delete exists, for any role. The export itself is audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from typing import Any

from flask import Response
from flask_appbuilder import AppBuilder, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.urltools import get_filter_args
from flask_babel import lazy_gettext
from sqlalchemy import func

from app import audit
from app.audit import AuditEvent
from app.audit_display import action_label, detail_text, resolve_targets, target_label
from graph.io.csv_writer import Column, export_filename
from views.crud.downloads import csv_download
from views.display import shown_time

CSV_CHUNK = 500  # events read, and their targets named, at a time
CSV_COLUMNS = ("id", "at", "username", "ip", "action", "target", "detail", "prev_hash", "hash")


def _text(value: object) -> str:
    return "" if value is None else str(value)


class AuditInterface(SQLAInterface):
    """The audit table; a page of events has its targets' names looked up together."""

    def query(self, *args: Any, **kwargs: Any) -> tuple[int, list[AuditEvent]]:
        count, events = super().query(*args, **kwargs)
        resolve_targets(event.target for event in events)
        return count, events


def shown_event(event: AuditEvent) -> dict[str, str]:
    """An event's columns as the reader reads them (screen and CSV alike)."""
    values = {column: _text(getattr(event, column)) for column in CSV_COLUMNS}
    values.update(
        at=shown_time(event.at, seconds=True),
        action=action_label(event.action),
        target=target_label(event.target),
        detail=detail_text(event.detail),
    )
    return values


class AuditEventView(ModelView):
    """Audit events for auditors and administrators; nobody can change them here."""

    datamodel = AuditInterface(AuditEvent)
    route_base = "/auditevent"
    base_permissions = ["can_list", "can_show", "can_csv"]
    list_template = "graphcrm/audit_list.html"
    list_title = lazy_gettext("Audit log")
    show_title = lazy_gettext("Audit event")
    list_columns = ["id", "at", "username", "ip", "action", "target", "detail"]
    show_columns = list(CSV_COLUMNS)
    search_columns = ["at", "username", "action", "target"]
    base_order = ("id", "desc")
    page_size = 50
    formatters_columns = {
        "at": lambda at: shown_time(at, seconds=True),
        "action": action_label,
        "target": target_label,
        "detail": detail_text,
        "username": _text,
        "ip": _text,
    }
    extra_args = {"csv_label": lazy_gettext("Export CSV")}
    label_columns = {
        "id": lazy_gettext("No."),
        "at": lazy_gettext("Time"),
        "username": lazy_gettext("User"),
        "ip": lazy_gettext("IP address"),
        "action": lazy_gettext("Action"),
        "target": lazy_gettext("Target"),
        "detail": lazy_gettext("Detail"),
        "prev_hash": lazy_gettext("Previous hash"),
        "hash": lazy_gettext("Hash"),
    }

    @expose("/csv/")
    @has_access
    @permission_name("csv")
    def csv(self) -> Response:
        """The events matching the list's current filters as CSV, newest first."""
        filters = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filters)
        session = self.datamodel.session
        # Up to the latest event now: the export's own event comes after it.
        latest = session.query(func.max(AuditEvent.id)).scalar() or 0
        query = self.datamodel.apply_all(
            session.query(AuditEvent).filter(AuditEvent.id <= latest),
            filters.get_joined_filters(self._base_filters),
            "id",
            "desc",
        )
        total = query.count()
        described = [f"{column} {name}" for column, name, _ in filters.get_filters_values_tojson()]
        audit.record("export", target=audit.TABLE, detail={"rows": total, "filters": described})
        rows = query.yield_per(CSV_CHUNK)

        def events() -> Iterator[dict[str, str]]:
            iterator = iter(rows)
            while chunk := list(islice(iterator, CSV_CHUNK)):
                resolve_targets(event.target for event in chunk)
                yield from (shown_event(event) for event in chunk)

        columns = [Column(c, str(self.label_columns.get(c, c))) for c in CSV_COLUMNS]
        return csv_download(columns, events(), export_filename("audit-log"))


SECURITY = ("Security", lazy_gettext("Security"))


def register(appbuilder: AppBuilder) -> None:
    """Add the audit log under the Security menu."""
    category, category_label = SECURITY
    appbuilder.add_view(
        AuditEventView,
        "Audit log",
        label=lazy_gettext("Audit log"),
        icon="fa-shield",
        category=category,
        category_label=category_label,
    )
    menu = appbuilder.menu.find(category)
    if menu is not None:
        menu.label = category_label
