"""Segments: each rule against its expected members on a hand-built graph, validation,
row-level access, explanations, and the pages and REST API."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from graph.errors import NotFound
from graph.model import nodes
from graph.model.records import Record
from graph.records.repository import NodeRepository
from graph.security.scope import Scope
from graph.segments.members import count_members, explain, member_page
from graph.segments.rules import InvalidRule, parse_rules
from graph.segments.storage import Segment, create_segment
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, csrf_token, login
from views.messages import MESSAGES, error_text

EVERYTHING = Scope.everything()
PHONE = "+8613812345678"


@dataclass
class World:
    """Customers by short name, plus the tags, channels and users they point to."""

    c: dict[str, Record] = field(default_factory=dict)
    tags: dict[str, Record] = field(default_factory=dict)
    channels: dict[str, Record] = field(default_factory=dict)
    users: dict[str, Record] = field(default_factory=dict)

    def names(self, uids: list[str] | set[str]) -> set[str]:
        by_uid = {record.uid: name for name, record in self.c.items()}
        return {by_uid[uid] for uid in uids}


def _clock(day: str) -> Any:
    moment = dt.datetime.fromisoformat(f"{day}T10:00:00+00:00")
    return lambda: moment


def _refer(store: GraphStore, source: Record, target: Record) -> None:
    store.write(
        "dataset_link_referred_from_customer",
        rows=[{"from": source.uid, "to": target.uid, "at": "2024-01-01T00:00:00Z"}],
    )


@pytest.fixture
def world(app: Flask, store: GraphStore) -> World:
    w = World()
    w.users["ana"] = staff(app, store, "ana", "Sales")
    w.users["bo"] = staff(app, store, "bo", "Sales")
    for name in ("VIP", "Hot"):
        w.tags[name] = NodeRepository(store, nodes.Tag).create({"name": name}, "setup")
    for name in ("Web", "Fair"):
        w.channels[name] = NodeRepository(store, nodes.Channel).create({"name": name}, "setup")
    cipher = app.extensions["field_cipher"]
    ana, bo = w.users["ana"], w.users["bo"]
    vip, hot, web, fair = w.tags["VIP"], w.tags["Hot"], w.channels["Web"], w.channels["Fair"]
    specs: list[tuple[str, str, dict[str, Any]]] = [
        ("A", "2024-01-10", dict(stage="deal", industry="Retail", region="East", value_tier="A",
                                 owner=ana, channel=web, tags=[vip], phone=PHONE)),
        ("B", "2024-02-10", dict(stage="intent", industry="Retail", region="West", value_tier="B",
                                 owner=ana, channel=web, tags=[vip, hot])),
        ("C", "2024-03-10", dict(stage="potential", industry="Tech", region="East", value_tier="C",
                                 owner=bo, channel=fair, tags=[hot])),
        ("D", "2024-04-10", dict(stage="lost", industry="Tech", region="North", value_tier="A",
                                 owner=bo)),
        ("E", "2024-05-10", dict(stage="deal", industry="Finance", region="East", value_tier="B",
                                 owner=bo, channel=fair)),
        ("L1", "2024-06-10", dict(stage="potential", owner=bo)),
        ("L2", "2024-06-10", dict(stage="potential", owner=bo)),
        ("L3", "2024-06-10", dict(stage="potential", owner=bo)),
        ("F", "2024-07-10", dict(stage="intent", owner=ana)),
    ]  # fmt: skip
    for name, day, values in specs:
        repository = NodeRepository(store, nodes.Customer, clock=_clock(day), cipher=cipher)
        w.c[name] = repository.create({"name": f"Customer {name}", **values}, "setup")
    c = w.c
    for source, target in (("A", "B"), ("B", "C"), ("C", "D"), ("A", "E")):
        _refer(store, c[source], c[target])
    for source, target in (("L1", "L2"), ("L2", "L3"), ("L3", "L1")):  # a loop
        _refer(store, c[source], c[target])
    orders = NodeRepository(store, nodes.Order)
    for who, amount in (("A", 5000.0), ("A", 7300.0), ("B", 100.0), *[("E", 1000.0)] * 3):
        orders.create(
            {"product": "p", "amount": amount, "at": "2024-05-01T00:00:00", "customer": c[who]},
            "setup",
        )
    followups = NodeRepository(store, nodes.FollowUp)
    for who, at in (("A", "2024-02-01T09:00:00"), ("A", "2024-03-01T09:00:00"),
                    ("B", "2024-06-01T09:00:00")):  # fmt: skip
        followups.create({"at": at, "method": "phone", "summary": "call", "customer": c[who]}, "s")
    # Analytics properties (as `graphcrm analytics refresh` writes them) on E and F only.
    store.write(
        "customer_update_analytics",
        rows=[[c["E"].uid, None, None, 0.5, None], [c["F"].uid, 7, 1, 0.9, 1]],
    )
    return w


def members(store: GraphStore, rules: list[dict[str, Any]], scope: Scope = EVERYTHING) -> set:
    segment = Segment(uid="t", name="t", rules=parse_rules(rules))
    repository = NodeRepository(store, nodes.Customer)
    page = member_page(repository, segment, scope, limit=100)
    assert count_members(store, segment, scope) == len(page)
    return {record.uid for record in page}


def rule(field_: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field_, "op": op, "value": value}


# --- each rule against its expected members --------------------------------------------------


CASES = [
    (rule("stage", "in", ["deal"]), {"A", "E"}),
    (rule("stage", "in", ["intent", "lost"]), {"B", "D", "F"}),
    (rule("industry", "eq", "Retail"), {"A", "B"}),
    (rule("industry", "in", ["Tech", "Finance"]), {"C", "D", "E"}),
    (rule("region", "eq", "East"), {"A", "C", "E"}),
    (rule("region", "in", ["West", "North"]), {"B", "D"}),
    (rule("value_tier", "in", ["A"]), {"A", "D"}),
    (rule("created", "between", {"from": "2024-02-01", "to": "2024-04-10"}), {"B", "C", "D"}),
    (rule("created", "between", {"from": "2024-06-10"}), {"L1", "L2", "L3", "F"}),
    (rule("created", "between", {"to": "2024-01-10"}), {"A"}),
    (rule("last_follow_up", "before", "2024-04-01"), {"A"}),
    (rule("last_follow_up", "after", "2024-04-01"), {"B"}),
    (rule("last_follow_up", "none"), {"C", "D", "E", "L1", "L2", "L3", "F"}),
    (rule("order_count", "gte", 2), {"A", "E"}),
    (rule("order_count", "gte", 0), {"A", "B", "C", "D", "E", "L1", "L2", "L3", "F"}),
    (rule("order_total", "gte", 3000), {"A", "E"}),
    (rule("order_total", "gte", 12300), {"A"}),
    (rule("descendants", "gte", 2), {"A", "B", "L1", "L2", "L3", "F"}),
    (rule("descendants", "gte", 3), {"A", "F"}),
    (rule("influence", "gt", 0.4), {"E", "F"}),
    (rule("influence", "gt", 0.5), {"F"}),
]


@pytest.mark.parametrize(("given", "expected"), CASES, ids=lambda v: str(v)[:60])
def test_each_rule_selects_its_expected_members(
    store: GraphStore, world: World, given: dict[str, Any], expected: set[str]
) -> None:
    assert world.names(members(store, [given])) == expected


def test_tags_any_and_all(store: GraphStore, world: World) -> None:
    vip, hot = world.tags["VIP"].uid, world.tags["Hot"].uid
    assert world.names(members(store, [rule("tags", "any", [vip])])) == {"A", "B"}
    assert world.names(members(store, [rule("tags", "any", [vip, hot])])) == {"A", "B", "C"}
    assert world.names(members(store, [rule("tags", "all", [vip, hot])])) == {"B"}


def test_channel_and_owner(store: GraphStore, world: World) -> None:
    web = world.channels["Web"].uid
    assert world.names(members(store, [rule("channel", "is", web)])) == {"A", "B"}
    ana = world.users["ana"].uid
    assert world.names(members(store, [rule("owner", "is", ana)])) == {"A", "B", "F"}


def test_referred_by_within_hops(store: GraphStore, world: World) -> None:
    a = world.c["A"].uid
    within = {"customer": a, "hops": 1}
    assert world.names(members(store, [rule("referred_by", "within", within)])) == {"B", "E"}
    within = {"customer": a, "hops": 3}
    found = members(store, [rule("referred_by", "within", within)])
    assert world.names(found) == {"B", "C", "D", "E"}


def test_referral_loop_ends_and_excludes_the_referrer_itself(
    store: GraphStore, world: World
) -> None:
    within = {"customer": world.c["L1"].uid, "hops": 10}
    assert world.names(members(store, [rule("referred_by", "within", within)])) == {"L2", "L3"}


def test_rules_combine_with_and(store: GraphStore, world: World) -> None:
    rules = [
        rule("stage", "in", ["deal", "intent"]),
        rule("region", "eq", "East"),
        rule("tags", "any", [world.tags["VIP"].uid]),
    ]
    assert world.names(members(store, rules)) == {"A"}
    rules.append(rule("order_total", "gte", 20000))
    assert members(store, rules) == set()


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ([rule("colour", "eq", "red")], "unknown rule field 'colour'"),
        ([rule("stage", "eq", "deal")], "stage: unknown operator 'eq'"),
        ([rule("stage", "in", ["won"])], "'won' is not one of"),
        ([rule("referred_by", "within", {"customer": "C1", "hops": 0})], "from 1 to 10"),
        ([rule("referred_by", "within", {"customer": "C1", "hops": 11})], "from 1 to 10"),
        ([rule("referred_by", "within", {"customer": "C1", "hops": "3; DROP"})], "whole number"),
        ([rule("created", "between", {"from": "2024-02-30"})], "is not a date"),
        ([rule("created", "between", {"from": "yesterday"})], "is not a date"),
        ([rule("created", "between", {"from": "2024-05-01", "to": "2024-01-01"})], "after"),
        ([rule("last_follow_up", "before", "01/02/2024")], "is not a date"),
        ([rule("order_total", "gte", "lots")], "give a number"),
        ([rule("descendants", "gte", 0)], "at least 1"),
        ([{"field": "stage", "op": "in", "value": ["deal"], "extra": 1}], "a rule is an object"),
        ([], "at least one rule"),
        ("not json", "not valid JSON"),
    ],
)
def test_invalid_rules_are_refused_with_clear_messages(given: Any, message: str) -> None:
    with pytest.raises(InvalidRule) as caught:
        parse_rules(given)
    assert caught.value.key in MESSAGES
    assert message in error_text(caught.value)


# --- row-level access and explanations ---------------------------------------------------------


def test_sales_counts_and_lists_only_their_teams_members(store: GraphStore, world: World) -> None:
    rules = [rule("stage", "in", ["deal", "intent", "potential"])]
    everyone = members(store, rules)
    assert len(everyone) == 8
    ana = Scope(username="ana", team_only=True, pii=False)
    assert world.names(members(store, rules, ana)) == {"A", "B", "F"}


def test_explain_gives_the_values_and_path_of_each_rule(store: GraphStore, world: World) -> None:
    c = world.c
    segment = Segment(
        uid="t",
        name="t",
        rules=parse_rules(
            [
                rule("referred_by", "within", {"customer": c["A"].uid, "hops": 3}),
                rule("tags", "any", [world.tags["Hot"].uid]),
                rule("order_total", "gte", 0),
                rule("stage", "in", ["deal"]),
            ]
        ),
    )
    found = explain(store, segment, c["C"].uid, EVERYTHING)
    assert found.name == "Customer C" and found.member is False
    referred, tags, total, stage = found.rules
    assert referred.matched
    assert referred.path == (c["A"].uid, c["B"].uid, c["C"].uid)
    assert referred.detail == f"referred by {c['A'].uid} via {c['B'].uid} (2 hops)"
    assert (tags.matched, tags.detail) == (True, "tags: Hot")
    assert (total.matched, total.detail) == (True, "order total: 0")
    assert (stage.matched, stage.detail) == (False, "stage: potential")
    a = explain(store, Segment("t", "t", rules=parse_rules([rule("order_total", "gte", 1)])),
                c["A"].uid, EVERYTHING)  # fmt: skip
    assert a.member and a.rules[0].detail == "order total: 12,300"


def test_explain_hides_what_sales_may_not_see(store: GraphStore, world: World) -> None:
    c = world.c
    ana = Scope(username="ana", team_only=True, pii=False)
    segment = Segment("t", "t", rules=parse_rules([rule("stage", "in", ["deal"])]))
    with pytest.raises(NotFound):
        explain(store, segment, c["E"].uid, ana)
    # B is ana's; its referrer A too: the path is shown. For bo's C via B, A is hidden to bo?
    bo = Scope(username="bo", team_only=True, pii=False)
    within = {"customer": c["A"].uid, "hops": 3}
    segment = Segment("t", "t", rules=parse_rules([rule("referred_by", "within", within)]))
    found = explain(store, segment, c["C"].uid, bo)
    assert found.rules[0].path == ("hidden", "hidden", c["C"].uid)


# --- pages and REST ----------------------------------------------------------------------------


def _segment(store: GraphStore, world: World) -> Segment:
    rules = parse_rules([rule("stage", "in", ["deal", "intent"])])
    return create_segment(store, "Buyers", "deal or intent", rules, "admin")


def test_rest_crud_members_and_explain(client: FlaskClient, world: World) -> None:
    headers = bearer(client)
    body = {
        "name": "East buyers",
        "description": "",
        "rules": [rule("stage", "in", ["deal"]), rule("region", "eq", "East")],
    }
    created = client.post("/api/v1/segments/", json=body, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    uid = created.json["result"]["uid"]
    assert re.fullmatch(r"SG\d{8}\d{3,}", uid)  # a readable uid, like every record's
    assert created.json["result"]["rules"][1] == rule("region", "eq", "East")
    listed = client.get("/api/v1/segments/", headers=headers).json["result"]
    assert [s["name"] for s in listed] == ["East buyers"]
    got = client.get(f"/api/v1/segments/{uid}", headers=headers).json["result"]
    assert got["version"] == 1
    page = client.get(f"/api/v1/segments/{uid}/members?page_size=1", headers=headers).json
    assert page["count"] == 2 and len(page["result"]) == 1
    assert set(page["result"][0]) >= {"uid", "name", "stage"}
    why = client.get(f"/api/v1/segments/{uid}/explain/{world.c['A'].uid}", headers=headers)
    assert why.json["result"]["member"] is True
    assert why.json["result"]["rules"][1]["detail"] == "region: East"
    bad = client.post(
        "/api/v1/segments/",
        json={**body, "rules": [rule("referred_by", "within", {"customer": "x", "hops": 11})]},
        headers=headers,
    )
    assert bad.status_code == 400 and "1 to 10" in bad.json["message"]
    body["rules"] = [rule("stage", "in", ["intent"])]
    stale = client.put(f"/api/v1/segments/{uid}", json={**body, "version": 7}, headers=headers)
    assert stale.status_code == 409
    put = client.put(f"/api/v1/segments/{uid}", json={**body, "version": 1}, headers=headers)
    assert put.status_code == 200 and put.json["result"]["version"] == 2
    page = client.get(f"/api/v1/segments/{uid}/members", headers=headers).json
    assert page["count"] == 2  # B and F
    assert client.delete(f"/api/v1/segments/{uid}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/segments/{uid}", headers=headers).status_code == 404
    spec = client.get("/api/v1/_openapi", headers=headers).json
    assert "/api/v1/segments/{uid}/members" in spec["paths"]


def _grant_segments(app: Flask, username: str) -> None:
    """Give ``username`` (already set up by ``staff``) segment reading and export on top of
    their role, as the lead's role table will."""
    sm = app.appbuilder.sm
    with app.app_context():
        role = sm.find_role("SegmentReader") or sm.add_role("SegmentReader")
        for action, view in (
            ("can_list", "SegmentView"),
            ("can_show", "SegmentView"),
            ("can_export", "SegmentView"),
            ("can_get", "SegmentApi"),
            ("can_members", "SegmentApi"),
            ("can_explain", "SegmentApi"),
        ):
            sm.add_permission_role(role, sm.add_permission_view_menu(action, view))
        user = sm.find_user(username=username)
        if role not in user.roles:
            user.roles.append(role)
            sm.update_user(user)


