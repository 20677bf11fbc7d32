"""The admin registry: how each declared node type appears, in the manner of Django's
``ModelAdmin``.

A node type is its declaration (``graph.model.nodes``: fields, relations, labels) plus one
``NodeAdmin`` entry here: its menu category and icon, optional column overrides and the
access each role group has to its screens and REST API. Everything that lists node types
reads this one list: the menu (``views.register``), the built-in roles (``app.roles``) and,
through the declarations it names, the REST APIs, the explorer, the OpenAPI document and
the schema. ``check_entries`` (run when the views are registered) refuses a declared type
without an entry, so a new type cannot be half added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

from graph.errors import ConfigError
from graph.model import nodes
from graph.model.base import REGISTRY, NodeModel


@dataclass(frozen=True)
class Category:
    """A menu category: ``name`` is FAB's (and the ``menu_access`` permission's) name."""

    name: str
    label: LazyString


CUSTOMERS = Category("Customers", lazy_gettext("Customers"))
ACTIVITY = Category("Activity", lazy_gettext("Activity"))
SETUP = Category("Setup", lazy_gettext("Setup"))

# What a role may do on a node type's screens and REST API (app.roles turns each level into
# FAB permission names).
READ, WRITE, FULL = "read", "write", "full"
LEVELS = (READ, WRITE, FULL)

# Role groups: the access the built-in roles have to a kind of node type. An entry takes a
# group and adds or changes what one role may do ({**RECORDS, "Finance": FULL}).
# Customers' own records: Sales manages them (row-level rules narrow it to its team).
RECORDS: Mapping[str, str] = {"Sales": FULL, "Service": READ, "Finance": READ, "Analyst": READ}
# Reference data every staff member reads: channels, tags, referrers, staff.
REFERENCE: Mapping[str, str] = {
    "Sales": READ,
    "Service": READ,
    "Finance": READ,
    "Analyst": READ,
}


@dataclass(frozen=True)
class AddAction:
    """An "add one of these" action on the page of the record they belong to (the one relation of
    the type's ``scope_path``), e.g. "Log follow-up" on a customer's page; ``key`` is the
    action's name in URLs (``?do=<key>`` opens its dialog). ``from_siblings`` names other
    types belonging to the same record whose pages offer it too (a contact's page logs a
    follow-up for its customer)."""

    key: str
    label: LazyString
    from_siblings: tuple[str, ...] = ()


@dataclass(frozen=True)
class SetAction:
    """A one-click change of a choice field on a record's page (a ticket's "Close"),
    offered while the field holds another value."""

    key: str
    label: LazyString
    field: str
    value: str
    icon: str = "fa-check"


@dataclass(frozen=True)
class NodeAdmin:
    """How one node type appears: menu, icon, column overrides and role access."""

    model: type[NodeModel]
    category: Category
    icon: str  # a Font Awesome 4 class, e.g. "fa-user"
    roles: Mapping[str, str] = field(default_factory=dict)  # role name -> READ/WRITE/FULL
    # Column overrides: the list page's columns (default: the declaration's listed fields).
    list_columns: tuple[str, ...] = ()
    # Offered as a start in the network explorer's picker (any type can start by URL).
    explore_from: bool = False
    # Actions on record pages (views.crud.actions) besides Edit and Delete: adding one of
    # this type from the page of the record it belongs to, fields changed in a small
    # dialog (version-checked like any edit), one-click values.
    add_action: AddAction | None = None
    change_fields: tuple[str, ...] = ()
    set_actions: tuple[SetAction, ...] = ()

    @property
    def label(self) -> str:
        """The node type's label."""
        return self.model.label


ADMIN: dict[str, NodeAdmin] = {}


