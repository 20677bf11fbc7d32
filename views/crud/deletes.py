"""Deleting a record that other records need: counts named in the reader's language, and
who may delete them together (``graph.records.repository.NodeRepository.delete``)."""

from __future__ import annotations

from flask_babel import gettext, lazy_gettext

from graph.errors import HasDependants
from graph.model.base import model_for
from views.labels import is_chinese
from views.scope import current_appbuilder

# Deleting a record together with the records that need it (follow-ups, orders, tickets of
# a customer; graph/model/nodes.py on_target_delete="cascade"): Admin's alone (app.scope
# grants it to Admin at start).
CASCADE_PERMISSION = ("can_delete_with_dependants", "Records")

ASK = lazy_gettext("Delete {what} “{title}”?")
ASK_WITH = lazy_gettext("Delete {what} “{title}”? It has {counts}.")
REFUSED = lazy_gettext(
    "Not deleted: {what} “{title}” still has {counts}, which would be left without it. "
    "Delete or move them first."
)
MAY_CASCADE = lazy_gettext("As an administrator you may delete them together with it.")
ADMIN_ONLY = lazy_gettext("Only an administrator can delete them together with it.")
NEVER_CASCADE = lazy_gettext("They cannot be deleted together with it.")
CASCADE_BUTTON = lazy_gettext("Delete together with {counts}")
DELETED_WITH = lazy_gettext("Deleted, together with {counts}.")
CASCADE_FORBIDDEN = lazy_gettext(
    "Refused: only an administrator can delete a record together with the records that need it."
)


def counts_text(counts: tuple[tuple[str, int], ...] | dict[str, int]) -> str:
    """ "3 follow-ups, 1 order" / "3 条跟进记录、1 条订单" in the reader's language."""
    items = counts.items() if isinstance(counts, dict) else counts
    parts = []
    for label, count in items:
        meta = model_for(label).meta
        name = meta.zh_plural if is_chinese() else (meta.en_plural, meta.en)[count == 1].lower()
        # Translators: a count of records, e.g. "3 follow-ups".
        parts.append(gettext("%(count)s %(records)s", count=count, records=name))
    # Translators: the separator of a list of counts.
    return gettext(", ").join(parts)


def kind_name(label: str) -> str:
    """A node type as a sentence names it: "customer" / "客户"."""
    meta = model_for(label).meta
    return meta.zh if is_chinese() else meta.en.lower()


def may_cascade() -> bool:
    """Whether the signed-in user may delete records together with those that need them."""
    return bool(current_appbuilder().sm.has_access(*CASCADE_PERMISSION))


def refusal(error: HasDependants, title: str) -> str:
    """Why a delete was refused, and what the reader may do about it."""
    text = str(REFUSED).format(
        what=kind_name(error.label), title=title, counts=counts_text(error.counts)
    )
    if not error.cascadable:
        return f"{text} {NEVER_CASCADE}"
    return f"{text} {MAY_CASCADE if may_cascade() else ADMIN_ONLY}"


def question(label: str, title: str, counts: tuple[tuple[str, int], ...]) -> str:
    """The delete confirmation, naming what depends on the record."""
    if not counts:
        return str(ASK).format(what=kind_name(label), title=title)
    return str(ASK_WITH).format(what=kind_name(label), title=title, counts=counts_text(counts))
