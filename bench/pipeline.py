"""Pipeline board benchmark: a column page and the column figures at 100k customers, end to
end, next to the customer list's plain name-prefix filter in the same run.

    python -m bench.pipeline [--size 100000] [--repeat 30] [--data-dir /tmp/gcrm-bench-pipeline]

The deterministic dataset of ``bench.list_pages`` (seed 7) is loaded into a fresh embedded
FalkorDB (and its SQLite copy) under ``DIR/n<size>/`` by ``bench.harness.workspace.prepare``;
a folder that already holds a complete load is reused.

Every probe is one request through the app in this process (Flask test client), measured
``--repeat`` times after ``--warmup`` rounds, interleaved:
- the board's first page of a column (50 cards) as the admin, cycling through the stages
  (each holds tens of thousands of customers at 100k), a "load more" page 2,000 cards deep,
  the same first page narrowed to one owner, and the figures of every column (count and
  order amounts, over all 100k customers);
- the same column page and figures as a salesperson (the owner with the most customers,
  signed in with the Sales role: row-level scope on every card and figure);
- the baseline: the customer list's REST filter "name starts with" (page 1 of 25).
Each board probe is also timed through ``graph.records.pipeline`` alone (no HTTP), and the
graph round trips of one request are counted.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import prison
from flask.testing import FlaskClient

from bench.engines import FalkorDBReplay
from bench.harness.apps import OurApp, our_app
from bench.harness.output import machine, quiet_logs, say, wait_for_quiet
from bench.harness.timing import median, ms, p95
from bench.harness.workspace import Workspace, prepare, shutdown
from graph.records.pipeline import STAGES, BoardFilters, column_figures, column_page
from graph.security.scope import Scope

DEFAULT_DATA_DIR = Path("/tmp/gcrm-bench-pipeline")  # short: unix socket paths hold 107 bytes
DEFAULT_SIZE = 100_000
SALES_PASSWORD = "Bench-sales-123"
DEEP_SKIP = 2_000
BASELINE = "baseline: customer list REST, name starts with"

Probe = Callable[[int], None]


def busiest_owner(sqlite_path: Path) -> tuple[str, str, int]:
    """(username, uid, customers) of the user owning the most customers (ties: smallest uid)."""
    with sqlite3.connect(sqlite_path) as db:
        row = db.execute(
            "SELECT u.username, u.uid, count(*) AS n FROM bench_customer c "
            "JOIN bench_user u ON c.owner_id = u.id GROUP BY u.id ORDER BY n DESC, u.uid LIMIT 1"
        ).fetchone()
    return str(row[0]), str(row[1]), int(row[2])


def name_prefixes(sqlite_path: Path, count: int = 10) -> list[str]:
    """The first two characters of ``count`` customer names spread over the table."""
    with sqlite3.connect(sqlite_path) as db:
        rows = db.execute(
            "SELECT name FROM bench_customer WHERE id % 9973 = 1 ORDER BY id LIMIT ?", (count,)
        ).fetchall()
    return [str(name)[:2] for (name,) in rows]


def sales_client(ours: OurApp, username: str) -> FlaskClient:
    """A test client signed in as ``username`` with the Sales role (account made once)."""
    app = ours.app
    sm = app.appbuilder.sm  # type: ignore[attr-defined]
    with app.app_context():
        if not sm.find_user(username=username):
            role = sm.find_role("Sales")
            email = f"{username}@example.com"
            sm.add_user(username, username, "Bench", email, role, SALES_PASSWORD)
    client = app.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    answer = client.post(
        "/login/", data={"username": username, "password": SALES_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302, f"sales login failed: {answer.status_code}"
    return client


def get_probe(client: FlaskClient, urls: list[str], check: Callable[[Any], bool]) -> Probe:
    def run(round_number: int) -> None:
        response = client.get(urls[round_number % len(urls)])
        assert response.status_code == 200, response.get_data(as_text=True)
        assert check(response.json), urls[round_number % len(urls)]

    return run


def column_urls(query: str = "", skip: int = 0) -> list[str]:
    return [f"/api/v1/pipeline/column?stage={s}&skip={skip}{query}" for s in STAGES]


def has_cards(body: Any) -> bool:
    return len(body["cards"]) == 50


def baseline_probe(client: FlaskClient, token: str, prefixes: list[str]) -> Probe:
    headers = {"Authorization": f"Bearer {token}"}

    def run(round_number: int) -> None:
        flt = [{"col": "name", "opr": "sw", "value": prefixes[round_number % len(prefixes)]}]
        q = prison.dumps({"filters": flt, "page": 0, "page_size": 25})
        response = client.get("/api/v1/customer/", query_string={"q": q}, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["count"], "the name prefix found nothing"

    return run


def layer_probe(
    ours: OurApp, scope: Scope, filters: BoardFilters | None, skip: int, figures: bool
) -> Probe:
    """The same read through ``graph.records.pipeline`` alone."""
    store = ours.store

    def run(round_number: int) -> None:
        if figures:
            column_figures(store, scope, filters)
        else:
            column_page(store, STAGES[round_number % len(STAGES)], scope, filters, skip=skip)

    return run


def measure(ws: Workspace, ours: OurApp, args: argparse.Namespace) -> list[tuple[str, ...]]:
    """Rows of the table: probe, REST median and p95, layer median, round trips."""
    username, owner_uid, owned = busiest_owner(ws.sqlite)
    say(f"  salesperson: {username} ({owner_uid}), owner of {owned:,} customers")
    sales = sales_client(ours, username)
    admin = ours.client
    mine = Scope(username, team_only=True)
    everyone = Scope.everything()
    by_owner = f"&owner={owner_uid}"
    figures_ok: Callable[[Any], bool] = lambda body: "intent" in body["result"]  # noqa: E731
    probes: dict[str, tuple[Probe, Probe | None]] = {
        "column page 1 (50 cards), admin": (
            get_probe(admin, column_urls(), has_cards),
            layer_probe(ours, everyone, None, 0, False),
        ),
        f"column page {DEEP_SKIP // 50 + 1} (skip {DEEP_SKIP:,}), admin": (
            get_probe(admin, column_urls(skip=DEEP_SKIP), has_cards),
            layer_probe(ours, everyone, None, DEEP_SKIP, False),
        ),
        "column page 1, admin, filtered by owner": (
            get_probe(admin, column_urls(by_owner), lambda body: bool(body["cards"])),
            layer_probe(ours, everyone, BoardFilters(owner=owner_uid), 0, False),
        ),
        "column figures (4 stages), admin": (
            get_probe(admin, ["/api/v1/pipeline/figures"], figures_ok),
            layer_probe(ours, everyone, None, 0, True),
        ),
        "column page 1, salesperson (scoped)": (
            get_probe(sales, column_urls(), lambda body: bool(body["cards"])),
            layer_probe(ours, mine, None, 0, False),
        ),
        "column figures, salesperson (scoped)": (
            get_probe(sales, ["/api/v1/pipeline/figures"], figures_ok),
            layer_probe(ours, mine, None, 0, True),
        ),
        BASELINE: (baseline_probe(admin, ours.token, name_prefixes(ws.sqlite)), None),
    }
    calls: dict[str, int] = {}
    for name, (probe, _) in probes.items():  # one unrecorded run each: count round trips
        ours.meter.reset()
        probe(0)
        calls[name] = len(ours.meter.reads)
    wait_for_quiet(args.max_load, args.max_wait)
    samples: dict[str, list[float]] = {name: [] for name in probes}
    inner: dict[str, list[float]] = {name: [] for name in probes}
    for round_number in range(args.warmup + args.repeat):
        for name, (probe, layer) in probes.items():
            started = time.perf_counter()
            probe(round_number)
            if round_number >= args.warmup:
                samples[name].append(ms(time.perf_counter() - started))
            if layer is not None:
                started = time.perf_counter()
                layer(round_number)
                if round_number >= args.warmup:
                    inner[name].append(ms(time.perf_counter() - started))
    base = median(samples[BASELINE])
    rows = []
    for name, values in samples.items():
        alone = f"{median(inner[name]):.2f}" if inner[name] else "–"
        ratio = f"{median(values) / base:.2f}x" if base > 0 else ""
        rows.append(
            (name, f"{median(values):.2f}", f"{p95(values):.2f}", ratio, alone, str(calls[name]))
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__)
    parser.add_argument("--size", type=int, default=DEFAULT_SIZE, help="customers")
    parser.add_argument("--repeat", type=int, default=30, help="measured runs per probe")
    parser.add_argument("--warmup", type=int, default=3, help="unrecorded runs per probe first")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--max-load", type=float, help="wait for this 1-minute load average")
    parser.add_argument("--max-wait", type=float, default=300, help="seconds, for --max-load")
    args = parser.parse_args(argv)
    info = machine()
    say(f"pipeline benchmark {info['date']}: {info['cpu']}, {info['cores']} cores")
    ws = Workspace(args.data_dir.resolve() / f"n{args.size}")
    say(f"\n## {args.size:,} customers in {ws.root}")
    server, store = prepare(ws, args.size)
    store.close()
    replay = lambda backend: FalkorDBReplay(backend, server.socket_path)  # noqa: E731
    try:
        ours = our_app("FalkorDB", "", "embedded:", ws.instance, replay)
        try:
            with quiet_logs():
                rows = measure(ws, ours, args)
        finally:
            ours.close()
    finally:
        shutdown(server)
    say(f"\n| probe ({args.size:,} customers) | median ms | p95 ms | / baseline | "
        "pipeline.py alone, median ms | graph round trips |")  # fmt: skip
    say("|---|---:|---:|---:|---:|---:|")
    for row in rows:
        say("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
