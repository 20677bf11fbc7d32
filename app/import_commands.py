"""``graphcrm import``: bring records in from CSV or Excel files, and undo an import.

``run`` prints the suggested column mapping when no ``--mapping`` file is given, a
progress bar, the summary (rows read, created, updated, skipped, failed), where the failing
rows were written, and ``import id: <ID>``; ``undo`` reverses an import; ``resume``
continues an interrupted one. The engine is ``graph.io.imports``; each import and undo is
an audit event.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask.cli import AppGroup

from app.audit import record as record_audit_event
from app.graph_store import business_timezone
from graph.errors import GraphCRMError
from graph.io.imports import records
from graph.io.imports.engine import (
    BATCH_SIZE,
    Importer,
    ImportOptions,
    resume_import,
    run_import,
    suggest_for,
)
from graph.io.imports.error_rows import error_file
from graph.io.imports.mapping import Mapping
from graph.io.imports.readers import CSV, UnreadableFile, open_table
from graph.io.imports.records import ImportRecord
from graph.io.imports.targets import import_type, import_types
from graph.io.imports.undo import undo_import
from graph.io.imports.writer import DECISIONS, SKIP
from graph.security.scope import Scope
from views.messages import message_text, unreadable_text
from views.scope import cipher_of, current_flask_app, import_folder, not_visible_texts, store_of

imports = AppGroup("import", help="Import records from CSV or Excel files; undo an import.")
ACTOR = "cli"


def say(key: str, params: dict[str, Any], line: int, column: str) -> str:
    """One row error as the CLI and its error files say it."""
    message = message_text(key, params)
    if column:
        return message_text("import_at_cell", {"line": line, "column": column, "message": message})
    return message_text("import_at_line", {"line": line, "message": message})


def _importer() -> Importer:
    app = current_flask_app()
    cipher = cipher_of(app)
    return Importer(
        store_of(app),
        cipher,
        actor=ACTOR,
        scope=Scope.everything(),
        region=cipher.phone_region,
        timezone=business_timezone(app),
        hidden_texts=not_visible_texts(app),
    )


def _mapping_json(path: Path) -> Any:
    """The JSON of a ``--mapping`` file; a file that is not JSON (in UTF-8) is refused
    with its name and where it goes wrong."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not a JSON mapping file: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise click.ClickException(
            f"{path} is not a JSON mapping file: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None


def _print_mapping(mapping: Mapping) -> None:
    kind = import_type(mapping.type)
    click.echo("column mapping (save it with --save-mapping, edit it, pass it with --mapping):")
    for header, name in mapping.columns.items():
        target = kind.target(name) if name else None
        shown = f"{target.name} ({target.en} / {target.zh})" if target else "(ignored)"
        why = " [by its values]" if mapping.reasons.get(header) == "values" else ""
        click.echo(f"  {header} -> {shown}{why}")


def _finish(record: ImportRecord, headers: list[str], fmt: str, dry_run: bool) -> None:
    counts = record.counts
    click.echo(
        f"rows read: {counts['read']}, created: {counts['created']}, updated: "
        f"{counts['updated']}, skipped: {counts['skipped']}, failed: {counts['failed']}"
        + (" (dry run: nothing written)" if dry_run else "")
    )
    folder = import_folder(current_flask_app())
    if counts["failed"]:
        data = error_file(folder, record.uid, headers, fmt, say)
        path = folder / record.uid / f"failed-rows.{'csv' if fmt == CSV else 'xlsx'}"
        path.write_bytes(data)
        click.echo(f"failing rows (with an error column, to fix and import again): {path}")
    if not dry_run:
        click.echo(f"import id: {record.uid}")


def _run_with_bar(run: Callable[[Callable[[int, int], None]], ImportRecord]) -> ImportRecord:
    with click.progressbar(length=1, label="Importing", show_pos=True) as bar:

        def progress(done: int, total: int) -> None:
            bar.length = max(total, done, 1)
            bar.update(done - bar.pos)

        return run(progress)


