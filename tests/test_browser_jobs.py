"""The Refresh analytics button and the Jobs screen in a real browser, with a real job
worker: the button starts a job, the page follows its progress and shows the new figures,
and the Jobs screen lists the finished refresh in English and Chinese."""

from __future__ import annotations

import pytest
from flask import Flask

from graph.store.protocol import GraphStore
from tests.jobs_helpers import running_worker, settle
from tests.test_analytics import referral_world  # noqa: F401 (a fixture)
from tests.test_browser_crud import log_in


@pytest.mark.parametrize(
    ("language", "name", "state", "stage"),
    [("en", "Analytics refresh", "Done", "Writing"), ("zh", "推荐分析刷新", "已完成", "写入中")],
)
def test_refresh_button_runs_a_job_the_jobs_screen_shows_done(
    page, live_server: str, app: Flask, store: GraphStore, referral_world: dict,  # noqa: F811
    language: str, name: str, state: str, stage: str,
) -> None:  # fmt: skip
    settle(app)
    log_in(page, live_server)
    if language == "zh":
        page.goto(live_server + "/lang/zh")
    page.goto(live_server + "/analytics/top-referrers")
    assert page.locator("#top-referrers-table").count() == 0
    page.click("#refresh-analytics button")
    # Queued (no worker yet): the page shows the job's progress bar, not figures.
    page.wait_for_selector("#refresh-progress .progress-bar")
    assert page.locator("#top-referrers-table").count() == 0
    with running_worker(app):
        # The page follows the job and shows the new figures once it has finished.
        page.wait_for_selector("#top-referrers-table", timeout=60_000)
    assert page.locator("#refresh-progress").count() == 0
    assert "160.00" in page.inner_text("#top-referrers-table")
    page.goto(live_server + "/jobs/list")
    row = page.locator("#jobs-table .job-row").first
    assert row.get_attribute("data-state") == "done"
    assert name in row.locator(".job-name").inner_text()
    assert row.locator(".job-state").inner_text() == state
    assert row.locator(".progress-bar").inner_text() == "100%"
    assert stage not in row.locator(".job-stage").inner_text()  # a stage only while running
    assert row.locator(".job-cancel").count() == 0 and row.locator(".job-retry").count() == 0
    page.screenshot(path=f"/tmp/graphcrm-jobs-{language}.png", full_page=True)
