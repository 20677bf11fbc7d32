"""The customer 360 view: everything around one customer, in a few queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from graph import nodes
from graph.crypto import FieldCipher
from graph.pii import open_props
from graph.records import Record, from_graph, record_from_row
from graph.store import GraphStore


@dataclass(frozen=True)
class TimelineEntry:
    """A follow-up, order or ticket of a customer."""

    kind: str  # followup, order or ticket
    uid: str
    at: dt.datetime | None
    title: str
    detail: str


@dataclass(frozen=True)
class Referral:
    """A customer this customer referred."""

    uid: str
    name: str
    stage: str | None
    at: dt.datetime | None


@dataclass(frozen=True)
class Customer360:
    """Contacts, referred customers and the timeline of one customer."""

    contacts: list[Record]
    referred: list[Referral]
    timeline: list[TimelineEntry]


def customer_360(
    store: GraphStore, uid: str, timeline_limit: int = 100, *, cipher: FieldCipher | None
) -> Customer360:
    """Contacts (personal data decrypted with ``cipher``), customers referred, and
    follow-ups/orders/tickets newest first."""
    contacts = [
        record_from_row(nodes.Contact, open_props(nodes.Contact, row["p"], cipher))
        for row in store.read("customer_contacts_list", uid=uid)
    ]
    referred = [
        Referral(row["uid"], row["name"] or "", row["stage"], from_graph(None, row["at"]))
        for row in store.read("customer_referrals_list", uid=uid)
    ]
    timeline = [
        TimelineEntry(
            row["kind"],
            row["uid"],
            from_graph(None, row["at"]),
            row["title"] or "",
            row["detail"] or "",
        )
        for row in store.read("customer_timeline_list", uid=uid, limit=timeline_limit)
    ]
    return Customer360(contacts=contacts, referred=referred, timeline=timeline)
