"""Node repository on a real engine: ids, versions, history, filters, round trips."""

from __future__ import annotations

import datetime as dt
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from graph.errors import InvalidValue, NotFound, StaleVersion
from graph.model import nodes
from graph.records.filters import Condition, InvalidQuery
from graph.records.repository import NodeRepository
from graph.store.backends import open_store
from graph.store.protocol import GraphStore


class CountingStore:
    """A real store that counts the statements it runs (to prove round trips)."""

    def __init__(self, inner: GraphStore) -> None:
        self.inner = inner
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def read(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self.inner.read(*args, **kwargs)


@pytest.fixture
def customers(store: GraphStore) -> NodeRepository:
    return NodeRepository(store, nodes.Customer)


def make_people(store: GraphStore) -> tuple[Any, Any, list[Any]]:
    users = NodeRepository(store, nodes.User)
    ana = users.create({"username": "ana", "display_name": "Ana"}, "t")
    bo = users.create({"username": "bo", "display_name": "Bo"}, "t")
    tags = [NodeRepository(store, nodes.Tag).create({"name": n}, "t") for n in ("VIP", "新客")]
    return ana, bo, tags


def test_customer_ids_are_daily_serials(store: GraphStore) -> None:
    clock = lambda: dt.datetime(2024, 5, 20, 3, 0, tzinfo=dt.UTC)  # noqa: E731
    repo = NodeRepository(store, nodes.Customer, clock=clock)
    first = repo.create({"name": "A", "stage": "potential"}, "t")
    second = repo.create({"name": "B", "stage": "potential"}, "t")
    assert (first.uid, second.uid) == ("C20240520001", "C20240520002")


def test_serial_day_follows_the_business_time_zone(store: GraphStore) -> None:
    from zoneinfo import ZoneInfo

    late_utc = lambda: dt.datetime(2024, 5, 20, 20, 0, tzinfo=dt.UTC)  # noqa: E731
    repo = NodeRepository(
        store, nodes.Customer, clock=late_utc, serial_timezone=ZoneInfo("Asia/Shanghai")
    )
    assert repo.create({"name": "A", "stage": "deal"}, "t").uid == "C20240521001"


def test_fifty_concurrent_creates_get_fifty_distinct_ids(
    store: GraphStore, graph_url, embedded_server
) -> None:
    socket = embedded_server.socket_path if embedded_server else None
    stores = [open_store(graph_url, socket_path=socket) for _ in range(5)]
    try:
        repos = [NodeRepository(s, nodes.Customer) for s in stores]
        with ThreadPoolExecutor(max_workers=10) as pool:
            created = list(
                pool.map(
                    lambda i: repos[i % 5].create({"name": f"N{i}", "stage": "deal"}, "t"),
                    range(50),
                )
            )
    finally:
        for s in stores:
            s.close()
    uids = [c.uid for c in created]
    assert len(set(uids)) == 50
    assert all(re.fullmatch(r"C\d{8}\d{3,}", uid) for uid in uids)
    serials = sorted(int(uid[9:]) for uid in uids)
    assert serials == list(range(1, 51))


def test_fifty_concurrent_follow_up_creates_get_fifty_distinct_readable_ids(
    store: GraphStore, graph_url, embedded_server
) -> None:
    clock = lambda: dt.datetime(2024, 5, 20, 3, 0, tzinfo=dt.UTC)  # noqa: E731
    customer = NodeRepository(store, nodes.Customer, clock=clock).create(
        {"name": "Acme", "stage": "deal"}, "t"
    )
    socket = embedded_server.socket_path if embedded_server else None
    stores = [open_store(graph_url, socket_path=socket) for _ in range(5)]
    try:
        repos = [NodeRepository(s, nodes.FollowUp, clock=clock) for s in stores]
        values = {"at": "2024-05-20 10:00", "method": "phone", "customer": customer.uid}
        with ThreadPoolExecutor(max_workers=10) as pool:
            created = list(
                pool.map(
                    lambda i: repos[i % 5].create({**values, "summary": f"call {i}"}, "t"),
                    range(50),
                )
            )
    finally:
        for s in stores:
            s.close()
    uids = sorted(c.uid for c in created)
    assert uids == [f"F20240520{n:03d}" for n in range(1, 51)]


@pytest.mark.parametrize(
    ("model", "values", "prefix"),
    [
        (nodes.User, {"username": "ana", "display_name": "Ana"}, "U"),
        (nodes.Channel, {"name": "官网"}, "CH"),
        (nodes.Tag, {"name": "VIP"}, "TG"),
        (nodes.Referrer, {"name": "Partner Co."}, "R"),
        (nodes.Contact, {"name": "李娜"}, "K"),
        (nodes.Customer, {"name": "Acme", "stage": "deal"}, "C"),
    ],
)
def test_every_type_gets_its_prefix_the_day_and_a_serial(
    store: GraphStore, model: Any, values: dict[str, Any], prefix: str
) -> None:
    clock = lambda: dt.datetime(2024, 5, 20, 3, 0, tzinfo=dt.UTC)  # noqa: E731
    created = NodeRepository(store, model, clock=clock).create(values, "t")
    assert created.uid == f"{prefix}20240520001"


def test_records_linked_to_a_customer_take_their_own_prefixes(store: GraphStore) -> None:
    clock = lambda: dt.datetime(2024, 5, 20, 3, 0, tzinfo=dt.UTC)  # noqa: E731
    customer = NodeRepository(store, nodes.Customer, clock=clock).create(
        {"name": "Acme", "stage": "deal"}, "t"
    )
    order = NodeRepository(store, nodes.Order, clock=clock).create(
        {"product": "CRM", "amount": 10.0, "at": "2024-05-20", "customer": customer.uid}, "t"
    )
    ticket = NodeRepository(store, nodes.Ticket, clock=clock).create(
        {"subject": "Login", "status": "open", "customer": customer.uid}, "t"
    )
    assert (order.uid, ticket.uid) == ("O20240520001", "T20240520001")


def test_stale_edit_is_refused_and_the_other_change_kept(customers: NodeRepository) -> None:
    created = customers.create({"name": "Acme", "stage": "potential"}, "ana")
    seen_by_bo = customers.get(created.uid)
    customers.update(created, {"name": "Acme Ltd"}, "ana")
    with pytest.raises(StaleVersion):
        customers.update(seen_by_bo, {"name": "Acme Inc"}, "bo")
    current = customers.get(created.uid)
    assert (current.name, current.version) == ("Acme Ltd", 2)


def test_update_of_missing_record_is_not_found(customers: NodeRepository) -> None:
    ghost = customers.create({"name": "Ghost", "stage": "lost"}, "t")
    customers.delete(ghost, "t")
    with pytest.raises(NotFound):
        customers.update(ghost, {"name": "x"}, "t")


def test_history_records_who_what_and_old_to_new(store: GraphStore) -> None:
    ana, bo, (vip, new) = make_people(store)
    repo = NodeRepository(store, nodes.Customer)
    created = repo.create(
        {"name": "Acme", "stage": "potential", "owner": ana, "tags": [vip]}, "ana"
    )
    repo.update(created, {"stage": "deal", "owner": bo, "tags": [vip, new]}, "bo")
    update, create = repo.history(created.uid)
    assert (update.action, update.by, update.version) == ("update", "bo", 2)
    changes = {c.field: (c.old, c.new) for c in update.changes}
    assert changes == {
        "stage": ("potential", "deal"),
        "owner": ("Ana", "Bo"),
        "tags": ("VIP", "VIP, 新客"),
    }
    assert create.action == "create" and {c.field for c in create.changes} >= {"name", "owner"}
    repo.delete(repo.get(created.uid), "ana")
    assert [h.action for h in repo.history(created.uid)] == ["delete", "update", "create"]


def test_relations_are_replaced_not_accumulated(store: GraphStore) -> None:
    ana, bo, (vip, new) = make_people(store)
    repo = NodeRepository(store, nodes.Customer)
    created = repo.create({"name": "Acme", "stage": "deal", "owner": ana, "tags": [vip]}, "t")
    updated = repo.update(created, {"owner": bo, "tags": [new]}, "t")
    assert updated.owner.uid == bo.uid and [t.uid for t in updated.tags] == [new.uid]
    cleared = repo.update(updated, {"owner": None, "tags": []}, "t")
    assert cleared.owner is None and cleared.tags == []


def test_filters_and_ordering(store: GraphStore) -> None:
    ana, bo, (vip, _) = make_people(store)
    repo = NodeRepository(store, nodes.Customer)
    for name, stage, owner in [("b", "deal", ana), ("a", "deal", ana), ("c", "deal", bo)]:
        repo.create({"name": name, "stage": stage, "owner": owner}, "t")
    repo.create({"name": "d", "stage": "lost", "owner": ana, "tags": [vip]}, "t")
    repo.create({"name": "e", "stage": "deal"}, "t")
    total, page = repo.list(
        [Condition("stage", "eq", "deal"), Condition("owner", "rel_eq", ana.uid)], "name"
    )
    assert total == 2 and [r.name for r in page] == ["a", "b"]
    assert [r.name for r in repo.page([], "name", "desc", 0, 10)] == ["e", "d", "c", "b", "a"]
    assert repo.count([Condition("owner", "rel_empty", True)]) == 1
    assert repo.count([Condition("tags", "rel_eq", vip.uid)]) == 1
    assert repo.count([Condition("name", "in", ["a", "c"])]) == 2
    assert repo.count([Condition("name", "ct", "A")]) == 1


def test_smaller_than_on_an_indexed_text_property_keeps_only_smaller_values(
    customers: NodeRepository,
) -> None:
    """FalkorDB 4.16 answers every node for ``n.uid < $value`` through its range index."""
    made = [customers.create({"name": n, "stage": "deal"}, "t") for n in ("A", "B", "C")]
    uids = sorted(record.uid for record in made)
    smaller = customers.page([Condition("uid", "lt", uids[1])], limit=10)
    assert [record.uid for record in smaller] == uids[:1]
    assert customers.count([Condition("uid", "gt", uids[1])]) == 1
    assert customers.count([Condition("name", "lt", "B")]) == 1


def test_hostile_filter_values_stay_values(customers: NodeRepository) -> None:
    customers.create({"name": "Acme", "stage": "deal"}, "t")
    hostile = "x' OR 1=1 //\n}) MATCH (n) DETACH DELETE n //"
    assert customers.count([Condition("name", "eq", hostile)]) == 0
    assert customers.count([Condition("name", "ct", hostile)]) == 0
    assert customers.count() == 1
    for bad in ("name) DETACH DELETE n //", "uid DESC", "address"):
        with pytest.raises(InvalidQuery):
            customers.page([], bad)
    with pytest.raises(InvalidQuery):
        customers.count([Condition("name`) DELETE n //", "eq", 1)])


def test_a_list_page_costs_three_round_trips_whatever_its_size(store: GraphStore) -> None:
    ana, _, tags = make_people(store)
    repo = NodeRepository(store, nodes.Customer)
    for i in range(30):
        repo.create({"name": f"c{i:02}", "stage": "deal", "owner": ana, "tags": tags}, "t")
    counting = CountingStore(store)
    total, page = NodeRepository(counting, nodes.Customer).list([], "name", "asc", 0, 25)
    assert (total, len(page), counting.calls) == (30, 25, 3)
    assert all(r.owner.uid == ana.uid and len(r.tags) == 2 for r in page)


def test_unique_keys_that_would_crash_falkordb_are_refused(store: GraphStore) -> None:
    tags = NodeRepository(store, nodes.Tag)
    for bad in (" padded", "tab\t", "x" * 5000):
        with pytest.raises(InvalidValue):
            tags.create({"name": bad}, "t")
    assert tags.create({"name": "fine"}, "t").name == "fine"
    store.ping()
