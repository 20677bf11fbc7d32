"""The home workspace: what a reader has to do today and how their pipeline stands.

Every figure is of the records the reader's row-level scope lets through
(``graph.security.scope``): a salesperson's own customers, a manager's team's, everyone's
for readers who see all rows. The scope is compiled into each named statement
(``cypher/workspace_*.cypher``) exactly as for lists, so no figure is counted apart from
what the reader may open. A figure of a record type the reader's role may not read is not
asked for at all (``None``).

A customer's open follow-up is its latest one: its "next due" time says when the customer
is to be contacted again. It is overdue before today and due today until midnight, both in
the business time zone. A customer is dormant after ``dormant_days`` without a follow-up
(lost customers never are). The whole workspace is a handful of statements, whatever the
number of records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from graph.model import nodes
from graph.model.base import NodeModel
from graph.model.kinds import ISO_DATETIME
from graph.model.records import from_graph
from graph.records.filters import apply_filters, compile_filters
from graph.security.scope import Scope, scope_conditions
from graph.store.protocol import GraphStore
from graph.store.statements import Statement

# The default of the dormant threshold (GRAPHCRM_DORMANT_DAYS).
DORMANT_DAYS = 180
# Stages whose customers never count as dormant.
QUIET_STAGES = ("lost",)
# How far back "recent activity" looks (the times are indexed: a short window stays cheap).
RECENT_DAYS = 14
ACTIVITY_KINDS = (nodes.FollowUp, nodes.Order, nodes.Ticket)


@dataclass(frozen=True)
class StageFigure:
    """The reader's customers in one stage, and the order value of those customers."""

    stage: str
    customers: int
    new_customers: int
    orders: int = 0
    value: dict[str, float] | None = None  # currency -> summed order amount


@dataclass(frozen=True)
class DueFollowUp:
    """A customer's open follow-up that is due today or overdue."""

    customer_uid: str
    customer: str
    stage: str | None
    followup_uid: str
    summary: str
    at: dt.datetime | None
    next_due: dt.datetime | None
    overdue: bool


@dataclass(frozen=True)
class QuietCustomer:
    """A customer with no follow-up for the dormant threshold (``last_at`` None: never)."""

    uid: str
    name: str
    stage: str | None
    last_at: dt.datetime | None


@dataclass(frozen=True)
class Activity:
    """A recent follow-up, order or ticket and its customer."""

    kind: str
    uid: str
    at: dt.datetime | None
    title: str
    customer_uid: str
    customer: str


@dataclass(frozen=True)
class Workspace:
    """The figures of one reader's home; ``None`` where their role may not read the type."""

    stages: list[StageFigure] | None
    overdue: int | None
    due_today: int | None
    dormant: int | None
    due: list[DueFollowUp]
    quiet: list[QuietCustomer]
    activity: list[Activity]
    dormant_days: int
    month_start: dt.datetime

    @property
    def customers(self) -> int:
        """All the reader's customers."""
        return sum(s.customers for s in self.stages or [])

    @property
    def new_customers(self) -> int:
        """The reader's customers created this month."""
        return sum(s.new_customers for s in self.stages or [])

    @property
    def pipeline_value(self) -> dict[str, float]:
        """Order value of the reader's customers, per currency, every stage together."""
        total: dict[str, float] = {}
        for stage in self.stages or []:
            for currency, amount in (stage.value or {}).items():
                total[currency] = total.get(currency, 0.0) + amount
        return total


@dataclass(frozen=True)
class Window:
    """The time bounds of a workspace, as stored times (ISO UTC text)."""

    today: str
    tomorrow: str
    month_start: str
    dormant_before: str
    recent_since: str
    month_start_time: dt.datetime


