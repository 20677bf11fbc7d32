"""The referral-link import: a file of who referred whom between records that exist.

Each row names a referrer (a customer, contact or external referrer) and the customer it
referred, by ID or by name. A name is looked up among customers first, then contacts, then
external referrers (the first type that knows it); a ``referrer_kind`` column (客户 / 联系人 /
推荐人, Customer / Contact / Referrer) picks the type instead. Each new link is a
``REFERRED`` relationship carrying the import id and, as its time, the row's
``referred_at`` (推荐日期 / Referral date: any date the cleaner reads, a time without an
offset in the business time zone, as for other imported times) or else the import's time, with a
history entry on the referred customer, written in one statement per batch (which also
advances the import's cursor).

A customer has one referrer of each type (its single-valued relations ``referred_by``,
``referred_by_contact``, ``referred_by_referrer``). A row whose customer has another
referrer of the row's type already is a duplicate (``REFERRER_TAKEN``, naming the customer
only: the other referrer may be one the importer does not see): skipped, unless the
import's choice for it is update, which replaces that link as an edit of the customer's
form does (the old link out, the new one in, one history entry with the old and new
referrer); the history entry keeps the replaced link's properties, which undo puts back.
A link that exists is ``unchanged``; a row repeating an earlier row, or giving the same
customer another referrer of the same type than an earlier row, is skipped. Unknown
records and dates that are none fail the row, naming its line and column. Undo removes
the links the import made and puts back those it replaced (``graph.io.imports.undo``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph.io.imports.cleaning import CleanRow, RowError, parse_moment
from graph.io.imports.relations import find_by_titles
from graph.io.imports.relinks import LINKS, REPLACED, shown, titles
from graph.io.imports.targets import REFERRED, REFERRED_AT, REFERRER, REFERRER_KIND, value_key
from graph.io.imports.writer import SKIP, UNCHANGED, UPDATE, BatchOutcome, Duplicate
from graph.model import nodes
from graph.model.base import NodeModel, Rel
from graph.model.records import ISO_DATETIME, to_graph
from graph.model.validation import Message
from graph.records.history import FieldChange, history_entry
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher
from graph.security.scope import Scope, scope_conditions
from graph.store.protocol import GraphStore

# Who may refer, in the order a name is looked up, with the customer's relation naming it.
REFERRERS: tuple[type[NodeModel], ...] = (nodes.Customer, nodes.Contact, nodes.Referrer)
_EXTRA_KIND_WORDS = {
    "Referrer": ("外部推荐人", "合作伙伴", "external", "external referrer", "partner"),
    "Contact": ("联系人姓名", "person at customer"),
}
# The duplicate key of a link that exists (or an earlier row of the file).
LINK = "link"
# The duplicate key of a row whose customer has another referrer of the row's type (stored,
# or given by an earlier row of the file).
REFERRER_TAKEN = "referrer"


@dataclass(frozen=True)
class StoredLink:
    """A referral link into a customer as stored: the referrer's uid and label, and the
    link's properties (what undo of a replacement puts back)."""

    referrer: str
    label: str
    props: dict[str, Any]


@dataclass
class Link:
    """A link to make, from ``row``: the referrer (label, uid, title), the customer (uid,
    title), the row's date or None, and the customer's links from referrers of the same
    type that it replaces (an update; none for a new link)."""

    row: CleanRow
    referrer: tuple[str, str, str]
    customer: tuple[str, str]
    at: str | None
    replaced: list[StoredLink] = field(default_factory=list)


def referral_rel(referrer: type[NodeModel]) -> Rel:
    """The customer's declared ``REFERRED`` relation from ``referrer``'s type."""
    for rel in nodes.Customer.meta.rels:
        if rel.type == "REFERRED" and rel.target == referrer.label:
            return rel
    raise KeyError(f"customers declare no referral from {referrer.label}")


def kind_words() -> dict[str, str]:
    """value_key(word) -> label for every way of writing a referrer's type."""
    words: dict[str, str] = {}
    for model in REFERRERS:
        for word in (
            model.label,
            model.meta.en,
            model.meta.zh,
            *_EXTRA_KIND_WORDS.get(model.label, ()),
        ):
            words.setdefault(value_key(word), model.label)
    return words


