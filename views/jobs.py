"""The Jobs screen and REST API: background jobs with their progress, cancel and retry.

Page ``/jobs/list`` (``JobsView``: ``can_list``; ``can_cancel`` and ``can_retry`` for its
CSRF-protected POST buttons) and ``GET /api/v1/jobs/``, ``GET /api/v1/jobs/<id>``,
``POST /api/v1/jobs/<id>/cancel`` and ``/retry`` (``JobsApi``: ``can_get``, ``can_cancel``,
``can_retry``). A reader sees, cancels and retries the jobs they started; holders of
``can_manage_all`` on ``Jobs`` (Admin) every job. Another user's job answers 404, as an
unknown one does. A finished list export's file downloads from ``/jobs/<id>/download`` and
``GET /api/v1/jobs/<id>/download`` (``can_download``) for the user who asked for it only:
not even an admin downloads another user's export (it holds what that user may see).
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, safe
from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from marshmallow import Schema, fields
from wtforms import ValidationError

from graph.io.export import ListExport, job_file
from graph.jobs import progress
from graph.jobs.catalog import EXPORT_STAGE, IMPORT_RUN, IMPORT_UNDO, LIST_EXPORT
from graph.jobs.progress import Job
from views.crud.exports import file_response
from views.guard import guard
from views.labels import localized
from views.scope import ALL_JOBS_PERMISSION, current_appbuilder, current_jobs

JOB_NAMES = {
    "analytics_refresh": lazy_gettext("Analytics refresh"),
    "key_rotation": lazy_gettext("Key rotation"),
    "import_run": lazy_gettext("Import"),
    "import_undo": lazy_gettext("Undo an import"),
    "import_cleanup": lazy_gettext("Removal of old import and export files"),
    LIST_EXPORT: lazy_gettext("List export"),
}
STATES = {
    progress.QUEUED: lazy_gettext("Queued"),
    progress.RUNNING: lazy_gettext("Running"),
    progress.DONE: lazy_gettext("Done"),
    progress.FAILED: lazy_gettext("Failed"),
    progress.CANCELLED: lazy_gettext("Cancelled"),
}
STAGES = {
    "referrals": lazy_gettext("Reading referrals"),
    "revenue": lazy_gettext("Reading revenue"),
    "compute": lazy_gettext("Computing"),
    "write": lazy_gettext("Writing"),
    "import": lazy_gettext("Importing rows"),
    "undo": lazy_gettext("Undoing"),
    EXPORT_STAGE: lazy_gettext("Exporting"),
}
LABELS = {
    "title": lazy_gettext("Background jobs"),
    "intro": lazy_gettext(
        "Long work runs in the job worker, never while a page waits: its progress shows "
        "here and updates by itself."
    ),
    "job": lazy_gettext("Job"),
    "state": lazy_gettext("State"),
    "progress": lazy_gettext("Progress"),
    "started_by": lazy_gettext("Started by"),
    "queued_at": lazy_gettext("Queued (UTC)"),
    "finished_at": lazy_gettext("Finished (UTC)"),
    "error": lazy_gettext("Error"),
    "cancel": lazy_gettext("Cancel"),
    "retry": lazy_gettext("Retry"),
    "eta": lazy_gettext("about {seconds} s left"),
    "cancelling": lazy_gettext("stopping at the next batch"),
    "none": lazy_gettext("No jobs yet."),
    "download": lazy_gettext("Download"),
}
CANCELLED = lazy_gettext("Cancel requested.")
RETRIED = lazy_gettext("Started again as a new job.")
NOT_ACTIVE = lazy_gettext("This job has finished: there is nothing to cancel.")
NOT_RETRYABLE = lazy_gettext("Only a failed or cancelled job can be retried.")
NOT_FOUND = lazy_gettext("No such job.")

JobSchema = Schema.from_dict(
    {
        "id": fields.String(),
        "name": fields.String(metadata={"description": "analytics_refresh, key_rotation"}),
        "label": fields.String(metadata={"description": "The job's name in the reader's language"}),
        "key": fields.String(metadata={"description": "Idempotency key"}),
        "state": fields.String(
            metadata={"enum": list(progress.STATES)},
        ),
        "state_label": fields.String(),
        "stage": fields.String(),
        "done": fields.Integer(),
        "total": fields.Integer(),
        "percent": fields.Float(),
        "eta_seconds": fields.Float(allow_none=True),
        "started_by": fields.String(allow_none=True),
        "queued_at": fields.String(metadata={"description": "UTC, ISO 8601 without an offset"}),
        "started_at": fields.String(allow_none=True),
        "finished_at": fields.String(allow_none=True),
        "cancel_requested": fields.Boolean(),
        "error": fields.String(allow_none=True),
        "result": fields.String(allow_none=True),
        "retry_of": fields.String(allow_none=True),
        "file": fields.String(
            allow_none=True, metadata={"description": "A list export's file name"}
        ),
        "import_id": fields.String(
            allow_none=True, metadata={"description": "An import's or its undo's import"}
        ),
        "import_file": fields.String(
            allow_none=True, metadata={"description": "That import's file name"}
        ),
    },
    name="Job",
)


def _pick(label: LazyString | None, fallback: str) -> str:
    return fallback if label is None else str(label)


def job_dict(job: Job) -> dict[str, Any]:
    """A job as pages and the API show it: the record with labels in the reader's language."""
    values = job.as_dict()
    values["label"] = _pick(JOB_NAMES.get(job.name), job.name)
    values["state_label"] = _pick(STATES.get(job.state), job.state)
    values["stage_label"] = _pick(STAGES.get(job.stage), job.stage)
    values["file"] = job.params.get("filename") if job.name == LIST_EXPORT else None
    # An import's jobs name it (jobs queued before the file name was kept name its id only).
    imports = job.name in (IMPORT_RUN, IMPORT_UNDO)
    values["import_id"] = job.params.get("import_id") if imports else None
    values["import_file"] = job.params.get("file_name") if imports else None
    return values


