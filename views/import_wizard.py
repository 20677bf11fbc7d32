"""The import wizard at ``/import/``: upload a file, map its columns, preview, commit as a
job, download the failing rows, undo; below it the reader's recent imports (Admin:
everyone's), each with its failing rows and its undo, so that an import is found again
after leaving the page. The page is a shell; ``graphcrm/import.js`` drives the import REST
API (``views.imports``) from it and refreshes the recent imports from ``/import/recent``.

Permission: ``can_import`` on ``ImportView`` (menu "Import" under Setup); the Undo buttons
show for holders of ``can_undo`` on ``ImportApi``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import gettext, lazy_gettext

from graph.io.imports import records
from graph.io.imports.error_rows import failing_rows_kept
from graph.io.imports.records import ImportRecord
from graph.io.imports.targets import import_types
from graph.io.imports.writer import DECISIONS, SKIP
from graph.model.base import REGISTRY
from views.guard import guard, team_limited
from views.imports import (
    import_error,
    importable_types,
    sees_all_imports,
    type_label,
    visible_imports,
)
from views.labels import bilingual, localized
from views.scope import current_appbuilder, import_folder

# Texts the script shows (the template's own texts are gettext calls in it).
SCRIPT_LABELS = {
    "ignore": lazy_gettext("— ignore this column —"),
    "by_header": lazy_gettext("from the header"),
    "by_values": lazy_gettext("from the values"),
    "missing": lazy_gettext("Required fields not mapped yet: {fields}"),
    "choose_file": lazy_gettext("Choose a file."),
    "empty_file": lazy_gettext("The file is empty."),
    "wrong_format": lazy_gettext("Choose a CSV, XLSX or XLS file."),
    "too_large": lazy_gettext("The file is larger than the {size} MB this server accepts."),
    "no_answer": lazy_gettext("The server did not answer: {error}"),
    "uploading": lazy_gettext("Reading the file…"),
    "comma": lazy_gettext("comma"),
    "semicolon": lazy_gettext("semicolon"),
    "tab": lazy_gettext("tab"),
    "line": lazy_gettext("Line"),
    "status": lazy_gettext("Result"),
    "will_create": lazy_gettext("new"),
    "duplicate_of": lazy_gettext("Duplicate ({key}) of {what}"),
    "earlier_line": lazy_gettext("line {line} of this file"),
    "existing": lazy_gettext("an existing record"),
    "key_phone": lazy_gettext("same phone"),
    "key_email": lazy_gettext("same e-mail"),
    "key_name": lazy_gettext("same name and region"),
    "key_name_customer": lazy_gettext("same name at the same customer"),
    "key_link": lazy_gettext("this referral exists already"),
    "linked_already": lazy_gettext("Already linked: {what}"),
    "referrer_taken": lazy_gettext(
        "Customer {what} already has another referrer of this type: skip the row, or update "
        "to replace that referrer"
    ),
    "referrer_earlier": lazy_gettext(
        "Skipped: {what} gives this customer another referrer of this type"
    ),
    "unchanged": lazy_gettext("Same values as {what}: nothing to update"),
    "skip": lazy_gettext("Skip"),
    "update": lazy_gettext("Update existing"),
    "create": lazy_gettext("Create anyway"),
    "totals": lazy_gettext(
        "Of the first {rows} rows: {create} new, {update} update existing, {skip} skipped, "
        "{error} with errors."
    ),
    "automatic": lazy_gettext("(recognised automatically)"),
    "none_saved": lazy_gettext("no saved mappings yet"),
    "add_value": lazy_gettext("Add a value"),
    "mapping_saved": lazy_gettext("Mapping saved as “{name}”."),
    "mapping_loaded": lazy_gettext("Mapping “{name}” loaded."),
    "name_needed": lazy_gettext("Give the mapping a name."),
    "queued": lazy_gettext("Waiting for the job worker…"),
    "progress": lazy_gettext("{done} of {total} rows"),
    "progress_unknown": lazy_gettext("{done} rows"),
    "eta": lazy_gettext("about {seconds} s left"),
    "cancelling": lazy_gettext("Stopping at the next batch…"),
    "state_done": lazy_gettext("The import is finished."),
    "state_failed": lazy_gettext("The import failed: {error}"),
    "state_cancelled": lazy_gettext(
        "The import was cancelled: the rows written so far stay until you undo it."
    ),
    "state_undone": lazy_gettext("The import was undone."),
    "undoing": lazy_gettext("Undoing the import…"),
    "undo_failed": lazy_gettext("The undo failed: {error}"),
    "undo_what": lazy_gettext("“{file}” (import {id})"),
    "undo_effect": lazy_gettext(
        "Undo deletes the records this import created ({created}) and gives the records it "
        "updated ({updated}) their earlier values back. A record changed by someone since "
        "the import keeps that change."
    ),
    "undo_effect_links": lazy_gettext(
        "Undo removes the referral links this import made ({created})."
    ),
    "cancel": lazy_gettext("Cancel"),
    "close": lazy_gettext("Close"),
}

# An import's state in the reader's language, and the colour of its label.
STATES = {
    records.RUNNING: (lazy_gettext("Running"), "info"),
    records.DONE: (lazy_gettext("Done"), "success"),
    records.FAILED: (lazy_gettext("Failed"), "danger"),
    records.CANCELLED: (lazy_gettext("Cancelled"), "warning"),
    records.UNDOING: (lazy_gettext("Undoing"), "info"),
    records.UNDONE: (lazy_gettext("Undone"), "default"),
}
# Imports that may be undone from the list: ended, with what they wrote still in place.
UNDOABLE = (records.DONE, records.FAILED, records.CANCELLED)
# Imports whose list line changes by itself: the page refreshes the list while one shows.
ACTIVE = (records.RUNNING, records.UNDOING)
# What an undo did, part by part (``UndoReport``'s counts); a part is shown when not 0.
# Records of more than one type deleted are counted by type too.
DELETED_BY_TYPE = lazy_gettext("{count} deleted ({types})")
UNDO_REPORT = (
    ("deleted", lazy_gettext("{count} deleted")),
    ("restored", lazy_gettext("{count} restored")),
    ("unlinked", lazy_gettext("{count} links removed")),
    ("conflicts", lazy_gettext("{count} changed since the import and kept")),
)


@dataclass(frozen=True)
class RecentImport:
    """One import in the wizard's recent imports, as the reader reads it."""

    record: ImportRecord
    type_label: str
    state_label: str
    state_style: str
    error: str
    failing_rows: bool  # its failing rows still download
    undo_report: list[str]

    @property
    def active(self) -> bool:
        """Running or being undone: its line changes by itself."""
        return self.record.state in ACTIVE

    @property
    def undoable(self) -> bool:
        """Ended and not undone: it may be undone."""
        return self.record.state in UNDOABLE


