"""The import REST API (``/api/v1/imports/``): upload a file, preview it, commit it as a
job, follow it, download its failing rows, undo it. The upload wizard is built on it.

Permissions (FAB style, on ``ImportApi``): ``can_import`` (upload, targets, mappings,
preview, commit, status, failing rows) and ``can_undo``. A reader sees their own uploads
and imports; holders of ``can_manage_all`` on ``Jobs`` (Admin) every import. Sales imports
become the importer's own customers (the engine, ``graph.io.imports``). Only the upload
takes a body over ``MAX_CONTENT_LENGTH``: up to ``IMPORT_MAX_UPLOAD_BYTES``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from pathlib import Path
from typing import Any

from flask import Response, current_app, g, request
from flask_appbuilder import expose
from flask_appbuilder.api import BaseApi, safe
from flask_babel import gettext, lazy_gettext
from marshmallow import Schema, ValidationError, fields, validate

from graph.errors import GraphCRMError
from graph.io.csv_writer import content_disposition
from graph.io.export import MIMETYPES
from graph.io.imports import records
from graph.io.imports.cleaning import cell_text
from graph.io.imports.engine import (
    Importer,
    ImportOptions,
    preview,
    start_import,
    suggest_for,
    table_info,
)
from graph.io.imports.error_rows import error_file
from graph.io.imports.mapping import (
    Mapping,
    list_mappings,
    load_mapping,
    save_mapping,
    suggest_mapping,
)
from graph.io.imports.readers import CSV, UnreadableFile, open_table
from graph.io.imports.records import ImportRecord
from graph.io.imports.retention import UPLOADS
from graph.io.imports.targets import (
    CONTACT_PREFIX,
    REFERRAL,
    ImportType,
    import_type,
    import_types,
)
from graph.io.imports.writer import DECISIONS, SKIP, UPDATE
from graph.jobs.catalog import IMPORT_RUN, IMPORT_UNDO
from graph.model import nodes
from graph.model.base import NodeModel
from graph.model.records import ISO_DATETIME
from views.errors import error_response
from views.guard import guard
from views.input_guard import large_upload
from views.jobs import job_dict
from views.labels import is_chinese
from views.messages import error_text, message_text, unreadable_text
from views.scope import (
    ALL_JOBS_PERMISSION,
    audit,
    business_timezone,
    current_appbuilder,
    current_cipher,
    current_jobs,
    current_scope,
    current_store,
    import_folder,
    not_visible_texts,
)

META = "upload.json"
_UPLOAD_ID = re.compile(r"^[0-9a-f]{16}$")
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|]+')
NO_FILE = lazy_gettext("Send the file as multipart/form-data in the field 'file'.")
NO_UPLOAD = lazy_gettext("No such upload: upload the file again.")
ERROR_COLUMN = lazy_gettext("Error")
MAX_PREVIEW_ROWS = 200
MAX_LINE_DIGITS = 9  # a file line number in the duplicate decisions' keys
MAX_SAMPLES = 20  # distinct values per column in the upload's answer


CommitSchema = Schema.from_dict(
    {
        "upload_id": fields.String(required=True),
        "type": fields.String(required=True, validate=validate.OneOf(sorted(import_types()))),
        "mapping": fields.Dict(
            load_default=None,
            allow_none=True,
            metadata={
                "description": "{type, columns: {header: target|null}, "
                "values: {target: {written: code}}}; default: suggested"
            },
        ),
        "on_duplicate": fields.String(load_default=SKIP, validate=validate.OneOf(DECISIONS)),
        "decisions": fields.Dict(
            keys=fields.String(),
            values=fields.String(validate=validate.OneOf(DECISIONS)),
            load_default=dict,
            metadata={
                "description": "file line (ASCII digits) -> skip|update|create; other keys "
                "are ignored"
            },
        ),
        "sheet": fields.String(load_default=None, allow_none=True),
        "create_tags": fields.Boolean(load_default=True),
        "rows": fields.Integer(load_default=20, validate=validate.Range(1, MAX_PREVIEW_ROWS)),
        "save_mapping_as": fields.String(load_default=None, allow_none=True),
        "previewed_at": fields.AwareDateTime(
            load_default=None,
            allow_none=True,
            default_timezone=dt.UTC,
            metadata={
                "description": "commit: when the preview the user saw was made (its "
                "previewed_at, ISO 8601; UTC without an offset); a record someone else "
                "changed after it is not updated, its row fails. Default: the commit's time"
            },
        ),
    },
    name="ImportRequest",
)
MappingSaveSchema = Schema.from_dict(
    {"name": fields.String(required=True), "mapping": fields.Dict(required=True)},
    name="ImportMappingSave",
)


def _utc_stamp(moment: dt.datetime | None) -> str | None:
    """An aware time as the engine keeps times (ISO 8601 UTC, to the second)."""
    return None if moment is None else moment.astimezone(dt.UTC).strftime(ISO_DATETIME)


def _username() -> str:
    user = getattr(g, "user", None)
    return str(getattr(user, "username", "") or "")


def sees_all_imports() -> bool:
    """Whether the reader sees every user's imports (Admin), not only their own."""
    return bool(current_appbuilder().sm.has_access(*ALL_JOBS_PERMISSION))


