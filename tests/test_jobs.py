"""Background jobs on the real engine with a real worker (huey consumer threads): progress,
idempotency, failure and retry, cancel, a dead engine, a dead worker, the schedule, the
REST API's permissions and the Jobs screen."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.audit import AuditEvent
from app.jobs import STALE_AFTER, STALE_ERROR, queue
from graph.jobs import catalog, progress, runner
from graph.jobs.catalog import ANALYTICS_REFRESH, JobSpec
from graph.jobs.context import JobContext, Resources
from graph.jobs.schedule import SCHEDULE, Periodic, due
from graph.store.backends import open_store
from graph.store.protocol import GraphStore, parse_graph_url
from tests.jobs_helpers import running_worker, settle, wait_for
from tests.test_analytics import referral_world  # noqa: F401 (a fixture)
from tests.test_row_level_access import PASSWORD, staff
from tests.web import bearer, csrf_token, login

BATCHES = 40


class Gate:
    """What the test job does: ``batches`` batches, each waiting for ``opened`` first."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.started = threading.Event()
        self.runs = 0


GATE = Gate()


def _gated(context: JobContext, resources: Resources, params: dict[str, Any]) -> str:
    GATE.runs += 1
    GATE.started.set()
    if params.get("fail_first") and GATE.runs == 1:
        raise RuntimeError("the first run fails on purpose")
    for batch in range(BATCHES):
        context.progress("batch", batch, BATCHES)
        GATE.opened.wait(10)
        time.sleep(0.05)  # 2 s in all: longer than progress's 0.5 s between cancel checks
    context.progress("batch", BATCHES, BATCHES)
    return f"{BATCHES} batches"


