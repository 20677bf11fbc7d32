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
    ADMIN[entry.label] = entry
    return entry


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
    )
)
register(NodeAdmin(nodes.Contact, CUSTOMERS, "fa-user", {**RECORDS, "Marketing": READ}))
register(NodeAdmin(nodes.Referrer, CUSTOMERS, "fa-handshake-o", {**REFERENCE, "Marketing": FULL}))
register(NodeAdmin(nodes.FollowUp, ACTIVITY, "fa-comments", {**RECORDS, "Service": WRITE}))
register(NodeAdmin(nodes.Order, ACTIVITY, "fa-shopping-cart", {**RECORDS, "Finance": FULL}))
register(NodeAdmin(nodes.Ticket, ACTIVITY, "fa-life-ring", {**RECORDS, "Service": WRITE}))
register(
    NodeAdmin(
        nodes.Channel, SETUP, "fa-random", {**REFERENCE, "Marketing": FULL}, explore_from=True
    )
)
register(
    NodeAdmin(nodes.Tag, SETUP, "fa-tags", {**REFERENCE, "Marketing": FULL}, explore_from=True)
)
register(NodeAdmin(nodes.User, SETUP, "fa-id-badge", {**REFERENCE, "Marketing": READ}))
