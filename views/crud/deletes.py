"""Deleting a record that other records need: counts named in the reader's language, and
who may delete them together (``graph.records.repository.NodeRepository.delete``)."""

from __future__ import annotations

from graph.errors import HasDependants
from graph.model.base import model_for
from views.labels import bilingual, is_chinese
from views.scope import current_appbuilder

# Deleting a record together with the records that need it (follow-ups, orders, tickets of
# a customer; graph/model/nodes.py on_target_delete="cascade"): Admin's alone (app.scope
# grants it to Admin at start).
CASCADE_PERMISSION = ("can_delete_with_dependants", "Records")

ASK = bilingual("Delete {what} “{title}”?", "删除{what}“{title}”？")
ASK_WITH = bilingual(
    "Delete {what} “{title}”? It has {counts}.",
    "删除{what}“{title}”？它有 {counts}。",
)
REFUSED = bilingual(
    "Not deleted: {what} “{title}” still has {counts}, which would be left without it. "
    "Delete or move them first.",
    "未删除：{what}“{title}”仍有 {counts}，删除后它们将失去所属记录。请先删除或转移它们。",
)
MAY_CASCADE = bilingual(
    "As an administrator you may delete them together with it.",
    "作为管理员，您可以将它们一并删除。",
)
ADMIN_ONLY = bilingual(
    "Only an administrator can delete them together with it.",
    "只有管理员可以将它们一并删除。",
)
NEVER_CASCADE = bilingual(
    "They cannot be deleted together with it.",
    "它们不能与其一并删除。",
)
CASCADE_BUTTON = bilingual("Delete together with {counts}", "连同 {counts} 一并删除")
DELETED_WITH = bilingual("Deleted, together with {counts}.", "已删除，并一并删除了 {counts}。")
CASCADE_FORBIDDEN = bilingual(
    "Refused: only an administrator can delete a record together with the records that need it.",
    "已拒绝：只有管理员可以将记录与依赖它的记录一并删除。",
)


def counts_text(counts: tuple[tuple[str, int], ...] | dict[str, int]) -> str:
    """ "3 follow-ups, 1 order" / "3 条跟进记录、1 条订单" in the reader's language."""
    items = counts.items() if isinstance(counts, dict) else counts
    parts = []
    for label, count in items:
        meta = model_for(label).meta
        if is_chinese():
            parts.append(f"{count} 条{meta.zh_plural}")
        else:
            parts.append(f"{count} {(meta.en if count == 1 else meta.en_plural).lower()}")
    return ("、" if is_chinese() else ", ").join(parts)


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
