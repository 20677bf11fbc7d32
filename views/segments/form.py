"""The rule builder form of the segment pages: its inputs as rule JSON and back."""

from __future__ import annotations

from typing import Any

from graph.model import nodes
from graph.segments.storage import (
    Segment,
)
from views.crud.interface import GraphInterface
from views.scope import current_repository


def form_rules(form: Any) -> list[dict[str, Any]]:
    """The rule builder's inputs as rule JSON; a blank input adds no rule."""
    rules: list[dict[str, Any]] = []

    def add(field: str, op: str, value: Any) -> None:
        rules.append({"field": field, "op": op, "value": value})

    if form.getlist("stage"):
        add("stage", "in", form.getlist("stage"))
    for column in ("industry", "region"):
        items = [item.strip() for item in form.get(column, "").split(",") if item.strip()]
        if items:
            add(column, "eq" if len(items) == 1 else "in", items[0] if len(items) == 1 else items)
    if form.getlist("tags"):
        add("tags", "all" if form.get("tags_op") == "all" else "any", form.getlist("tags"))
    for name in ("channel", "owner"):
        if form.get(name):
            add(name, "is", form[name])
    if form.getlist("value_tier"):
        add("value_tier", "in", form.getlist("value_tier"))
    dates = {k: form.get(f"created_{k}") for k in ("from", "to") if form.get(f"created_{k}")}
    if dates:
        add("created", "between", dates)
    follow_up = form.get("follow_up_op")
    if follow_up == "none":
        add("last_follow_up", "none", None)
    elif follow_up in ("before", "after"):
        add("last_follow_up", follow_up, form.get("follow_up_date", ""))
    for name, field, op in (
        ("order_count", "order_count", "gte"),
        ("order_total", "order_total", "gte"),
        ("descendants", "descendants", "gte"),
        ("influence", "influence", "gt"),
    ):
        if form.get(name, "").strip():
            add(field, op, form[name].strip())
    if form.get("referred_by"):
        hops = form.get("referred_hops") or "1"
        add("referred_by", "within", {"customer": form["referred_by"], "hops": hops})
    return rules


def form_values(segment: Segment | None) -> dict[str, Any]:
    """The rule builder's inputs for an existing segment (one rule per field)."""
    values: dict[str, Any] = {"tags_op": "any", "referred_hops": 1}
    for rule in segment.rules if segment else ():
        value = rule.value
        if rule.field in ("industry", "region"):
            values[rule.field] = value if rule.op == "eq" else ", ".join(value)
        elif rule.field == "tags":
            values.update(tags=value, tags_op=rule.op)
        elif rule.field == "created":
            values.update(created_from=value.get("from"), created_to=value.get("to"))
        elif rule.field == "last_follow_up":
            values.update(follow_up_op=rule.op, follow_up_date=value)
        elif rule.field == "referred_by":
            values.update(referred_by=value["customer"], referred_hops=value["hops"])
        else:
            values[rule.field] = value
    return values


def picked_titles(values: dict[str, Any]) -> dict[str, str]:
    """Names for the uids already chosen in the form's pickers, as the reader may see them
    (a customer hidden by row-level rules keeps showing its uid)."""
    picked = {
        nodes.Tag: values.get("tags") or [],
        nodes.Channel: [values.get("channel")],
        nodes.User: [values.get("owner")],
        nodes.Customer: [values.get("referred_by")],
    }
    titles: dict[str, str] = {}
    for model, uids in picked.items():
        wanted = [uid for uid in uids if uid and isinstance(uid, str)]
        if wanted:
            found = current_repository(model).titles(wanted, GraphInterface(model).conditions())
            titles.update(found)
    return titles
