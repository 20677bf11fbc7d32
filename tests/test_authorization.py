"""Authorization matrix: every built-in role against every record screen and REST verb."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.roles import role_permissions
from graph.model import nodes
from graph.model.base import REGISTRY
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, login

ROLES = role_permissions()

SCREENS = tuple(label.lower() for label in REGISTRY)
# What each role may do per node type: r = read (list/show, GET), w = add/edit, d = delete.
ALLOWED = {
    "Sales": {**dict.fromkeys(("customer", "contact", "followup", "order", "ticket"), "rwd"),
              **dict.fromkeys(("channel", "tag", "user", "referrer"), "r")},
    "Service": {**dict.fromkeys(("customer", "contact", "order"), "r"),
                **dict.fromkeys(("followup", "ticket"), "rw"),
                **dict.fromkeys(("channel", "tag", "user", "referrer"), "r")},
    "Finance": {"order": "rwd",
                **dict.fromkeys(("customer", "contact", "followup", "ticket"), "r"),
                **dict.fromkeys(("channel", "tag", "user", "referrer"), "r")},
    "Marketing": {**dict.fromkeys(("channel", "tag", "referrer"), "rwd"),
                  **dict.fromkeys(("customer", "contact", "user"), "r")},
    "Analyst": dict.fromkeys(SCREENS, "r"),
    "Auditor": {},
}  # fmt: skip


def test_matrix_covers_every_built_in_role() -> None:
    assert set(ALLOWED) == set(ROLES)


@pytest.fixture
def people(app: Flask, store: GraphStore) -> dict[str, str]:
    """One account per built-in role (login name = role name in lower case)."""
    return {role: staff(app, store, role.lower(), role).uid for role in ROLES}


@pytest.mark.parametrize("role", sorted(ROLES))
def test_role_gets_exactly_its_screens(
    role: str, client: FlaskClient, people: dict[str, str], store: GraphStore
) -> None:
    login(client, role.lower(), PASSWORD)
    for screen in SCREENS:
        allowed = ALLOWED[role].get(screen, "")
        listing = client.get(f"/{screen}/list/")
        assert (listing.status_code == 200) == ("r" in allowed), (role, screen, "list")
        add = client.get(f"/{screen}/add")
        assert (add.status_code == 200) == ("w" in allowed), (role, screen, "add")


@pytest.mark.parametrize("role", sorted(ROLES))
def test_role_gets_exactly_its_rest_verbs(
    role: str, client: FlaskClient, people: dict[str, str], store: GraphStore
) -> None:

    tag = NodeRepository(store, nodes.Tag).create({"name": f"t-{role}"}, "setup")
    headers = bearer(client, role.lower(), PASSWORD)
    for screen in SCREENS:
        allowed = ALLOWED[role].get(screen, "")
        listed = client.get(f"/api/v1/{screen}/", headers=headers)
        assert (listed.status_code == 200) == ("r" in allowed), (role, screen, "GET")
        assert listed.status_code in (200, 401, 403)
        posted = client.post(f"/api/v1/{screen}/", json={}, headers=headers)
        # Allowed writers get past the permission check to validation (422).
        assert (posted.status_code == 422) == ("w" in allowed), (role, screen, "POST")
    deleted = client.delete(f"/api/v1/tag/{tag.uid}", headers=headers)
    assert (deleted.status_code == 200) == ("d" in ALLOWED[role].get("tag", "")), role
