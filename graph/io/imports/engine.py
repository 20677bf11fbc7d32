"""Running an import: preview, run (or dry run), resume.

``preview`` opens a file, suggests (or applies) a mapping and cleans the first rows,
showing each row's values, errors and duplicate decision; nothing is written.
``run_import`` streams every row through cleaning and the batch writer
(``graph.io.imports.writer``), recording progress on the import record so that a crash
leaves a cursor to ``resume_import`` from (or an import to undo). Failing rows go to an
error file beside the upload (``errors.jsonl``: cells and message keys, said in the
reader's language when downloaded, see ``graph.io.imports.error_rows``).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any

from graph.clock import Clock, utc_now
from graph.errors import InvalidValue, Stopped
from graph.io.imports import records
from graph.io.imports.cleaning import CleanRow, RowCleaner, RowError, cell_text
from graph.io.imports.mapping import Mapping, suggest_mapping
from graph.io.imports.readers import CSV, Table, UnreadableFile, open_table
from graph.io.imports.records import ImportRecord
from graph.io.imports.referral_links import ReferralWriter
from graph.io.imports.relations import Resolver
from graph.io.imports.sender import sender_for
from graph.io.imports.targets import REFERRAL, ImportType, import_type
from graph.io.imports.writer import DECISIONS, SKIP, UNCHANGED, BatchWriter
from graph.model.records import ISO_DATETIME
from graph.records.visibility import NOT_VISIBLE
from graph.security.crypto import FieldCipher
from graph.security.masking import mask_value
from graph.security.scope import Scope
from graph.store.protocol import GraphStore

# Rows a batch (one atomic statement) writes. At 1M customers with a contact, 2,000 ran
# 13,900-14,300 rows/s against 11,900-13,400 for 1,000 (interleaved, bench/README.md):
# fewer round trips, history entries and serial reservations a row; 4,000 was slower.
BATCH_SIZE = 2000
PREVIEW_ROWS = 20
SAMPLE_ROWS = 200  # rows read to suggest a mapping from values
ERRORS_FILE = "errors.jsonl"
Progress = Callable[[int, int], None]  # (rows done, rows in the file or 0 if unknown)


@dataclass(frozen=True)
class ImportOptions:
    """How an import treats its rows.

    ``on_duplicate``: skip | update | create, for rows repeating an existing record (phone,
    e-mail, or name and region) or an earlier row, and referral links to a customer that
    has another referrer of the type (update replaces it; create, like skip, leaves it);
    ``decisions`` overrides it per file line.
    ``create_tags``: tags named in the file that do not exist yet are created.
    ``previewed_at``: when the importer saw the preview (ISO 8601 UTC, ``ISO_DATETIME``):
    a record someone else changed after it is not updated, and its row fails (without
    it, or when it is later, the import's own start counts)."""

    on_duplicate: str = SKIP
    decisions: dict[int, str] = field(default_factory=dict)
    sheet: str | None = None
    create_tags: bool = True
    batch_size: int = BATCH_SIZE
    previewed_at: str | None = None

    def __post_init__(self) -> None:
        if self.on_duplicate not in DECISIONS or any(
            d not in DECISIONS for d in self.decisions.values()
        ):
            raise InvalidValue(key="import_decision", choices=", ".join(DECISIONS))
        if not 1 <= self.batch_size <= 50_000:
            raise InvalidValue(key="import_batch_size")
        if self.previewed_at is not None:
            dt.datetime.strptime(self.previewed_at, ISO_DATETIME)  # ValueError: not one

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, as the import record keeps them (what a resume reuses)."""
        return {
            "on_duplicate": self.on_duplicate,
            "decisions": {str(k): v for k, v in self.decisions.items()},
            "sheet": self.sheet,
            "create_tags": self.create_tags,
            "batch_size": self.batch_size,
            "previewed_at": self.previewed_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImportOptions:
        """Options from ``as_dict`` data."""
        return cls(
            on_duplicate=data.get("on_duplicate", SKIP),
            decisions={int(k): v for k, v in (data.get("decisions") or {}).items()},
            sheet=data.get("sheet"),
            create_tags=bool(data.get("create_tags", True)),
            batch_size=int(data.get("batch_size", BATCH_SIZE)),
            previewed_at=data.get("previewed_at"),
        )


@dataclass(frozen=True)
class Importer:
    """Who imports, and with what: the store, the field cipher, the importer's username
    and row-level scope, the default phone region and the business time zone (the day in
    new records' uids, and the zone of times the file writes without an offset), and the
    placeholder of a record the reader may not see as exports write it in each language
    (in a relation's cell it means "the link as it is")."""

    store: GraphStore
    cipher: FieldCipher
    actor: str
    scope: Scope
    region: str = "CN"
    timezone: dt.tzinfo = dt.UTC
    clock: Clock = utc_now
    hidden_texts: frozenset[str] = frozenset({NOT_VISIBLE})


@dataclass
class PreviewRow:
    """One cleaned row of a preview: values by target (personal data masked for readers
    who see it masked), errors, and the duplicate it repeats with the decision taken."""

    line: int
    values: dict[str, Any]
    errors: list[dict[str, Any]]
    duplicate: dict[str, Any] | None = None
    decision: str = "create"


@dataclass
class Preview:
    """What a file holds and how it would be imported, as stored at ``previewed_at`` (ISO
    8601 UTC: the commit passes it on, see ``ImportOptions``)."""

    table: dict[str, Any]
    mapping: Mapping
    rows: list[PreviewRow]
    counts: dict[str, int]
    previewed_at: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (the REST preview)."""
        return {
            "table": self.table,
            "mapping": {**self.mapping.as_dict(), "reasons": self.mapping.reasons},
            "rows": [row.__dict__ for row in self.rows],
            "counts": self.counts,
            "previewed_at": self.previewed_at,
        }


def table_info(table: Table) -> dict[str, Any]:
    """What was detected in a file: format, encoding, separator, sheets, headers."""
    return {
        "format": table.format,
        "encoding": table.encoding,
        "delimiter": table.delimiter,
        "sheet": table.sheet,
        "sheets": table.sheets,
        "headers": table.headers,
        "header_line": table.header_line,
    }


def suggest_for(path: Path, type_key: str, *, sheet: str | None = None) -> tuple[Table, Mapping]:
    """Open ``path`` and suggest the mapping of its columns for ``type_key``."""
    table = open_table(path, sheet=sheet)
    sample = [row.cells for _, row in zip(range(SAMPLE_ROWS), table.rows(), strict=False)]
    return table, suggest_mapping(type_key, table.headers, sample)


def preview(
    importer: Importer,
    path: Path,
    type_key: str,
    *,
    mapping: Mapping | None = None,
    options: ImportOptions | None = None,
    rows: int = PREVIEW_ROWS,
) -> Preview:
    """The first ``rows`` rows cleaned and judged as the import would (nothing written)."""
    options = options or ImportOptions()
    # Taken before the stored records are read: a change made while they are read counts
    # as one made after the preview.
    now = importer.clock()
    table, suggested = suggest_for(path, type_key, sheet=options.sheet)
    mapping = mapping or suggested
    kind = import_type(type_key)
    cleaner = RowCleaner(kind, mapping, table.headers, importer.region, importer.timezone)
    writer = _writer(importer, kind, "preview", options, mapping, dry_run=True)
    cleaned = [cleaner.clean(row) for _, row in zip(range(rows), table.rows(), strict=False)]
    good = [row for row in cleaned if not row.errors]
    # As written in the file: the writer turns relation names into uids.
    written = {row.line: dict(row.values) for row in cleaned}
    outcome = writer.write(good, cursor=0, counts={}, now=now)
    failed = {row.line for row in cleaned if row.errors} | {row.line for row in outcome.failed}
    result = []
    for row in cleaned:
        duplicate = outcome.duplicates.get(row.line)
        decision = "error" if row.line in failed else "create"
        if duplicate is not None and row.line not in failed:
            chosen = options.decisions.get(row.line, options.on_duplicate)
            decision = outcome.decisions.get(row.line, chosen)
        result.append(
            PreviewRow(
                line=row.line,
                values=_shown(kind, written[row.line], importer.scope),
                errors=[_error_dict(e) for e in row.errors],
                duplicate=duplicate.__dict__ if duplicate else None,
                decision=decision,
            )
        )
    counts = {
        d: sum(1 for r in result if r.decision == d) for d in (*DECISIONS, UNCHANGED, "error")
    }
    stamp = now.astimezone(dt.UTC).strftime(ISO_DATETIME)
    return Preview(table_info(table), mapping, result, counts, previewed_at=stamp)


def start_import(
    importer: Importer,
    path: Path,
    type_key: str,
    *,
    mapping: Mapping | None = None,
    options: ImportOptions | None = None,
    file_name: str = "",
    dry_run: bool = False,
) -> ImportRecord:
    """Record a new import of ``path`` (state ``running``, cursor 0) without reading its
    rows: ``resume_import`` (e.g. in a job) runs it. ``ImportBusy`` when the same file is
    being imported. A ``dry_run`` record is returned but not stored."""
    options = options or ImportOptions()
    if mapping is None:
        _, mapping = suggest_for(path, type_key, sheet=options.sheet)
    import_type(type_key)
    stamp = importer.clock().astimezone(dt.UTC).strftime(ISO_DATETIME)
    record = ImportRecord(
        uid=records.new_import_id(stamp),
        type=type_key,
        file_name=file_name or path.name,
        file_hash=records.file_hash(path),
        path=str(path),
        state=records.RUNNING,
        by=importer.actor,
        at=stamp,
        mapping=mapping.as_dict(),
        options={**options.as_dict(), "dry_run": dry_run},
    )
    if not dry_run:
        records.begin(importer.store, record)
    return record


def run_import(
    importer: Importer,
    path: Path,
    type_key: str,
    *,
    mapping: Mapping | None = None,
    options: ImportOptions | None = None,
    work_dir: Path,
    file_name: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportRecord:
    """Import every row of ``path`` as ``type_key`` records; returns the finished import
    record (its ``counts``: read, created, updated, skipped, failed).

    The import is recorded first (``start_import``; ``ImportBusy`` when the same file is
    being imported); each batch advances its cursor in the batch's own statement. A
    ``dry_run`` cleans and judges every row and writes nothing."""
    options = options or ImportOptions()
    table = open_table(path, sheet=options.sheet)
    if mapping is None:
        _, mapping = suggest_for(path, type_key, sheet=options.sheet)
    record = start_import(
        importer,
        path,
        type_key,
        mapping=mapping,
        options=options,
        file_name=file_name,
        dry_run=dry_run,
    )
    return _run(importer, record, table, mapping, options, work_dir, dry_run, progress)


def resume_import(
    importer: Importer, import_id: str, *, work_dir: Path, progress: Progress | None = None
) -> ImportRecord:
    """Continue an interrupted (or failed, or cancelled) import after its cursor."""
    record = records.get(importer.store, import_id)
    if record.state not in (records.RUNNING, records.FAILED, records.CANCELLED):
        raise InvalidValue(key="import_not_resumable", state=record.state)
    if not Path(record.path).is_file():
        raise InvalidValue(key="import_file_gone")  # removed after the retention days
    records.set_state(importer.store, import_id, records.RUNNING, error="", error_key="")
    options = ImportOptions.from_dict(record.options)
    table = open_table(Path(record.path), sheet=options.sheet)
    mapping = Mapping.from_dict(record.mapping)
    return _run(importer, record, table, mapping, options, work_dir, False, progress)


def _writer(
    importer: Importer,
    kind: ImportType,
    import_id: str,
    options: ImportOptions,
    mapping: Mapping,
    *,
    dry_run: bool,
    estimated_rows: int = 0,
    since: str | None = None,
) -> BatchWriter | ReferralWriter:
    if kind.key == REFERRAL:
        return ReferralWriter(
            importer.store,
            importer.cipher,
            import_id=import_id,
            actor=importer.actor,
            scope=importer.scope,
            headers=mapping.targets(),
            on_duplicate=options.on_duplicate,
            decisions=options.decisions,
            timezone=importer.timezone,
            dry_run=dry_run,
        )
    resolver = Resolver(
        importer.store,
        importer.cipher,
        importer.actor,
        create_tags=options.create_tags,
        scope=importer.scope,
        import_id=import_id,
        dry_run=dry_run,
        clock=importer.clock,
    )
    return BatchWriter(
        importer.store,
        importer.cipher,
        kind,
        import_id=import_id,
        actor=importer.actor,
        scope=importer.scope,
        on_duplicate=options.on_duplicate,
        decisions=options.decisions,
        resolver=resolver,
        mapped=frozenset(mapping.targets()),
        headers=mapping.targets(),
        serial_timezone=importer.timezone,
        dry_run=dry_run,
        sender=None if dry_run else sender_for(importer.store, estimated_rows),
        since=since,
        hidden_texts=importer.hidden_texts,
    )


def _run(
    importer: Importer,
    record: ImportRecord,
    table: Table,
    mapping: Mapping,
    options: ImportOptions,
    work_dir: Path,
    dry_run: bool,
    progress: Progress | None,
) -> ImportRecord:
    kind = import_type(record.type)
    cleaner = RowCleaner(kind, mapping, table.headers, importer.region, importer.timezone)
    total = _estimate_rows(table)
    errors_path = work_dir / record.uid / ERRORS_FILE
    errors_path.parent.mkdir(parents=True, exist_ok=True)
    counts = dict(record.counts)
    writer = _writer(
        importer,
        kind,
        record.uid,
        options,
        mapping,
        dry_run=dry_run,
        estimated_rows=total - record.cursor,
        since=_since(record, options),
    )
    try:
        with errors_path.open("a", encoding="utf-8") as errors, _bulk_allocation():
            landed: Callable[[], None] | None = None  # progress of the batch in flight
            for batch, last_line in _batches(table, cleaner, options.batch_size, record.cursor):
                good = [row for row in batch if not row.errors]
                failed = [row for row in batch if row.errors]
                counts["read"] += len(batch)
                counts["failed"] += len(failed)
                outcome = writer.write(
                    good, cursor=last_line, counts=counts, now=importer.clock(), landed=landed
                )
                for key in ("created", "updated", "skipped"):
                    counts[key] += getattr(outcome, key)
                counts["failed"] += len(outcome.failed)
                # In file order: a row failing its lookups comes among those failing their
                # cells, where the person fixing the file finds it.
                for row in sorted(failed + outcome.failed, key=attrgetter("line")):
                    errors.write(_error_line(row, cleaner, importer.scope))
                record.cursor = last_line
                landed = _reporter(progress, counts["read"], total)
            writer.flush()
    except Exception as exc:
        writer.settle()  # the batch in flight lands before the import is marked failed
        if not dry_run and not isinstance(exc, Stopped):
            # Stopped on request between batches: not failed (the caller that asked
            # records it cancelled; what was written stays, to resume or undo).
            reason = (
                {"error_key": exc.key, "error_params": json.dumps(exc.params)}
                if isinstance(exc, UnreadableFile)
                else {}
            )
            records.set_state(
                importer.store, record.uid, records.FAILED, error=str(exc)[:500], **reason
            )
        raise
    finally:
        writer.close()
    record.counts = counts
    record.state = records.DONE
    if not dry_run:
        records.set_state(
            importer.store,
            record.uid,
            records.DONE,
            counts=counts,
            finished_at=importer.clock().astimezone(dt.UTC).strftime(ISO_DATETIME),
        )
    if landed is not None:
        # The last batch's progress, once the import is done: a cancel asked for now stops
        # nothing (every row is written), and the import stays done.
        landed()
    return record


def _since(record: ImportRecord, options: ImportOptions) -> str:
    """The time after which a change someone else made to a record is the importer's news,
    not to be overwritten: the preview they saw, or the import's start (the CLI's, or a
    commit without one). A preview time later than the start counts as the start."""
    previewed = options.previewed_at
    return previewed if previewed is not None and previewed < record.at else record.at


YOUNG_COLLECTION_AFTER = 50_000  # allocations between collections while importing


@contextmanager
def _bulk_allocation() -> Iterator[None]:
    """Fewer cyclic garbage collections while batches are built: each row makes a dozen
    short-lived dicts and lists (none in a cycle), and at the default threshold (700) the
    collector ran every few rows, about a tenth of an import's CPU. The threshold is the
    process's; it is put back afterwards."""
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], YOUNG_COLLECTION_AFTER), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _reporter(progress: Progress | None, read: int, total: int) -> Callable[[], None] | None:
    """Reports ``read`` rows done, once their batch is stored (the writer calls it before
    sending the next batch, so a cancel raised by ``progress`` stops between batches)."""
    if progress is None:
        return None
    return lambda: progress(read, max(total, read))


