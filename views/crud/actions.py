"""The action bar of a record page: Edit, Delete and the actions the admin registry
declares for the record's type (``views.admin_registry``: adding a record that belongs to
it, fields changed in a dialog, one-click values such as a ticket's "Close").

Each action is offered only when the reader's role allows it (FAB permissions of the view
that does the work) on records the reader may see (the page's record passed the row-level
rules to be shown at all; the record a sibling's action is for must be visible too).
Dialogs hold the very forms of the add and edit paths, so saving validates and writes as
those pages do (``views.crud.dialogs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request, url_for
from flask_babel import lazy_gettext

from graph.model.base import NodeModel
from graph.model.conditions import Condition
from graph.model.nodes import User
from graph.model.records import Record, Ref
from views.admin_registry import ADMIN, AddAction, NodeAdmin
from views.crud import dialogs
from views.labels import lazy_format
from views.scope import current_actor, current_appbuilder, current_repository

EDIT = lazy_gettext("Edit")
DELETE = lazy_gettext("Delete")
CHANGE = lazy_gettext("Change {field}")


@dataclass
class Dialog:
    """A form shown in the page's dialog: its ``shown`` fields to fill in, ``fixed``
    values shown as text (label, text) and ``hidden`` values posted as they are."""

    form: Any
    post_url: str
    shown: list[str]
    fixed: list[tuple[str, str]] = field(default_factory=list)
    hidden: dict[str, str] = field(default_factory=dict)


@dataclass
class RecordAction:
    """A button of the action bar: a page to go to (``url``), opening ``dialog`` when
    the page's script runs, or posting ``post`` at once (one-click values)."""

    key: str
    label: str
    icon: str
    url: str
    dialog: Dialog | None = None
    post: dict[str, str] | None = None
    style: str = "default"


def _view(label: str) -> Any:
    """The registered model view of node type ``label``."""
    name = f"{label}View"
    for view in current_appbuilder().baseviews:
        if type(view).__name__ == name:
            return view
    raise LookupError(name)


def _may(permission: str, label: str) -> bool:
    return bool(current_appbuilder().sm.has_access(permission, f"{label}View"))


def record_actions(model: type[NodeModel], item: Record) -> list[RecordAction]:
    """The actions the current reader may take on ``item`` (shown on its page), in the
    order of the bar: Edit, the declared adds, changes and values, Delete."""
    label = model.label
    page = url_for(f"{label}View.show", pk=item.uid)
    found: list[RecordAction] = []
    may_edit = _may("can_edit", label)
    if may_edit:
        found.append(
            RecordAction("edit", str(EDIT), "fa-edit", url_for(f"{label}View.edit", pk=item.uid))
        )
    for entry in ADMIN.values():
        if entry.add_action is not None:
            action = _add_action(entry, entry.add_action, model, item, page)
            if action is not None:
                found.append(action)
    own = ADMIN.get(label)
    if may_edit and own is not None:
        found.extend(_change_action(model, item, name) for name in own.change_fields)
        found.extend(_set_actions(own, item))
    if _may("can_delete", label):
        url = url_for(f"{label}View.delete", pk=item.uid)
        found.append(RecordAction("delete", str(DELETE), "fa-trash", url, style="danger"))
    return found


def _parent_of(entry: NodeAdmin, add: AddAction, model: type[NodeModel], item: Record) -> Any:
    """The record an ``add`` of ``entry``'s type from ``item``'s page is for: ``item``
    itself, or the record it belongs to when ``model`` is a sibling the action names."""
    rel = entry.model.meta.rel((entry.model.scope_path or ("",))[0])
    if rel is None:
        return None
    if rel.target == model.label:
        return item.ref()
    if model.label in add.from_siblings and model.scope_path:
        own = model.meta.rel(model.scope_path[0])
        if own is not None and own.target == rel.target:
            parent = getattr(item, own.name, None)
            if isinstance(parent, Ref) and not parent.hidden and parent.uid:
                return parent
    return None


def _add_action(
    entry: NodeAdmin, add: AddAction, model: type[NodeModel], item: Record, page: str
) -> RecordAction | None:
    label = entry.model.label
    parent = _parent_of(entry, add, model, item)
    if parent is None or not _may("can_add", label):
        return None
    rel_name = (entry.model.scope_path or ("",))[0]
    view = _view(label)
    form = view.add_form.refresh()
    _default_to_me(entry.model, form)
    shown = [f.name for f in form if f.name not in (rel_name, "csrf_token")]
    rel_label = view.label_columns.get(rel_name, rel_name)
    dialog = Dialog(
        form=form,
        post_url=url_for(f"{label}View.add", next=page),
        shown=shown,
        fixed=[(str(rel_label), str(parent))],
        hidden={rel_name: parent.uid},
    )
    url = url_for(f"{label}View.add", next=page, **{rel_name: parent.uid})
    return RecordAction(add.key, str(add.label), ADMIN[label].icon, url, dialog=dialog)


def _default_to_me(model: type[NodeModel], form: Any) -> None:
    """Single relations to a user start as the reader ("logged by me")."""
    rels = [r for r in model.meta.rels if r.target == User.label and not r.many and r.name in form]
    actor = current_actor()
    if not rels or actor is None:
        return
    users = current_repository(User)
    me = users.page([Condition("username", "eq", actor)], limit=1)
    if me:
        for rel in rels:
            form[rel.name].process(None, me[0].ref())


def _change_action(model: type[NodeModel], item: Record, name: str) -> RecordAction:
    label = model.label
    view = _view(label)
    form = view.edit_form.refresh(obj=item)
    dialogs.narrow(form, [name])
    field_label = view.label_columns.get(name, name)
    return RecordAction(
        f"change-{name}",
        str(lazy_format(CHANGE, field=field_label)),
        "fa-pencil",
        url_for(f"{label}View.edit", pk=item.uid),
        dialog=Dialog(
            form=form,
            post_url=url_for(f"{label}View.edit", pk=item.uid),
            shown=[name],
            hidden={"version": str(item.version), dialogs.ONLY: name},
        ),
    )


def _set_actions(entry: NodeAdmin, item: Record) -> list[RecordAction]:
    label = entry.model.label
    url = url_for(f"{label}View.edit", pk=item.uid)
    return [
        RecordAction(
            action.key,
            str(action.label),
            action.icon,
            url,
            post={dialogs.ONLY: action.field, action.field: action.value},
        )
        for action in entry.set_actions
        if getattr(item, action.field, None) != action.value
    ]


def requested_dialog() -> str:
    """The action whose dialog the page opens at once (``?do=log-followup``)."""
    return request.args.get("do", "")[:64]