def test_sales_sees_only_their_teams_members_on_the_page_and_api(
    app: Flask, client: FlaskClient, store: GraphStore, world: World
) -> None:
    staff(app, store, "cara", "Sales")
    _grant_segments(app, "cara")
    segment = _segment(store, world)
    login(client, "cara", PASSWORD)  # owns nobody
    page = client.get(f"/segments/show/{segment.uid}").get_data(as_text=True)
    assert "0 members visible to you" in page
    assert world.c["A"].uid not in page
    headers = bearer(client, "cara", PASSWORD)
    found = client.get(f"/api/v1/segments/{segment.uid}/members", headers=headers).json
    assert found["count"] == 0
    _grant_segments(app, "ana")
    client.get("/logout/")
    headers = bearer(client, "ana", PASSWORD)
    found = client.get(f"/api/v1/segments/{segment.uid}/members", headers=headers).json
    assert found["count"] == 3 and {m["uid"] for m in found["result"]} == {
        world.c[n].uid for n in ("A", "B", "F")
    }
    explained = client.get(
        f"/api/v1/segments/{segment.uid}/explain/{world.c['E'].uid}", headers=headers
    )
    assert explained.status_code == 404


def test_csv_export_is_masked_without_personal_data_permission_and_audited(
    app: Flask, client: FlaskClient, store: GraphStore, world: World
) -> None:
    from app.audit import AuditEvent

    staff(app, store, "ann", "Analyst")
    _grant_segments(app, "ann")
    segment = _segment(store, world)
    login(client, "ann", PASSWORD)
    response = client.get(f"/segments/export/{segment.uid}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert "Customer A" in text and "138****5678" in text and PHONE not in text
    assert "enc:v1:" not in text
    with app.app_context():
        event = (
            app.appbuilder.session.query(AuditEvent)
            .filter_by(action="export", username="ann")
            .order_by(AuditEvent.id.desc())
            .first()
        )
    assert event is not None and segment.uid in (event.detail or "")
    client.get("/logout/")
    login(client)  # admin: personal data in clear
    assert PHONE in client.get(f"/segments/export/{segment.uid}").get_data(as_text=True)


def test_explain_page_speaks_the_readers_language(
    client: FlaskClient, store: GraphStore, world: World
) -> None:
    c = world.c
    rules = parse_rules(
        [
            rule("referred_by", "within", {"customer": c["A"].uid, "hops": 3}),
            rule("stage", "in", ["deal"]),
        ]
    )
    segment = create_segment(store, "Word of mouth", "", rules, "admin")
    login(client)
    page = client.get(f"/segments/explain/{segment.uid}/{c['C'].uid}").get_data(as_text=True)
    assert f"referred by {c['A'].uid} via {c['B'].uid} (2 hops)" in page
    assert "stage: Potential" in page
    client.get("/lang/zh")
    page = client.get(f"/segments/explain/{segment.uid}/{c['C'].uid}").get_data(as_text=True)
    assert f"由 {c['A'].uid} 经 {c['B'].uid} 推荐（2 跳）" in page
    assert "阶段: 潜在" in page and "不满足" in page
    page = client.get(f"/segments/explain/{segment.uid}/{c['A'].uid}").get_data(as_text=True)
    assert f"不在 {c['A'].uid} 的 3 跳推荐范围内" in page


def test_edit_form_names_what_the_pickers_hold(
    client: FlaskClient, store: GraphStore, world: World
) -> None:
    c, vip, web = world.c, world.tags["VIP"], world.channels["Web"]
    rules = parse_rules(
        [
            rule("referred_by", "within", {"customer": c["A"].uid, "hops": 2}),
            rule("tags", "any", [vip.uid]),
            rule("channel", "is", web.uid),
        ]
    )
    segment = create_segment(store, "Picked", "", rules, "admin")
    login(client)
    form = client.get(f"/segments/edit/{segment.uid}").get_data(as_text=True)
    for uid, title in ((c["A"].uid, "Customer A"), (vip.uid, "VIP"), (web.uid, "Web")):
        assert f'<option value="{uid}" selected>{title}</option>' in form


def test_pages_build_save_show_graph_and_explain(
    client: FlaskClient, store: GraphStore, world: World
) -> None:
    login(client)
    form = client.get("/segments/add").get_data(as_text=True)
    data = {
        "csrf_token": csrf_token(form),
        "name": "Retail",
        "description": "",
        "industry": "Retail",
        "stage": ["deal", "intent"],
        "referred_hops": "",
    }
    saved = client.post("/segments/add", data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    uid = saved.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
    page = client.get(f"/segments/show/{uid}").get_data(as_text=True)
    assert world.c["A"].uid in page and world.c["B"].uid in page and world.c["C"].uid not in page
    graph = client.get(f"/segments/graph/{uid}").json
    ids = {node["data"]["id"] for node in graph["nodes"]}
    assert {world.c["A"].uid, world.c["B"].uid, world.tags["VIP"].uid} <= ids
    why = client.get(f"/segments/explain/{uid}/{world.c['A'].uid}").get_data(as_text=True)
    assert "industry: Retail" in why
    data["referred_hops"] = "11"
    data["referred_by"] = world.c["A"].uid
    refused = client.post("/segments/add", data=data)
    assert refused.status_code == 400 and "1 to 10" in refused.get_data(as_text=True)
    listing = client.get("/segments/list/").get_data(as_text=True)
    assert "Retail" in listing