def _batches(
    table: Table, cleaner: RowCleaner, size: int, after: int
) -> Iterator[tuple[list[CleanRow], int]]:
    batch: list[CleanRow] = []
    last = after
    for row in table.rows(after_line=after):
        batch.append(cleaner.clean(row))
        last = row.line
        if len(batch) >= size:
            yield batch, last
            batch = []
    if batch:
        yield batch, last


def _estimate_rows(table: Table) -> int:
    """Data rows in the file, counted fast (CSV: lines below the header, the last one with
    or without a line break; a workbook: its sheet's used lines below the header, from the
    sheet's dimensions; a multi-line cell or a blank line counts too, so it is an estimate
    for progress only)."""
    if table.format != CSV:
        return max(table.last_line - table.header_line, 0)
    count = 0
    last = b""
    with table.path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            count += block.count(b"\n")
            last = block[-1:]
    if last and last != b"\n":
        count += 1  # the last line has no line break
    return max(count - table.header_line, 0)


def _shown(kind: ImportType, values: dict[str, Any], scope: Scope) -> dict[str, Any]:
    """Values as the reader may see them: personal data masked without the permission."""
    if scope.pii:
        return dict(values)
    shown = {}
    for name, value in values.items():
        target = kind.target(name)
        prop = target.prop if target is not None else None
        shown[name] = mask_value(prop, value) if prop is not None else value
    return shown


def _error_dict(error: RowError) -> dict[str, Any]:
    return {
        "line": error.line,
        "column": error.column,
        "key": error.message.key,
        "params": error.message.params,
    }


def _error_line(row: CleanRow, cleaner: RowCleaner, scope: Scope) -> str:
    """One failing row for the error file: its cells (personal data masked for readers who
    see it masked) and its errors as message keys."""
    cells = [cell_text(c) for c in row.cells]
    if not scope.pii:
        for position, _, target, _ in cleaner.plan:
            prop = target.prop
            if prop is not None and prop.pii and position < len(cells) and cells[position]:
                cells[position] = str(mask_value(prop, cells[position]))
    return (
        json.dumps(
            {"line": row.line, "cells": cells, "errors": [_error_dict(e) for e in row.errors]},
            ensure_ascii=False,
            default=str,
        )
        + "\n"
    )
