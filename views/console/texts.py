"""Wording of the console page and API: refusals, limits and the page's panel labels."""

from __future__ import annotations

from flask_babel import lazy_gettext

from views.messages import MESSAGES
from views.texts import CONSOLE_OUTCOMES as OUTCOMES

WRITE_REFUSED = MESSAGES["write_refused"]
MASKED_INDEX = lazy_gettext(
    "Refused: you see personal data masked, so your queries cannot use blind indexes "
    "(properties ending in _bidx)."
)
TIMED_OUT = lazy_gettext(
    "The query was stopped after {ms} ms (the console's time limit). Narrow it down or add LIMIT."
)
NOT_YOURS = lazy_gettext(
    "Only the owner of a shared query can change or delete it; save a copy under your name."
)

BUSY = {
    "user": lazy_gettext(
        "You already have a console query running: wait for it to finish, then run this one."
    ),
    "total": lazy_gettext(
        "The console is busy with other analysts' queries: try again in a few seconds."
    ),
}

# The saved-queries and history panels of the page (English and Chinese, picked per request).
PANEL_LABELS = {
    "saved": lazy_gettext("Saved queries"),
    "history": lazy_gettext("History"),
    "name": lazy_gettext("Name"),
    "description": lazy_gettext("Description (optional)"),
    "shared": lazy_gettext("Share with other console users"),
    "save": lazy_gettext("Save query"),
    "load": lazy_gettext("Load"),
    "delete": lazy_gettext("Delete"),
    "mine_private": lazy_gettext("private"),
    "mine_shared": lazy_gettext("shared by me"),
    "shared_by": lazy_gettext("shared by {owner}"),
    "none_saved": lazy_gettext("No saved queries yet."),
    "none_history": lazy_gettext("No runs yet."),
    "name_required": lazy_gettext("Give the query a name first."),
    "saved_ok": lazy_gettext("Saved."),
    "confirm_overwrite": lazy_gettext('Replace your saved query "{name}" with the current one?'),
    "confirm_delete": lazy_gettext('Delete the saved query "{name}"?'),
    "rows": lazy_gettext("{n} rows"),
    "one_row": lazy_gettext("1 row"),
    "export": lazy_gettext("CSV export"),
    "running": lazy_gettext("Running…"),
    "took": lazy_gettext("{rows} in {ms} ms"),
    "no_answer": lazy_gettext("The server did not answer: {error}"),
    "params_json": lazy_gettext("Parameters are not valid JSON: {error}"),
    "params_object": MESSAGES["params_object"],
    # How a run ended (the history's stored outcome codes).
    **{f"outcome_{code}": pair for code, pair in OUTCOMES.items()},
}
