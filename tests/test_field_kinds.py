"""Field kinds: one class per kind on each side (graph.model.kinds, views.crud.kinds); the
form field, REST field, display, list filters, blind-index key and mask of a property all
follow from its kind, with no switch on kind names elsewhere."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from flask import Flask
from marshmallow import fields
from wtforms import Form

from graph.model.base import Prop
from graph.model.kinds import FIELD_KINDS
from graph.security.crypto import normalise
from views.crud.api import UtcDateTime, dump_schema
from views.crud.inputs import WhenField
from views.crud.kinds import VIEW_KINDS, view_kind
from views.crud.kinds import shown_value as shown
from views.display import Money, shown_time

ROOT = Path(__file__).resolve().parents[1]
# A comparison of a kind with a kind name (``kind == "phone"``, ``.kind in ("date", ...``):
# what the registries replace.
KIND_SWITCH = re.compile(
    r"kind(?:\([^)]*\))?\s*(?:==|!=|in|not in)\s*\(?\s*[\"'](?:" + "|".join(FIELD_KINDS) + r")[\"']"
)


def test_every_graph_kind_has_a_web_kind_of_the_same_name() -> None:
    assert VIEW_KINDS.keys() == FIELD_KINDS.keys()
    assert all(kind.name == name for name, kind in VIEW_KINDS.items())


def test_no_module_switches_on_field_kind_names() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("graph", "views", "app")
        for path in (ROOT / folder).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if KIND_SWITCH.search(line)
    ]
    assert offenders == []


def test_values_are_shown_by_their_kind(app: Flask) -> None:
    with app.test_request_context():
        assert shown(Prop("n", "N", "N", kind="integer"), 1234567) == "1,234,567"
        assert shown(Prop("d", "D", "D", kind="date"), dt.date(2024, 5, 20)) == "2024-05-20"
        assert shown(Prop("p", "P", "P", kind="phone"), "+8613812345678") == "138 1234 5678"
        assert shown(Prop("s", "S", "S"), "plain") == "plain"
        assert shown(None, Money(1200, "CNY")) == "¥1,200.00"
        assert shown(None, None) == "" and shown(Prop("s", "S", "S"), "") == ""
        moment = dt.datetime(2024, 5, 20, 2, 30)
        assert shown(Prop("t", "T", "T", kind="datetime"), moment) == shown_time(moment)


def test_form_and_rest_fields_follow_the_kind(app: Flask) -> None:
    from graph.model import nodes

    with app.test_request_context():
        when = view_kind(Prop("t", "T", "T", kind="datetime")).form_field(
            "T", [], description="", prop=Prop("t", "T", "T", kind="datetime"), search=False
        )
        bound = when.bind(Form(), "t")
        assert isinstance(bound, WhenField) and not bound.date_only
    schema = dump_schema(nodes.Customer, ["uid", "created_at"], "KindsProbe")
    assert isinstance(schema.fields["created_at"], UtcDateTime)
    assert isinstance(schema.fields["uid"], fields.String)
    assert view_kind(Prop("f", "F", "F", kind="float")).rest_field is fields.Float


def test_blind_index_keys_and_masks_are_the_kinds() -> None:
    assert normalise("138 1234 5678", "phone") == "+8613812345678"
    assert normalise(" Zhang@Example.COM ", "email") == "zhang@example.com"
    assert normalise(" Lina_WX ", "string") == "lina_wx"
    assert FIELD_KINDS["phone"].mask("+8613812345678") == "138****5678"
    assert FIELD_KINDS["email"].mask("zhang@example.com") == "z***@example.com"
    assert FIELD_KINDS["text"].mask("secret") == "s***"