class ReferralWriter:
    """Writes (or, in a dry run, judges) the batches of one referral-link import."""

    def __init__(
        self,
        store: GraphStore,
        cipher: FieldCipher,
        *,
        import_id: str,
        actor: str,
        scope: Scope,
        headers: dict[str, str],
        on_duplicate: str = SKIP,
        decisions: dict[int, str] | None = None,
        timezone: dt.tzinfo | None = None,
        dry_run: bool = False,
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.import_id = import_id
        self.actor = actor
        self.scope = scope
        self.headers = headers  # target name -> the column that fills it
        self.on_duplicate = on_duplicate  # for a customer with another referrer of the type
        self.decisions = decisions or {}  # the same, per file line
        self.timezone = timezone  # of a referral date written without an offset
        self.dry_run = dry_run
        self.seen: dict[tuple[str, str], int] = {}  # (referrer, referred) -> first line
        # (referred, referrer label) -> the first line giving the customer such a referrer
        self.slots: dict[tuple[str, str], int] = {}
        self.kinds = kind_words()

    def write(
        self,
        rows: list[CleanRow],
        *,
        cursor: int,
        counts: dict[str, int],
        now: dt.datetime,
        landed: Callable[[], None] | None = None,
    ) -> BatchOutcome:
        """Link the rows' referrers to their customers; ``counts`` are the import's totals
        so far, stored with ``cursor`` by the batch's statement. Written at once (nothing
        is left in flight): ``landed``, the previous batch's progress, is called first."""
        if landed is not None:
            landed()
        outcome = BatchOutcome()
        stamp = now.astimezone(dt.UTC).strftime(ISO_DATETIME)
        pairs = self._resolve(rows, outcome)
        links = self._decide(pairs, outcome)
        outcome.updated = sum(1 for link in links if link.replaced)
        outcome.created = len(links) - outcome.updated
        totals = dict(counts)
        for key in ("created", "updated", "skipped"):
            totals[key] = totals.get(key, 0) + getattr(outcome, key)
        totals["failed"] = totals.get("failed", 0) + len(outcome.failed)
        if self.dry_run:
            return outcome
        written = self.store.write(
            "import_referral_link_batch",
            import_id=self.import_id,
            cursor=cursor,
            counts=json.dumps(totals),
            rows=self._link_rows(links, stamp),
            now=stamp,
            actor=self.actor,
        )
        linked = {tuple(pair) for pair in written[0]["linked"]} if written else set()
        for link in links:
            if (link.referrer[1], link.customer[0]) in linked:
                continue
            # The customer's referrers of this type changed between the read and the write.
            if link.replaced:
                outcome.updated -= 1
            else:
                outcome.created -= 1
            link.row.errors.append(RowError(link.row.line, "", Message("import_changed_meanwhile")))
            outcome.failed.append(link.row)
        return outcome

    def flush(self) -> None:
        """Nothing to wait for: every batch is written before ``write`` returns."""

    def settle(self) -> None:
        """Nothing in flight to settle (see ``flush``)."""

    def close(self) -> None:
        """Nothing to stop (see ``flush``)."""

    # -- steps ----------------------------------------------------------------------------

    def _resolve(
        self, rows: list[CleanRow], outcome: BatchOutcome
    ) -> list[tuple[CleanRow, tuple[str, str, str], tuple[str, str]]]:
        """Each good row with its referrer (label, uid, title) and customer (uid, title)."""
        referred_names = {str(r.values[REFERRED]) for r in rows if r.values.get(REFERRED)}
        referrer_names = {str(r.values[REFERRER]) for r in rows if r.values.get(REFERRER)}
        customers = self._lookup(nodes.Customer, referred_names)
        referrers = {model.label: self._lookup(model, referrer_names) for model in REFERRERS}
        good = []
        for row in rows:
            self._referred_at(row)
            referrer = self._referrer(row, referrers)
            found = customers.get(str(row.values.get(REFERRED, "")), [])
            customer = self._one(row, REFERRED, found, "Customer")
            if referrer is not None and customer is not None and referrer[1] == customer[0]:
                row.errors.append(
                    RowError(
                        row.line, self.headers.get(REFERRER, ""), Message("import_referral_self")
                    )
                )
            if not row.errors and referrer is not None and customer is not None:
                good.append((row, referrer, customer))
        self._check_scope(good)
        result = []
        for row in rows:
            if row.errors:
                outcome.failed.append(row)
        for item in good:
            if not item[0].errors:
                result.append(item)
        return result

    def _referred_at(self, row: CleanRow) -> None:
        """The row's referral date as stored (``referred_at`` replaced), or its error."""
        written = row.values.get(REFERRED_AT)
        if written is None:
            return
        try:
            row.values[REFERRED_AT] = to_graph(None, parse_moment(written, self.timezone))
        except (ValueError, OverflowError):
            column = self.headers.get(REFERRED_AT, "")
            row.errors.append(RowError(row.line, column, Message("date")))

    def _lookup(self, model: type[NodeModel], names: set[str]) -> dict[str, list[tuple[str, str]]]:
        """name or uid -> [(uid, title)] of the ``model`` records it names."""
        known: dict[str, list[tuple[str, str]]] = {}
        if not names:
            return known
        for uid, title in find_by_titles(self.store, model, model.meta.title, names, names):
            for key in (uid, title):
                if key in names and (uid, title) not in known.setdefault(key, []):
                    known[key].append((uid, title))
        return known

    def _referrer(
        self, row: CleanRow, referrers: dict[str, dict[str, list[tuple[str, str]]]]
    ) -> tuple[str, str, str] | None:
        name = str(row.values.get(REFERRER, ""))
        written = row.values.get(REFERRER_KIND)
        if written:
            label = self.kinds.get(value_key(str(written)))
            if label is None:
                column = self.headers.get(REFERRER_KIND, "")
                row.errors.append(RowError(row.line, column, Message("import_referrer_kind")))
                return None
            labels: tuple[str, ...] = (label,)
        else:
            labels = tuple(model.label for model in REFERRERS)
        for label in labels:
            found = referrers[label].get(name, [])
            if found:
                picked = self._one(row, REFERRER, found, label)
                return (label, *picked) if picked else None
        self._one(row, REFERRER, [], labels[0] if len(labels) == 1 else "")
        return None

    def _one(
        self, row: CleanRow, target: str, found: list[tuple[str, str]], label: str
    ) -> tuple[str, str] | None:
        """The one record a cell names, or None with the row's error naming the column."""
        column = self.headers.get(target, "")
        name = str(row.values.get(target, ""))
        if len(found) == 1:
            return found[0]
        if not found:
            message = Message("import_not_found", name=name, target=label)
        else:
            message = Message("import_ambiguous", name=name, count=len(found))
        row.errors.append(RowError(row.line, column, message))
        return None

    def _check_scope(
        self, good: list[tuple[CleanRow, tuple[str, str, str], tuple[str, str]]]
    ) -> None:
        """A team-scoped importer links only records they may see."""
        if not self.scope.team_only:
            return
        wanted: dict[str, set[str]] = {}
        for _, (label, uid, _title), (customer, _name) in good:
            wanted.setdefault(label, set()).add(uid)
            wanted.setdefault("Customer", set()).add(customer)
        visible: set[str] = set()
        for model in REFERRERS:
            uids = sorted(wanted.get(model.label, ()))
            if uids:
                repository = NodeRepository(self.store, model, cipher=self.cipher)
                visible |= set(repository.titles(uids, scope_conditions(model, self.scope)))
        for row, (_, uid, _title), (customer, _name) in good:
            for target, needed in ((REFERRER, uid), (REFERRED, customer)):
                if needed not in visible:
                    column = self.headers.get(target, "")
                    row.errors.append(RowError(row.line, column, Message("import_not_visible")))

    def _decide(
        self,
        pairs: list[tuple[CleanRow, tuple[str, str, str], tuple[str, str]]],
        outcome: BatchOutcome,
    ) -> list[Link]:
        """The links to make: rows whose customer has no referrer of the row's type (in
        the graph or from an earlier row), and, where the import's choice is update, those
        replacing the customer's stored referrer of that type."""
        stored = self._stored(sorted({customer[0] for _, _, customer in pairs}))
        links: list[Link] = []
        for row, referrer, customer in pairs:
            label, uid = referrer[0], referrer[1]
            key = (uid, customer[0])
            slot = (customer[0], label)
            same_kind = [link for link in stored.get(customer[0], []) if link.label == label]
            if key in self.seen:
                outcome.duplicates[row.line] = Duplicate(LINK, line=self.seen[key])
                outcome.decisions[row.line] = SKIP
            elif any(link.referrer == uid for link in same_kind):
                outcome.duplicates[row.line] = Duplicate(LINK, uid=customer[0])
                outcome.decisions[row.line] = UNCHANGED
            elif slot in self.slots:
                outcome.duplicates[row.line] = Duplicate(REFERRER_TAKEN, line=self.slots[slot])
                outcome.decisions[row.line] = SKIP  # the file's first word on it stands
            elif same_kind:
                outcome.duplicates[row.line] = Duplicate(REFERRER_TAKEN, uid=customer[0])
                if self.decisions.get(row.line, self.on_duplicate) == UPDATE:
                    self.seen[key] = self.slots[slot] = row.line
                    links.append(Link(row, referrer, customer, _at(row), same_kind))
                    continue
                # Skip, or create: a second referrer of one type is not made.
                outcome.decisions[row.line] = SKIP
            else:
                self.seen[key] = self.slots[slot] = row.line
                links.append(Link(row, referrer, customer, _at(row)))
                continue
            outcome.skipped += 1
        return links

    def _stored(self, customers: list[str]) -> dict[str, list[StoredLink]]:
        """customer uid -> the referral links into it as stored (one round trip)."""
        found: dict[str, list[StoredLink]] = {}
        if not customers:
            return found
        labels = {model.label for model in REFERRERS}
        for row in self.store.read("import_referral_list_existing", uids=customers):
            label = next((name for name in row["labels"] if name in labels), "")
            link = StoredLink(row["referrer"], label, dict(row["props"] or {}))
            found.setdefault(row["referred"], []).append(link)
        return found

    def _link_rows(self, links: list[Link], stamp: str) -> list[dict[str, Any]]:
        """The rows of the batch statement: each link with the uids of the links of its
        type it replaces, and the customer's history entry (the old and new referrer by
        title, as the customer's form writes it; the uids before and after and the
        replaced links' properties for undo)."""
        replaced: dict[str, set[str]] = {}  # referrer label -> the uids replaced
        for link in links:
            replaced.setdefault(link.referrer[0], set()).update(
                old.referrer for old in link.replaced
            )
        named = {
            label: titles(self.store, self.cipher, referral_rel(_model(label)), uids)
            for label, uids in replaced.items()
            if uids
        }
        rows = []
        for link in links:
            (label, uid, title), (customer, _name) = link.referrer, link.customer
            rel = referral_rel(_model(label))
            old = sorted(each.referrer for each in link.replaced)
            before = shown(named.get(label, {}).get(u, u) for u in old)
            change = history_entry(
                nodes.Customer,
                "update",
                stamp,
                self.actor,
                [FieldChange(rel.name, before, title)],
                self.cipher,
            )
            # What undo reads: this entry linked (by this type) the referrer ``new`` in
            # place of ``old``, whose links had the properties kept under REPLACED.
            change["linked"] = rel.type
            change[LINKS] = json.dumps({rel.name: {"old": old, "new": [uid]}})
            if link.replaced:
                change[REPLACED] = json.dumps(
                    [{"source": each.referrer, "props": each.props} for each in link.replaced],
                    ensure_ascii=False,
                )
            rows.append(
                {
                    "referrer": uid,
                    "referred": customer,
                    "kind": label,
                    "unlink": old,
                    "at": link.at or stamp,
                    "change": change,
                }
            )
        return rows


def _model(label: str) -> type[NodeModel]:
    return next(model for model in REFERRERS if model.label == label)


def _at(row: CleanRow) -> str | None:
    """The row's referral date as stored, or None (the import's time)."""
    at = row.values.get(REFERRED_AT)
    return None if at is None else str(at)