def _upload_dir(upload_id: str) -> Path | None:
    """The folder of upload ``upload_id`` if the reader made it (or sees every import)."""
    if not _UPLOAD_ID.match(upload_id or ""):
        return None
    folder = import_folder(current_app) / UPLOADS / upload_id
    meta = folder / META
    if not meta.exists():
        return None
    if (
        json.loads(meta.read_text(encoding="utf-8")).get("by") != _username()
        and not sees_all_imports()
    ):
        return None
    return folder


# The permissions writing a record takes, on its screens or its REST API: creating one
# (can_add / can_post) and editing one (can_edit / can_put).
_ADD = ("can_add", "can_post")
_EDIT = ("can_edit", "can_put")


def _may(model: type[NodeModel], permissions: tuple[str, str]) -> bool:
    sm = current_appbuilder().sm
    screen, api = permissions
    return bool(
        sm.has_access(screen, f"{model.label}View") or sm.has_access(api, f"{model.label}RestApi")
    )


def may_import(kind: ImportType) -> bool:
    """Whether the reader may import ``kind``: create its records as on their screens (a
    referral link is an edit of the referred customer). The import permission alone opens
    the wizard; what it writes takes the permissions writing it by hand takes."""
    return _may(kind.model, _EDIT if kind.key == REFERRAL else _ADD)


def importable_types() -> dict[str, ImportType]:
    """The import types the reader may import, by key."""
    return {key: kind for key, kind in import_types().items() if may_import(kind)}


def _refusal(kind: ImportType, mapping: Mapping | None, options: ImportOptions) -> str | None:
    """Why the reader may not run this import, in their language (None: they may). Updating
    existing records takes their edit permission; a customer import's contact columns the
    contact's add permission."""
    if not may_import(kind):
        return message_text("import_not_allowed", {"type": type_label(kind).lower()})
    updates = options.on_duplicate == UPDATE or UPDATE in options.decisions.values()
    if updates and kind.key != REFERRAL and not _may(kind.model, _EDIT):
        return message_text("import_no_update", {"type": type_label(kind).lower()})
    if (
        mapping is not None
        and kind.model is nodes.Customer
        and any(t and t.startswith(CONTACT_PREFIX) for t in mapping.columns.values())
        and not _may(nodes.Contact, _ADD)
    ):
        return message_text("import_no_contacts", {})
    return None


def _is_line(key: str) -> bool:
    """Whether a duplicate decision's key is a file line number: plain ASCII digits of a
    sane length (``str.isdigit`` also accepts "²" and "٣", which ``int`` refuses)."""
    return key.isascii() and key.isdigit() and len(key) <= MAX_LINE_DIGITS


def _upload_file(folder: Path) -> tuple[Path, str]:
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    return folder / meta["stored"], meta["file_name"]


def _importer() -> Importer:
    scope = current_scope()
    cipher = current_cipher()
    return Importer(
        current_store(),
        cipher,
        actor=_username(),
        scope=scope,
        region=cipher.phone_region,
        timezone=business_timezone(),
        hidden_texts=not_visible_texts(),
    )


def _visible_import(import_id: str) -> ImportRecord | None:
    try:
        record = records.get(current_store(), import_id)
    except GraphCRMError:
        return None
    if record.by != _username() and not sees_all_imports():
        return None
    return record


