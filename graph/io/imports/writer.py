"""Writing one batch of cleaned rows: duplicates decided, relations resolved, personal
data sealed, history entries made, then one statement for the batch's updates and one
for its creates (which also advances the import's cursor), each atomic.

Every node created or updated carries ``import_id``; every history entry too, which is
what undo walks (``graph.io.imports.undo``). An updated record gets its own entry (old and
new values, which undo puts back); the records a batch creates share one entry, linked to
each by ``CHANGED``: their first values are the records themselves, and undo deletes them.

An update never overwrites a change its importer did not see (as an edit form refuses a
stale save): a row whose record was changed since the file's Version cell (a list export
writes the record's version beside its ID), or by someone else since the preview the
importer saw (or the import's start), fails instead, naming who changed it and when.

The create statement of a batch is sent in the background (``graph.io.imports.sender``:
a thread, or for a large import a second process) and ``write`` returns at once, so that
the next batch is read, cleaned and sealed while the engine writes this one. One batch at
most is in flight:
the next send, an update (which reads stored values) and ``flush`` wait for it, and its
error is raised there. Its rows' duplicate keys are kept until then, so a later row
repeating one of them is judged as if the batch were already stored.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from graph.io.imports.cleaning import CleanRow, RowError
from graph.io.imports.relations import Resolver, UnresolvedName
from graph.io.imports.relinks import LINKS, current_links, relinked, shown, titles
from graph.io.imports.sender import InBackground, Sender, ThreadSender
from graph.io.imports.targets import CONTACT_PREFIX, UID, VERSION, ImportType
from graph.model import nodes
from graph.model.base import NodeModel, Rel, model_for
from graph.model.records import ISO_DATETIME, to_graph
from graph.model.validation import Message, current_minute
from graph.records.history import FieldChange, entry_props, history_entry
from graph.records.repository import NodeRepository
from graph.records.search_keys import name_keys, with_search_keys
from graph.records.serials import serial_key
from graph.records.users import team_uids
from graph.records.visibility import NOT_VISIBLE
from graph.security.crypto import FieldCipher
from graph.security.pii import index_name, open_props, seal_props
from graph.security.scope import Scope, scope_conditions
from graph.store.composition import (
    between_lines,
    extend_map,
    fragment_piece,
    insert_after,
    rename_params,
    replace_line,
)
from graph.store.protocol import GraphStore
from graph.store.statements import Statement
from graph.store.templates import render

SKIP, UPDATE, CREATE = "skip", "update", "create"
DECISIONS = (SKIP, UPDATE, CREATE)
# A duplicate to update whose values are those of the record already: nothing is written.
UNCHANGED = "unchanged"
_MARKER = "WITH count(*) AS done"  # where import_create_batch takes its parts
_CONTACTS = "WITH c, n, row"  # where a customer's contacts are created, in its row
_PROPS_END = "import_id: $import_id}"  # the end of the map a created node's CREATE gives it


@dataclass
class Duplicate:
    """An existing record (or an earlier row of the batch) a row repeats."""

    key: str  # "phone", "email" or "name"
    uid: str = ""  # the existing record ("" when it is an earlier row of the file)
    version: int = 0
    line: int = 0  # the earlier row of the file


@dataclass
class BatchOutcome:
    """What one batch did (or, in a dry run, would do)."""

    created: int = 0
    updated: int = 0
    skipped: int = 0
    failed: list[CleanRow] = field(default_factory=list)
    duplicates: dict[int, Duplicate] = field(default_factory=dict)  # line -> duplicate
    # line -> what the writer made of a duplicate when it is not the import's choice: a
    # link that exists is skipped, a record an update would not change is "unchanged".
    decisions: dict[int, str] = field(default_factory=dict)


def dedup_keys(
    model: type[NodeModel], values: dict[str, Any], cipher: FieldCipher
) -> list[tuple[str, str]]:
    """The exact-duplicate keys of a row: phone and e-mail blind indexes (which sealing
    the row then takes, see ``BatchWriter._indexes``), and the folded name with the region
    (customers) or with the customer (contacts: ``customer`` holds its resolved uid)."""
    keys = []
    for name, prop in _contact_points(model.label):
        if values.get(name):
            keys.append((name, cipher.blind_index(str(values[name]), prop.kind)))
    # name_keys(name)[0] is the folded name (cached: the search keys computed it already).
    if model is nodes.Customer and values.get("name"):
        folded = name_keys(str(values["name"]))[0]
        keys.append(("name", folded + "\x1f" + str(values.get("region") or "")))
    if model is nodes.Contact and values.get("name") and values.get("customer"):
        customer = values["customer"]
        customer = customer[0] if isinstance(customer, list) else customer
        keys.append(("name", name_keys(str(values["name"]))[0] + "\x1f" + str(customer)))
    return keys


@cache
def _contact_points(label: str) -> tuple[tuple[str, Any], ...]:
    """(name, declaration) of the ``label`` type's phone and e-mail."""
    found = ((name, model_for(label).meta.prop(name)) for name in ("phone", "email"))
    return tuple((name, prop) for name, prop in found if prop is not None)