@imports.command("run")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--type",
    "type_key",
    required=True,
    type=click.Choice(sorted(import_types())),
    help="What each row is (referral: links between existing records, from a referrer "
    "column to a referred-customer column).",
)
@click.option(
    "--mapping",
    "mapping_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A column mapping (JSON) instead of the suggested one.",
)
@click.option(
    "--save-mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the mapping used to this JSON file (to edit and reuse).",
)
@click.option("--dry-run", is_flag=True, help="Clean and check every row; write nothing.")
@click.option(
    "--on-duplicate",
    type=click.Choice(DECISIONS),
    default=SKIP,
    show_default=True,
    help="Rows repeating an existing record (same phone, e-mail, or name and region; a "
    "contact: or name at the same customer). Referral links: a link that exists is left "
    "unchanged; a customer with another referrer of the row's type keeps it (skip, create) "
    "or gets the row's referrer instead (update).",
)
@click.option("--sheet", default=None, help="The workbook sheet (default: the first with data).")
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1, 50_000))
def run_command(
    file: Path,
    type_key: str,
    mapping_file: Path | None,
    save_mapping: Path | None,
    dry_run: bool,
    on_duplicate: str,
    sheet: str | None,
    batch_size: int,
) -> None:
    """Import FILE (CSV in UTF-8 or GBK, XLSX or XLS) as records of --type."""
    try:
        table, mapping = suggest_for(file, type_key, sheet=sheet)
        if mapping_file is not None:
            mapping = Mapping.from_dict(_mapping_json(mapping_file))
            if mapping.type != type_key:
                raise click.ClickException(f"{mapping_file}: {message_text('import_mapping_type')}")
        else:
            _print_mapping(mapping)
    except UnreadableFile as exc:
        raise click.ClickException(unreadable_text(exc.key, exc.params)) from None
    except (GraphCRMError, ValueError) as exc:
        raise click.ClickException(_said(exc)) from None
    if save_mapping is not None:
        try:
            save_mapping.write_text(
                json.dumps(mapping.as_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
            )
        except OSError as exc:
            raise click.ClickException(
                f"cannot write the mapping to {save_mapping}: {exc.strerror or exc}"
            ) from None
    options = ImportOptions(
        on_duplicate=on_duplicate, sheet=table.sheet or None, batch_size=batch_size
    )
    try:
        record = _run_with_bar(
            lambda progress: run_import(
                _importer(),
                file,
                type_key,
                mapping=mapping,
                options=options,
                work_dir=import_folder(current_flask_app()),
                dry_run=dry_run,
                progress=progress,
            )
        )
    except GraphCRMError as exc:
        raise click.ClickException(_said(exc)) from None
    if not dry_run:
        record_audit_event(
            "import",
            target=f"Import:{record.uid}",
            username=ACTOR,
            detail={"type": type_key, "file": record.file_name, **record.counts},
        )
    _finish(record, table.headers, table.format, dry_run)


@imports.command("resume")
@click.argument("import_id")
def resume_command(import_id: str) -> None:
    """Continue an interrupted import IMPORT_ID after the last row it wrote."""
    try:
        before = records.get(store_of(current_flask_app()), import_id)
        table = open_table(Path(before.path), sheet=before.options.get("sheet"))
        record = _run_with_bar(
            lambda progress: resume_import(
                _importer(),
                import_id,
                work_dir=import_folder(current_flask_app()),
                progress=progress,
            )
        )
    except (GraphCRMError, UnreadableFile) as exc:
        raise click.ClickException(_said(exc)) from None
    record_audit_event(
        "import_resume", target=f"Import:{import_id}", username=ACTOR, detail=record.counts
    )
    _finish(record, table.headers, table.format, False)


@imports.command("undo")
@click.argument("import_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def undo_command(import_id: str, yes: bool) -> None:
    """Undo import IMPORT_ID: delete what it created, restore what it updated, remove the
    links it made."""
    app = current_flask_app()
    store = store_of(app)
    try:
        record = records.get(store, import_id)
    except GraphCRMError as exc:
        raise click.ClickException(_said(exc)) from None
    counts = record.counts
    if not yes:
        click.confirm(
            f"Undo import {import_id} of {record.file_name} ({counts['created']} created, "
            f"{counts['updated']} updated)?",
            abort=True,
        )
    report = undo_import(store, cipher_of(app), import_id, actor=ACTOR)
    record_audit_event(
        "import_undo", target=f"Import:{import_id}", username=ACTOR, detail=report.__dict__
    )
    click.echo(
        f"import {import_id} undone: {report.deleted} records deleted, {report.restored} "
        f"restored, {report.unlinked} links removed, {report.conflicts} changed since the "
        "import and kept as they are"
    )


def _said(exc: BaseException) -> str:
    if isinstance(exc, UnreadableFile):
        return unreadable_text(exc.key, exc.params)
    if isinstance(exc, GraphCRMError):
        return message_text(exc.key, exc.params) if exc.key != "error" else str(exc)
    return str(exc)
