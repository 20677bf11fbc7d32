"""The customer 360 view: everything around one customer, in a few queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph.model import nodes
from graph.model.base import REGISTRY
from graph.model.records import Record, from_graph, record_from_row
from graph.records.visibility import NOT_VISIBLE, visible_uids
from graph.security.crypto import FieldCipher
from graph.security.pii import open_props
from graph.security.scope import Scope
from graph.store.protocol import GraphStore


@dataclass(frozen=True)
class TimelineEntry:
    """A follow-up, order or ticket of a customer."""

    kind: str  # the node label: FollowUp, Order or Ticket
    uid: str
    at: dt.datetime | None
    title: str
    detail: str  # a follow-up's method, an order's currency, a ticket's status
    detail_of: str = ""  # the property ``detail`` is a value of
    amount: float | None = None  # an order's amount


@dataclass(frozen=True)
class Referral:
    """A customer this customer referred; a placeholder (``hidden``, no uid, name or
    stage) when the reader may not see it."""

    uid: str
    name: str
    stage: str | None
    at: dt.datetime | None
    hidden: bool = False


@dataclass(frozen=True)
class Customer360:
    """Contacts, referred customers and the timeline of one customer."""

    contacts: list[Record]
    referred: list[Referral]
    timeline: list[TimelineEntry]


def customer_360(
    store: GraphStore,
    uid: str,
    scope: Scope,
    timeline_limit: int = 100,
    *,
    cipher: FieldCipher | None,
    placeholder: str = NOT_VISIBLE,
) -> Customer360:
    """Contacts (personal data decrypted with ``cipher``), customers referred, and
    follow-ups/orders/tickets newest first, as ``scope`` may see them: a referred customer
    out of sight is a placeholder titled ``placeholder``; contacts and timeline entries of
    types the reader's role may not read are left out."""
    contacts = []
    if scope.may_read(nodes.Contact):
        contacts = [
            record_from_row(nodes.Contact, open_props(nodes.Contact, row["p"], cipher))
            for row in store.read("customer_contacts_list", uid=uid)
        ]
    rows = store.read("customer_referrals_list", uid=uid)
    shown = visible_uids(store, "Customer", [row["uid"] for row in rows], scope)
    referred = [
        Referral(row["uid"], row["name"] or "", row["stage"], from_graph(None, row["at"]))
        if row["uid"] in shown
        else Referral("", placeholder, None, from_graph(None, row["at"]), hidden=True)
        for row in rows
    ]
    timeline = [
        TimelineEntry(
            row["kind"],
            row["uid"],
            from_graph(None, row["at"]),
            row["title"] or "",
            row["detail"] or "",
            row["detail_of"],
            row["amount"],
        )
        for row in store.read("customer_timeline_list", uid=uid, limit=timeline_limit)
        if scope.may_read(REGISTRY[row["kind"]])
    ]
    return Customer360(contacts=contacts, referred=referred, timeline=timeline)
