"""Undoing an import: what it created is deleted, what it updated gets its previous values
back from the history entries it wrote, batch by batch, each batch one statement.

Safe to run again (a resumed undo): a restored record no longer carries the import's id
and a deleted one is gone. A record someone changed after the import keeps their change
and is counted as ``conflicts``. A record it created goes only if nothing but the import
has touched it: one edited since (its version moved past the one the import left), updated
by another import, or that another record now links to (a follow-up, order, ticket or
contact added since, a referral made since: anything but its own relations as the import
set them, or a link from a record of the import that stays) stays, counted as
``conflicts``, so no record is left without its required customer. A record it created
that a later batch of it updated (two rows naming it) is deleted like the others, not
restored to the values it was created with. A record the import updated more than once
(two rows naming it, in different batches) is restored once, to its values before the
first of those updates, if it is still at the version the last one left. The links a
referral-link import made are removed, and those it replaced linked back as they were
(properties and all) where its link is still there; where someone removed or replaced it
since, their change stays and is counted as ``conflicts``. Tags the import created on
demand (a file naming one that did not exist) are deleted last, those nothing links to any
more; one someone has put on another record since (or that a record kept still carries)
stays, counted as ``conflicts`` too.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graph.clock import Clock, utc_now
from graph.io.imports import records
from graph.io.imports.relations import ON_DEMAND
from graph.io.imports.relinks import LINKS, REPLACED, relinked, undo_links
from graph.model.base import REGISTRY, model_for
from graph.model.records import ISO_DATETIME
from graph.records.history import FieldChange, history_entry
from graph.records.search_keys import with_search_keys
from graph.security.crypto import FieldCipher
from graph.security.pii import open_value, seal_props
from graph.store.protocol import GraphStore
from graph.store.templates import render

UNDO_BATCH = 1000


@dataclass
class UndoReport:
    """What an undo did."""

    restored: int = 0
    deleted: int = 0
    conflicts: int = 0
    unlinked: int = 0  # links removed (a referral-link import's)
    by_label: dict[str, int] = field(default_factory=dict)


def undo_import(
    store: GraphStore,
    cipher: FieldCipher | None,
    import_id: str,
    *,
    actor: str,
    clock: Clock = utc_now,
    progress: Callable[[int, int], None] | None = None,
) -> UndoReport:
    """Undo import ``import_id`` (``NotFound`` when there is none); its record ends
    ``undone``."""
    record = records.get(store, import_id)
    records.set_state(store, import_id, records.UNDOING)
    report = UndoReport()
    total = record.counts.get("created", 0) + record.counts.get("updated", 0)
    stamp = clock().astimezone(dt.UTC).strftime(ISO_DATETIME)
    after = ""
    merged: set[str] = set()  # entries already undone with another entry of their record
    folded = 0  # such entries after the first of their record (progress counts them)
    while True:
        rows = store.read(
            "import_change_list",
            import_id=import_id,
            action="update",
            after=after,
            limit=UNDO_BATCH,
        )
        if not rows:
            break
        after = rows[-1]["c"]["uid"]
        by_label: dict[str, list[dict]] = {}
        linked = [row["c"] for row in rows if row["c"].get("linked")]
        if linked:
            _unlink(store, cipher, import_id, linked, stamp, actor, report)
        updates = [
            row["c"] for row in rows if not row["c"].get("linked") and row["c"]["uid"] not in merged
        ]
        # A record it created and then updated (a later row naming it) is not restored: it
        # goes with the others it created, below (progress counts these entries as folded).
        own = _created_here(store, import_id, updates)
        updates = [change for change in updates if change["entity_uid"] not in own]
        whole = _whole_changes(store, import_id, updates, merged)
        for change in updates:
            if change["uid"] in merged and change["entity_uid"] not in whole:
                folded += 1  # its record's entries were merged on an earlier entry
                continue
            change = whole.pop(change["entity_uid"], change)
            label = change["entity"]
            model = model_for(label)
            old = {
                item["field"]: open_value(model, item["field"], item["old"], cipher)
                for item in json.loads(change.get("fields") or "[]")
                if model.meta.prop(item["field"]) is not None
            }
            current = {
                item["field"]: open_value(model, item["field"], item["new"], cipher)
                for item in json.loads(change.get("fields") or "[]")
            }
            unlink, link = undo_links(change)
            relations = [
                FieldChange(item["field"], item["new"], item["old"])
                for item in json.loads(change.get("fields") or "[]")
                if item["field"] in unlink
            ]
            entry = history_entry(
                model,
                "update",
                stamp,
                actor,
                [FieldChange(k, current.get(k), v) for k, v in old.items()] + relations,
                cipher,
            )
            entry["undo_of"] = import_id
            props = seal_props(model, with_search_keys(model, old), cipher)
            by_label.setdefault(label, []).append(
                {
                    "uid": change["entity_uid"],
                    "version": change["version"],
                    "props": props,
                    "change": entry,
                    "unlink": unlink,
                    "link": link,
                }
            )
        for label, batch in by_label.items():
            model = model_for(label)
            changed = {name for row in batch for name in row["unlink"]}
            statement = relinked(
                store,
                model,
                render(store.cypher.get("import_undo_update_batch"), Label=label),
                [rel for rel in model.meta.rels if rel.name in changed],
            )
            params = {"actor": actor} if "actor" in statement.params else {}
            done = store.write(statement, import_id=import_id, rows=batch, now=stamp, **params)
            restored = done[0]["restored"] if done else 0
            report.restored += restored
            report.conflicts += len(batch) - restored
        folded += len(rows) - len(linked) - len(updates)
        if progress is not None:
            progress(report.restored + report.conflicts + report.unlinked + folded, total)
    counted = report.restored + report.conflicts + report.unlinked + folded
    shared: dict[str, set[str]] = {}  # label -> uids of records it created on demand (tags)
    while True:
        # A record kept only because another record the import created still linked to it
        # (a customer of an earlier batch, referrer of one of a later batch read after it)
        # goes in the next sweep, that one gone; what a sweep deleting nothing keeps stays.
        deleted = report.deleted
        kept = _sweep(
            store, cipher, import_id, stamp, actor, report, shared, progress, total, counted
        )
        if not kept or report.deleted == deleted:
            break
    report.conflicts += kept
    if progress is not None:
        progress(counted + report.deleted + kept, total)
    for label, uids in shared.items():
        report.conflicts += _delete(
            store, cipher, import_id, {label: sorted(uids)}, stamp, actor, report
        )
    records.set_state(
        store, import_id, records.UNDONE, undone_at=stamp, undo=json.dumps(report.__dict__)
    )
    return report


def _sweep(
    store: GraphStore,
    cipher: FieldCipher | None,
    import_id: str,
    stamp: str,
    actor: str,
    report: UndoReport,
    shared: dict[str, set[str]],
    progress: Callable[[int, int], None] | None,
    total: int,
    counted: int,
) -> int:
    """One pass over the records import ``import_id`` created, batch entry by batch entry,
    deleting those only it has touched (``_delete``); the tags it created on demand are
    added to ``shared`` instead (deleted last, once the records it created are gone, if
    nothing else uses them). Returns how many records it kept."""
    kept = 0
    after = ""
    while rows := store.read(
        "import_change_list", import_id=import_id, action="create", after=after, limit=UNDO_BATCH
    ):
        after = rows[-1]["c"]["uid"]
        single: dict[str, list[str]] = {}
        for row in rows:
            change = row["c"]
            if change.get("entity_uid"):
                # A record's own entry: a tag it created on demand, or a record of an
                # import from before batch entries.
                if change["entity"] in ON_DEMAND:
                    shared.setdefault(change["entity"], set()).add(change["entity_uid"])
                else:
                    single.setdefault(change["entity"], []).append(change["entity_uid"])
                continue
            kept += _delete(store, cipher, import_id, _targets(store, change), stamp, actor, report)
        kept += _delete(store, cipher, import_id, single, stamp, actor, report)
        if progress is not None:
            progress(counted + report.deleted, total)
    return kept


def _targets(store: GraphStore, change: dict[str, Any]) -> dict[str, list[str]]:
    """label -> uids of the records the batch entry ``change`` names that are still there
    (read a page at a time; one batch's uids are held, so that its contacts can go before
    their customers)."""
    found: dict[str, list[str]] = {}
    after = ""
    while page := store.read(
        "import_change_targets", uid=change["uid"], after=after, limit=UNDO_BATCH
    ):
        after = page[-1]["uid"]
        for target in page:
            label = next((name for name in target["labels"] if name in REGISTRY), change["entity"])
            found.setdefault(label, []).append(target["uid"])
    return found


def _delete(
    store: GraphStore,
    cipher: FieldCipher | None,
    import_id: str,
    doomed: dict[str, list[str]],
    stamp: str,
    actor: str,
    report: UndoReport,
) -> int:
    """Delete the records the import created (uids by label) that only it has touched,
    each with a history entry of its deletion. One someone has edited since, or that a
    record other than those the import made (or one it made that stays) links to, stays:
    ``import_undo_delete_batch``. Records that belong to another (a customer's contacts)
    go first, so that a customer is free once they have. Returns how many it kept."""
    kept = 0
    for label in sorted(doomed, key=lambda name: not model_for(name).scope_path):
        model = model_for(label)
        outs = [f"{rel.type}:{rel.target}" for rel in model.meta.rels if rel.direction == "out"]
        ins = [f"{rel.type}:{rel.target}" for rel in model.meta.rels if rel.direction == "in"]
        statement = render(store.cypher.get("import_undo_delete_batch"), Label=label)
        uids = doomed[label]
        for start in range(0, len(uids), UNDO_BATCH):
            rows = []
            for uid in uids[start : start + UNDO_BATCH]:
                entry = history_entry(model, "delete", stamp, actor, [], cipher)
                entry["undo_of"] = import_id
                rows.append({"uid": uid, "change": entry})
            done = store.write(statement, import_id=import_id, rows=rows, outs=outs, ins=ins)
            deleted = int(done[0]["deleted"] or 0) if done else 0
            kept += int(done[0]["kept"] or 0) if done else 0
            report.deleted += deleted
            report.by_label[label] = report.by_label.get(label, 0) + deleted
    return kept


def _created_here(store: GraphStore, import_id: str, changes: list[dict[str, Any]]) -> set[str]:
    """The uids of the records ``changes`` (update entries) are about that import
    ``import_id`` created itself."""
    by_label: dict[str, set[str]] = {}
    for change in changes:
        by_label.setdefault(change["entity"], set()).add(change["entity_uid"])
    found: set[str] = set()
    for label, uids in by_label.items():
        statement = render(store.cypher.get("import_undo_list_created"), Label=label)
        rows = store.read(statement, import_id=import_id, uids=sorted(uids))
        found.update(row["uid"] for row in rows)
    return found


def _whole_changes(
    store: GraphStore, import_id: str, changes: list[dict[str, Any]], merged: set[str]
) -> dict[str, dict[str, Any]]:
    """entity uid -> one update entry standing for all those import ``import_id`` wrote on
    that record, for the records of ``changes`` it updated more than once: each field's
    value before the first and after the last, likewise its relations' uids, and the
    version the last left. Their entry uids are added to ``merged``."""
    by_label: dict[str, set[str]] = {}
    for change in changes:
        by_label.setdefault(change["entity"], set()).add(change["entity_uid"])
    entries: dict[str, list[dict[str, Any]]] = {}
    for label, uids in by_label.items():
        for row in store.read(
            "import_change_list_of_records",
            import_id=import_id,
            action="update",
            uids=sorted(uids),
        ):
            if row["c"]["entity"] == label:
                entries.setdefault(row["c"]["entity_uid"], []).append(row["c"])
    whole = {}
    for uid, several in entries.items():
        if len(several) < 2:
            continue
        several.sort(key=lambda entry: entry["version"])
        merged.update(entry["uid"] for entry in several)
        fields: dict[str, dict[str, Any]] = {}
        links: dict[str, dict[str, Any]] = {}
        for entry in several:
            for item in json.loads(entry.get("fields") or "[]"):
                fields.setdefault(item["field"], dict(item))["new"] = item["new"]
            for name, uids in json.loads(entry.get(LINKS) or "{}").items():
                links.setdefault(name, dict(uids))["new"] = uids.get("new")
        whole[uid] = {
            **several[-1],
            "fields": json.dumps(list(fields.values()), ensure_ascii=False),
            LINKS: json.dumps(links, ensure_ascii=False),
        }
    return whole


def _unlink(
    store: GraphStore,
    cipher: FieldCipher | None,
    import_id: str,
    changes: list[dict[str, Any]],
    stamp: str,
    actor: str,
    report: UndoReport,
) -> None:
    """Remove the links the import added (history entries marked ``linked``: their
    relationship type) and link back those it replaced, one statement per record type,
    relationship type and linked type. An entry names the record it linked (``links``);
    one written before entries did stands for all the import's links of its type into its
    record. A replaced link whose replacement someone has removed or replaced since stays
    as they left it (``conflicts``)."""
    batches: dict[tuple[str, str, str], dict[tuple[str, str | None], dict[str, Any]]] = {}
    for change in changes:
        model = model_for(change["entity"])
        fields = json.loads(change.get("fields") or "[]")
        rel = model.meta.rel(fields[0]["field"]) if fields else None
        if rel is None:
            continue
        reverted = [FieldChange(item["field"], item["new"], item["old"]) for item in fields]
        entry = history_entry(model, "update", stamp, actor, reverted, cipher)
        entry["undo_of"] = import_id
        new = json.loads(change.get(LINKS) or "{}").get(rel.name, {}).get("new") or [None]
        batch = batches.setdefault((model.label, change["linked"], rel.target), {})
        batch.setdefault(
            (change["entity_uid"], new[0]),
            {
                "uid": change["entity_uid"],
                "source": new[0],
                "restore": json.loads(change.get(REPLACED) or "[]"),
                "change": entry,
            },
        )
    for (label, rel_type, target), rows in batches.items():
        statement = render(
            store.cypher.get("import_undo_unlink_batch"), Label=label, REL=rel_type, Target=target
        )
        done = store.write(statement, import_id=import_id, rows=list(rows.values()))
        result = done[0] if done else {}
        replacing = int(result.get("replacing") or 0)
        report.unlinked += int(result.get("removed") or 0)
        report.restored += replacing
        report.conflicts += sum(1 for row in rows.values() if row["restore"]) - replacing
