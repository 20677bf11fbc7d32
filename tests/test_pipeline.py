"""The pipeline board's graph side (``graph.records.pipeline``) on the real engine: column
pages, per-column figures, filters and row-level scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from graph.errors import InvalidValue
from graph.model import nodes
from graph.model.records import Record
from graph.records.pipeline import BoardFilters, card, column_figures, column_page
from graph.records.repository import NodeRepository
from graph.security.scope import Scope
from graph.store.protocol import GraphStore

ADMIN = Scope.everything()
MANAGER = Scope("boss", team_only=True)
SALES_A = Scope("amy", team_only=True)
SALES_B = Scope("bob", team_only=True)


@dataclass
class Board:
    users: dict[str, Record]
    customers: dict[str, Record]
    tag: Record
    channel: Record


class Ticking:
    """A clock a minute further on each time it is read: changes have distinct times."""

    def __init__(self) -> None:
        self.now = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        self.now += dt.timedelta(minutes=1)
        return self.now


CLOCK = Ticking()


def _repo(store: GraphStore, model: type[nodes.NodeModel]) -> NodeRepository:
    return NodeRepository(store, model, clock=CLOCK)


@pytest.fixture
def board(store: GraphStore) -> Board:
    """Boss manages Amy; Bob is on his own. Amy owns 3 intent customers and one deal,
    Bob two intent customers; orders in CNY and USD, follow-ups on some."""
    users = _repo(store, nodes.User)
    boss = users.create({"username": "boss", "display_name": "Boss Wang"}, "test")
    amy = users.create({"username": "amy", "display_name": "Amy Li", "manager": boss.uid}, "t")
    bob = users.create({"username": "bob", "display_name": "Bob Zhao"}, "test")
    tag = _repo(store, nodes.Tag).create({"name": "VIP"}, "test")
    channel = _repo(store, nodes.Channel).create({"name": "Fair"}, "test")
    customers = _repo(store, nodes.Customer)
    made = {}
    for name, stage, owner, region, extra in [
        ("Amy One", "intent", amy, "Shanghai", {"tags": [tag.uid]}),
        ("Amy Two", "intent", amy, "Beijing", {"channel": channel.uid}),
        ("Amy Three", "intent", amy, "Shanghai", {}),
        ("Amy Deal", "deal", amy, "Shanghai", {}),
        ("Bob One", "intent", bob, "Shanghai", {"tags": [tag.uid]}),
        ("Bob Two", "intent", bob, "Beijing", {}),
    ]:
        values = {"name": name, "stage": stage, "owner": owner.uid, "region": region, **extra}
        made[name] = customers.create(values, "test")
    orders = _repo(store, nodes.Order)
    for name, amount, currency in [
        ("Amy One", 100.0, "CNY"),
        ("Amy One", 50.5, "CNY"),
        ("Amy One", 20.0, "USD"),
        ("Bob One", 1000.0, "CNY"),
        ("Amy Deal", 7.0, "CNY"),
    ]:
        at = dt.datetime(2024, 5, 20, 10, 30)
        values = {"product": "P", "amount": amount, "currency": currency, "at": at}
        orders.create({**values, "customer": made[name].uid}, "test")
    follow_ups = _repo(store, nodes.FollowUp)
    for name, day in [("Amy One", 3), ("Amy One", 9), ("Bob Two", 4)]:
        at = dt.datetime(2024, 6, day, 9, 0)
        values = {"at": at, "method": "phone", "summary": "call", "customer": made[name].uid}
        follow_ups.create(values, "test")
    return Board({"boss": boss, "amy": amy, "bob": bob}, made, tag, channel)


def _names(page) -> list[str]:
    return [c.name for c in page.cards]


def test_a_column_holds_the_stage_cards_newest_change_first(
    store: GraphStore, board: Board
) -> None:
    page = column_page(store, "intent", ADMIN)
    assert _names(page) == ["Bob Two", "Bob One", "Amy Three", "Amy Two", "Amy One"]
    assert not page.more
    assert _names(column_page(store, "deal", ADMIN)) == ["Amy Deal"]
    assert column_page(store, "lost", ADMIN).cards == []


def test_a_card_has_owner_latest_follow_up_and_order_value_per_currency(
    store: GraphStore, board: Board
) -> None:
    cards = {c.name: c for c in column_page(store, "intent", ADMIN).cards}
    one = cards["Amy One"]
    assert (one.owner_uid, one.owner_name) == (board.users["amy"].uid, "Amy Li")
    assert one.last_follow_up == dt.datetime(2024, 6, 9, 9, 0)
    assert one.amounts == (("CNY", 150.5), ("USD", 20.0))
    assert one.version == board.customers["Amy One"].version
    three = cards["Amy Three"]
    assert (three.last_follow_up, three.amounts) == (None, ())


def test_columns_page_with_a_flag_for_more(store: GraphStore, board: Board) -> None:
    first = column_page(store, "intent", ADMIN, limit=2)
    second = column_page(store, "intent", ADMIN, skip=2, limit=2)
    third = column_page(store, "intent", ADMIN, skip=4, limit=2)
    assert (first.more, second.more, third.more) == (True, True, False)
    names = _names(first) + _names(second) + _names(third)
    assert sorted(names) == sorted(n for n, c in board.customers.items() if c.stage == "intent")


def test_figures_count_customers_and_sum_orders_per_column(store: GraphStore, board: Board) -> None:
    figures = column_figures(store, ADMIN)
    assert figures["intent"].customers == 5
    assert figures["intent"].amounts == {"CNY": 1150.5, "USD": 20.0}
    assert (figures["deal"].customers, figures["deal"].amounts) == (1, {"CNY": 7.0})
    assert (figures["lost"].customers, figures["lost"].amounts) == (0, {})


def test_sales_sees_only_their_own_cards_and_figures(store: GraphStore, board: Board) -> None:
    assert _names(column_page(store, "intent", SALES_B)) == ["Bob Two", "Bob One"]
    figures = column_figures(store, SALES_B)
    assert (figures["intent"].customers, figures["deal"].customers) == (2, 0)
    assert figures["intent"].amounts == {"CNY": 1000.0}
    assert card(store, board.customers["Amy One"].uid or "", SALES_B) is None


def test_a_manager_sees_the_team_and_nobody_sees_nothing(store: GraphStore, board: Board) -> None:
    assert _names(column_page(store, "intent", MANAGER)) == ["Amy Three", "Amy Two", "Amy One"]
    assert column_figures(store, MANAGER)["deal"].customers == 1
    assert column_page(store, "intent", Scope.nobody()).cards == []
    assert all(f.customers == 0 for f in column_figures(store, Scope.nobody()).values())


def test_filters_narrow_cards_and_figures(store: GraphStore, board: Board) -> None:
    by_tag = BoardFilters(tag=board.tag.uid)
    assert sorted(_names(column_page(store, "intent", ADMIN, by_tag))) == ["Amy One", "Bob One"]
    assert _names(column_page(store, "intent", SALES_A, by_tag)) == ["Amy One"]
    by_owner = BoardFilters(owner=board.users["bob"].uid, region="Beijing")
    assert _names(column_page(store, "intent", ADMIN, by_owner)) == ["Bob Two"]
    assert column_figures(store, ADMIN, by_owner)["intent"].customers == 1
    by_channel = BoardFilters(channel=board.channel.uid)
    assert _names(column_page(store, "intent", ADMIN, by_channel)) == ["Amy Two"]
    # Sales filtering by another team's owner finds nothing rather than widening the scope.
    other = BoardFilters(owner=board.users["bob"].uid)
    assert column_page(store, "intent", SALES_A, other).cards == []
    assert column_figures(store, SALES_A, other)["intent"].customers == 0


def test_roles_without_orders_or_follow_ups_see_no_values(store: GraphStore, board: Board) -> None:
    narrow = Scope("viewer", labels=frozenset({"Customer", "User"}))
    one = next(c for c in column_page(store, "intent", narrow).cards if c.name == "Amy One")
    assert (one.last_follow_up, one.amounts) == (None, ())
    assert column_figures(store, narrow)["intent"].amounts == {}
    unnamed = Scope("viewer", labels=frozenset({"Customer"}))
    hidden = column_page(store, "intent", unnamed, placeholder="hidden").cards[0]
    assert (hidden.owner_uid, hidden.owner_name, hidden.owner_hidden) == (None, "hidden", True)


@pytest.mark.parametrize(
    "filters",
    [
        {"region": "x\x00y"},
        {"owner": "U" * 201},
        {"tag": 5},
    ],
)
def test_hostile_filter_values_are_refused(filters: dict) -> None:
    with pytest.raises(InvalidValue):
        BoardFilters(**filters)


def test_hostile_values_that_pass_match_nothing(store: GraphStore, board: Board) -> None:
    for value in ["' OR 1=1 //", "}) MATCH (x) DETACH DELETE x //", "王", "%", ""]:
        filters = BoardFilters(owner=value or None, region=value or None, tag=value or None)
        page = column_page(store, "intent", ADMIN, filters)
        assert page.cards == [] or value == ""
    assert column_figures(store, ADMIN)["intent"].customers == 5


def test_unknown_stages_and_pages_are_refused(store: GraphStore) -> None:
    for stage in ["won", "", "intent ", None]:
        with pytest.raises(InvalidValue):
            column_page(store, stage, ADMIN)  # type: ignore[arg-type]
    for skip, limit in [(-1, 10), (0, 0), (0, 201)]:
        with pytest.raises(InvalidValue):
            column_page(store, "intent", ADMIN, skip=skip, limit=limit)