def _username() -> str | None:
    user = getattr(g, "user", None)
    return getattr(user, "username", None) if user is not None else None


def _owner_filter() -> str | None:
    """None when the reader may see every job, else the username whose jobs they see."""
    if current_appbuilder().sm.has_access(*ALL_JOBS_PERMISSION):
        return None
    return _username() or ""


def visible(job_id: str) -> Job | None:
    """Job ``job_id`` when the reader may see it."""
    job = progress.get(current_jobs().engine, job_id)
    owner = _owner_filter()
    if job is None or (owner is not None and job.started_by != owner):
        return None
    return job


def visible_jobs() -> list[Job]:
    """The newest jobs the reader may see."""
    return progress.listing(current_jobs().engine, started_by=_owner_filter())


def export_download(job_id: str) -> Response | None:
    """The file of the finished list export ``job_id`` when the reader asked for it (None:
    not theirs, not an export, not finished, or its file is gone)."""
    job = progress.get(current_jobs().engine, job_id)
    if job is None or job.name != LIST_EXPORT or job.state != progress.DONE:
        return None
    me = _username()
    if not me or job.started_by != me:
        return None
    export = ListExport.from_params(job.params)
    path = job_file(current_jobs().files, job.id, export)
    return file_response(path, export) if path.is_file() else None


def _check_csrf() -> None:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError as exc:
        raise CSRFError(str(exc)) from exc


class JobsView(BaseView):
    """The Jobs screen."""

    route_base = "/jobs"
    default_view = "list"

    @expose("/list")
    @guard("list")
    def list(self) -> Any:
        sm = self.appbuilder.sm
        return self.render_template(
            "graphcrm/jobs.html",
            jobs=[job_dict(job) for job in visible_jobs()],
            can_cancel=sm.has_access("can_cancel", self.class_permission_name),
            can_retry=sm.has_access("can_retry", self.class_permission_name),
            can_download=sm.has_access("can_download", self.class_permission_name),
            # An import's job links to it in the import page's recent imports.
            imports_url=url_for("ImportView.index")
            if sm.has_access("can_import", "ImportView")
            else None,
            me=_username(),
            csrf=generate_csrf(),
            labels=localized(LABELS),
        )

    @expose("/<job_id>/download")
    @guard("download")
    def download(self, job_id: str) -> Any:
        """A finished list export's file, for the user who asked for it."""
        answer = export_download(job_id)
        if answer is None:
            abort(404, str(NOT_FOUND))
        return answer

    @expose("/<job_id>/cancel", methods=["POST"])
    @guard("cancel")
    def cancel(self, job_id: str) -> Any:
        _check_csrf()
        job = visible(job_id)
        if job is None:
            abort(404, str(NOT_FOUND))
        if not job.active:
            flash(str(NOT_ACTIVE), "warning")
        else:
            current_jobs().cancel(job.id, by=_username())
            flash(str(CANCELLED), "info")
        return redirect(url_for("JobsView.list"))

    @expose("/<job_id>/retry", methods=["POST"])
    @guard("retry")
    def retry(self, job_id: str) -> Any:
        _check_csrf()
        job = visible(job_id)
        if job is None:
            abort(404, str(NOT_FOUND))
        if current_jobs().retry(job.id, by=_username()) is None:
            flash(str(NOT_RETRYABLE), "warning")
        else:
            flash(str(RETRIED), "success")
        return redirect(url_for("JobsView.list"))


