"""The built-in roles and what each may do (FAB ``FAB_ROLES``: regexes on view and action).

Built-in roles are created at start and cannot be edited in the UI; admins can still add
custom roles from FAB's screens. Row-level rules (Sales sees its team's customers) and PII
masking (without ``can_read`` on ``PersonalData``) come on top, see ``app.scope``.

What each role may do with a node type's screens and REST API, and the menus, come from the
admin registry (``views.admin_registry``): a new node type's entry is all it takes.
"""

from __future__ import annotations

import re

from graph.model import nodes
from views import admin_registry
from views.admin_registry import NodeAdmin

# Node-type access levels as FAB permission names.
# Whoever may read a list may export it (as they see it: their rows, masked as shown).
ACTIONS = {
    admin_registry.READ: "can_(list|show|get|info|history|export)$",
    admin_registry.WRITE: "can_(list|show|get|info|history|export|add|edit|post|put)$",
    admin_registry.FULL: "can_(list|show|get|info|history|export|add|edit|post|put|delete)$",
}

PII_PERMISSION = ("can_read", "PersonalData")
SALES = "Sales"
# Roles whose members see every customer; Sales alone sees only its team's.
ALL_ROWS_ROLES = frozenset({"Admin", "Service", "Finance", "Marketing", "Analyst"})


def _alternatives(names: list[str]) -> str:
    return "(" + "|".join(re.escape(name) for name in names) + ")"


def _node_access(role: str, entries: tuple[NodeAdmin, ...]) -> list[list[str]]:
    """``role``'s permissions on node types' views and APIs, one rule per access level;
    a role with access to customers also opens the pipeline board (moving a card is the
    customer's edit, so its permission decides)."""
    rules = []
    for level, actions in ACTIONS.items():
        labels = [entry.label for entry in entries if entry.roles.get(role) == level]
        if labels:
            rules.append([f"{_alternatives(labels)}(View|RestApi)$", actions])
    customers = next((e.roles.get(role) for e in entries if e.model is nodes.Customer), None)
    if customers:
        rules += _PIPELINE
    if customers in (admin_registry.WRITE, admin_registry.FULL):
        rules += _PIPELINE_MOVE
    return rules


def _common(entries: tuple[NodeAdmin, ...]) -> list[list[str]]:
    """Relation pickers and the navigation bar's global search (records still per role and
    scope), and the node types' menus (categories and entries)."""
    names = [entry.category.name for entry in entries]
    menus = list(dict.fromkeys([*names, *(entry.model.meta.en_plural for entry in entries)]))
    return [
        ["(ChoicesView|SearchApi)$", "can_search$"],
        [f"{_alternatives(menus)}$", "menu_access$"],
    ]


_PII = [["PersonalData$", "can_read$"]]
# The pipeline board (page, its column/figure/card API) and its menu entry.
_PIPELINE = [["Pipeline(View|Api)$", "can_(board|get)$"], ["Pipeline$", "menu_access$"]]
_PIPELINE_MOVE = [["PipelineApi$", "can_move$"]]
# The Cypher console (page, run, CSV export, saved queries, history) and its menu.
_CONSOLE = [
    ["Console(View|Api)$", "can_(access|run|csv|saved|history)$"],
    ["(Analysis|Console)$", "menu_access$"],
]

# The referral chain page and its REST API (chain, tree); opened from the customer page.
_REFERRALS = [["Referral(View|Api)$", "can_(chain|tree)$"]]

# Referral analytics pages and API; the refresh button (can_refresh) is Admin's alone.
_ANALYTICS = [
    ["Analytics(View|Api)$", "can_(channels|top_referrers)$"],
    ["(Analysis|Channel attribution|Top referrers)$", "menu_access$"],
]

# Segments (rule builder, members, CSV export, graph, explanations) and their REST API.
_SEGMENTS_READ = [
    ["SegmentView$", "can_(list|show)$"],
    ["SegmentApi$", "can_(get|members|explain|history)$"],
    ["Segments$", "menu_access$"],
]
_SEGMENTS_EXPORT = [["SegmentView$", "can_export$"]]
_SEGMENTS_EDIT = [
    [
        "Segment(View|Api)$",
        "can_(list|show|add|edit|delete|export|get|post|put|members|explain|history)$",
    ],
    ["Segments$", "menu_access$"],
]

# The network explorer (page, neighbours API) and its menu entry.
_NETWORK = [
    ["Network(View|Api)$", "can_(explore|neighbours)$"],
    ["(Analysis|Network explorer)$", "menu_access$"],
]

# Background jobs: each role sees, cancels and retries its own (Admin every user's).
# A list export's file is downloaded (can_download) only by the user who asked for it.
_JOBS = [
    ["Jobs(View|Api)$", "can_(list|get|cancel|retry|download)$"],
    ["(Setup|Jobs)$", "menu_access$"],
]


# Imports (the wizard page and its menu entry; upload, preview, commit, status, failing rows)
# and undoing one's own imports.
_IMPORT = [["Import(View|Api)$", "can_(import|undo)$"], ["(Setup|Import)$", "menu_access$"]]


def role_permissions() -> dict[str, list[list[str]]]:
    """FAB's ``FAB_ROLES``: each built-in role's (view regex, permission regex) pairs, read
    from the admin registry as it stands (so a node type registered before ``create_app``
    is included)."""
    entries = admin_registry.entries()
    common = _common(entries)
    return {
        "Sales": [
            *_node_access("Sales", entries),
            *common,
            *_PII,
            *_REFERRALS,
            *_SEGMENTS_READ,
            *_NETWORK,
            *_JOBS,
            *_IMPORT,
        ],
        "Service": [*_node_access("Service", entries), *common, *_PII, *_JOBS],
        "Finance": [*_node_access("Finance", entries), *common, *_PII, *_JOBS],
        "Marketing": [
            *_node_access("Marketing", entries),
            *common,
            *_REFERRALS,
            *_ANALYTICS,
            *_SEGMENTS_EDIT,
            *_NETWORK,
            *_JOBS,
        ],
        "Analyst": [
            *_node_access("Analyst", entries),
            *common,
            *_CONSOLE,
            *_REFERRALS,
            *_ANALYTICS,
            *_SEGMENTS_READ,
            *_SEGMENTS_EXPORT,
            *_NETWORK,
            *_JOBS,
        ],
        "Auditor": [["Audit.*$", ".*"], ["(Security|Audit.*)$", "menu_access$"]],
    }
