"""PNG screenshots of GraphCRM's main pages, in English and Chinese (``make screenshots``).

Starts a seeded demo instance in a throwaway instance folder (its own embedded FalkorDB),
serves it on a free local port, signs in with Playwright in Debian's Chromium (as a sales
manager for ``<language>-home-sales.png``, then as the admin) and writes
``<language>-<page>.png`` at 1440x900 (the visible screen, not the whole page) into the
output folder, ``docs/screenshots/`` by default. Pages that the build does not have (e.g.
``/pipeline/``) are skipped with a notice. Nothing of the instance is kept.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1440, "height": 900}
ADMIN_PASSWORD = "Screens-pass-2024"
# name -> path ({customer}: a customer with referrals; {segment}: a saved segment).
PAGES = {
    "home": "/",
    "customers": "/customer/list/",
    "customer": "/customer/show/{customer}",
    "pipeline": "/pipeline/",
    "referral-chain": "/referrals/chain/{customer}",
    "network": "/network/?start=Customer:{customer}",
    "segments": "/segments/show/{segment}",
    "console": "/console/",
}
LANGUAGES = ("en", "zh")


class _Quiet(WSGIRequestHandler):
    """No line per request (the app logs its own, at INFO, which this tool silences)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def _demo_app(folder: Path, customers: int) -> tuple[Any, dict[str, str], tuple[str, str]]:
    """A GraphCRM app on a fresh instance in ``folder``, seeded, with an admin and the demo
    staff; the uids the page paths need; the login of a sales manager (for their home)."""
    from app import create_app
    from app.accounts import ensure_admin, ensure_demo_staff
    from graph.analytics.refresh import refresh
    from graph.demo.seed import seed_demo
    from graph.model import nodes
    from graph.records.repository import NodeRepository
    from graph.segments.rules import parse_rules
    from graph.segments.storage import create_segment
    from views.scope import cipher_of, store_of

    app = create_app({"GRAPHCRM_INSTANCE_PATH": str(folder), "GRAPH_URL": "embedded:"})
    ensure_admin(app, "admin", ADMIN_PASSWORD)
    store = store_of(app)
    seed_demo(store, cipher=cipher_of(app), customers=customers)
    _, staff_password = ensure_demo_staff(app)
    managers = [
        row["username"]
        for row in store.read("user_list_staff_teams")
        if row["role"] == "sales" and row["reports"]
    ]
    refresh(store)
    # The customer with the largest referral network (the demo always has referrals).
    top = store.read("customer_list_top_referrers", limit=1)
    customer = top[0]["uid"] if top else NodeRepository(store, nodes.Customer).page()[0].uid
    rules = parse_rules([{"field": "stage", "op": "in", "value": ["deal", "intent"]}])
    segment = create_segment(store, "Deals and intents", "", rules, "admin")
    return app, {"customer": customer, "segment": segment.uid}, (managers[0], staff_password or "")


def _sign_in(page: Any, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state()


def take(out: Path, customers: int) -> list[Path]:
    """Write the screenshots into ``out``; returns the files written."""
    from playwright.sync_api import sync_playwright

    folder = Path(tempfile.mkdtemp(prefix="gcrm-shots-"))
    written: list[Path] = []
    try:
        app, uids, manager = _demo_app(folder / "instance", customers)
        logging.getLogger("graphcrm.request").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        out.mkdir(parents=True, exist_ok=True)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
                )
                context = browser.new_context(viewport=VIEWPORT, locale="en-US")
                context.set_default_timeout(30_000)
                page = context.new_page()
                for language in LANGUAGES:
                    # A sales manager's home: their team's figures only.
                    _sign_in(page, base, *manager)
                    page.goto(f"{base}/lang/{language}")
                    page.goto(base + "/")
                    page.wait_for_load_state("networkidle")
                    shot = out / f"{language}-home-sales.png"
                    page.screenshot(path=str(shot))
                    written.append(shot)
                    print(f"wrote {shot}")
                    page.goto(base + "/logout/")
                _sign_in(page, base, "admin", ADMIN_PASSWORD)
                for language in LANGUAGES:
                    page.goto(f"{base}/lang/{language}")
                    for name, path in PAGES.items():
                        answer = page.goto(base + path.format(**uids))
                        if answer is None or answer.status != 200:
                            status = answer.status if answer else "no answer"
                            print(f"skipped {name} ({path}): {status}")
                            continue
                        page.wait_for_load_state("networkidle")
                        page.wait_for_timeout(500)  # charts and graph layouts settle
                        shot = out / f"{language}-{name}.png"
                        page.screenshot(path=str(shot))
                        written.append(shot)
                        print(f"wrote {shot}")
                browser.close()
        finally:
            server.shutdown()
            thread.join()
            # The embedded engine this process started stops at exit (app.graph_store).
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m tools.screenshots [--out DIR] [--customers N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--customers", type=int, default=300)
    args = parser.parse_args(argv)
    written = take(args.out, args.customers)
    print(f"{len(written)} screenshots in {args.out}")
    return 0 if written else 1


if __name__ == "__main__":
    raise SystemExit(main())
