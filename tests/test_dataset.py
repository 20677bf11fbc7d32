"""The demo/benchmark dataset: deterministic, well-formed, and loaded whole into the graph."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

import phonenumbers
import pytest

from graph.demo.dataset import MOBILE_PREFIXES, Dataset, cap_per_day, generate, iter_chunks
from graph.demo.seed import load, load_plan, seed_demo
from graph.errors import NotFound
from graph.model import nodes
from graph.model.base import REGISTRY
from graph.model.validation import field_for
from graph.store.protocol import GraphStore
from graph.store.statements import library
from tests.statements import statement

TODAY = dt.date(2025, 6, 1)
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
NODE_LABELS = {
    "users": "User",
    "channels": "Channel",
    "tags": "Tag",
    "referrers": "Referrer",
    "customers": "Customer",
    "contacts": "Contact",
    "follow_ups": "FollowUp",
    "orders": "Order",
    "tickets": "Ticket",
}
# relationship field -> (type, source nodes, target nodes)
LINKS = {
    "reports_to": ("REPORTS_TO", "users", "users"),
    "part_of": ("PART_OF", "channels", "channels"),
    "owns": ("OWNS", "users", "customers"),
    "acquired_via": ("ACQUIRED_VIA", "customers", "channels"),
    "tagged": ("TAGGED", "customers", "tags"),
    "referred_from_customer": ("REFERRED", "customers", "customers"),
    "referred_from_contact": ("REFERRED", "contacts", "customers"),
    "referred_from_referrer": ("REFERRED", "referrers", "customers"),
    "works_for": ("WORKS_FOR", "contacts", "customers"),
    "about": ("ABOUT", "follow_ups", "customers"),
    "logged": ("LOGGED", "users", "follow_ups"),
    "placed": ("PLACED", "customers", "orders"),
    "raised": ("RAISED", "customers", "tickets"),
}
REFERRALS = ("referred_from_customer", "referred_from_contact", "referred_from_referrer")


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return generate(600, today=TODAY)


def referral_rows(data: Dataset) -> list[dict[str, object]]:
    return [row for kind in REFERRALS for row in getattr(data, kind)]


def test_same_seed_and_day_give_the_same_dataset() -> None:
    assert generate(120, seed=3, today=TODAY) == generate(120, seed=3, today=TODAY)


def test_another_seed_gives_another_dataset() -> None:
    first, second = generate(120, seed=3, today=TODAY), generate(120, seed=4, today=TODAY)
    assert first.customers != second.customers
    assert first.referred_from_customer != second.referred_from_customer


def test_chunks_concatenate_to_the_whole_dataset_whatever_their_size(dataset: Dataset) -> None:
    for chunk_size in (1, 75, 10_000):
        chunks = list(iter_chunks(600, today=TODAY, chunk_size=chunk_size))
        assert not chunks[0].customers and chunks[0].users
        merged = Dataset()
        for chunk in chunks:
            merged.extend(chunk)
        assert merged == dataset


def test_node_uids_are_unique_across_labels(dataset: Dataset) -> None:
    uids = [row["uid"] for kind in NODE_LABELS for row in getattr(dataset, kind)]
    assert len(uids) == len(set(uids))


def test_customer_uid_is_creation_date_and_daily_serial(dataset: Dataset) -> None:
    serials: dict[str, list[int]] = {}
    for customer in dataset.customers:
        match = re.fullmatch(r"C(\d{8})(\d{3})", customer["uid"])
        assert match, customer["uid"]
        assert customer["created_at"][:10].replace("-", "") == match[1]
        serials.setdefault(match[1], []).append(int(match[2]))
    for numbers in serials.values():
        assert numbers == list(range(1, len(numbers) + 1))
    days = [dt.date.fromisoformat(c["created_at"][:10]) for c in dataset.customers]
    assert TODAY - dt.timedelta(days=731) <= min(days) and max(days) < TODAY
    assert max(days) - min(days) > dt.timedelta(days=600)


def test_nodes_carry_utc_stamps_and_version_one(dataset: Dataset) -> None:
    for kind in NODE_LABELS:
        for row in getattr(dataset, kind):
            assert STAMP.match(row["created_at"]) and row["updated_at"] == row["created_at"]
            assert row["version"] == 1


def test_phones_are_valid_by_the_apps_rule_e164_mobile_numbers_and_unique(
    dataset: Dataset,
) -> None:
    """Every demo phone passes the check of the edit form, REST and import
    (``graph.model.validation.Phone``, ``phonenumbers.is_valid_number`` in CN) unchanged, so
    an unedited demo record can be saved and its exported row imported again."""
    people = ("users", "referrers", "customers", "contacts")
    phones = [row["phone"] for kind in people for row in getattr(dataset, kind)]
    assert all(re.fullmatch(r"\+861[3-9]\d{9}", phone) for phone in phones)
    assert len(phones) == len(set(phones))
    check = field_for(nodes.Customer, "phone", "CN")
    invalid = [phone for phone in phones if check.deserialize(phone) != phone]
    assert invalid == []
    # Whatever eight digits follow: every prefix the generator uses is allocated whole.
    for prefix in MOBILE_PREFIXES:
        for rest in ("00000000", "54545454", "99999999"):
            number = phonenumbers.parse(f"+86{prefix}{rest}")
            assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
            assert check.deserialize(f"+86{prefix}{rest}") == f"+86{prefix}{rest}"
    # The generator draws on every prefix, not only the most common.
    assert {phone[3:6] for phone in phones} == set(MOBILE_PREFIXES)


def test_customers_mix_kinds_languages_and_stages(dataset: Dataset) -> None:
    names = [c["name"] for c in dataset.customers]
    assert any(name.endswith("公司") for name in names)
    assert any(re.fullmatch(r"[\u4e00-\u9fff]{2,3}", name) for name in names)
    assert any(name.isascii() for name in names)
    assert {c["stage"] for c in dataset.customers} == {"potential", "intent", "deal", "lost"}
    assert {c["kind"] for c in dataset.customers} == {"company", "person"}


def test_every_customer_has_exactly_one_owner_in_sales(dataset: Dataset) -> None:
    owners = Counter(row["to"] for row in dataset.owns)
    assert set(owners) == {c["uid"] for c in dataset.customers}
    assert set(owners.values()) == {1}
    sales = {u["uid"] for u in dataset.users if u["role"] == "sales"}
    assert {row["from"] for row in dataset.owns} <= sales


def test_team_is_a_tree_under_one_director(dataset: Dataset) -> None:
    boss = {row["from"]: row["to"] for row in dataset.reports_to}
    assert len(boss) == len(dataset.reports_to) == len(dataset.users) - 1
    for user in dataset.users:
        chain, uid = set(), user["uid"]
        while uid in boss:
            assert uid not in chain
            chain.add(uid)
            uid = boss[uid]
        assert uid == "U0001"


def test_referrals_form_a_forest_pointing_forward_in_time(dataset: Dataset) -> None:
    created = {
        row["uid"]: row["created_at"]
        for kind in ("customers", "contacts", "referrers")
        for row in getattr(dataset, kind)
    }
    rows = referral_rows(dataset)
    parent = {row["to"]: row["from"] for row in rows}
    assert len(parent) == len(rows), "a customer was referred twice"
    for row in rows:
        assert created[row["from"]] < created[row["to"]] == row["at"]
    for start in parent:
        seen, uid = set(), start
        while uid in parent:
            assert uid not in seen, f"referral cycle through {uid}"
            seen.add(uid)
            uid = parent[uid]
    assert 0.55 <= len(rows) / len(dataset.customers) <= 0.75


def test_referral_networks_grow_with_their_size(dataset: Dataset) -> None:
    """Preferential attachment: one network dwarfs the rest and its chains run deep."""
    parent = {row["to"]: row["from"] for row in referral_rows(dataset)}

    def root_and_depth(uid: str) -> tuple[str, int]:
        depth = 0
        while uid in parent:
            uid, depth = parent[uid], depth + 1
        return uid, depth

    found = [root_and_depth(uid) for uid in parent]
    sizes = sorted(Counter(root for root, _ in found).values(), reverse=True)
    assert sizes[0] >= 0.1 * len(parent), sizes[:5]
    assert sizes[0] >= 10 * sizes[len(sizes) // 2], sizes  # the median network is small
    assert max(depth for _, depth in found) >= 6


def test_relationships_join_existing_nodes_of_the_right_labels(dataset: Dataset) -> None:
    uids = {kind: {row["uid"] for row in getattr(dataset, kind)} for kind in NODE_LABELS}
    for kind, (_, source, target) in LINKS.items():
        for row in getattr(dataset, kind):
            assert row["from"] in uids[source] and row["to"] in uids[target], (kind, row)


def test_history_happens_after_creation_and_before_today(dataset: Dataset) -> None:
    created = {c["uid"]: c["created_at"] for c in dataset.customers}
    follow_ups = {f["uid"]: f for f in dataset.follow_ups}
    for row in dataset.about:
        at = follow_ups[row["from"]]["at"]
        assert created[row["to"]] < at < TODAY.isoformat()
    deals = {c["uid"] for c in dataset.customers if c["stage"] == "deal"}
    assert {row["from"] for row in dataset.placed} == deals


def test_day_cap_keeps_the_total_and_three_digit_serials() -> None:
    counts = cap_per_day([1500, 0, 10, 2400, 0, 900], limit=999)
    assert sum(counts) == 4810 and max(counts) <= 999


def graph_counts(store: GraphStore) -> tuple[dict[str, int], dict[str, int]]:
    nodes = {row["label"]: row["count"] for row in store.read("node_count_by_label")}
    links = {
        row["type"]: row["count"] for row in store.read(statement("relationship_count_by_type"))
    }
    return nodes, links


def expected_counts(data: Dataset) -> tuple[dict[str, int], dict[str, int]]:
    nodes = {label: len(getattr(data, kind)) for kind, label in NODE_LABELS.items()}
    links: Counter[str] = Counter()
    for kind, (rel_type, _, _) in LINKS.items():
        links[rel_type] += len(getattr(data, kind))
    return nodes, dict(links)


def test_load_puts_every_node_and_relationship_in_the_graph(store: GraphStore) -> None:
    data = generate(60, today=TODAY)
    counts = load(store, data, batch_size=25)
    assert counts == {kind: len(getattr(data, kind)) for kind in counts}
    assert graph_counts(store) == expected_counts(data)
    tag = store.read(statement("tag_get"), uid="T01")[0]["t"]
    assert tag == data.tags[0]


def test_loading_chunks_builds_the_same_graph(store: GraphStore) -> None:
    counts = load(store, iter_chunks(60, today=TODAY, chunk_size=7))
    data = generate(60, today=TODAY)
    assert counts == data.counts()
    assert graph_counts(store) == expected_counts(data)


def test_load_reports_progress_after_each_batch(store: GraphStore) -> None:
    calls: list[tuple[str, int]] = []
    load(store, generate(60, today=TODAY), batch_size=25, progress=lambda *c: calls.append(c))
    assert [c for c in calls if c[0] == "customers"] == [
        ("customers", 25),
        ("customers", 50),
        ("customers", 60),
    ]


def test_a_link_to_a_missing_node_is_refused(store: GraphStore) -> None:
    data = generate(5, today=TODAY)
    data.owns.append({"from": "U0001", "to": "C19990101001", "since": "1999-01-01T00:00:00Z"})
    with pytest.raises(NotFound, match="dataset_link_owns: 1 of"):
        load(store, data)


def test_seed_demo_loads_once_and_never_duplicates(store: GraphStore) -> None:
    assert seed_demo(store, cipher=None, customers=40, today=TODAY) is True
    first = graph_counts(store)
    assert first[0]["Customer"] == 40
    assert seed_demo(store, cipher=None, customers=40, today=TODAY) is False
    assert graph_counts(store) == first


def test_every_kind_has_a_load_statement_derived_from_the_declarations() -> None:
    fields = set(Dataset.__dataclass_fields__)
    plan = load_plan()
    assert {step.field for step in plan} == fields
    assert [step.model.label for step in plan if step.model] == list(REGISTRY)
    assert plan[0].statement == "dataset_load_user"
    assert [s.statement for s in plan if s.field.startswith("referred")] == [
        "dataset_link_referred_from_customer",
        "dataset_link_referred_from_contact",
        "dataset_link_referred_from_referrer",
    ]
    names = set(library("neo4j").names()) & set(library("falkordb").names())
    assert {step.statement for step in plan} <= names
