"""User-facing messages of the generated screens, in English and Simplified Chinese."""

from flask_babel import lazy_gettext

from views.messages import MESSAGES

ADDED = lazy_gettext("Added.")
SAVED = lazy_gettext("Saved.")
DELETED = lazy_gettext("Deleted.")
STALE_KEPT = lazy_gettext(
    "Not saved: someone else changed this record after you opened it. Your input is kept "
    "below, with the value stored now under each field that differs; save again to apply "
    "your input over theirs."
)
STORED_NOW = lazy_gettext("Stored now")
EMPTY = lazy_gettext("(empty)")
GONE = MESSAGES["not_found"]
DUPLICATE = MESSAGES["duplicate"]
LINK_GONE = lazy_gettext("Not saved: a linked record does not exist or a value is not allowed.")
KEEP_HIDDEN = lazy_gettext(
    "Personal data is hidden from you: leave blank to keep the current value, or type a new one."
)
MASKED_FIELD = lazy_gettext(
    "Refused: you see {fields} masked, so you cannot filter, search or sort by it."
)


def masked_field_message(labels: dict, fields: list[str]) -> str:
    """``MASKED_FIELD`` naming ``fields`` by their labels in the request's language."""
    names = ", ".join(str(labels.get(name, name)) for name in fields)
    return str(MASKED_FIELD).format(fields=names)


# How a console run ended: the outcome codes kept in its history and audit events.
CONSOLE_OUTCOMES = {
    "ok": lazy_gettext("ok"),
    "write_refused": lazy_gettext("write refused"),
    "timeout": lazy_gettext("timed out"),
    "unavailable": lazy_gettext("database unavailable"),
    "syntax": lazy_gettext("syntax error"),
    "query": lazy_gettext("query error"),
}
