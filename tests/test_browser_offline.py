"""Fully offline: no page asks the browser to fetch anything from outside the app."""

from __future__ import annotations

from flask import Flask

from graph.model import nodes
from graph.model.base import REGISTRY
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD

PAGES = [
    "/",
    "/customer/show/{uid}",
    "/customer/add",
    "/referrals/chain/{uid}",
    "/network/",
    "/segments/list/",
    "/segments/add",
    "/analytics/top-referrers",
    "/analytics/channels",
    "/console/",
    "/auditevent/list/",
    "/users/list/",
    "/roles/list/",
    "/users/userinfo/",
]


def test_no_page_requests_anything_outside_the_app(
    page, live_server: str, app: Flask, store: GraphStore
) -> None:
    uid = NodeRepository(store, nodes.Customer).create({"name": "Acme"}, "setup").uid
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            outside.append(f"{page.url} -> {request.url}")
            if not request.url.startswith((live_server, "data:", "blob:"))
            else None
        ),
    )
    page.goto(live_server + "/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    lists = [f"/{model.label.lower()}/list/" for model in REGISTRY.values()]
    for language in ("en", "zh"):
        page.goto(f"{live_server}/lang/{language}")
        for path in [*PAGES, *lists]:
            response = page.goto(live_server + path.format(uid=uid))
            page.wait_for_load_state("networkidle")
            assert response is not None and response.status < 500, path
    assert outside == []