def register(entry: NodeAdmin) -> NodeAdmin:
    """Add ``entry`` (menu order is registration order); a bad entry fails with its name."""
    where = f"NodeAdmin({entry.label})"
    if REGISTRY.get(entry.label) is not entry.model:
        raise ConfigError(f"A001 {where}: {entry.label!r} is not a declared node type")
    if entry.label in ADMIN:
        raise ConfigError(f"A002 {where} is registered twice")
    bad = {role: level for role, level in entry.roles.items() if level not in LEVELS}
    if bad:
        raise ConfigError(f"A003 {where}: access levels {bad} not in {LEVELS}")
    fields = entry.model.meta.by_name
    unknown = [name for name in entry.list_columns if name not in fields]
    if unknown:
        raise ConfigError(f"A004 {where}: list_columns {unknown} are not fields")
    _check_actions(entry, where)
    ADMIN[entry.label] = entry
    return entry


def _check_actions(entry: NodeAdmin, where: str) -> None:
    """Refuse actions that name no editable field, a bad value or no owning record."""
    meta = entry.model.meta
    editable = {item.name for item in meta.props + meta.rels if item.editable}
    bad = [name for name in entry.change_fields if name not in editable]
    if bad:
        raise ConfigError(f"A006 {where}: change_fields {bad} are not editable fields")
    for action in entry.set_actions:
        prop = meta.prop(action.field)
        if prop is None or not prop.editable or action.value not in prop.choice_values():
            raise ConfigError(f"A007 {where}: set action {action.key!r} sets no choice field")
    if entry.add_action is not None and len(entry.model.scope_path or ()) != 1:
        raise ConfigError(f"A008 {where}: add_action needs a one-step scope_path")


def entries() -> tuple[NodeAdmin, ...]:
    """Every entry, in menu order."""
    return tuple(ADMIN.values())


def check_entries() -> None:
    """Refuse a declared node type without an admin entry (it would have no menu or roles)."""
    missing = [label for label in REGISTRY if label not in ADMIN]
    if missing:
        raise ConfigError(f"A005 declared node types {missing} have no NodeAdmin entry")


# The built-in node types, in menu order.
register(
    NodeAdmin(
        nodes.Customer,
        CUSTOMERS,
        "fa-address-card",
        {**RECORDS, "Marketing": READ},
        explore_from=True,
        change_fields=("stage", "owner"),
    )
)
register(
    NodeAdmin(
        nodes.Contact,
        CUSTOMERS,
        "fa-user",
        {**RECORDS, "Marketing": READ},
        add_action=AddAction("add-contact", lazy_gettext("Add contact")),
    )
)
register(NodeAdmin(nodes.Referrer, CUSTOMERS, "fa-handshake-o", {**REFERENCE, "Marketing": FULL}))
register(
    NodeAdmin(
        nodes.FollowUp,
        ACTIVITY,
        "fa-comments",
        {**RECORDS, "Service": WRITE},
        add_action=AddAction(
            "log-followup", lazy_gettext("Log follow-up"), from_siblings=("Contact",)
        ),
    )
)
register(
    NodeAdmin(
        nodes.Order,
        ACTIVITY,
        "fa-shopping-cart",
        {**RECORDS, "Finance": FULL},
        add_action=AddAction("add-order", lazy_gettext("Add order")),
    )
)
register(
    NodeAdmin(
        nodes.Ticket,
        ACTIVITY,
        "fa-life-ring",
        {**RECORDS, "Service": WRITE},
        add_action=AddAction("raise-ticket", lazy_gettext("Raise ticket")),
        set_actions=(SetAction("close", lazy_gettext("Close"), "status", "closed"),),
    )
)
register(
    NodeAdmin(
        nodes.Channel, SETUP, "fa-random", {**REFERENCE, "Marketing": FULL}, explore_from=True
    )
)
register(
    NodeAdmin(nodes.Tag, SETUP, "fa-tags", {**REFERENCE, "Marketing": FULL}, explore_from=True)
)
register(NodeAdmin(nodes.User, SETUP, "fa-id-badge", {**REFERENCE, "Marketing": READ}))