class BatchWriter:
    """Writes the batches of one import (or judges them, in a dry run)."""

    def __init__(
        self,
        store: GraphStore,
        cipher: FieldCipher,
        kind: ImportType,
        *,
        import_id: str,
        actor: str,
        scope: Scope,
        on_duplicate: str,
        decisions: dict[int, str],
        resolver: Resolver,
        mapped: frozenset[str] = frozenset(),
        headers: dict[str, str] | None = None,
        serial_timezone: dt.tzinfo = dt.UTC,
        dry_run: bool = False,
        sender: Sender | None = None,
        since: str | None = None,
        hidden_texts: frozenset[str] = frozenset({NOT_VISIBLE}),
    ) -> None:
        self.store = store
        self.cipher = cipher
        self.kind = kind
        self.model = kind.model
        self.import_id = import_id
        self.actor = actor
        self.scope = scope
        self.on_duplicate = on_duplicate
        self.decisions = decisions
        self.resolver = resolver
        self.mapped = mapped  # the target names a column fills
        self.headers = headers or {}  # target name -> its column (named in row errors)
        # A record the reader may not see, as exports write it: in a relation's cell, the
        # link as it is.
        self.hidden_texts = hidden_texts
        # An ID of this type's own form: its prefix and digits (C20261205001).
        self._own_id = re.compile(rf"{re.escape(self.model.meta.uid_prefix)}[0-9]+", re.I)
        self.serial_timezone = serial_timezone
        self.dry_run = dry_run
        # The time (ISO, UTC) of what the importer saw: the preview, else the import's start.
        # A record someone else changed after it is not overwritten (``_conflicts``).
        self.since = since
        self.seen: dict[tuple[str, str], int] = {}  # dry runs: keys of earlier rows
        # Writes each batch's create statement while the next one is prepared.
        self._sender: Sender = sender or ThreadSender(store)
        # Its created rows' duplicate keys (and uids), as the next batch's check finds them.
        self._in_flight: dict[tuple[str, str], str] = {}  # key -> the uid it was created with
        self._keys: dict[int, list[tuple[str, str]]] = {}  # this batch: line -> its keys
        self._plans: dict[type[NodeModel], tuple[list[tuple[str, Any, Any]], list[str]]] = {}
        self._statements: dict[tuple[tuple[str, ...], tuple[str, ...]], Statement] = {}
        self._now_values: dict[tuple[str, dt.datetime], Any] = {}
        self.owner_uid: str | None = None
        self.team: set[str] | None = None  # who a team-limited importer may give records to
        if scope.team_only:
            # Sales imports become the importer's own customers, or a team member's when
            # the row names one (as a salesperson may choose an owner on the form).
            found = resolver.prepare(nodes.Customer.meta.rel("owner"), {actor})  # type: ignore[arg-type]
            owners = found.get(actor) or []
            self.owner_uid = owners[0] if owners else None
            if "owner" in mapped and self.model.meta.rel("owner") is not None:
                self.team = team_uids(store, actor)

    # -- the batch ------------------------------------------------------------------------

    def write(
        self,
        rows: list[CleanRow],
        *,
        cursor: int,
        counts: dict[str, int],
        now: dt.datetime,
        landed: Callable[[], None] | None = None,
    ) -> BatchOutcome:
        """Write ``rows`` (cleaned, without errors so far); ``counts`` are the import's
        totals including this batch's outcome, stored with ``cursor`` by the create
        statement, which is sent in the background (see the module's text). ``landed`` is
        called once the previous batch is stored, before this one is sent (in a dry run,
        at once); what it raises stops the import between the two."""
        outcome = BatchOutcome()
        stamp = now.astimezone(dt.UTC).strftime(ISO_DATETIME)
        good = self._resolve(rows, outcome)
        # The stored records the rows repeat are looked up by another thread while the rows
        # are sealed: the lookup waits for the engine to finish the batch in flight (a row
        # found to repeat a record is sealed in vain).
        keyed = self._keyed(good)
        lookup = InBackground("import-lookup", self._stored_matches, good, keyed)
        prepared = {row.line: self._prepare(row, now, self._indexes(keys)) for row, keys in keyed}
        by_uid, existing = lookup.result()
        creates, updates = self._decide(good, outcome, keyed, by_uid, existing)
        creates = self._within_team(creates, outcome)
        update_pairs = self._update_rows(updates, stamp, outcome)
        update_rows = [update for _, update in update_pairs]
        create_rows = self._create_rows([(row, prepared[row.line]) for row in creates], now)
        outcome.created = len(create_rows)
        totals = dict(counts)
        for key in ("created", "updated", "skipped"):
            totals[key] = totals.get(key, 0) + getattr(outcome, key)
        totals["failed"] = totals.get("failed", 0) + len(outcome.failed)
        if self.dry_run:
            outcome.updated = len(update_rows)
            if landed is not None:
                landed()
            return outcome
        if update_rows:
            self.flush()
            changed = {
                n
                for u in update_rows
                for n in (*u["unlink"], *u["link"])
                if u["unlink"].get(n) or u["link"].get(n)
            }
            rels = [rel for rel in self._update_rels() if rel.name in changed]
            statement = relinked(
                self.store, self.model, self._statement("import_update_batch"), rels
            )
            params: dict[str, Any] = {
                "import_id": self.import_id,
                "rows": update_rows,
                "now": stamp,
            }
            written = self.store.write(statement, **params, **self._actor_for(statement))
            done = set(written[0]["updated"]) if written else set()
            outcome.updated = len(done)
            for row, update in update_pairs:
                if update["uid"] not in done:
                    row.errors.append(RowError(row.line, "", Message("import_changed_meanwhile")))
                    outcome.failed.append(row)
            totals["updated"] = counts.get("updated", 0) + outcome.updated
            totals["failed"] = counts.get("failed", 0) + len(outcome.failed)
        # The properties the batch's records (and contacts) carry: their rows' columns.
        columns = _columns(record["props"] for record in create_rows)
        contact_columns = _columns(
            contact["props"] for record in create_rows for contact in record.get("contacts", ())
        )
        statement = self._create_statement(columns, contact_columns)
        # One history entry for the batch, linked to every record it creates: who, when
        # and which import (the records' first values are the records themselves).
        change = entry_props(self.model.label, "create", stamp, self.actor, "[]")
        params = {
            "import_id": self.import_id,
            "change": change,
            "cursor": cursor,
            "counts": json.dumps(totals),
            "now": stamp,
            "actor": self.actor,
            **self._create_params(create_rows, columns, contact_columns),
        }
        self.flush()
        if landed is not None:
            landed()
        self._in_flight = self._created_keys(creates, create_rows)
        self._sender.send(statement, {k: v for k, v in params.items() if k in statement.params})
        return outcome

    def flush(self) -> None:
        """Wait until the batch in flight is written; its error is raised here."""
        self._sender.wait()

    def settle(self) -> None:
        """Wait for the batch in flight, ignoring its error (the import is failing anyway:
        it must not write after the import is marked failed or cancelled)."""
        try:
            self.flush()
        except Exception:  # noqa: BLE001 (the import's own error is the one raised)
            pass

    def close(self) -> None:
        """Stop the sender (after ``flush`` or ``settle``)."""
        self._sender.close()

    def _created_keys(
        self, creates: list[CleanRow], create_rows: list[dict[str, Any]]
    ) -> dict[tuple[str, str], str]:
        """The duplicate keys (and ids) of the rows this batch creates, with their new uids."""
        found: dict[tuple[str, str], str] = {}
        keys = self._keys
        for row, created in zip(creates, create_rows, strict=True):
            uid = created["uid"]
            found[(UID, uid)] = uid
            for key in keys.get(row.line, ()):
                found.setdefault(key, uid)
        return found

    # -- steps ----------------------------------------------------------------------------

    def _resolve(self, rows: list[CleanRow], outcome: BatchOutcome) -> list[CleanRow]:
        """Relation names to uids (rows naming unknown records fail)."""
        rels = [t for t in self.kind.targets if t.rel is not None]
        for target in rels:
            names: set[str] = set()
            for row in rows:
                value = row.values.get(target.name)
                names.update(value if isinstance(value, list) else [value] if value else [])
            if not names:
                continue
            known = self.resolver.prepare(target.rel, names)  # type: ignore[arg-type]
            for row in rows:
                value = row.values.get(target.name)
                if not value:
                    continue
                if value.__class__ is str and value in self.hidden_texts:
                    # An export's placeholder for a record the reader may not see: the link
                    # stays as it is, as for a blank cell.
                    del row.values[target.name]
                    continue
                try:
                    row.values[target.name] = self.resolver.pick(target.rel, value, known)  # type: ignore[arg-type]
                except UnresolvedName as exc:
                    column = self.headers.get(target.name, "")
                    row.errors.append(RowError(row.line, column, exc.message))
        good = []
        for row in rows:
            if row.errors:
                outcome.failed.append(row)
            else:
                good.append(row)
        return good

    def _within_team(self, creates: list[CleanRow], outcome: BatchOutcome) -> list[CleanRow]:
        """The rows to create without those a team-limited importer would give to someone
        outside their team (those fail; an update keeps its owner, so only creates count)."""
        if self.team is None:
            return creates
        kept = []
        for row in creates:
            if any(uid not in self.team for uid in row.values.get("owner") or []):
                message = Message("import_owner_not_in_team")
                row.errors.append(RowError(row.line, self.headers.get("owner", ""), message))
                outcome.failed.append(row)
            else:
                kept.append(row)
        return kept

    def _keyed(self, rows: list[CleanRow]) -> list[tuple[CleanRow, list[tuple[str, str]]]]:
        """Each row with its exact-duplicate keys (none for types without such keys)."""
        if self.model not in (nodes.Customer, nodes.Contact):
            return [(row, []) for row in rows]
        return [(row, dedup_keys(self.model, row.values, self.cipher)) for row in rows]

    def _stored_matches(
        self, rows: list[CleanRow], keyed: list[tuple[CleanRow, list[tuple[str, str]]]]
    ) -> tuple[dict[tuple[str, str], Duplicate], dict[tuple[str, str], Duplicate]]:
        """The stored records the rows name by ID, and those they repeat by a key."""
        by_uid = self._by_uid(rows)
        existing = self._existing(keyed) if any(keys for _, keys in keyed) else {}
        return by_uid, existing

    @staticmethod
    def _indexes(keys: list[tuple[str, str]]) -> dict[str, str]:
        """The blind indexes among a row's duplicate keys, by index name (sealing the row
        takes them instead of computing them again)."""
        return {index_name(name): value for name, value in keys if name != "name"}

    def _decide(
        self,
        rows: list[CleanRow],
        outcome: BatchOutcome,
        keyed: list[tuple[CleanRow, list[tuple[str, str]]]],
        by_uid: dict[tuple[str, str], Duplicate],
        existing: dict[tuple[str, str], Duplicate],
    ) -> tuple[list[CleanRow], list[tuple[CleanRow, Duplicate]]]:
        """Split rows into creates and updates; duplicates skipped as decided."""
        self._keys = {}
        rows, keyed = self._named_ids(rows, keyed, by_uid, outcome)
        if self.model not in (nodes.Customer, nodes.Contact) and not by_uid:
            return rows, []
        existing.update(by_uid)
        flying = self._in_flight  # keys of the batch still in flight, found after the stored
        self._keys = {row.line: keys for row, keys in keyed}
        keyed = [(row, _uid_key(row, by_uid) + keys) for row, keys in keyed]
        creates: list[CleanRow] = []
        updates: list[tuple[CleanRow, Duplicate]] = []
        batch_seen: dict[tuple[str, str], int] = {}
        for row, keys in keyed:
            # A row repeating an earlier row of the batch is a repeat of that row, even when
            # both name a stored record: the two would be decided against the same stored
            # values, and one update would silently win over the other.
            duplicate = None
            for key in keys:
                earlier = batch_seen.get(key)
                if earlier is not None:
                    duplicate = Duplicate(key[0], line=earlier)
                    break
            else:
                for key in keys:
                    duplicate = existing.get(key)
                    if duplicate is None and key[0] != UID and key in flying:
                        duplicate = Duplicate(key[0], flying[key], 1)
                    if duplicate is not None:
                        break
                else:
                    # A preview's earlier batches (a run stores them: they are found above).
                    earlier = next((self.seen[k] for k in keys if k in self.seen), None)
                    if earlier is not None:
                        duplicate = Duplicate(next(k for k, _ in keys), line=earlier)
            for key in keys:
                batch_seen.setdefault(key, row.line)
                if self.dry_run:
                    self.seen.setdefault(key, row.line)
            if duplicate is None:
                creates.append(row)
                continue
            outcome.duplicates[row.line] = duplicate
            decision = self.decisions.get(row.line, self.on_duplicate)
            if decision == CREATE:
                creates.append(row)
            elif decision == UPDATE and duplicate.uid:
                updates.append((row, duplicate))
            else:
                if decision == UPDATE:
                    # An earlier row of the file is no stored record to update: skipped,
                    # and the preview says so rather than "update".
                    outcome.decisions[row.line] = SKIP
                outcome.skipped += 1
        return creates, updates

    def _named_ids(
        self,
        rows: list[CleanRow],
        keyed: list[tuple[CleanRow, list[tuple[str, str]]]],
        by_uid: dict[tuple[str, str], Duplicate],
        outcome: BatchOutcome,
    ) -> tuple[list[CleanRow], list[tuple[CleanRow, list[tuple[str, str]]]]]:
        """The rows without those whose ID, of this type's own form (``C20261205001``),
        names no record the reader may see: those fail, instead of being matched to another
        record by their phone or name. A foreign ID (another CRM's) names nothing here:
        such a row is matched like a row without one."""
        if UID not in self.mapped:
            return rows, keyed  # no ID column: nothing to check
        failed = set()
        for row in rows:
            named = str(row.values.get(UID) or "")
            if named and self._own_id.fullmatch(named) and (UID, named) not in by_uid:
                column = self.headers.get(UID, "")
                row.errors.append(
                    RowError(row.line, column, Message("import_unknown_id", uid=named))
                )
                outcome.failed.append(row)
                failed.add(row.line)
        if not failed:
            return rows, keyed
        return (
            [row for row in rows if row.line not in failed],
            [(row, keys) for row, keys in keyed if row.line not in failed],
        )

    def _by_uid(self, rows: list[CleanRow]) -> dict[tuple[str, str], Duplicate]:
        """The existing records the rows' ID column names, among those the reader may see
        (``_decide`` fails a row whose ID of this type's form names none of them)."""
        uids = sorted({str(row.values[UID]) for row in rows if row.values.get(UID)})
        if not uids:
            return {}
        found: dict[tuple[str, str], Duplicate] = {
            (UID, uid): Duplicate(UID, uid, 1) for uid in uids if (UID, uid) in self._in_flight
        }
        for row in self.store.read(self._statement("import_list_nodes"), uids=uids):
            node = row["n"]
            if self.scope.team_only and not self._visible(node["uid"]):
                continue
            found[(UID, node["uid"])] = Duplicate(UID, node["uid"], node.get("version") or 0)
        return found

    def _existing(
        self, keyed: list[tuple[CleanRow, list[tuple[str, str]]]]
    ) -> dict[tuple[str, str], Duplicate]:
        phones: list[str] = []
        emails: list[str] = []
        if self.scope.pii:
            # A reader who sees personal data masked gets no phone or e-mail probe of the
            # stored records (as in search): a row's "duplicate" would tell them whether a
            # number they typed is a customer's, and guess by guess unmask it. Their rows
            # are still checked against each other and by name (and region).
            phones = sorted({v for _, keys in keyed for k, v in keys if k == "phone"})
            emails = sorted({v for _, keys in keyed for k, v in keys if k == "email"})
        names = sorted({v.split("\x1f")[0] for _, keys in keyed for k, v in keys if k == "name"})
        if not (phones or emails or names):
            return {}
        statement = (
            self.store.cypher.get("import_find_contact_duplicates")
            if self.model is nodes.Contact
            else self._statement("import_find_duplicates")
        )
        found: dict[tuple[str, str], Duplicate] = {}
        for row in self.store.read(statement, phones=phones, emails=emails, names=names):
            value = row["value"]
            if row["key"] == "name":
                value = value + "\x1f" + str(row["region"] or "")
            if self.scope.team_only and not self._visible(row["uid"]):
                continue  # another team's record is not this importer's duplicate to touch
            found.setdefault(
                (row["key"], value), Duplicate(row["key"], row["uid"], row["version"] or 0)
            )
        return found

    def _visible(self, uid: str) -> bool:
        repository = NodeRepository(self.store, self.model, cipher=self.cipher)
        return bool(repository.titles([uid], scope_conditions(self.model, self.scope)))

    def _update_rows(
        self, updates: list[tuple[CleanRow, Duplicate]], stamp: str, outcome: BatchOutcome
    ) -> list[tuple[CleanRow, dict[str, Any]]]:
        """Rows of the update statement, each with its source row: changed properties and
        relations only (blank cells change nothing), with history entries of old and new
        values (and, for relations, the uids undo puts back). A record the row would not
        change is skipped, not written ("unchanged" in a preview); a row that would overwrite
        a change its importer did not see fails (``_conflicts``)."""
        if not updates:
            return []
        self.flush()  # the stored values read next may be the batch in flight's
        statement = self._statement("import_list_nodes")
        stored = {
            row["n"]["uid"]: open_props(self.model, row["n"], self.cipher)
            for row in self.store.read(statement, uids=[d.uid for _, d in updates])
        }
        relinks = self._relation_changes(updates)
        writes = []
        for row, duplicate in updates:
            before = stored.get(duplicate.uid, {})
            props = {
                name: value
                for name, value in row.values.items()
                if self.model.meta.prop(name) is not None and before.get(name) != value
            }
            relinked_row = relinks.get(row.line, ([], {}, {}, {}))
            if not props and not relinked_row[3]:
                outcome.skipped += 1  # unchanged: nothing to write, no history entry
                outcome.decisions[row.line] = UNCHANGED
                continue
            writes.append((row, duplicate, before, props, relinked_row))
        refused = self._conflicts([(row, dup, before) for row, dup, before, _, _ in writes])
        result = []
        for row, duplicate, before, props, relinked_row in writes:
            if row.line in refused:
                row.errors.append(refused[row.line])
                outcome.failed.append(row)
                continue
            rel_changes, unlink, link, links = relinked_row
            changes = [FieldChange(n, before.get(n), v) for n, v in props.items()]
            change = history_entry(
                self.model, "update", stamp, self.actor, changes + rel_changes, self.cipher
            )
            if links:
                change[LINKS] = json.dumps(links)
            sealed = seal_props(self.model, with_search_keys(self.model, props), self.cipher)
            result.append(
                (
                    row,
                    {
                        "uid": duplicate.uid,
                        "version": before.get("version", duplicate.version),
                        "props": sealed,
                        "change": change,
                        "unlink": unlink,
                        "link": link,
                    },
                )
            )
        return result

    def _conflicts(
        self, writes: list[tuple[CleanRow, Duplicate, dict[str, Any]]]
    ) -> dict[int, RowError]:
        """line -> why the row may not update its record (``before``, as stored): someone
        else changed it after the file's version of it (the Version column of an export,
        checked when the row names the record by its ID) or after ``since`` (the preview
        the importer saw, or the import's start). Changes this import made (an earlier row
        of the file naming the same record, or the record it created) are no conflict.
        Who made the last change is read only for the records that may be in conflict."""
        # line -> (uid, stale against the file's version, when the record was last changed)
        suspects: dict[int, tuple[str, bool, str]] = {}
        for row, duplicate, before in writes:
            version = row.values.get(VERSION) if duplicate.key == UID else None
            stale = version is not None and version < (before.get("version") or 0)
            updated = str(before.get("updated_at") or "")
            if stale or (self.since is not None and updated > self.since):
                suspects[row.line] = (duplicate.uid, stale, updated)
        if not suspects:
            return {}
        last = {
            found["uid"]: found
            for found in self.store.read(
                self._statement("import_change_list_last"),
                uids=sorted({uid for uid, _, _ in suspects.values()}),
            )
        }
        refused = {}
        for line, (uid, stale, updated) in suspects.items():
            change = last.get(uid) or {}
            if change and change["import_id"] == self.import_id:
                continue  # this import's own change
            by, at = change.get("by") or "", self._shown_time(change.get("at") or updated)
            if stale:
                message = (
                    Message("import_changed_since_export", by=by, at=at)
                    if by and at
                    else Message("import_changed_since_export_unknown")
                )
                refused[line] = RowError(line, self.headers.get(VERSION, ""), message)
            else:
                message = (
                    Message("import_changed_after_preview", by=by, at=at)
                    if by
                    else Message("import_changed_after_preview_unknown", at=at)
                )
                refused[line] = RowError(line, "", message)
        return refused

    def _shown_time(self, stamp: str | None) -> str:
        """A stored UTC time as the business day and minute (2026-11-10 14:32)."""
        if not stamp:
            return ""
        try:
            when = dt.datetime.strptime(stamp, ISO_DATETIME).replace(tzinfo=dt.UTC)
        except ValueError:
            return stamp
        return when.astimezone(self.serial_timezone).strftime("%Y-%m-%d %H:%M")

    def _update_rels(self) -> list[Rel]:
        """The relations an update changes: those a column maps (a Sales importer's
        ownership stays as it is, as their new records become theirs)."""
        return [
            rel
            for rel in self.model.meta.rels
            if rel.editable
            and rel.name in self.mapped
            and not (self.scope.team_only and rel.name == "owner")
        ]

    def _relation_changes(
        self, updates: list[tuple[CleanRow, Duplicate]]
    ) -> dict[int, tuple[list[FieldChange], dict[str, list[str]], dict[str, list[str]], dict]]:
        """line -> (history changes, uids to unlink and to link per relation, and the
        uids before and after for undo) for the updates whose mapped relations differ."""
        rels = [
            rel for rel in self._update_rels() if any(r.values.get(rel.name) for r, _ in updates)
        ]
        if not rels:
            return {}
        current = current_links(self.store, self.model, sorted({d.uid for _, d in updates}))
        named = {
            rel.name: titles(
                self.store,
                self.cipher,
                rel,
                {u for r, _ in updates for u in r.values.get(rel.name) or []},
            )
            for rel in rels
        }
        found = {}
        for row, duplicate in updates:
            changes: list[FieldChange] = []
            unlink: dict[str, list[str]] = {rel.name: [] for rel in rels}
            link: dict[str, list[str]] = {rel.name: [] for rel in rels}
            links: dict[str, dict[str, list[str]]] = {}
            for rel in rels:
                if not row.values.get(rel.name):
                    continue  # a blank cell changes nothing
                before = current.get(duplicate.uid, {}).get(rel.name, [])
                old = {uid for uid, _ in before}
                new = set(row.values[rel.name])
                if old == new:
                    continue
                unlink[rel.name], link[rel.name] = sorted(old - new), sorted(new - old)
                links[rel.name] = {"old": sorted(old), "new": sorted(new)}
                after = [named[rel.name].get(uid, uid) for uid in new]
                changes.append(FieldChange(rel.name, shown(t for _, t in before), shown(after)))
            if links:
                found[row.line] = (changes, unlink, link, links)
        return found

    def _prepare(self, row: CleanRow, now: dt.datetime, indexes: dict[str, str]) -> dict[str, Any]:
        """A create row without its uids: properties sealed (taking the blind ``indexes``
        already computed), with search keys and (customers) the row's contact. Its history
        is the batch's entry (``write``)."""
        props, links = self._split(self.model, row.values, now)
        if self.owner_uid and not links.get("owner") and self.model.meta.rel("owner") is not None:
            links["owner"] = [self.owner_uid]
        sealed = seal_props(self.model, with_search_keys(self.model, props), self.cipher, indexes)
        record: dict[str, Any] = {"props": sealed, **links}
        if self.model is nodes.Customer:
            contacts: list[dict[str, Any]] = []
            record["contacts"] = contacts
            contact = {
                k.removeprefix(CONTACT_PREFIX): v
                for k, v in row.values.items()
                if k.startswith(CONTACT_PREFIX)
            }
            if contact.get("name"):
                cprops, _ = self._split(nodes.Contact, contact, now)
                csealed = seal_props(
                    nodes.Contact, with_search_keys(nodes.Contact, cprops), self.cipher
                )
                contacts.append({"props": csealed})
        return record

    def _create_rows(
        self, rows: list[tuple[CleanRow, dict[str, Any]]], now: dt.datetime
    ) -> list[dict[str, Any]]:
        """The prepared rows given their new uids (one round trip for the batch)."""
        if not rows:
            return []
        contacts = sum(len(record.get("contacts", ())) for _, record in rows)
        uids, contact_uids = self._uids([(self.model, len(rows)), (nodes.Contact, contacts)], now)
        pending = iter(contact_uids)
        result = []
        for (_, record), uid in zip(rows, uids, strict=True):
            record["uid"] = uid
            for contact in record.get("contacts", ()):
                contact["uid"] = next(pending)
            result.append(record)
        return result

    def _create_params(
        self,
        created: list[dict[str, Any]],
        columns: tuple[str, ...],
        contact_columns: tuple[str, ...],
    ) -> dict[str, Any]:
        """The create statement's lists: the records (``rows``: uid, then the properties
        ``columns`` name; a customer's row ends with its contacts, each its uid, then the
        ``contact_columns``) and, per relation it fills, the pairs of record and related
        uid (``links_<relation>``): lists of lists, which the engine reads faster than
        maps with their keys repeated in every row."""
        if self.model is nodes.Customer:
            rows = [
                [
                    r["uid"],
                    *map(r["props"].get, columns),
                    [[k["uid"], *map(k["props"].get, contact_columns)] for k in r["contacts"]],
                ]
                for r in created
            ]
        else:
            rows = [[r["uid"], *map(r["props"].get, columns)] for r in created]
        params: dict[str, Any] = {"rows": rows}
        for rel in self._linked_rels():
            params[f"links_{rel.name}"] = [
                [r["uid"], u] for r in created for u in r.get(rel.name, ())
            ]
        return params

    def _split(
        self, model: type[NodeModel], values: dict[str, Any], now: dt.datetime
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """A row's values of ``model`` as its properties (defaults filled in) and the uids
        of each relation this import fills."""
        props_plan, rel_names = self._plan(model)
        props: dict[str, Any] = {}
        for name, prop, default in props_plan:
            value = values.get(name)
            if value is None:
                if default is not None:
                    value = default
                elif prop.default_now:
                    value = self._now_value(prop, now)
                else:
                    continue
            props[name] = value
        return props, {name: list(values.get(name) or []) for name in rel_names}

    def _plan(self, model: type[NodeModel]) -> tuple[list[tuple[str, Any, Any]], list[str]]:
        """``model``'s editable properties (name, declaration, default) and the relations
        an imported row of it fills, worked out once per import."""
        plan = self._plans.get(model)
        if plan is None:
            props = [(p.name, p, p.default) for p in model.meta.props if p.editable]
            rels = [rel.name for rel in model.meta.rels if rel.editable]
            if model is self.model:
                rels = [name for name in rels if name in self._linked()]
            plan = self._plans[model] = (props, rels)
        return plan

    def _now_value(self, prop: Any, now: dt.datetime) -> Any:
        """A ``default_now`` property's value at ``now`` (the same for a whole batch)."""
        key = (prop.name, now)
        if key not in self._now_values:
            if len(self._now_values) > 64:
                self._now_values.clear()  # earlier batches'
            self._now_values[key] = to_graph(prop, current_minute(now))
        return self._now_values[key]

    def _uids(self, wanted: list[tuple[type[NodeModel], int]], now: dt.datetime) -> list[list[str]]:
        """For each (node type, count) of ``wanted``, that many new uids, all in one round
        trip (a dry run makes none)."""
        keys = [serial_key(model.meta.uid_prefix, now, self.serial_timezone) for model, _ in wanted]
        counts = [count for _, count in wanted]
        if self.dry_run:
            return [[f"{key}?"] * count for key, count in zip(keys, counts, strict=True)]
        blocks = [[key, count] for key, count in zip(keys, counts, strict=True) if count]
        first = {}
        if blocks:
            found = self.store.write("serial_next_blocks", blocks=blocks)
            first = {row["serial_key"]: row["first"] for row in found}
        return [
            [f"{key}{serial:03d}" for serial in range(first[key], first[key] + count)]
            if count
            else []
            for key, count in zip(keys, counts, strict=True)
        ]

    def _linked_rels(self) -> list[Rel]:
        """The relations of the imported type this import fills."""
        linked = self._linked()
        return [rel for rel in self.model.meta.rels if rel.editable and rel.name in linked]

    def _linked(self) -> set[str]:
        """The relations this import fills: those a column maps, and a Sales importer's
        ownership."""
        return set(self.mapped) | ({"owner"} if self.owner_uid else set())

    # -- statements -----------------------------------------------------------------------

    def _actor_for(self, statement: Statement) -> dict[str, str]:
        """The ``actor`` parameter, for a statement whose spliced parts take it."""
        return {"actor": self.actor} if "actor" in statement.params else {}

    def _statement(self, name: str) -> Statement:
        return render(self.store.cypher.get(name), Label=self.model.label)

    def _create_statement(
        self, columns: tuple[str, ...], contact_columns: tuple[str, ...]
    ) -> Statement:
        """import_create_batch giving each record ``columns``, with a part per relation
        (and the customer's contact, given ``contact_columns``); composed once per import
        and shape of rows."""
        key = (columns, contact_columns)
        if key in self._statements:
            return self._statements[key]
        parts = []
        for rel in self._linked_rels():
            name = "import_link_out" if rel.direction == "out" else "import_link_in"
            part = render(
                self.store.cypher.get(name),
                Label=self.model.label,
                Target=rel.target,
                REL=rel.type,
            )
            part = rename_params(part, {"links": f"links_{rel.name}"})
            parts.append(between_lines(part, _MARKER))
        if self.model is nodes.Customer:
            works_for = nodes.Contact.meta.rel("customer")
            assert works_for is not None
            part = render(
                self.store.cypher.get("import_contacts_part"),
                Label=self.model.label,
                Target="Contact",
                REL=works_for.type,
            )
            part = _with_columns(part, "contact_column", contact_columns, first=1)
            contacts = between_lines(part, _CONTACTS)
            contacts = replace(contacts, text=contacts.text.removesuffix("\n"))
        statement = _with_columns(
            self._statement("import_create_batch"), "record_column", columns, first=1
        )
        if self.model is nodes.Customer:
            statement = replace_line(statement, _CONTACTS, contacts)
        statement = self._statements[key] = insert_after(statement, _MARKER, parts)
        return statement


def _columns(props: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    """The property names of a batch's records, sorted (the same statement serves every
    batch of the same shapes; a batch's rows mostly have one or two)."""
    names: dict[str, None] = {}
    for shape in {tuple(each) for each in props}:
        names.update(dict.fromkeys(shape))
    return tuple(sorted(names))


def _with_columns(
    statement: Statement, fragment: str, columns: tuple[str, ...], first: int
) -> Statement:
    """``statement`` whose created node is given each of ``columns`` from the row's column
    ``first`` on, as entries of the map its CREATE gives it (one step in the engine, not a
    create and then an update of every node)."""
    items = [
        fragment_piece("imports", fragment, prop=name, i=first + index)
        for index, name in enumerate(columns)
    ]
    return extend_map(statement, _PROPS_END, items)


def _uid_key(row: CleanRow, by_uid: dict[tuple[str, str], Duplicate]) -> list[tuple[str, str]]:
    """The row's ID as a duplicate key, when it names an existing record."""
    key = (UID, str(row.values.get(UID) or ""))
    return [key] if key in by_uid else []