def window(now: dt.datetime, timezone: dt.tzinfo, dormant_days: int) -> Window:
    """Today, tomorrow and this month's first day begin at midnight in ``timezone`` (the
    business time zone); every bound is returned as the graph stores times."""
    local = now.astimezone(timezone)
    midnight = dt.datetime.combine(local.date(), dt.time(), tzinfo=timezone)
    month = midnight.replace(day=1)
    return Window(
        today=_stored(midnight),
        tomorrow=_stored(
            dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), tzinfo=timezone)
        ),
        month_start=_stored(month),
        dormant_before=_stored(now - dt.timedelta(days=dormant_days)),
        recent_since=_stored(now - dt.timedelta(days=RECENT_DAYS)),
        month_start_time=month,
    )


def _stored(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime(ISO_DATETIME)


def _scoped(
    store: GraphStore, name: str, model: type[NodeModel], scope: Scope
) -> tuple[Statement, dict[str, Any]]:
    """Statement ``name`` (on ``n``, a ``model`` node) limited to what ``scope`` may see:
    for a team, a walk from the reader down to the nodes (``MATCH`` anchor)."""
    anchor, predicates, params = compile_filters(model.meta, scope_conditions(model, scope))
    return apply_filters(store.cypher.get(name), anchor, predicates, params), params


def stage_figures(store: GraphStore, scope: Scope, month_start: str) -> list[StageFigure] | None:
    """Customers per stage (every declared stage, in order) with those created since
    ``month_start`` and, when the reader may read orders, their order value per currency."""
    if not scope.may_read(nodes.Customer):
        return None
    statement, params = _scoped(store, "workspace_customer_count_by_stage", nodes.Customer, scope)
    counts = {row["stage"]: row for row in store.read(statement, since=month_start, **params)}
    values: dict[str, dict[str, float]] = {}
    orders: dict[str, int] = {}
    if scope.may_read(nodes.Order):
        statement, params = _scoped(store, "workspace_order_sum_by_stage", nodes.Order, scope)
        for row in store.read(statement, **params):
            by_currency = values.setdefault(row["stage"], {})
            by_currency[row["currency"] or ""] = float(row["amount"] or 0)
            orders[row["stage"]] = orders.get(row["stage"], 0) + int(row["orders"])
    stages = [choice.value for choice in nodes.STAGES]
    stages += sorted(str(s) for s in (counts.keys() | values.keys()) - set(stages) if s)
    return [
        StageFigure(
            stage=stage,
            customers=int(counts.get(stage, {}).get("customers") or 0),
            new_customers=int(counts.get(stage, {}).get("new_customers") or 0),
            orders=orders.get(stage, 0),
            value=values.get(stage, {}),
        )
        for stage in stages
    ]


def attention_counts(store: GraphStore, scope: Scope, bounds: Window) -> dict[str, int] | None:
    """Overdue, due-today and dormant counts of the customers ``scope`` may see: ``None``
    without follow-up access."""
    if not (scope.may_read(nodes.Customer) and scope.may_read(nodes.FollowUp)):
        return None
    statement, params = _scoped(store, "workspace_customer_count_attention", nodes.Customer, scope)
    row = store.read(
        statement,
        today=bounds.today,
        tomorrow=bounds.tomorrow,
        dormant_before=bounds.dormant_before,
        quiet_stages=list(QUIET_STAGES),
        **params,
    )[0]
    return {key: int(row[key] or 0) for key in ("overdue", "due_today", "dormant")}


def overdue_of_owner(
    store: GraphStore, scope: Scope, *, now: dt.datetime, timezone: dt.tzinfo
) -> int:
    """How many of the customers the reader owns (and may see) have an overdue open
    follow-up: the count of the reader's own menu badge (one statement from their node)."""
    if not (scope.username and scope.may_read(nodes.Customer) and scope.may_read(nodes.FollowUp)):
        return 0
    anchor, predicates, params = compile_filters(
        nodes.Customer.meta, scope_conditions(nodes.Customer, scope), anchor_allowed=False
    )
    statement = apply_filters(
        store.cypher.get("workspace_customer_count_overdue_owned"), anchor, predicates, params
    )
    bounds = window(now, timezone, DORMANT_DAYS)
    rows = store.read(statement, username=scope.username, today=bounds.today, **params)
    return int(rows[0]["overdue"]) if rows else 0


def due_follow_ups(
    store: GraphStore, scope: Scope, bounds: Window, limit: int
) -> list[DueFollowUp]:
    """The open follow-ups due today or overdue, the longest overdue first."""
    if not (scope.may_read(nodes.Customer) and scope.may_read(nodes.FollowUp)):
        return []
    statement, params = _scoped(store, "workspace_followup_list_due", nodes.Customer, scope)
    rows = store.read(statement, tomorrow=bounds.tomorrow, limit=limit, **params)
    return [
        DueFollowUp(
            customer_uid=row["customer_uid"],
            customer=row["customer"] or "",
            stage=row["stage"],
            followup_uid=row["followup_uid"],
            summary=row["summary"] or "",
            at=from_graph(None, row["at"]),
            next_due=from_graph(None, row["next_due"]),
            overdue=row["next_due"] < bounds.today,
        )
        for row in rows
    ]


def quiet_customers(
    store: GraphStore, scope: Scope, bounds: Window, limit: int
) -> list[QuietCustomer]:
    """Customers without a follow-up since the dormant threshold, the longest quiet first."""
    if not (scope.may_read(nodes.Customer) and scope.may_read(nodes.FollowUp)):
        return []
    statement, params = _scoped(store, "workspace_customer_list_dormant", nodes.Customer, scope)
    rows = store.read(
        statement,
        dormant_before=bounds.dormant_before,
        quiet_stages=list(QUIET_STAGES),
        limit=limit,
        **params,
    )
    return [
        QuietCustomer(
            uid=row["uid"],
            name=row["name"] or "",
            stage=row["stage"],
            last_at=from_graph(None, row["last_at"]),
        )
        for row in rows
    ]


def recent_activity(store: GraphStore, scope: Scope, since: str, limit: int) -> list[Activity]:
    """The newest follow-ups, orders and tickets (since ``since``) of the customers
    ``scope`` may see, of the types the reader's role may read."""
    kinds = [model.label for model in ACTIVITY_KINDS if scope.may_read(model)]
    if not kinds or not scope.may_read(nodes.Customer):
        return []
    if scope.limits(nodes.Customer):
        # A team's customers first, then their recent records (a walk from the user).
        name = "workspace_activity_list_recent_of_customers"
        statement, params = _scoped(store, name, nodes.Customer, scope)
    else:
        # Every customer: the indexed times first.
        statement, params = store.cypher.get("workspace_activity_list_recent"), {}
    rows = store.read(statement, since=since, limit=limit, kinds=kinds, **params)
    return [
        Activity(
            kind=row["kind"],
            uid=row["uid"],
            at=from_graph(None, row["at"]),
            title=row["title"] or "",
            customer_uid=row["customer_uid"],
            customer=row["customer"] or "",
        )
        for row in rows
    ]


def workspace(
    store: GraphStore,
    scope: Scope,
    *,
    now: dt.datetime,
    timezone: dt.tzinfo,
    dormant_days: int = DORMANT_DAYS,
    limit: int = 10,
) -> Workspace:
    """Every figure of ``scope``'s home at ``now`` (days counted in ``timezone``)."""
    bounds = window(now, timezone, dormant_days)
    counts = attention_counts(store, scope, bounds)
    return Workspace(
        stages=stage_figures(store, scope, bounds.month_start),
        overdue=None if counts is None else counts["overdue"],
        due_today=None if counts is None else counts["due_today"],
        dormant=None if counts is None else counts["dormant"],
        due=due_follow_ups(store, scope, bounds, limit),
        quiet=quiet_customers(store, scope, bounds, limit),
        activity=recent_activity(store, scope, bounds.recent_since, limit),
        dormant_days=dormant_days,
        month_start=bounds.month_start_time,
    )
