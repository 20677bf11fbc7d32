"""One legend for every graph (``views.graph_legend``): a colour and shape per node type, a
ring per stage, the same on the referral, network, segment and console pages, in the
reader's language."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from flask.testing import FlaskClient

from graph.model import nodes
from graph.model.base import REGISTRY
from graph.records.repository import NodeRepository
from graph.segments.rules import parse_rules
from graph.segments.storage import create_segment
from graph.store.protocol import GraphStore
from tests.web import login

LEGEND = re.compile(r'<script type="application/json" id="graph-legend">(.*?)</script>', re.S)


def legend_of(client: FlaskClient, url: str) -> dict[str, Any]:
    page = client.get(url)
    assert page.status_code == 200, url
    found = LEGEND.search(page.get_data(as_text=True))
    assert found, f"no legend on {url}"
    return json.loads(html.unescape(found.group(1)))


def test_every_graph_page_has_the_same_legend_in_the_readers_language(
    client: FlaskClient, store: GraphStore
) -> None:
    customer = NodeRepository(store, nodes.Customer).create({"name": "A", "stage": "deal"}, "s")
    rules = parse_rules([{"field": "stage", "op": "in", "value": ["deal"]}])
    segment = create_segment(store, "Deals", "", rules, "setup")
    login(client)
    pages = (
        f"/referrals/chain/{customer.uid}",
        f"/network/?start=Customer:{customer.uid}",
        f"/segments/show/{segment.uid}",
        "/console/",
    )
    for language, customer_name, deal in (("en", "Customer", "Deal"), ("zh", "客户", "成交")):
        client.get(f"/lang/{language}")
        legends = [legend_of(client, url) for url in pages]
        assert all(legend == legends[0] for legend in legends)
        legend = legends[0]
        types = {t["label"]: t for t in legend["types"]}
        assert set(REGISTRY) <= set(types) and types["Customer"]["name"] == customer_name
        stages = {s["value"]: s for s in legend["stages"]}
        assert stages["deal"]["name"] == deal


def test_types_and_stages_are_told_apart_and_green_is_not_a_type(client: FlaskClient) -> None:
    login(client)
    legend = legend_of(client, "/console/")
    fills = [t["colour"] for t in legend["types"]]
    rings = [s["colour"] for s in legend["stages"]]
    assert len(set(fills)) == len(fills) and len(set(rings)) == len(rings)
    assert not set(fills) & set(rings)
    assert len({(t["colour"], t["shape"]) for t in legend["types"]}) == len(fills)
    assert legend["placeholder"]["colour"] not in fills
