"""Reading and writing nodes of any declared type, through the node templates.

A list page costs three round trips whatever its size: count, page, and one UNION ALL
query for the relations of every node on the page. Each write (node, relation changes and
its history entry) is one statement, so it is atomic on both engines.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from graph.clock import Clock, utc_now
from graph.errors import (
    ConstraintViolation,
    HasDependants,
    IdempotencyKeyReused,
    InvalidValue,
    NotFound,
    StaleVersion,
)
from graph.model.base import Dependant, NodeModel, Rel, dependants_of, model_for
from graph.model.records import ISO_DATETIME, Record, Ref, record_from_row, to_graph
from graph.records.audit_intent import intent_of, mark_pending
from graph.records.events import record_changed
from graph.records.filters import (
    Condition,
    after,
    apply_filters,
    check_order,
    compile_filters,
    filtered,
    ordered,
    splice,
    suffix_params,
    union,
)
from graph.records.history import ChangeEntry, FieldChange, change_entry_of, history_entry
from graph.records.search_keys import with_search_keys
from graph.records.serials import next_uid
from graph.security.crypto import FieldCipher
from graph.security.pii import open_props, open_value, seal_props
from graph.store.protocol import GraphStore
from graph.store.statements import CypherLibrary, Statement
from graph.store.templates import render


class NodeRepository:
    """CRUD, lists, search and history for one declared node type.

    With a ``cipher``, personal-data properties (``pii=True``) are encrypted on write, with
    their blind index, and decrypted on read, history entries included (see ``graph.security.pii``).
    The app always passes one; ``None`` stores values as given (tools without the key).
    A write that sets the name of a searched type also stores its search keys
    (``graph.records.search_keys``).
    """

    def __init__(
        self,
        store: GraphStore,
        model: type[NodeModel],
        *,
        clock: Clock = utc_now,
        serial_timezone: dt.tzinfo = dt.UTC,
        cipher: FieldCipher | None = None,
    ) -> None:
        self.store = store
        self.model = model
        self.meta = model.meta
        self.clock = clock
        self.serial_timezone = serial_timezone
        self.cipher = cipher

    # -- statements -------------------------------------------------------------------

    def _template(self, name: str, **names: str) -> Statement:
        return _rendered(self.store.cypher, name, self.model.label, tuple(sorted(names.items())))

    def _filtered(
        self, name: str, conditions: list[Condition], *, anchor_allowed: bool = True, **names: str
    ) -> tuple[Statement, dict[str, Any]]:
        return filtered(
            self._template(name, **names),
            self.meta,
            conditions,
            anchor_allowed=anchor_allowed,
            cipher=self.cipher,
        )

    # -- reads --------------------------------------------------------------------------

    def count(self, conditions: list[Condition] | None = None) -> int:
        """How many nodes match ``conditions``."""
        statement, params = self._filtered("node_count", conditions or [])
        return self.store.read(statement, **params)[0]["total"]

    def page(
        self,
        conditions: list[Condition] | None = None,
        order: str | None = None,
        direction: str = "asc",
        skip: int = 0,
        limit: int = 25,
    ) -> list[Record]:
        """One page of records with their relations (two round trips)."""
        column = order or self.meta.default_order
        check_order(self.meta, column, direction)
        statement, params = self._filtered("node_page", conditions or [], prop=column)
        statement = ordered(statement, column, direction)
        rows = self.store.read(statement, skip=int(skip), limit=int(limit), **params)
        records = [self._record(row["n"]) for row in rows]
        self.load_relations(records)
        return records

    def list(
        self,
        conditions: list[Condition] | None = None,
        order: str | None = None,
        direction: str = "asc",
        skip: int = 0,
        limit: int = 25,
    ) -> tuple[int, list[Record]]:
        """Total count and one page: three round trips whatever the page size."""
        total = self.count(conditions)
        if total == 0 or skip >= total:
            return total, []
        return total, self.page(conditions, order, direction, skip, limit)

    def batches(
        self,
        conditions: builtins.list[Condition] | None = None,
        order: str | None = None,
        direction: str = "asc",
        size: int = 1000,
    ) -> Iterator[builtins.list[Record]]:
        """Every record matching ``conditions`` in ``page``'s order, ``size`` at a time with
        their relations: keyset paging (each batch starts after the last row of the one
        before, no SKIP), so a million rows stream through without sitting in memory and
        the last batch costs what the first does. Two round trips a batch."""
        column = order or self.meta.default_order
        check_order(self.meta, column, direction)
        anchor, predicates, params = compile_filters(
            self.meta, conditions or [], cipher=self.cipher
        )
        template = self._template("node_page", prop=column)
        keyset: builtins.list[Statement] = []
        keyset_params: dict[str, Any] = {}
        while True:
            statement = apply_filters(template, anchor, [*predicates, *keyset], params)
            statement = ordered(statement, column, direction)
            rows = self.store.read(statement, skip=0, limit=int(size), **params, **keyset_params)
            if not rows:
                return
            records = [self._record(row["n"]) for row in rows]
            self.load_relations(records)
            yield records
            if len(rows) < size:
                return
            last = rows[-1]["n"]
            if last["uid"] == keyset_params.get("after_uid"):
                raise RuntimeError(f"{self.model.label}: keyset paging made no progress")
            piece, keyset_params = after(column, direction, last.get(column), last["uid"])
            keyset = [piece]

    def get(self, uid: str, conditions: builtins.list[Condition] | None = None) -> Record | None:
        """The record with this uid and its relations, or None (also when ``conditions``,
        e.g. a view's base filters, exclude it)."""
        statement, params = self._filtered("node_get", conditions or [], anchor_allowed=False)
        rows = self.store.read(statement, uid=uid, **params)
        if not rows:
            return None
        record = self._record(rows[0]["n"])
        self.load_relations([record])
        return record

    def load_relations(self, records: builtins.list[Record]) -> None:
        """Fill every relation field of ``records`` with one query."""
        rels = self.meta.rels
        if not records or not rels:
            return
        statement = relations_statement(self.store.cypher, self.model.label)
        params: dict[str, Any] = {"uids": [r.uid for r in records]}
        params.update({f"field_{i}": rel.name for i, rel in enumerate(rels)})
        by_uid = {r.uid: r for r in records}
        targets = {rel.name: rel for rel in rels}
        for row in self.store.read(statement, **params):
            rel = targets[row["field"]]
            ref = Ref(rel.target, row["target"], "" if row["title"] is None else str(row["title"]))
            record = by_uid[row["uid"]]
            if rel.many:
                getattr(record, rel.name).append(ref)
            else:
                setattr(record, rel.name, ref)
        for record in records:
            for rel in rels:
                if rel.many:
                    getattr(record, rel.name).sort(key=str)

    def search_titles(
        self, text: str, limit: int = 20, conditions: builtins.list[Condition] | None = None
    ) -> builtins.list[Ref]:
        """Nodes whose title contains ``text`` and that match ``conditions`` (for selects)."""
        statement, params = self._filtered(
            "node_search_titles", conditions or [], prop=self.meta.title
        )
        rows = self.store.read(statement, text=text or "", limit=int(limit), **params)
        return [Ref(self.model.label, row["uid"], str(row["title"] or "")) for row in rows]

    def titles(
        self, uids: builtins.list[str], conditions: builtins.list[Condition] | None = None
    ) -> dict[str, str]:
        """Titles of the nodes among ``uids`` that ``conditions`` let through, by uid (one
        round trip; for selects that show values chosen earlier)."""
        if not uids:
            return {}
        # The uids are the anchor here: row-level conditions become predicates (as in get).
        statement, params = self._filtered(
            "node_list_titles", conditions or [], anchor_allowed=False, prop=self.meta.title
        )
        rows = self.store.read(statement, uids=list(uids), **params)
        return {row["uid"]: str(row["title"] or row["uid"]) for row in rows}

    def history(self, uid: str, limit: int = 200) -> builtins.list[ChangeEntry]:
        """History entries of the node ``uid``, newest first: its own entries (kept after
        a delete) and those it shares with the records created with it (an import batch's,
        found through the node while it exists)."""
        rows = self.store.read(
            "change_list_for_entity", entity=self.model.label, uid=uid, limit=limit
        )
        shared = self.store.read(
            render(self.store.cypher.get("change_list_for_node_batch"), Label=self.model.label),
            uid=uid,
            limit=limit,
        )
        entries = [
            change_entry_of(
                row["c"], lambda field, value: open_value(self.model, field, value, self.cipher)
            )
            for row in [*rows, *shared]
        ]
        # Newest first, as each read returns them (a shared entry is a record's first).
        entries.sort(key=lambda e: (e.at or dt.datetime.min, e.version or 0), reverse=True)
        return entries[:limit]

    # -- writes -------------------------------------------------------------------------

    def create(
        self,
        values: dict[str, Any],
        actor: str,
        *,
        idempotency_key: str | None = None,
        request_hash: str = "",
        import_id: str = "",
    ) -> Record:
        """Create a node with its relations and history entry; returns it as stored.

        With an ``idempotency_key`` (unique per caller and node type; the history entry
        stores it, under a unique constraint, in the same statement) a create that already
        happened is not repeated: the record it created is returned, as it is now. The same
        key with another ``request_hash`` raises ``IdempotencyKeyReused``.

        An ``import_id`` (an import creating the record on demand, such as a tag a file
        names) is stored on the node and its history entry, as on the records an import
        creates in its batches: what that import's undo looks for.
        """
        if idempotency_key:
            earlier = self._created_with(idempotency_key, request_hash)
            if earlier is not None:
                return earlier
        now = self.clock()
        stamp = now.astimezone(dt.UTC).strftime(ISO_DATETIME)
        props, rel_values = self._split(values)
        parts, part_params = self._link_parts(
            {rel.name: ([], _uids(rel_values.get(rel.name))) for rel in self.meta.rels},
            stamp,
            actor,
        )
        changes = [
            FieldChange(name, None, value) for name, value in props.items() if value is not None
        ] + [
            FieldChange(rel.name, None, self._link_titles(rel, rel_values.get(rel.name)))
            for rel in self.meta.rels
            if _uids(rel_values.get(rel.name))
        ]
        change = self._change("create", stamp, actor, changes)
        if idempotency_key:
            change.update(idempotency_key=idempotency_key, request_hash=request_hash)
        sealed = seal_props(self.model, with_search_keys(self.model, props), self.cipher)
        if import_id:
            sealed["import_id"] = change["import_id"] = import_id
        uid = next_uid(self.store, self.meta.uid_prefix, now, self.serial_timezone)
        try:
            rows = self.store.write(
                splice(self._template("node_create"), parts),
                uid=uid,
                props=sealed,
                now=stamp,
                change=change,
                **part_params,
            )
        except ConstraintViolation:
            # A concurrent request with the same key won the race: answer with its record.
            earlier = self._created_with(idempotency_key, request_hash) if idempotency_key else None
            if earlier is None:
                raise
            return earlier
        created = self.get(rows[0]["n"]["uid"])
        assert created is not None and created.uid is not None
        record_changed.send(self.model.label, intent=intent_of(change, created.uid))
        return created

    def update(self, before: Record, values: dict[str, Any], actor: str) -> Record:
        """Apply ``values`` to the node ``before`` describes, if nobody changed it since.

        ``before`` is the record as the editor saw it (its ``version`` included); a newer
        version in the graph raises ``StaleVersion`` and keeps the other person's change.
        """
        now = self.clock()
        stamp = now.astimezone(dt.UTC).strftime(ISO_DATETIME)
        props, rel_values = self._split(values)
        changed_props = {
            name: value
            for name, value in props.items()
            if value != to_graph(self.meta.prop(name), getattr(before, name, None))
        }
        changes = [
            FieldChange(name, to_graph(self.meta.prop(name), getattr(before, name, None)), value)
            for name, value in changed_props.items()
        ]
        rel_changes: dict[str, tuple[list[str], list[str]]] = {}
        for rel in self.meta.rels:
            if rel.name not in rel_values:
                continue
            old = set(_uids(getattr(before, rel.name, None)))
            new = set(_uids(rel_values[rel.name]))
            if old != new:
                rel_changes[rel.name] = (sorted(old - new), sorted(new - old))
                changes.append(
                    FieldChange(
                        rel.name,
                        _titles(getattr(before, rel.name, None)),
                        self._link_titles(rel, rel_values[rel.name]),
                    )
                )
        if not changes:
            # Nothing to write: still refuse an edit based on a stale version.
            current = self.get(before.uid or "")
            if current is None:
                raise NotFound(f"{self.model.label} {before.uid} does not exist")
            if current.version != before.version:
                raise StaleVersion(
                    f"{self.model.label} {before.uid} was changed by someone else "
                    f"(version {current.version}, yours {before.version})"
                )
            return current
        parts, part_params = self._link_parts(rel_changes, stamp, actor)
        change = self._change("update", stamp, actor, changes)
        rows = self.store.write(
            splice(self._template("node_update"), parts),
            uid=before.uid,
            version=before.version,
            props=seal_props(self.model, with_search_keys(self.model, changed_props), self.cipher),
            now=stamp,
            change=change,
            **part_params,
        )
        if not rows:
            current = self.get(before.uid or "")
            if current is None:
                raise NotFound(f"{self.model.label} {before.uid} does not exist")
            raise StaleVersion(
                f"{self.model.label} {before.uid} was changed by someone else "
                f"(version {current.version}, yours {before.version})"
            )
        updated = self.get(rows[0]["n"]["uid"])
        assert updated is not None and updated.uid is not None
        record_changed.send(self.model.label, intent=intent_of(change, updated.uid))
        return updated

    def dependants(self, uid: str) -> builtins.list[tuple[Dependant, int]]:
        """How many records of each type would be left without their required relation if
        the record ``uid`` were deleted (types with none left out; all rows counted, since
        a delete must not leave any behind, whoever asks)."""
        found = []
        for dependant in dependants_of(self.model.label):
            repository = self._dependant_repository(dependant)
            count = repository.count([Condition(dependant.rel.name, "rel_eq", uid)])
            if count:
                found.append((dependant, count))
        return found

    def blockers(self, uid: str) -> HasDependants | None:
        """The refusal a plain delete of ``uid`` would meet now (counts of the records that
        need it, and whether they may go with it), or None when nothing needs it."""
        found = self.dependants(uid)
        return self._has_dependants(uid, found) if found else None

    def delete(self, before: Record, actor: str, *, cascade: bool = False) -> dict[str, int]:
        """Delete the node and its relationships, keeping a history entry of what it was.

        Records whose required relation points at it (``dependants``) refuse the delete
        (``HasDependants``), unless ``cascade`` is asked and every such relation declares
        ``on_target_delete="cascade"``: then they are deleted in the same write, each with
        its own history entry. Returns how many records of each label went with it.
        """
        stamp = self.clock().astimezone(dt.UTC).strftime(ISO_DATETIME)
        found = self.dependants(before.uid or "")
        if found and not (cascade and all(d.rel.on_target_delete == "cascade" for d, _ in found)):
            raise self._has_dependants(before.uid or "", found)
        parts: list[Statement] = []
        params: dict[str, Any] = {}
        doomed: list[tuple[str, str, dict[str, Any]]] = []
        counts: dict[Dependant, int] = dict(found)
        for index, dependant in enumerate(dependants_of(self.model.label)):
            repository = self._dependant_repository(dependant)
            records = []
            if counts.get(dependant):
                condition = Condition(dependant.rel.name, "rel_eq", before.uid)
                records = repository.page([condition], limit=counts[dependant] + 1)
            # Seen from n: a dependant whose relation points out to n links in, and back.
            name = (
                "node_delete_dependants_in"
                if dependant.rel.direction == "out"
                else "node_delete_dependants_out"
            )
            template = self._template(name, Target=dependant.model.label, REL=dependant.rel.type)
            parts.append(suffix_params(template, str(index)))
            changes = [repository._delete_change(r, stamp, actor) for r in records]
            params[f"uids_{index}"] = [r.uid for r in records]
            params[f"changes_{index}"] = changes
            pairs = zip(records, changes, strict=True)
            doomed += [(dependant.model.label, r.uid or "", c) for r, c in pairs]
        change = self._delete_change(before, stamp, actor)
        rows = self.store.write(
            splice(self._template("node_delete"), parts), uid=before.uid, change=change, **params
        )
        if not rows:
            if self.get(before.uid or "") is None:
                raise NotFound(f"{self.model.label} {before.uid} does not exist")
            raise self._has_dependants(before.uid or "", self.dependants(before.uid or ""))
        for label, uid, dependant_change in doomed:
            record_changed.send(label, intent=intent_of(dependant_change, uid))
        record_changed.send(self.model.label, intent=intent_of(change, before.uid or ""))
        deleted: dict[str, int] = {}
        for label, _, _ in doomed:
            deleted[label] = deleted.get(label, 0) + 1
        return deleted

    def _delete_change(self, before: Record, stamp: str, actor: str) -> dict[str, Any]:
        """The history entry of deleting ``before``: each property's last value."""
        changes = [
            FieldChange(p.name, to_graph(p, getattr(before, p.name, None)), None)
            for p in self.meta.props
            if getattr(before, p.name, None) not in (None, "")
        ]
        change = self._change("delete", stamp, actor, changes)
        change["entity_uid"] = before.uid
        change["version"] = (before.version or 0) + 1  # the version the delete ends
        return change

    def _dependant_repository(self, dependant: Dependant) -> NodeRepository:
        return NodeRepository(
            self.store,
            dependant.model,
            clock=self.clock,
            serial_timezone=self.serial_timezone,
            cipher=self.cipher,
        )

    def _has_dependants(
        self, uid: str, found: builtins.list[tuple[Dependant, int]]
    ) -> HasDependants:
        counts: dict[str, int] = {}
        for dependant, count in found:
            counts[dependant.model.label] = counts.get(dependant.model.label, 0) + count
        cascadable = all(d.rel.on_target_delete == "cascade" for d, _ in found)
        return HasDependants(self.model.label, uid, tuple(counts.items()), cascadable)

    # -- helpers ------------------------------------------------------------------------

    def _created_with(self, key: str, request_hash: str) -> Record | None:
        """The record an earlier create with idempotency ``key`` made (None: no such create)."""
        rows = self.store.read("change_get_by_idempotency_key", key=key)
        if not rows:
            return None
        if (rows[0]["request_hash"] or "") != request_hash:
            raise IdempotencyKeyReused(f"{self.model.label}: the key was used for another request")
        record = self.get(rows[0]["entity_uid"])
        if record is None:
            raise NotFound(f"{self.model.label} {rows[0]['entity_uid']} no longer exists")
        return record

    def _split(self, values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        props = {p.name: to_graph(p, values[p.name]) for p in self.meta.props if p.name in values}
        for prop in self.meta.props:
            if prop.unique and prop.name in props:
                check_unique_key(self.model.label, prop.name, props[prop.name])
        rels = {r.name: values[r.name] for r in self.meta.rels if r.name in values}
        return props, rels

    def _link_parts(
        self,
        changes: dict[str, tuple[builtins.list[str], builtins.list[str]]],
        stamp: str,
        actor: str,
    ) -> tuple[builtins.list[Statement], dict[str, Any]]:
        parts: list[Statement] = []
        params: dict[str, Any] = {}
        for index, rel in enumerate(self.meta.rels):
            if rel.name not in changes:
                continue
            removed, added = changes[rel.name]
            if not removed and not added:
                continue
            if not rel.many and added:
                removed = []  # a single relation replaces whatever link exists
                parts.append(self._unlink_all(rel, index))
            part = suffix_params(self._link_template(rel), str(index), keep=("now", "actor"))
            parts.append(part)
            params[f"added_{index}"] = added
            params[f"removed_{index}"] = removed
        if parts:
            params["actor"] = actor
        return parts, params

    def _link_template(self, rel: Rel) -> Statement:
        name = "node_link_out" if rel.direction == "out" else "node_link_in"
        return self._template(name, Target=rel.target, REL=rel.type)

    def _unlink_all(self, rel: Rel, index: int) -> Statement:
        name = "node_unlink_all_out" if rel.direction == "out" else "node_unlink_all_in"
        return self._template(name, Target=rel.target, REL=rel.type)

    def _link_titles(self, rel: Rel, value: Any) -> str | None:
        """The titles of the records ``value`` links to, for a history entry: a form or
        client may name them by uid alone, and history shows names, not codes."""
        items = value if isinstance(value, list | tuple | set) else [value]
        bare = [str(item) for item in items if item and not isinstance(item, Ref | Record)]
        if bare:
            target = NodeRepository(self.store, model_for(rel.target), cipher=self.cipher)
            known = target.titles(bare)
            items = [known.get(str(i), str(i)) if str(i) in bare else i for i in items]
        return _titles(items)

    def _record(self, node: dict[str, Any]) -> Record:
        return record_from_row(self.model, open_props(self.model, node, self.cipher))

    def _change(
        self, action: str, stamp: str, actor: str, changes: Iterable[FieldChange]
    ) -> dict[str, Any]:
        """A history entry with its audit intent (see ``graph.records.history``)."""
        return mark_pending(history_entry(self.model, action, stamp, actor, changes, self.cipher))


# FalkorDB 4.16 crashes enforcing a unique constraint on a string that is empty, starts or
# ends with whitespace, or is longer than 4096 bytes (upstream issues 1340 and 2440).
MAX_UNIQUE_BYTES = 4096


def check_unique_key(label: str, name: str, value: Any) -> None:
    """Refuse (``InvalidValue``) a unique key value the engines cannot all enforce."""
    if not isinstance(value, str):
        return
    if not value or value != value.strip() or len(value.encode()) > MAX_UNIQUE_BYTES:
        raise InvalidValue(key="unique_key", field=name, max=MAX_UNIQUE_BYTES)


def _uids(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    items = value if isinstance(value, list | tuple | set) else [value]
    return [
        (item.uid or "") if isinstance(item, Ref | Record) else str(item) for item in items if item
    ]


def _titles(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    items = value if isinstance(value, list | tuple | set) else [value]
    return ", ".join(sorted(str(item) for item in items))


# Rendered statements are cached per statement library (one per dialect, shared by every
# store of that engine), never per store: a cache keyed by a store would keep it alive.
@cache
def _rendered(
    cypher: CypherLibrary, name: str, label: str, names: tuple[tuple[str, str], ...]
) -> Statement:
    return render(cypher.get(name), Label=label, **dict(names))


@cache
def relations_statement(cypher: CypherLibrary, label: str) -> Statement:
    """One UNION ALL read of every relation of ``label`` nodes ``$uids``, with the title of
    each related record."""

    parts = []
    for index, rel in enumerate(model_for(label).meta.rels):
        template = "node_relations_out" if rel.direction == "out" else "node_relations_in"
        target_title = model_for(rel.target).meta.title
        rendered = render(
            cypher.get(template), Label=label, Target=rel.target, REL=rel.type,
            prop=target_title,
        )  # fmt: skip
        parts.append(suffix_params(rendered, str(index), keep=("uids",)))
    return union(parts, f"node_relations[{label}]")