def _by_size(item: tuple[str, int]) -> tuple[int, int]:
    """Types by how many of their records went, most first; then in declaration order."""
    label, count = item
    order = list(REGISTRY)
    return -count, order.index(label) if label in order else len(order)


def _undo_report(record: ImportRecord) -> list[str]:
    """What the undo of ``record`` did, part by part, in the reader's language."""
    if record.state != records.UNDONE or not record.undo:
        return []
    report = record.undo
    parts = [str(text).format(count=report[key]) for key, text in UNDO_REPORT if report.get(key)]
    by_type = {label: n for label, n in (report.get("by_label") or {}).items() if n}
    if len(by_type) > 1:
        types = gettext(", ").join(
            f"{bilingual(REGISTRY[label].meta.en_plural, REGISTRY[label].meta.zh_plural)} {n}"
            if label in REGISTRY
            else f"{label} {n}"
            for label, n in sorted(by_type.items(), key=_by_size)
        )
        parts[0] = str(DELETED_BY_TYPE).format(count=report["deleted"], types=types)
    return parts or [str(UNDO_REPORT[0][1]).format(count=0)]


def _recent_import(record: ImportRecord, folder: Path) -> RecentImport:
    kind = import_types().get(record.type)
    label, style = STATES.get(record.state, (record.state, "default"))
    return RecentImport(
        record=record,
        type_label=type_label(kind) if kind is not None else record.type,
        state_label=str(label),
        state_style=style,
        error=import_error(record) if record.state == records.FAILED else "",
        failing_rows=bool(record.counts.get("failed"))
        and failing_rows_kept(folder, record.uid, record.path),
        undo_report=_undo_report(record),
    )


def recent_imports() -> dict[str, Any]:
    """The recent imports section's values: the imports the reader may see, newest first,
    whether they are everyone's, whether the reader may undo, how long files are kept."""
    folder = import_folder(current_app)
    return {
        "recent": [_recent_import(record, folder) for record in visible_imports()],
        "sees_all": sees_all_imports(),
        "can_undo": current_appbuilder().sm.has_access("can_undo", "ImportApi"),
        "retention_days": int(current_app.config["GRAPHCRM_FILE_RETENTION_DAYS"]),
    }


def _type_choices() -> list[dict[str, str]]:
    """The import types: key, their node type's plural name in the reader's language, and
    the show page of a record (``UID`` in place of its id: duplicates link to it)."""
    return [
        {
            "key": key,
            "label": type_label(kind),
            "show_url": url_for(f"{kind.model.label}View.show", pk="UID"),
            "list_url": url_for(f"{kind.model.label}View.list"),
        }
        for key, kind in importable_types().items()
    ]


class ImportView(BaseView):
    """The upload wizard page."""

    route_base = "/import"
    default_view = "index"

    @expose("/")
    @guard("import")
    def index(self) -> Any:
        max_bytes = int(current_app.config["IMPORT_MAX_UPLOAD_BYTES"])
        return self.render_template(
            "graphcrm/import.html",
            types=_type_choices(),
            decisions=DECISIONS,
            default_decision=SKIP,
            max_bytes=max_bytes,
            max_mb=max_bytes // (1024 * 1024),
            team_limited=team_limited(),
            labels=localized(SCRIPT_LABELS),
            **recent_imports(),
        )

    @expose("/recent")
    @guard("import")
    def recent(self) -> Any:
        """The recent imports section alone (the page refreshes it after an import or an
        undo, and while one runs)."""
        return self.render_template("graphcrm/import_recent.html", **recent_imports())


def register(appbuilder: Any, category: str, category_label: Any) -> None:
    """Add the wizard page (in ``category``'s menu)."""
    appbuilder.add_view(
        ImportView,
        "Import",
        label=lazy_gettext("Import"),
        href="/import/",
        icon="fa-upload",
        category=category,
        category_label=category_label,
    )
