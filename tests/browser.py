"""Real-browser fixtures: the app served on a local port, driven in Debian's Chromium.

Playwright's Python package drives ``/usr/bin/chromium`` (no browser download). Without
Chromium the browser tests are skipped with a loud reason, except under CI, where they fail.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("GRAPHCRM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free local port for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="session")
def chromium():  # type: ignore[no-untyped-def]
    """A headless Chromium shared by the session's browser tests."""
    if not Path(CHROMIUM).exists():
        reason = f"NO BROWSER TESTS: {CHROMIUM} is missing (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):  # type: ignore[no-untyped-def]
    """A fresh browser context and page (own cookies) for one test."""
    context = chromium.new_context(locale="en-US")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()