class JobsApi(BaseApi):
    """``/api/v1/jobs/``: list, one job, cancel, retry."""

    resource_name = "jobs"
    openapi_spec_tag = "Jobs"
    openapi_spec_component_schemas = (JobSchema,)

    @expose("/", methods=["GET"])
    @guard("get")
    @safe
    def list(self) -> Response:
        """The newest background jobs the reader may see.
        ---
        get:
          description: >-
            The newest 100 jobs, newest first: the reader's own, or every user's for
            holders of can_manage_all on Jobs (Admin).
          responses:
            200:
              description: Jobs
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/Job'
        """
        return self.response(200, result=[job_dict(job) for job in visible_jobs()])

    @expose("/<job_id>", methods=["GET"])
    @guard("get")
    @safe
    def get(self, job_id: str) -> Response:
        """One job with its progress.
        ---
        get:
          parameters:
          - in: path
            name: job_id
            schema:
              type: string
          responses:
            200:
              description: The job
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Job'
            404:
              $ref: '#/components/responses/404'
        """
        job = visible(job_id)
        if job is None:
            return self.response_404()
        return self.response(200, result=job_dict(job))

    @expose("/<job_id>/download", methods=["GET"])
    @guard("download")
    @safe
    def download(self, job_id: str) -> Response:
        """A finished list export's file, for the user who asked for it only.
        ---
        get:
          parameters:
          - in: path
            name: job_id
            schema:
              type: string
          responses:
            200:
              description: The exported file
              content:
                text/csv:
                  schema:
                    type: string
                application/vnd.openxmlformats-officedocument.spreadsheetml.sheet:
                  schema:
                    type: string
                    format: binary
            404:
              $ref: '#/components/responses/404'
        """
        answer = export_download(job_id)
        return self.response_404() if answer is None else answer

    @expose("/<job_id>/cancel", methods=["POST"])
    @guard("cancel")
    @safe
    def cancel(self, job_id: str) -> Response:
        """Cancel a job: a queued one at once, a running one at its next batch.
        ---
        post:
          parameters:
          - in: path
            name: job_id
            schema:
              type: string
          responses:
            200:
              description: The job, cancelled or asked to stop
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Job'
            404:
              $ref: '#/components/responses/404'
            409:
              $ref: '#/components/responses/409'
        """
        job = visible(job_id)
        if job is None:
            return self.response_404()
        if not job.active:
            return self.response(409, message=str(NOT_ACTIVE))
        cancelled = current_jobs().cancel(job.id, by=_username()) or job
        return self.response(200, result=job_dict(cancelled))

    @expose("/<job_id>/retry", methods=["POST"])
    @guard("retry")
    @safe
    def retry(self, job_id: str) -> Response:
        """Start a failed or cancelled job again, as a new job (the old one keeps its error).
        ---
        post:
          description: >-
            Answers the new job, or the queued or running job with the same idempotency
            key when there is one.
          parameters:
          - in: path
            name: job_id
            schema:
              type: string
          responses:
            202:
              description: The new (or already running) job
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/Job'
            404:
              $ref: '#/components/responses/404'
            409:
              $ref: '#/components/responses/409'
        """
        job = visible(job_id)
        if job is None:
            return self.response_404()
        started = current_jobs().retry(job.id, by=_username())
        if started is None:
            return self.response(409, message=str(NOT_RETRYABLE))
        return self.response(202, result=job_dict(started[0]))


def register(appbuilder: Any, category: str, category_label: Any) -> None:
    """Add the Jobs screen (in ``category``'s menu) and its API."""
    appbuilder.add_view(
        JobsView,
        "Jobs",
        label=lazy_gettext("Jobs"),
        href="/jobs/list",
        icon="fa-tasks",
        category=category,
        category_label=category_label,
    )
    appbuilder.add_api(JobsApi)