@pytest.fixture
def jobs_app(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The session app with no job active, a fresh gate and a throwaway job ``gated``."""
    global GATE
    GATE = Gate()
    monkeypatch.setitem(catalog.JOBS, "gated", JobSpec("gated", _gated, lambda p: "gated"))
    settle(app)
    yield app
    GATE.opened.set()
    settle(app)


def events(app: Flask, job_id: str) -> list[str]:
    with app.app_context():
        rows = app.appbuilder.session.query(AuditEvent.action).filter(
            AuditEvent.target == f"Job:{job_id}"
        )
        return sorted(row.action for row in rows)


def test_analytics_refresh_job_runs_to_done_with_progress(
    jobs_app: Flask,
    store: GraphStore,
    referral_world: dict,  # noqa: F811
) -> None:
    job, created = queue(jobs_app).start(ANALYTICS_REFRESH, started_by="admin")
    assert created and job.state == progress.QUEUED
    assert store.read("customer_list_top_referrers", limit=10) == []  # nothing ran inline
    with running_worker(jobs_app):
        done = wait_for(jobs_app, job.id)
    assert done.state == progress.DONE, done.error
    assert (done.done, done.total, done.fraction) == (1000, 1000, 1.0)
    assert done.stage == "write" and done.started_at and done.finished_at
    assert "5 customers" in (done.result or "")
    assert {r["name"] for r in store.read("customer_list_top_referrers", limit=10)} == {
        "A", "B", "C",
    }  # fmt: skip
    assert events(jobs_app, job.id) == ["job_start"]
    # The key is free again: the next start is a new job.
    again, created = queue(jobs_app).start(ANALYTICS_REFRESH, started_by="admin")
    assert created and again.id != job.id


def test_second_start_while_running_returns_the_same_job(jobs_app: Flask) -> None:
    jobs = queue(jobs_app)
    first, created = jobs.start("gated", started_by="admin")
    queued_again, created_again = jobs.start("gated", started_by="someone")
    assert created and not created_again and queued_again.id == first.id
    with running_worker(jobs_app, threads=2):
        assert GATE.started.wait(10)
        running = wait_for(jobs_app, first.id, (progress.RUNNING,))
        again, created_again = jobs.start("gated", started_by="someone")
        assert not created_again and again.id == first.id and again.state == progress.RUNNING
        GATE.opened.set()
        done = wait_for(jobs_app, first.id)
    assert running.started_by == "admin" and done.state == progress.DONE
    assert GATE.runs == 1  # two starts, one run
    assert done.eta_seconds() is None and done.as_dict()["percent"] == 100.0


def test_failure_keeps_its_error_and_retry_runs_a_new_job(jobs_app: Flask) -> None:
    jobs = queue(jobs_app)
    GATE.opened.set()
    job, _ = jobs.start("gated", started_by="admin", params={"fail_first": True})
    with running_worker(jobs_app):
        failed = wait_for(jobs_app, job.id)
        assert failed.state == progress.FAILED
        assert failed.error == "RuntimeError: the first run fails on purpose"
        retried = jobs.retry(job.id, by="admin")
        assert retried is not None and retried[1]
        done = wait_for(jobs_app, retried[0].id)
    assert done.state == progress.DONE and done.retry_of == job.id
    assert done.params == {"fail_first": True}
    assert progress.get(jobs.engine, job.id).error == failed.error  # the old one keeps it
    assert events(jobs_app, job.id) == ["job_failed", "job_start"]
    assert events(jobs_app, done.id) == ["job_retry"]
    assert jobs.retry(done.id, by="admin") is None  # a finished job that worked: nothing to retry


def test_cancel_stops_a_running_job_at_its_next_batch(jobs_app: Flask) -> None:
    jobs = queue(jobs_app)
    job, _ = jobs.start("gated", started_by="admin")
    with running_worker(jobs_app):
        assert GATE.started.wait(10)
        wait_for(jobs_app, job.id, (progress.RUNNING,))
        asked = jobs.cancel(job.id, by="admin")
        assert asked is not None and asked.cancel_requested and asked.state == progress.RUNNING
        GATE.opened.set()
        cancelled = wait_for(jobs_app, job.id)
    assert cancelled.state == progress.CANCELLED
    assert cancelled.done < BATCHES  # stopped before the end
    assert events(jobs_app, job.id) == ["job_cancel", "job_start"]


def test_a_cancelled_queued_job_never_runs(jobs_app: Flask) -> None:
    jobs = queue(jobs_app)
    job, _ = jobs.start("gated", started_by="admin")
    assert jobs.cancel(job.id, by="admin").state == progress.CANCELLED
    GATE.opened.set()
    with running_worker(jobs_app):
        follow, _ = jobs.start("gated", started_by="admin")  # queued after the cancelled one
        wait_for(jobs_app, follow.id)
    assert GATE.runs == 1 and progress.get(jobs.engine, job.id).started_at is None


def test_a_dead_engine_fails_the_job_with_a_clear_error(jobs_app: Flask, tmp_path) -> None:
    jobs = queue(jobs_app)
    job, _ = progress.create(jobs.engine, ANALYTICS_REFRESH, "dead-engine", started_by="admin")
    gone = open_store(parse_graph_url(f"unix://{tmp_path}/no-engine.sock?graph=g"))
    started = time.monotonic()
    ended = runner.run(jobs.engine, job.id, Resources(gone))
    assert ended is not None and ended.state == progress.FAILED
    assert (ended.error or "").startswith("The graph engine stopped answering")
    assert time.monotonic() - started < 30  # failed, did not hang


def test_a_job_whose_worker_died_is_failed_and_can_be_retried(jobs_app: Flask) -> None:
    jobs = queue(jobs_app)
    job, _ = jobs.start("gated", started_by="admin")
    progress.begin(jobs.engine, job.id)  # a worker took it, then died: no heartbeat since
    silent = progress.now() - STALE_AFTER - dt.timedelta(seconds=5)
    with jobs.engine.begin() as connection:
        connection.execute(
            update(progress.jobs).where(progress.jobs.c.id == job.id).values(heartbeat_at=silent)
        )
    assert [j.id for j in jobs.fail_stale()] == [job.id]
    failed = progress.get(jobs.engine, job.id)
    assert failed.state == progress.FAILED and failed.error == STALE_ERROR
    assert "job_failed" in events(jobs_app, job.id)
    assert jobs.retry(job.id, by="admin")[1]


def test_the_schedule_names_known_jobs_in_business_time() -> None:
    assert all(entry.job in catalog.JOBS for entry in SCHEDULE)
    nightly = Periodic(ANALYTICS_REFRESH, dt.time(2, 0))
    assert due(dt.datetime(2026, 5, 1, 2, 0, 30), (nightly,)) == [nightly]
    assert due(dt.datetime(2026, 5, 1, 2, 1), (nightly,)) == []
    assert due(dt.datetime(2026, 5, 1, 14, 0), (nightly,)) == []


# --- REST and screen ---------------------------------------------------------------------------


def test_rest_lists_gets_cancels_and_retries_jobs(jobs_app: Flask, client: FlaskClient) -> None:
    job, _ = queue(jobs_app).start("gated", started_by="admin")
    headers = bearer(client)
    listed = client.get("/api/v1/jobs/", headers=headers)
    assert listed.status_code == 200
    assert job.id in {item["id"] for item in listed.json["result"]}
    one = client.get(f"/api/v1/jobs/{job.id}", headers=headers)
    assert one.status_code == 200 and one.json["result"]["state"] == "queued"
    assert one.json["result"]["label"] == "gated"
    cancelled = client.post(f"/api/v1/jobs/{job.id}/cancel", headers=headers)
    assert cancelled.status_code == 200 and cancelled.json["result"]["state"] == "cancelled"
    assert client.post(f"/api/v1/jobs/{job.id}/cancel", headers=headers).status_code == 409
    retried = client.post(f"/api/v1/jobs/{job.id}/retry", headers=headers)
    assert retried.status_code == 202 and retried.json["result"]["retry_of"] == job.id
    assert client.post(f"/api/v1/jobs/{job.id}/retry", headers=headers).status_code == 202
    assert client.get("/api/v1/jobs/nope", headers=headers).status_code == 404
    assert client.get("/api/v1/jobs/").status_code == 401


def test_sales_sees_and_cancels_only_its_own_jobs(
    jobs_app: Flask, client: FlaskClient, store: GraphStore
) -> None:
    staff(jobs_app, store, "jobs_sales", "Sales")
    admins, _ = queue(jobs_app).start("gated", started_by="admin")
    own, _ = progress.create(queue(jobs_app).engine, "gated", "own-key", started_by="jobs_sales")
    headers = bearer(client, "jobs_sales", PASSWORD)
    listed = client.get("/api/v1/jobs/", headers=headers)
    assert listed.status_code == 200
    assert {item["id"] for item in listed.json["result"]} == {own.id}
    assert client.get(f"/api/v1/jobs/{admins.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/jobs/{admins.id}/cancel", headers=headers).status_code == 404
    assert progress.get(queue(jobs_app).engine, admins.id).state == progress.QUEUED
    assert client.post(f"/api/v1/jobs/{own.id}/cancel", headers=headers).status_code == 200
    login(client, "jobs_sales", PASSWORD)
    page = client.get("/jobs/list").get_data(as_text=True)
    assert own.id in page and admins.id not in page


def test_jobs_screen_shows_progress_and_cancels_with_csrf(
    jobs_app: Flask, client: FlaskClient
) -> None:
    job, _ = queue(jobs_app).start("gated", started_by="admin")
    login(client)
    page = client.get("/jobs/list")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="jobs-table"' in html and job.id in html
    assert "Queued" in html and "job-cancel" in html
    assert client.post(f"/jobs/{job.id}/cancel").status_code == 400  # no CSRF token
    assert progress.get(queue(jobs_app).engine, job.id).state == progress.QUEUED
    done = client.post(
        f"/jobs/{job.id}/cancel", data={"csrf_token": csrf_token(html)}, follow_redirects=True
    )
    assert done.status_code == 200 and "Cancel requested." in done.get_data(as_text=True)
    assert progress.get(queue(jobs_app).engine, job.id).state == progress.CANCELLED
    client.get("/lang/zh")
    chinese = client.get("/jobs/list").get_data(as_text=True)
    assert "后台任务" in chinese and "已取消" in chinese and "重试" in chinese


def test_key_rotation_runs_as_a_job(jobs_app: Flask, store: GraphStore) -> None:
    from graph.jobs.catalog import KEY_ROTATION

    job, created = queue(jobs_app).start(KEY_ROTATION, started_by="admin")
    assert created
    with running_worker(jobs_app):
        done = wait_for(jobs_app, job.id)
    assert done.state == progress.DONE, done.error
    key_id = jobs_app.extensions["field_cipher"].key_id
    assert done.result == f"0 values re-encrypted under key {key_id}"


def test_job_audit_events_read_as_labels_in_both_languages(
    jobs_app: Flask, client: FlaskClient
) -> None:
    job, _ = queue(jobs_app).start("gated", started_by="admin")
    queue(jobs_app).cancel(job.id, by="admin")
    login(client)
    newest = "/auditevent/list/?_oc_AuditEventView=id&_od_AuditEventView=desc"
    page = client.get(newest).get_data(as_text=True)
    assert "Background job started" in page and "Background job cancelled" in page
    assert f"Background job: {job.id}" in page
