"""Wording of the segment pages and API: labels, explanation sentences, messages."""

from __future__ import annotations

from flask_babel import lazy_gettext

from graph.model import nodes
from graph.segments.members import (
    HIDDEN,
    RuleMatch,
)
from views.labels import choice_label
from views.messages import MESSAGES
from views.scope import not_visible

LABELS = {
    "title": lazy_gettext("Segments"),
    "new": lazy_gettext("New segment"),
    "edit": lazy_gettext("Edit segment"),
    "name": lazy_gettext("Name"),
    "description": lazy_gettext("Description"),
    "rules": lazy_gettext("Rules (all must hold)"),
    "members": lazy_gettext("Members"),
    "count": lazy_gettext("{n} members visible to you"),
    "save": lazy_gettext("Save"),
    "delete": lazy_gettext("Delete"),
    "export": lazy_gettext("CSV export"),
    "graph": lazy_gettext("Segment as a graph"),
    "group_by": lazy_gettext("Group by"),
    "not_grouped": lazy_gettext("Not grouped"),
    "no_tag": lazy_gettext("No tag"),
    "no_channel": lazy_gettext("No channel"),
    "outside": lazy_gettext("Referrers outside the segment"),
    "why": lazy_gettext("Why?"),
    "explain": lazy_gettext("Why this customer is in the segment"),
    "matched": lazy_gettext("matched"),
    "not_matched": lazy_gettext("not matched"),
    "none": lazy_gettext("No segments yet."),
    "previous": lazy_gettext("Previous"),
    "next": lazy_gettext("Next"),
    "stage": lazy_gettext("Stage"),
    "industry": lazy_gettext("Industry (comma-separated for any of)"),
    "region": lazy_gettext("Region (comma-separated for any of)"),
    "tags": lazy_gettext("Tags"),
    "tags_any": lazy_gettext("any of"),
    "tags_all": lazy_gettext("all of"),
    "channel": lazy_gettext("Channel"),
    "owner": lazy_gettext("Owner"),
    "value_tier": lazy_gettext("Value tier"),
    "created": lazy_gettext("Created between"),
    "follow_up": lazy_gettext("Last follow-up"),
    "before": lazy_gettext("before"),
    "after": lazy_gettext("on or after"),
    "no_follow_up": lazy_gettext("none yet"),
    "order_count": lazy_gettext("Orders at least"),
    "order_total": lazy_gettext("Order total at least"),
    "referred_by": lazy_gettext("Referred by customer"),
    "hops": lazy_gettext("within hops (1-10)"),
    "descendants": lazy_gettext("Referral descendants at least"),
    "influence": lazy_gettext("Influence above"),
}
# What an explanation calls each rule's field, and its sentences about referral paths.
EVIDENCE = {
    "stage": lazy_gettext("stage"),
    "value_tier": lazy_gettext("value tier"),
    "industry": lazy_gettext("industry"),
    "region": lazy_gettext("region"),
    "tags": lazy_gettext("tags"),
    "channel": lazy_gettext("channel"),
    "owner": lazy_gettext("owner"),
    "created": lazy_gettext("created"),
    "last_follow_up": lazy_gettext("last follow-up"),
    "order_count": lazy_gettext("orders"),
    "order_total": lazy_gettext("order total"),
    "referred_by": lazy_gettext("referred by"),
    "descendants": lazy_gettext("referral descendants"),
    "influence": lazy_gettext("influence"),
    "referred": lazy_gettext("referred by {referrer} ({hops} hops)"),
    "referred_via": lazy_gettext("referred by {referrer} via {via} ({hops} hops)"),
    "not_referred": lazy_gettext("not referred by {referrer} within {hops} hops"),
}
CHOICES = {"stage": nodes.STAGES, "value_tier": nodes.TIERS}  # stored values shown as labels
STALE = MESSAGES["stale"]
STALE_KEPT = lazy_gettext(
    "Not saved: someone else changed this segment after you opened it. Your input is kept "
    "below and is now based on their version; save again to apply your input over theirs."
)
VERSION_REQUIRED = MESSAGES["version"]


def evidence(match: RuleMatch, words: dict[str, str]) -> str:
    """Why a rule holds or not, in the reader's language (``words``: ``EVIDENCE``, localized)."""
    field = match.rule.field
    if field in CHOICES:
        return f"{words[field]}: {choice_label(CHOICES[field], match.shown)}"
    if field != "referred_by":
        return f"{words[field]}: {match.shown}"

    def named(uid: str) -> str:
        return not_visible() if uid == HIDDEN else uid

    referrer = named(match.rule.value["customer"])
    if not match.matched:
        return words["not_referred"].format(referrer=referrer, hops=match.rule.value["hops"])
    via, hops = match.path[1:-1], len(match.path) - 1
    if via:
        shown = ", ".join(named(uid) for uid in via)
        return words["referred_via"].format(referrer=referrer, via=shown, hops=hops)
    return words["referred"].format(referrer=referrer, hops=hops)
