"""The pipeline board: customers as cards in stage columns, paged, with per-column figures.

A column page is one statement (``pipeline_card_page``): the page of customers is cut first,
then each card's owner, latest follow-up and order amounts are read for those customers
only, so a page costs the same with ten or a hundred thousand cards in the column. The
figures of every column (customers and order amounts per currency) are one more statement
(``pipeline_stage_counts`` UNION ALL ``pipeline_stage_amounts``). Both take the board's
filters and the reader's row-level scope (``graph.security.scope``) as conditions compiled
by ``graph.records.filters``: every card, count and amount is one the reader may see.

Moving a card is an ordinary, version-checked edit of the customer's ``stage`` through the
repository (``NodeRepository.update``); nothing here writes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from graph.errors import InvalidValue
from graph.model import nodes
from graph.model.records import from_graph
from graph.records.filters import Condition, apply_filters, compile_filters, suffix_params, union
from graph.records.visibility import NOT_VISIBLE, visible_uids
from graph.security.scope import Scope, scope_conditions
from graph.store import composition
from graph.store.composition import fragment_piece
from graph.store.protocol import GraphStore
from graph.store.statements import Statement

# The board's columns, in order: the customer's stage choices.
STAGES = tuple(choice.value for choice in nodes.STAGES)
PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
# An order stored without a currency is in the one its declaration defaults to.
_DEFAULT_CURRENCY = str(nodes.Order.meta.prop("currency").default or "")  # type: ignore[union-attr]
# The fragments family of the pipeline templates (cypher/fragments/pipeline.cypher).
_FRAGMENTS = "pipeline"
# A filter value longer than this matches nothing any declaration allows (uids, regions).
MAX_FILTER_LENGTH = 200


@dataclass(frozen=True)
class BoardFilters:
    """What the board is narrowed to: an owner (User uid), a tag (Tag uid), a region (exact
    text) and a channel (Channel uid); ``None`` means any."""

    owner: str | None = None
    tag: str | None = None
    region: str | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        for name in ("owner", "tag", "region", "channel"):
            value = getattr(self, name)
            if value is None:
                continue
            if not isinstance(value, str) or "\x00" in value or len(value) > MAX_FILTER_LENGTH:
                raise InvalidValue(key="pipeline_filter", field=name, max=MAX_FILTER_LENGTH)

    def conditions(self) -> list[Condition]:
        """The filters as conditions on Customer nodes (relations first: they anchor)."""
        relations = {"owner": self.owner, "tags": self.tag, "channel": self.channel}
        found = [Condition(name, "rel_eq", uid) for name, uid in relations.items() if uid]
        if self.region:
            found.append(Condition("region", "eq", self.region))
        return found


@dataclass(frozen=True)
class Card:
    """One customer on the board. ``owner_name`` is a placeholder (``owner_hidden``) when
    the reader may not see the owner; ``last_follow_up`` and ``amounts`` are empty when the
    reader's role may not read follow-ups or orders."""

    uid: str
    name: str
    version: int
    stage: str
    owner_uid: str | None = None
    owner_name: str | None = None
    owner_hidden: bool = False
    last_follow_up: dt.datetime | None = None
    amounts: tuple[tuple[str, float], ...] = ()  # (currency, sum of order amounts)


@dataclass(frozen=True)
class ColumnPage:
    """One page of a stage column: the cards from ``skip`` on, and whether more follow."""

    stage: str
    skip: int
    cards: list[Card]
    more: bool


@dataclass
class ColumnFigures:
    """How many customers a column holds and their order amounts by currency."""

    customers: int = 0
    amounts: dict[str, float] = field(default_factory=dict)


def check_stage(stage: Any) -> str:
    """``stage`` if it is one of the board's columns (``InvalidValue`` otherwise)."""
    if stage not in STAGES:
        raise InvalidValue(key="pipeline_stage", stages=", ".join(STAGES))
    return str(stage)


def column_page(
    store: GraphStore,
    stage: str,
    scope: Scope,
    filters: BoardFilters | None = None,
    *,
    skip: int = 0,
    limit: int = PAGE_SIZE,
    placeholder: str = NOT_VISIBLE,
) -> ColumnPage:
    """The cards of ``stage`` from ``skip`` on (at most ``limit``), as ``scope`` may see
    them, newest change first: one round trip (two when owners must be checked)."""
    check_stage(stage)
    if not 0 <= skip or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidValue(key="pipeline_page", max=MAX_PAGE_SIZE)
    conditions = [Condition("stage", "eq", stage), *(filters or BoardFilters()).conditions()]
    cards = _cards(store, conditions, scope, skip, limit + 1, placeholder)
    return ColumnPage(stage, skip, cards[:limit], len(cards) > limit)