def visible_imports() -> list[ImportRecord]:
    """The newest imports the reader may see: their own; every user's for holders of
    ``can_manage_all`` on ``Jobs`` (Admin)."""
    return records.listing(current_store(), by=None if sees_all_imports() else _username())


def import_error(record: ImportRecord) -> str:
    """Why an import failed, a file that could not be read in the reader's language."""
    if record.error_key:
        return unreadable_text(record.error_key, record.error_params)
    return record.error


def _record_dict(record: ImportRecord) -> dict[str, Any]:
    """An import as the API answers it: a file that could not be read says why in the
    reader's language."""
    result = record.as_dict()
    result["error"] = import_error(record)
    return result


def say(key: str, params: dict[str, Any], line: int, column: str) -> str:
    """One row error in the reader's language, naming the file line and column."""
    message = message_text(key, params)
    if column:
        return message_text("import_at_cell", {"line": line, "column": column, "message": message})
    return message_text("import_at_line", {"line": line, "message": message})


def _said_rows(result: dict[str, Any]) -> dict[str, Any]:
    for row in result["rows"]:
        for error in row["errors"]:
            error["message"] = say(error["key"], error["params"], error["line"], error["column"])
    return result


def type_label(kind: ImportType) -> str:
    """What an import type is called in the request's language (its node type's plural
    name, or its own name: referral links)."""
    if kind.en:
        return kind.zh if is_chinese() else kind.en
    meta = kind.model.meta
    return meta.zh_plural if is_chinese() else meta.en_plural


def unknown_type_text(type_key: str) -> str:
    """The message for an import type that does not exist, in the request's language:
    the types there are, by their names in that language."""
    names = [type_label(kind) for kind in import_types().values()]
    return message_text(
        "import_unknown_type",
        {"type": f"“{type_key[:40]}”", "types": gettext(", ").join(names)},
    )


def _targets(type_key: str) -> list[dict[str, Any]]:
    kind = import_type(type_key)
    found = []
    for target in kind.targets:
        prop, rel = target.prop, target.rel
        item = prop or rel
        found.append(
            {
                "name": target.name,
                "label": target.zh if is_chinese() else target.en,
                "required": target.required
                or bool(
                    item is not None
                    and item.required
                    and not (prop is not None and (prop.default is not None or prop.default_now))
                ),
                "kind": "relation" if rel is not None else (prop.kind if prop else "string"),
                "many": bool(rel is not None and rel.many),
                "choices": [
                    {"value": c.value, "label": c.zh if is_chinese() else c.en}
                    for c in (prop.choices if prop is not None else ())
                ],
            }
        )
    return found


def _samples(headers: list[str], sample: list[tuple[Any, ...]]) -> dict[str, list[str]]:
    """Each column's first distinct values as written (the wizard's value mapping offers
    them); none for readers who see personal data masked (a column may hold phones)."""
    found: dict[str, list[str]] = {header: [] for header in headers}
    if not current_scope().pii:
        return found
    for cells in sample:
        for header, cell in zip(headers, cells, strict=False):
            text = cell_text(cell).strip()
            seen = found[header]
            if text and text not in seen and len(seen) < MAX_SAMPLES:
                seen.append(text)
    return found


def _failed(exc: Exception) -> Response:
    if isinstance(exc, UnreadableFile):
        return error_response(422, unreadable_text(exc.key, exc.params))
    if isinstance(exc, records.ImportBusy):
        return error_response(409, error_text(exc))
    if isinstance(exc, GraphCRMError):
        return error_response(422 if exc.key != "not_found" else 404, error_text(exc))
    raise exc


