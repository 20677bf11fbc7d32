"""The built-in roles and what each may do (FAB ``FAB_ROLES``: regexes on view and action).

Built-in roles are created at start and cannot be edited in the UI; admins can still add
custom roles from FAB's screens. Row-level rules (Sales sees its team's customers) and PII
masking (without ``can_read`` on ``PersonalData``) come on top, see ``app.scope``.
"""

from __future__ import annotations

RECORDS = "(Customer|Contact|FollowUp|Order|Ticket)"
REFERENCE = "(Channel|Tag|User|Referrer)"
READ = "can_(list|show|get|info|history)$"
WRITE = "can_(list|show|get|info|history|add|edit|post|put)$"
FULL = "can_(list|show|get|info|history|add|edit|post|put|delete)$"
MENUS = (
    "(Customers|Contacts|Referrers|Activity|Follow-ups|Orders|Tickets|Setup|Channels|Tags|Users)$"
)

PII_PERMISSION = ("can_read", "PersonalData")
# Deleting a record together with the records that need it (follow-ups, orders, tickets of
# a customer; graph/model/nodes.py on_target_delete="cascade"): Admin's alone.
CASCADE_PERMISSION = ("can_delete_with_dependants", "Records")
SALES = "Sales"
# Roles whose members see every customer; Sales alone sees only its team's.
ALL_ROWS_ROLES = frozenset({"Admin", "Service", "Finance", "Marketing", "Analyst"})


def _on(views: str, actions: str) -> list[str]:
    return [f"{views}(View|RestApi)$", actions]


# Relation pickers and the navigation bar's global search (records still per role and scope).
_COMMON = [["(ChoicesView|SearchApi)$", "can_search$"], [MENUS, "menu_access$"]]
_PII = [["PersonalData$", "can_read$"]]
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

ROLES: dict[str, list[list[str]]] = {
    "Sales": [
        _on(RECORDS, FULL),
        _on(REFERENCE, READ),
        *_COMMON,
        *_PII,
        *_REFERRALS,
        *_SEGMENTS_READ,
        *_NETWORK,
    ],
    "Service": [
        _on("(Customer|Contact|Order)", READ),
        _on("(FollowUp|Ticket)", WRITE),
        _on(REFERENCE, READ),
        *_COMMON,
        *_PII,
    ],
    "Finance": [
        _on("Order", FULL),
        _on("(Customer|Contact|FollowUp|Ticket)", READ),
        _on(REFERENCE, READ),
        *_COMMON,
        *_PII,
    ],
    "Marketing": [
        _on("(Channel|Tag|Referrer)", FULL),
        _on("(Customer|Contact|User)", READ),
        *_COMMON,
        *_REFERRALS,
        *_ANALYTICS,
        *_SEGMENTS_EDIT,
        *_NETWORK,
    ],
    "Analyst": [
        _on(RECORDS, READ),
        _on(REFERENCE, READ),
        *_COMMON,
        *_CONSOLE,
        *_REFERRALS,
        *_ANALYTICS,
        *_SEGMENTS_READ,
        *_SEGMENTS_EXPORT,
        *_NETWORK,
    ],
    "Auditor": [["Audit.*$", ".*"], ["(Security|Audit.*)$", "menu_access$"]],
}
