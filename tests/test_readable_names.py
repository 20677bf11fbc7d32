"""Names, not codes, where a person reads: history, timeline, in the reader's language."""

from __future__ import annotations

from flask.testing import FlaskClient

from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.store.protocol import GraphStore
from tests.web import login
from views.crud.history import shown_value


def test_history_names_related_records_and_labels_choices(
    client: FlaskClient, store: GraphStore
) -> None:
    users = NodeRepository(store, nodes.User)
    daniel = users.create({"username": "daniel", "display_name": "Daniel Smith"}, "t")
    wang = users.create({"username": "wang", "display_name": "王思远"}, "t")
    channel = NodeRepository(store, nodes.Channel).create({"name": "官网"}, "t")
    tag = NodeRepository(store, nodes.Tag).create({"name": "重点客户"}, "t")
    customers = NodeRepository(store, nodes.Customer)
    created = customers.create({"name": "Acme", "stage": "potential", "owner": daniel.uid}, "t")
    # As a form hands them over: related records by uid alone.
    values = {"stage": "intent", "owner": wang.uid, "channel": channel.uid, "tags": [tag.uid]}
    customers.update(created, values, "t")
    login(client)
    page = client.get(f"/customer/show/{created.uid}").get_data(as_text=True)
    assert "Daniel Smith → 王思远" in page and wang.uid not in page.split('id="history"')[1]
    assert "— → 官网" in page and "— → 重点客户" in page
    assert "Potential → Intent" in page
    client.get("/lang/zh")
    page = client.get(f"/customer/show/{created.uid}").get_data(as_text=True)
    assert "潜在 → 意向" in page


def test_history_entries_holding_uids_show_the_names_the_reader_may_see() -> None:
    # Entries written from forms before names were looked up hold the linked uid.
    titles = {"User": {"U20240520001": "王思远"}, "Tag": {"TG20240520001": "VIP"}}
    assert shown_value(nodes.Customer, "owner", "U20240520001", titles) == "王思远"
    assert shown_value(nodes.Customer, "tags", "TG20240520001, 新客", titles) == "VIP, 新客"
    assert shown_value(nodes.Customer, "owner", "U0006", titles) == "U0006"  # not visible
    assert shown_value(nodes.Customer, "owner", None, titles) == "—"


def test_timeline_shows_method_and_status_labels(client: FlaskClient, store: GraphStore) -> None:
    customer = NodeRepository(store, nodes.Customer).create({"name": "Acme", "stage": "deal"}, "t")
    NodeRepository(store, nodes.FollowUp).create(
        {"at": "2024-05-20 10:00", "method": "wechat", "summary": "hi", "customer": customer}, "t"
    )
    NodeRepository(store, nodes.Ticket).create(
        {"subject": "Login", "status": "open", "customer": customer}, "t"
    )
    login(client)
    page = client.get(f"/customer/show/{customer.uid}").get_data(as_text=True)
    timeline = page.split('id="timeline"')[1]
    assert "<td>WeChat</td>" in timeline and "<td>Open</td>" in timeline
    client.get("/lang/zh")
    timeline = client.get(f"/customer/show/{customer.uid}").get_data(as_text=True)
    timeline = timeline.split('id="timeline"')[1]
    assert "<td>微信</td>" in timeline and "<td>处理中</td>" in timeline
    assert "wechat" not in timeline


def test_segment_members_show_stage_labels_under_field_headers(
    client: FlaskClient, store: GraphStore
) -> None:
    from graph.segments.rules import parse_rules
    from graph.segments.storage import create_segment

    NodeRepository(store, nodes.Customer).create({"name": "Gone Co.", "stage": "lost"}, "t")
    rules = parse_rules([{"field": "stage", "op": "in", "value": ["lost"]}])
    segment = create_segment(store, "Lost", "", rules, "admin")
    login(client)
    page = client.get(f"/segments/show/{segment.uid}").get_data(as_text=True)
    members = page.split('id="segment-members"')[1].split("</table>")[0]
    assert "<th>Region</th>" in members and "comma-separated" not in members
    assert "<td>Lost</td>" in members and "<td>lost</td>" not in members
    client.get("/lang/zh")
    page = client.get(f"/segments/show/{segment.uid}").get_data(as_text=True)
    members = page.split('id="segment-members"')[1].split("</table>")[0]
    assert "<th>地区</th>" in members and "<td>流失</td>" in members
