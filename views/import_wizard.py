"""The import wizard at ``/import/``: upload a file, map its columns, preview, commit as a
job, download the failing rows, undo. The page is a shell; ``graphcrm/import.js`` drives
the import REST API (``views.imports``) from it.

Permission: ``can_import`` on ``ImportView`` (menu "Import" under Setup); the Undo button
shows for holders of ``can_undo`` on ``ImportApi``.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_appbuilder import BaseView, expose
from flask_babel import lazy_gettext

from graph.io.imports.writer import DECISIONS, SKIP
from views.guard import guard, team_limited
from views.imports import importable_types, type_label
from views.labels import localized
from views.scope import current_appbuilder

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
    "undo_confirm": lazy_gettext(
        "Undo this import? Records it created are deleted and records it updated get "
        "their previous values back."
    ),
    "undo_failed": lazy_gettext("The undo failed: {error}"),
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
            can_undo=current_appbuilder().sm.has_access("can_undo", "ImportApi"),
            team_limited=team_limited(),
            labels=localized(SCRIPT_LABELS),
        )


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
