"""The role crawl: every built-in role GETs every page and API a person can reach, with ids
of records it may and may not see; no answer may name (or give the uid of) a record the
role may not see, and none may be a 5xx.

The world has two sales teams whose customers refer each other, contacts, follow-ups,
orders, tickets, history that names another team's customer, and a segment. What a role
may not see: record types its role may not read (``ALLOWED`` of the authorization matrix)
and, for Sales, the other team's customers and everything hanging off them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.roles import role_permissions
from graph.model import nodes
from graph.model.base import REGISTRY, NodeModel
from graph.model.records import Record
from graph.segments.rules import parse_rules
from graph.segments.storage import create_segment
from graph.store.protocol import GraphStore
from tests.test_authorization import ALLOWED, SCREENS
from tests.test_row_level_access import PASSWORD, staff
from tests.web import login

ROLES = role_permissions()


CRAWLED = ["Admin", *sorted(ROLES)]
# Routes no person reads records through (static files, signing out, switching language).
SKIPPED = {"static", "appbuilder.static", "LocaleView.index"}  # and every logout
# A URL argument that names no graph record, and the value the crawl gives it.
FIXED_ARGUMENTS = {
    "version": "v1",
    "name": "none",
    "filename": "none_sep_none.csv",  # FAB's form of an uploaded file's name
    "group_by": "0",
    "role_id": "1",
    "job_id": "none",  # no such job: 404
    "import_id": "none",  # no such import: 404
    "type_key": "customer",  # an import type (its fields, saved mappings)
}


@dataclass
class World:
    """The records of the crawl and who may see which."""

    records: list[Record] = field(default_factory=list)
    team_b: set[str] = field(default_factory=set)  # uids out of sight of team A's lead
    segment: str = ""

    def of(self, label: str) -> list[Record]:
        return [r for r in self.records if r.label == label]

    def hidden_from(self, role: str) -> list[Record]:
        """The records ``role`` (as team A's lead for Sales) may not see."""
        rights = ALLOWED.get(role, dict.fromkeys(SCREENS, "r"))  # Admin reads everything
        readable = {label for label, given in rights.items() if "r" in given}
        return [
            r
            for r in self.records
            if r.label.lower() not in readable or (role == "Sales" and r.uid in self.team_b)
        ]


@pytest.fixture
def world(app: Flask, store: GraphStore) -> World:
    """Team A (lead_a, rep_a reporting to them) and team B (lead_b, rep_b), one account
    per built-in role, and records that cross the teams' border."""
    for role in CRAWLED:
        staff(app, store, f"crawl_{role.lower()}", role)
    world = World()
    with app.app_context():
        repo = app.extensions["graph_repositories"]

        def make(model: type[NodeModel], values: dict, team_b: bool = False) -> Record:
            record = repo(model).create(values, "setup")
            world.records.append(record)
            if team_b:
                world.team_b.add(record.uid or "")
            return record

        lead_a = staff(app, store, "lead_a", "Sales")
        rep_a = staff(app, store, "rep_a", "Sales")
        lead_b = staff(app, store, "lead_b", "Sales")
        rep_b = staff(app, store, "rep_b", "Sales")
        users = repo(nodes.User)
        users.update(rep_a, {"manager": lead_a}, "setup")
        users.update(rep_b, {"manager": lead_b}, "setup")
        tag = make(nodes.Tag, {"name": "Crawltag"})
        channel = make(nodes.Channel, {"name": "Crawlchannel"})
        referrer = make(nodes.Referrer, {"name": "Crawlreferrer Zed"})
        b1 = make(nodes.Customer, {"name": "Hidden Bravo One", "stage": "deal", "owner": rep_b,
                                   "tags": [tag], "channel": channel}, team_b=True)  # fmt: skip
        cb = make(nodes.Contact, {"name": "Hidden Contact Bravo", "customer": b1}, team_b=True)
        a1 = make(nodes.Customer, {"name": "Shown Alpha One", "stage": "deal", "owner": rep_a,
                                   "referred_by": b1, "referred_by_referrer": referrer,
                                   "tags": [tag], "channel": channel})  # fmt: skip
        make(nodes.Customer, {"name": "Shown Alpha Two", "stage": "intent", "owner": lead_a,
                              "referred_by_contact": cb})  # fmt: skip
        b2 = make(nodes.Customer, {"name": "Hidden Bravo Two", "stage": "deal", "owner": lead_b,
                                   "referred_by": a1}, team_b=True)  # fmt: skip
        # A contact that moved from team B's customer to team A's: its history names both.
        moved = make(nodes.Contact, {"name": "Shown Contact Moved", "customer": b2})
        current = repo(nodes.Contact).get(moved.uid or "")
        assert current is not None
        repo(nodes.Contact).update(current, {"customer": a1}, "setup")
        make(nodes.Contact, {"name": "Shown Contact Alpha", "customer": a1})
        at = "2026-01-02T03:04:05"
        for customer, team_b, word in ((a1, False, "Shown"), (b1, True, "Hidden")):
            logger = rep_b if team_b else rep_a
            make(nodes.FollowUp, {"at": at, "method": "phone", "summary": f"{word} call summary",
                                  "customer": customer, "logged_by": logger}, team_b)  # fmt: skip
            make(nodes.Order, {"product": f"{word} product sold", "amount": 12.5, "at": at,
                               "customer": customer}, team_b)  # fmt: skip
            make(nodes.Ticket, {"subject": f"{word} ticket subject", "customer": customer}, team_b)
        # A user group (the security store's own record 1): its pages are crawled too.
        security = app.appbuilder.sm  # type: ignore[attr-defined]
        if security.find_group("crawl_group") is None:
            security.add_group("crawl_group", "Crawl group", "")
    rules = parse_rules(
        [
            {"field": "stage", "op": "in", "value": ["deal", "intent"]},
            {"field": "referred_by", "op": "within", "value": {"customer": b1.uid, "hops": 3}},
        ]
    )
    world.segment = create_segment(store, "Crawl segment", "", rules, "setup").uid
    return world


def _secrets(record: Record) -> list[str]:
    """What would give ``record`` away: its uid and its title."""
    return [str(record.uid), str(record)]


def _label_of(endpoint: str) -> str | None:
    view = endpoint.split(".")[0]
    for suffix in ("RestApi", "View"):
        if view.endswith(suffix) and view[: -len(suffix)] in REGISTRY:
            return view[: -len(suffix)]
    return None


def _urls(app: Flask, world: World) -> Iterator[tuple[str, str]]:
    """(endpoint, URL) for every GET route, each record id argument filled with one
    record each role may see and one some role may not (per node type)."""
    samples = {
        label: [r.uid for r in world.of(label) if r.uid not in world.team_b][:1]
        + [r.uid for r in world.of(label) if r.uid in world.team_b][:1]
        for label in REGISTRY
    }
    samples["User"] = []  # staff are visible to every reader of users; covered by lists
    customers = samples["Customer"]
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in SKIPPED:
            continue
        if rule.endpoint.endswith(".logout"):  # the crawl must stay signed in
            continue
        arguments = set(rule.arguments)
        label = _label_of(rule.endpoint)
        fillings: list[dict[str, str]] = [{}]
        if "label" in arguments and "uid" in arguments:  # the network explorer
            fillings = [{"label": lab, "uid": uid} for lab, uids in samples.items() for uid in uids]
        elif "label" in arguments:  # relation pickers
            fillings = [{"label": lab} for lab in REGISTRY]
        elif rule.endpoint.startswith(("Segment", "Referral", "Pipeline")):
            ids = [world.segment] if rule.endpoint.startswith("Segment") else customers
            key = "uid"
            fillings = [{key: uid} for uid in ids]
            if "customer" in arguments:
                fillings = [{"uid": world.segment, "customer": uid} for uid in customers]
        elif "pk" in arguments and label is not None:
            fillings = [{"pk": uid} for uid in samples[label]]
        elif "pk" in arguments:
            fillings = [{"pk": "1"}]  # the security store's own records (ints)
        for filling in fillings:
            values = {**{a: FIXED_ARGUMENTS.get(a, "") for a in arguments}, **filling}
            if any(values[a] == "" for a in arguments):
                pytest.fail(f"the crawl cannot fill {rule.rule} ({rule.endpoint}): add it")
            url = rule.rule
            for name, value in values.items():
                url = re.sub(rf"<(?:[a-z]+:)?{name}>", value, url)
            if rule.endpoint == "ChoicesView.search":
                url += "?q="
            if rule.endpoint == "PipelineApi.column":
                url += "?stage=deal"  # both teams have customers there
            yield rule.endpoint, url


def _crawl(client: FlaskClient, app: Flask, world: World, role: str) -> list[str]:
    hidden = world.hidden_from(role)
    problems = []
    for endpoint, url in _urls(app, world):
        response = client.get(url)
        text = response.get_data(as_text=True)
        if response.status_code >= 500:
            problems.append(f"{role} GET {url} ({endpoint}): {response.status_code}")
        if 300 <= response.status_code < 400:
            continue  # a redirect's body only echoes the URL the reader asked for
        # The audit trail says which record (by uid) an event was about, to the role that
        # reviews it; names stay out of it like everywhere else.
        audit = role == "Auditor" and endpoint.startswith("AuditEvent")
        secrets = {s: r for r in hidden for s in (_secrets(r)[1:] if audit else _secrets(r))}
        for secret, record in secrets.items():
            if secret in text:
                problems.append(f"{role} GET {url} ({endpoint}) names {record!r}: {secret!r}")
    assert 'id="login-prompt"' not in client.get("/").get_data(as_text=True), "signed out"
    return problems


@pytest.mark.parametrize("role", CRAWLED)
def test_no_route_names_a_record_the_role_may_not_see(
    app: Flask, client: FlaskClient, world: World, role: str
) -> None:
    username = "lead_a" if role == "Sales" else f"crawl_{role.lower()}"
    login(client, username, PASSWORD)
    assert 'id="login-prompt"' not in client.get("/").get_data(as_text=True), "not logged in"
    problems = _crawl(client, app, world, role)
    assert not problems, "\n".join(problems)
