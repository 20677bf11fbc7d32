"""The home workspace's figures on the real engine: each reader's figures are those of the
records their row-level scope lets through (a salesperson's own, a manager's team's,
everyone's for an admin), days counted in the business time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.records.workspace import Workspace, overdue_of_owner, window, workspace
from graph.security.scope import Scope
from graph.store.protocol import GraphStore

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 10:00 in Shanghai on 5 June 2026 (02:00 UTC).
NOW = dt.datetime(2026, 6, 5, 2, 0, tzinfo=dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Teams:
    ana: Record
    bo: Record
    cy: Record


def _user(store: GraphStore, username: str, manager: Record | None = None) -> Record:
    values: dict[str, object] = {"username": username, "display_name": username.title()}
    if manager is not None:
        values["manager"] = manager
    return NodeRepository(store, nodes.User).create(values, "setup")


def _customer(store: GraphStore, name: str, owner: Record, stage: str) -> Record:
    customers = NodeRepository(store, nodes.Customer, clock=lambda: NOW)
    return customers.create({"name": name, "stage": stage, "owner": owner}, "setup")


def _follow_up(
    store: GraphStore, customer: Record, at: dt.datetime, due: dt.datetime | None
) -> Record:
    values: dict[str, object] = {
        "at": _iso(at),
        "method": "phone",
        "summary": f"call {customer.name}",
        "customer": customer,
    }
    if due is not None:
        values["next_due"] = _iso(due)
    return NodeRepository(store, nodes.FollowUp).create(values, "setup")


def _order(store: GraphStore, customer: Record, amount: float) -> Record:
    values = {"product": "Plan", "amount": amount, "currency": "CNY", "customer": customer}
    return NodeRepository(store, nodes.Order).create(values, "setup")


@pytest.fixture
def teams(store: GraphStore) -> Teams:
    """Ana reports to Bo (Bo's team: both); Cy is on another team.

    Ana: 2 customers (deal with orders 100 + 50, overdue; intent, due today).
    Bo: 1 customer (potential, followed up 200 days ago: dormant).
    Cy: 3 customers (deal with order 1000, overdue; lost, never followed up; potential,
    never followed up: dormant).
    """
    bo = _user(store, "bo")
    ana = _user(store, "ana", manager=bo)
    cy = _user(store, "cy")
    a1 = _customer(store, "Ana Deal", ana, "deal")
    a2 = _customer(store, "Ana Intent", ana, "intent")
    b1 = _customer(store, "Bo Quiet", bo, "potential")
    c1 = _customer(store, "Cy Deal", cy, "deal")
    _customer(store, "Cy Lost", cy, "lost")
    _customer(store, "Cy New", cy, "potential")
    _order(store, a1, 100.0)
    _order(store, a1, 50.0)
    _order(store, c1, 1000.0)
    # Ana's deal: an older follow-up due long ago was superseded by one overdue since yesterday.
    _follow_up(store, a1, NOW - dt.timedelta(days=20), NOW - dt.timedelta(days=10))
    _follow_up(store, a1, NOW - dt.timedelta(days=5), NOW - dt.timedelta(days=1))
    # Ana's intent: due at 18:00 today in Shanghai.
    _follow_up(store, a2, NOW - dt.timedelta(days=3), NOW + dt.timedelta(hours=8))
    # Bo's: 200 days quiet, nothing due.
    _follow_up(store, b1, NOW - dt.timedelta(days=200), None)
    # Cy's deal: overdue by two days.
    _follow_up(store, c1, NOW - dt.timedelta(days=9), NOW - dt.timedelta(days=2))
    return Teams(ana, bo, cy)


def _figures(store: GraphStore, scope: Scope) -> Workspace:
    return workspace(store, scope, now=NOW, timezone=SHANGHAI, dormant_days=180)


def _by_stage(figures: Workspace) -> dict[str, int]:
    return {s.stage: s.customers for s in figures.stages or [] if s.customers}


def test_salesperson_sees_only_their_own_figures(store: GraphStore, teams: Teams) -> None:
    figures = _figures(store, Scope(username="ana", team_only=True))
    assert _by_stage(figures) == {"deal": 1, "intent": 1}
    assert figures.pipeline_value == {"CNY": 150.0}
    assert (figures.overdue, figures.due_today, figures.dormant) == (1, 1, 0)
    assert [(f.customer, f.overdue) for f in figures.due] == [
        ("Ana Deal", True),
        ("Ana Intent", False),
    ]
    assert figures.quiet == []
    assert {a.customer for a in figures.activity} == {"Ana Deal", "Ana Intent"}


def test_manager_sees_the_team_below(store: GraphStore, teams: Teams) -> None:
    figures = _figures(store, Scope(username="bo", team_only=True))
    assert _by_stage(figures) == {"deal": 1, "intent": 1, "potential": 1}
    assert figures.pipeline_value == {"CNY": 150.0}
    assert (figures.overdue, figures.due_today, figures.dormant) == (1, 1, 1)
    assert [c.name for c in figures.quiet] == ["Bo Quiet"]
    assert "Cy Deal" not in {a.customer for a in figures.activity}


def test_admin_sees_every_customer(store: GraphStore, teams: Teams) -> None:
    figures = _figures(store, Scope.everything())
    assert _by_stage(figures) == {"deal": 2, "intent": 1, "potential": 2, "lost": 1}
    assert figures.customers == 6
    assert figures.new_customers == 6
    deal = next(s for s in figures.stages or [] if s.stage == "deal")
    assert (deal.orders, deal.value) == (3, {"CNY": 1150.0})
    # Lost customers are never dormant; never followed up counts as dormant.
    assert (figures.overdue, figures.due_today, figures.dormant) == (2, 1, 2)
    # The longest overdue first.
    assert [f.customer for f in figures.due] == ["Cy Deal", "Ana Deal", "Ana Intent"]
    assert {c.name for c in figures.quiet} == {"Bo Quiet", "Cy New"}


def test_reader_of_unknown_scope_sees_nothing(store: GraphStore, teams: Teams) -> None:
    figures = _figures(store, Scope.nobody())
    assert figures.stages is None and figures.overdue is None
    assert figures.due == figures.quiet == figures.activity == []


def test_role_without_orders_gets_no_order_value(store: GraphStore, teams: Teams) -> None:
    marketing = Scope(username="m", labels=frozenset({"Customer", "User", "Channel", "Tag"}))
    figures = _figures(store, marketing)
    assert figures.customers == 6
    assert figures.pipeline_value == {}
    assert figures.overdue is None and figures.due == []


def test_day_bounds_are_in_the_business_time_zone() -> None:
    # 23:30 UTC on 4 June is 07:30 on 5 June in Shanghai: "today" began at 16:00 UTC.
    bounds = window(dt.datetime(2026, 6, 4, 23, 30, tzinfo=dt.UTC), SHANGHAI, 180)
    assert bounds.today == "2026-06-04T16:00:00Z"
    assert bounds.tomorrow == "2026-06-05T16:00:00Z"
    assert bounds.month_start == "2026-05-31T16:00:00Z"


def test_badge_counts_the_readers_own_overdue_customers(store: GraphStore, teams: Teams) -> None:
    def badge(scope: Scope) -> int:
        return overdue_of_owner(store, scope, now=NOW, timezone=SHANGHAI)

    assert badge(Scope(username="ana", team_only=True)) == 1
    # Bo's team has Ana's overdue customer, but Bo owns none that is overdue.
    assert badge(Scope(username="bo", team_only=True)) == 0
    assert badge(Scope(username="cy", team_only=True)) == 1
    assert badge(Scope.nobody()) == 0