def card(
    store: GraphStore, uid: str, scope: Scope, *, placeholder: str = NOT_VISIBLE
) -> Card | None:
    """The card of customer ``uid`` as it is now, or None when it does not exist or
    ``scope`` may not see it."""
    found = _cards(store, [Condition("uid", "eq", uid)], scope, 0, 1, placeholder)
    return found[0] if found else None


def column_figures(
    store: GraphStore, scope: Scope, filters: BoardFilters | None = None
) -> dict[str, ColumnFigures]:
    """Customers and order amounts per currency of every column, as ``scope`` may see
    them (one round trip; amounts only for a role that may read orders)."""
    figures = {stage: ColumnFigures() for stage in STAGES}
    conditions = scope_conditions(nodes.Customer, scope) + (filters or BoardFilters()).conditions()
    parts: list[Statement] = []
    params: dict[str, Any] = {}
    templates = (
        store.cypher.get("pipeline_stage_counts"),
        store.cypher.get("pipeline_stage_amounts"),
    )
    for index, template in enumerate(templates):
        statement, part_params = _filtered(template, conditions)
        parts.append(suffix_params(statement, str(index)))
        params.update({f"{key}_{index}": value for key, value in part_params.items()})
    orders = scope.may_read(nodes.Order)
    for row in store.read(union(parts, "pipeline_stage_figures"), **params):
        column = figures.get(row["stage"])
        if column is None:
            continue  # a stage value no declaration offers: not a column of the board
        if row["customers"] is not None:
            column.customers += int(row["customers"])
        elif orders and row["amount"] is not None:
            currency = row["currency"] or _DEFAULT_CURRENCY
            column.amounts[currency] = column.amounts.get(currency, 0.0) + float(row["amount"])
    return figures


def _cards(
    store: GraphStore,
    conditions: list[Condition],
    scope: Scope,
    skip: int,
    limit: int,
    placeholder: str,
) -> list[Card]:
    statement, params = _filtered(
        store.cypher.get("pipeline_card_page"), scope_conditions(nodes.Customer, scope) + conditions
    )
    rows = store.read(statement, skip=int(skip), limit=int(limit), **params)
    owners = [row["owner"][0] for row in rows if row["owner"]]
    shown = visible_uids(store, nodes.User.label, owners, scope) if owners else set()
    follow_ups = scope.may_read(nodes.FollowUp)
    orders = scope.may_read(nodes.Order)
    at = nodes.FollowUp.meta.prop("at")
    cards = []
    for row in rows:
        owner = row["owner"]
        hidden = bool(owner) and owner[0] not in shown
        cards.append(
            Card(
                uid=row["uid"],
                name=str(row["name"] or ""),
                version=int(row["version"] or 0),
                stage=str(row["stage"] or ""),
                owner_uid=owner[0] if owner and not hidden else None,
                owner_name=placeholder if hidden else (str(owner[1] or "") if owner else None),
                owner_hidden=hidden,
                last_follow_up=from_graph(at, row["last_follow_up"]) if follow_ups else None,
                amounts=_by_currency(row["amounts"]) if orders else (),
            )
        )
    return cards


def _filtered(template: Statement, conditions: list[Condition]) -> tuple[Statement, dict[str, Any]]:
    """A pipeline template with ``conditions`` compiled into it, and their parameters.

    Without an anchor the statement scans Customer nodes, each met once: its step that keeps
    each customer once (a hash of every node, a third of the time at 100k) is left out."""
    anchor, predicates, params = compile_filters(nodes.Customer.meta, conditions)
    statement = apply_filters(template, anchor, predicates, params)
    if anchor is None:
        distinct = fragment_piece(_FRAGMENTS, "distinct_customers")
        each = fragment_piece(_FRAGMENTS, "each_customer")
        statement = composition.replace_line(statement, distinct.text, each)
    return statement, params


def _by_currency(pairs: list[list[Any]]) -> tuple[tuple[str, float], ...]:
    """[currency, amount] pairs summed per currency (none: the declared default), sorted."""
    sums: dict[str, float] = {}
    for currency, amount in pairs:
        key = str(currency or _DEFAULT_CURRENCY)
        sums[key] = sums.get(key, 0.0) + float(amount or 0)
    return tuple(sorted(sums.items()))