class ImportApi(BaseApi):
    """``/api/v1/imports/``: upload, targets, mappings, preview, commit, status, errors, undo."""

    resource_name = "imports"
    openapi_spec_tag = "Imports"
    openapi_spec_component_schemas = (CommitSchema, MappingSaveSchema)

    @expose("/upload", methods=["POST"])
    @guard("import")
    @large_upload
    @safe
    def upload(self) -> Response:
        """Upload a CSV, XLSX or XLS file to import.
        ---
        post:
          description: >-
            multipart/form-data with the file in 'file' and optionally 'type' (customer,
            contact, follow_up, order, ticket, referral) and 'sheet'. Answers the upload id,
            what was detected (format, encoding, separator, sheets, headers) and, given a type, the
            suggested mapping and each column's first distinct values (samples; empty for
            readers who see personal data masked).
          requestBody:
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
                    type: {type: string}
                    sheet: {type: string}
          responses:
            201:
              description: The upload
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: object}
            400:
              $ref: '#/components/responses/400'
            422:
              $ref: '#/components/responses/422'
        """
        sent = request.files.get("file")
        if sent is None or not sent.filename:
            return error_response(400, NO_FILE)
        upload_id = secrets.token_hex(8)
        folder = import_folder(current_app) / UPLOADS / upload_id
        folder.mkdir(parents=True)
        name = _UNSAFE_NAME.sub("_", Path(sent.filename).name).strip(" .") or "upload"
        stored = "source" + Path(name).suffix.lower()[:8]
        sent.save(folder / stored)
        (folder / META).write_text(
            json.dumps({"by": _username(), "file_name": name, "stored": stored}, ensure_ascii=False)
        )
        type_key = request.form.get("type") or None
        try:
            if type_key is not None:
                import_type(type_key)
            table = open_table(folder / stored, sheet=request.form.get("sheet") or None)
        except KeyError:
            return error_response(400, unknown_type_text(type_key or ""))
        except (UnreadableFile, GraphCRMError) as exc:
            return _failed(exc)
        result: dict[str, Any] = {
            "upload_id": upload_id,
            "file_name": name,
            "table": table_info(table),
        }
        if type_key:
            sample = [row.cells for _, row in zip(range(200), table.rows(), strict=False)]
            mapping = suggest_mapping(type_key, table.headers, sample)
            result["mapping"] = {**mapping.as_dict(), "reasons": mapping.reasons}
            result["samples"] = _samples(table.headers, sample)
        return self.response(201, result=result)

    @expose("/targets/<type_key>", methods=["GET"])
    @guard("import")
    @safe
    def targets(self, type_key: str) -> Response:
        """The fields an import type can fill, with labels in the reader's language.
        ---
        get:
          parameters:
          - in: path
            name: type_key
            schema: {type: string}
          responses:
            200:
              description: "[{name, label, required, kind, many, choices: [{value, label}]}]"
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: array, items: {type: object}}
                      mappings: {type: array, items: {type: string}}
            404:
              $ref: '#/components/responses/404'
        """
        if type_key not in import_types():
            return self.response_404()
        if not may_import(import_type(type_key)):
            return error_response(
                403,
                message_text(
                    "import_not_allowed", {"type": type_label(import_type(type_key)).lower()}
                ),
            )
        return self.response(
            200, result=_targets(type_key), mappings=list_mappings(current_store(), type_key)
        )

    @expose("/mappings/<type_key>/<name>", methods=["GET"])
    @guard("import")
    @safe
    def mapping(self, type_key: str, name: str) -> Response:
        """A saved mapping.
        ---
        get:
          parameters:
          - in: path
            name: type_key
            schema: {type: string}
          - in: path
            name: name
            schema: {type: string}
          responses:
            200:
              description: "{type, columns, values}"
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: object}
            404:
              $ref: '#/components/responses/404'
        """
        if type_key not in import_types():
            return self.response_404()
        found = load_mapping(current_store(), type_key, name)
        if found is None:
            return self.response_404()
        return self.response(200, result=found.as_dict())

    @expose("/mappings", methods=["POST"])
    @guard("import")
    @safe
    def save_mapping(self) -> Response:
        """Save a mapping by name (replacing one of that name and type).
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ImportMappingSave'
          responses:
            201:
              description: Saved
            422:
              $ref: '#/components/responses/422'
        """
        try:
            data = MappingSaveSchema().load(request.get_json(silent=True) or {})
            mapping = Mapping.from_dict(data["mapping"])
            save_mapping(current_store(), data["name"], mapping, _username())
        except ValidationError as exc:
            return self.response_422(message=exc.messages)
        except GraphCRMError as exc:
            return _failed(exc)
        return self.response(201, result=mapping.as_dict())

    def _request(
        self,
    ) -> tuple[dict[str, Any], Path, str, Mapping | None, ImportOptions] | Response:
        try:
            data = CommitSchema().load(request.get_json(silent=True) or {})
        except ValidationError as exc:
            return self.response_422(message=exc.messages)
        folder = _upload_dir(data["upload_id"])
        if folder is None:
            return error_response(404, NO_UPLOAD)
        path, file_name = _upload_file(folder)
        try:
            mapping = Mapping.from_dict(data["mapping"]) if data["mapping"] else None
            if mapping is not None and mapping.type != data["type"]:
                return error_response(422, message_text("import_mapping_type"))
            decisions = {int(k): v for k, v in data["decisions"].items() if _is_line(k)}
            options = ImportOptions(
                on_duplicate=data["on_duplicate"],
                decisions=decisions,
                sheet=data["sheet"],
                # Tags named in the file are created only by who may create tags.
                create_tags=data["create_tags"] and _may(nodes.Tag, _ADD),
                previewed_at=_utc_stamp(data["previewed_at"]),
            )
            kind = import_type(data["type"])
            if mapping is None and kind.model is nodes.Customer and not _may(nodes.Contact, _ADD):
                mapping = suggest_for(path, data["type"], sheet=data["sheet"])[1]
        except (UnreadableFile, GraphCRMError) as exc:
            return _failed(exc)
        refusal = _refusal(kind, mapping, options)
        if refusal is not None:
            return error_response(403, refusal)
        try:
            if next(iter(open_table(path, sheet=data["sheet"]).rows()), None) is None:
                return error_response(422, message_text("import_no_rows", {}))
        except UnreadableFile as exc:
            return _failed(exc)
        return data, path, file_name, mapping, options

    @expose("/preview", methods=["POST"])
    @guard("import")
    @safe
    def preview(self) -> Response:
        """Preview an upload: the mapping (suggested or given), the first rows cleaned, each
        row's errors (in the reader's language, naming line and column) and its duplicate
        decision, as stored at ``previewed_at`` (send it back with the commit). Nothing is
        written.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ImportRequest'
          responses:
            200:
              description: >-
                {table, mapping: {type, columns, values, reasons}, rows: [{line, values,
                errors: [{line, column, key, params, message}], duplicate: {key, uid, line}
                | null, decision}], counts: {skip, update, create, error}, previewed_at:
                ISO 8601 UTC}
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: object}
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        parsed = self._request()
        if isinstance(parsed, Response):
            return parsed
        data, path, _, mapping, options = parsed
        try:
            result = preview(
                _importer(), path, data["type"], mapping=mapping, options=options, rows=data["rows"]
            )
        except (UnreadableFile, GraphCRMError) as exc:
            return _failed(exc)
        return self.response(200, result=_said_rows(result.as_dict()))

    @expose("/commit", methods=["POST"])
    @guard("import")
    @safe
    def commit(self) -> Response:
        """Import an upload: recorded at once (its id answered), run as a job.

        An update never overwrites a change someone else made that the user did not see: a
        row whose record was changed by another person after ``previewed_at`` (the time the
        preview answered; optional, ISO 8601: without it, the commit's own time) fails
        ("changed by … at …, after your preview"), and so does a row whose Version cell (as
        list exports write it) is older than the record's. Such rows are in the failing
        rows file, to import again.
        ---
        post:
          requestBody:
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/ImportRequest'
          responses:
            202:
              description: "{import: {id, type, file_name, state, counts, ...}, job: Job}"
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: object}
            404:
              $ref: '#/components/responses/404'
            409:
              $ref: '#/components/responses/409'
            422:
              $ref: '#/components/responses/422'
        """
        parsed = self._request()
        if isinstance(parsed, Response):
            return parsed
        data, path, file_name, mapping, options = parsed
        importer = _importer()
        try:
            record = start_import(
                importer, path, data["type"], mapping=mapping, options=options, file_name=file_name
            )
            if data["save_mapping_as"]:
                save_mapping(
                    importer.store,
                    data["save_mapping_as"],
                    Mapping.from_dict(record.mapping),
                    importer.actor,
                )
        except (UnreadableFile, GraphCRMError) as exc:
            return _failed(exc)
        scope = importer.scope
        job, _ = current_jobs().start(
            IMPORT_RUN,
            started_by=importer.actor,
            params={
                "import_id": record.uid,
                "file_name": record.file_name,  # named on the Jobs screen
                "file_hash": record.file_hash,
                "actor": importer.actor,
                "team_only": scope.team_only,
                "pii": scope.pii,
            },
        )
        audit(
            "import",
            target=f"Import:{record.uid}",
            detail={"type": record.type, "file": record.file_name},
        )
        return self.response(202, result={"import": _record_dict(record), "job": job_dict(job)})

    @expose("/", methods=["GET"])
    @guard("import")
    @safe
    def list(self) -> Response:
        """The newest imports the reader may see (their own; Admin everyone's).
        ---
        get:
          responses:
            200:
              description: "[{id, type, file_name, state, by, at, cursor, counts, error, options,
                undo}]"
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: array, items: {type: object}}
        """
        return self.response(200, result=[_record_dict(record) for record in visible_imports()])

    @expose("/<import_id>", methods=["GET"])
    @guard("import")
    @safe
    def status(self, import_id: str) -> Response:
        """An import: state (running, done, failed, cancelled, undoing, undone), how far it
        got (cursor: the last file line written) and its counts.
        ---
        get:
          parameters:
          - in: path
            name: import_id
            schema: {type: string}
          responses:
            200:
              description: "{id, type, file_name, state, by, at, cursor, counts: {read,
                created, updated, skipped, failed}, error, options, undo: {deleted,
                restored, conflicts, unlinked} once undone}"
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: object}
            404:
              $ref: '#/components/responses/404'
        """
        record = _visible_import(import_id)
        if record is None:
            return self.response_404()
        return self.response(200, result=_record_dict(record))

    @expose("/<import_id>/errors", methods=["GET"])
    @guard("import")
    @safe
    def errors(self, import_id: str) -> Response:
        """The failing rows, in the file's own format (CSV, else XLSX) with an error column.
        ---
        get:
          description: >-
            An import without failing rows (so far: a running import's grow batch by batch)
            has no such file: 404, saying so.
          parameters:
          - in: path
            name: import_id
            schema: {type: string}
          responses:
            200:
              description: The failing rows file
            404:
              $ref: '#/components/responses/404'
        """
        record = _visible_import(import_id)
        if record is None:
            return self.response_404()
        if not record.counts.get("failed"):
            return error_response(404, message_text("import_no_failing_rows"))
        try:
            table = open_table(Path(record.path), sheet=record.options.get("sheet"))
        except (UnreadableFile, OSError):
            return self.response_404()
        fmt = CSV if table.format == CSV else "xlsx"
        data = error_file(
            import_folder(current_app), record.uid, table.headers, fmt, say, str(ERROR_COLUMN)
        )
        name = f"{Path(record.file_name).stem}-errors.{fmt}"
        # The list exports' types: Werkzeug adds "; charset=utf-8" to text/csv itself.
        return Response(
            data,
            mimetype=MIMETYPES[fmt],
            headers={"Content-Disposition": content_disposition(name)},
        )

    @expose("/<import_id>/undo", methods=["POST"])
    @guard("undo")
    @safe
    def undo(self, import_id: str) -> Response:
        """Undo an import as a job: delete what it created, restore what it updated.
        ---
        post:
          description: >-
            An import still running (or whose job still waits) is undone once it ends. An
            import undone already, or with an undo queued or running, answers 409; one whose
            undo was interrupted is undone again (an undo is safe to repeat).
          parameters:
          - in: path
            name: import_id
            schema: {type: string}
          responses:
            202:
              description: "{import, job: Job}"
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: object}
            404:
              $ref: '#/components/responses/404'
            409:
              $ref: '#/components/responses/409'
        """
        record = _visible_import(import_id)
        if record is None:
            return self.response_404()
        if record.state == records.UNDONE:
            return error_response(409, message_text("import_undone"))
        job, created = current_jobs().start(
            IMPORT_UNDO,
            started_by=_username(),
            params={"import_id": record.uid, "file_name": record.file_name, "actor": _username()},
        )
        if not created:  # its undo job is queued or running
            return error_response(409, message_text("import_undoing"))
        audit("import_undo", target=f"Import:{record.uid}", detail={"file": record.file_name})
        return self.response(202, result={"import": _record_dict(record), "job": job_dict(job)})


def register(appbuilder: Any) -> None:
    """Add the import API."""
    appbuilder.add_api(ImportApi)
