"""What the list benchmark measures: the filtered selection, its pages, and one probe per
layer (data layer, engine-internal, SQL, HTML and REST end to end)."""

from __future__ import annotations

import math
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import prison
from flask import Flask
from flask.testing import FlaskClient

from bench import fab_sqlite
from bench.engines import Read, Replay
from bench.harness.apps import AccessMeter, GraphMeter, OurApp, SQLMeter
from bench.harness.timing import Probe, Timings, ms
from graph.model.nodes import Customer
from graph.records.filters import Condition
from graph.records.repository import NodeRepository

STAGE = "deal"
PAGE_SIZE = fab_sqlite.PAGE_SIZE


def filter_index(app: Flask, view_name: str, column: str, arg_name: str) -> int:
    """The ``N`` of ``_flt_N_<column>`` for a filter operator, as FAB's search form numbers it."""
    for view in app.appbuilder.baseviews:
        if type(view).__name__ == view_name:
            for index, flt in enumerate(view._filters.get_search_filters()[column]):
                if flt.arg_name == arg_name:
                    return index
    raise LookupError(f"{view_name} offers no {arg_name!r} filter on {column!r}")


def list_url(app: Flask, owner: str | int, page: int) -> str:
    stage = filter_index(app, "CustomerView", "stage", "eq")
    owner_index = filter_index(app, "CustomerView", "owner", "rel_o_m")
    return (
        f"/customer/list/?_flt_{stage}_stage={STAGE}&_flt_{owner_index}_owner={owner}"
        f"&_oc_CustomerView=name&_od_CustomerView=asc&page_CustomerView={page}"
    )


def api_url(owner: str | int, page: int) -> str:
    query = {
        "filters": [
            {"col": "stage", "opr": "eq", "value": STAGE},
            {"col": "owner", "opr": "rel_o_m", "value": owner},
        ],
        "order_column": "name",
        "order_direction": "asc",
        "page": page,
        "page_size": PAGE_SIZE,
    }
    return f"/api/v1/customer/?q={prison.dumps(query)}"


@dataclass(frozen=True)
class Case:
    """One page of the filtered list and the row it must start with."""

    label: str
    page: int
    first_uid: str
    first_name: str

    @property
    def skip(self) -> int:
        return self.page * PAGE_SIZE


@dataclass(frozen=True)
class Selection:
    """The owner/stage pair and the pages measured."""

    owner_uid: str
    owner_id: int
    owner_name: str
    total: int
    cases: tuple[Case, ...]

    @property
    def pages(self) -> int:
        return math.ceil(self.total / PAGE_SIZE)


def select(sqlite_path: Path) -> Selection:
    """The owner with the most customers in STAGE (ties: smallest uid), page 1 and last."""
    db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    owner_id, owner_uid, owner_name, total = db.execute(
        "SELECT u.id, u.uid, u.display_name, count(*) AS n FROM bench_customer c "
        "JOIN bench_user u ON u.id = c.owner_id WHERE c.stage = ? "
        "GROUP BY u.id ORDER BY n DESC, u.uid LIMIT 1",
        (STAGE,),
    ).fetchone()
    last = math.ceil(total / PAGE_SIZE) - 1
    cases = []
    for label, page in (("page 1", 0), (f"last page ({last + 1})", last)):
        if cases and page == cases[-1].page:
            continue
        uid, name = db.execute(
            "SELECT uid, name FROM bench_customer WHERE stage = ? AND owner_id = ? "
            "ORDER BY name, uid LIMIT 1 OFFSET ?",
            (STAGE, owner_id, page * PAGE_SIZE),
        ).fetchone()
        cases.append(Case(label, page, uid, name))
    db.close()
    return Selection(owner_uid, owner_id, owner_name, total, tuple(cases))


def engine_probe(repo: NodeRepository, meter: GraphMeter, sel: Selection, case: Case) -> Probe:
    """NodeRepository.list: count, page and relations, each round trip timed."""
    conditions = [Condition("stage", "eq", STAGE), Condition("owner", "rel_eq", sel.owner_uid)]

    def run() -> Timings:
        meter.reset()
        t0 = time.perf_counter()
        total, records = repo.list(conditions, "name", "asc", case.skip, PAGE_SIZE)
        elapsed = ms(time.perf_counter() - t0)
        assert total == sel.total, (total, sel.total)
        assert records and records[0].uid == case.first_uid, (records[:1], case)
        parts = [e for _, e in meter.calls]
        assert len(parts) == 3, meter.calls
        return {"total": elapsed, "count": parts[0], "page": parts[1], "relations": parts[2]}

    return run


def engine_internal_probe(replay: Replay, reads: list[Read]) -> Probe:
    """The engine's own execution time of the three statements (no socket, no parsing)."""

    def run() -> Timings:
        parts = ("count", "page", "relations")
        times: Timings = dict(zip(parts, replay.internal_ms(reads), strict=True))
        times["total"] = sum(times.values())
        return times

    return run


def sql_probe(db: sqlite3.Connection, sel: Selection, case: Case) -> Probe:
    """The same three steps in plain SQL on SQLite: count, page with owner/channel, tags."""

    def run() -> Timings:
        t0 = time.perf_counter()
        (total,) = db.execute(
            "SELECT count(*) FROM bench_customer WHERE stage = ? AND owner_id = ?",
            (STAGE, sel.owner_id),
        ).fetchone()
        t1 = time.perf_counter()
        rows = db.execute(SQL_PAGE, (STAGE, sel.owner_id, case.skip)).fetchall()
        t2 = time.perf_counter()
        ids = [row[0] for row in rows]
        db.execute(
            "SELECT ct.customer_id, t.uid, t.name FROM bench_customer_tag ct "
            f"JOIN bench_tag t ON t.id = ct.tag_id WHERE ct.customer_id IN "
            f"({','.join('?' * len(ids))})",
            ids,
        ).fetchall()
        t3 = time.perf_counter()
        assert total == sel.total and rows[0][1] == case.first_uid
        return {
            "total": ms(t3 - t0),
            "count": ms(t1 - t0),
            "page": ms(t2 - t1),
            "relations": ms(t3 - t2),
        }

    return run


SQL_PAGE = (
    "SELECT c.id, c.uid, c.name, c.kind, c.stage, c.region, c.phone, u.uid, u.display_name, "
    "ch.uid, ch.name FROM bench_customer c "
    "LEFT JOIN bench_user u ON u.id = c.owner_id "
    "LEFT JOIN bench_channel ch ON ch.id = c.channel_id "
    "WHERE c.stage = ? AND c.owner_id = ? ORDER BY c.name, c.uid LIMIT 25 OFFSET ?"
)


def http_probe(
    client: FlaskClient,
    url: str,
    data: GraphMeter | SQLMeter,
    access: AccessMeter,
    check: Callable[[Any], None],
    headers: dict[str, str] | None = None,
) -> Probe:
    """One GET through the app, end to end, split into the time spent reading the data,
    in FAB's permission checks, and the rest (FAB's view code, rendering or serializing)."""

    def run() -> Timings:
        data.reset()
        access.reset()
        t0 = time.perf_counter()
        response = client.get(url, headers=headers)
        elapsed = ms(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
        check(response)
        return {
            "total": elapsed,
            "data": data.total,
            "access": access.total,
            "access_calls": float(access.calls),
            "app": elapsed - data.total - access.total,
        }

    return run


def html_check(text: str) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        assert text in response.get_data(as_text=True), f"{text!r} not on the page"

    return check


def json_check(total: int, key: str, expected: str) -> Callable[[Any], None]:
    def check(response: Any) -> None:
        body = response.json
        assert body["count"] == total, (body["count"], total)
        first = body["ids"][0] if key == "id" else body["result"][0][key]
        assert first == expected, (first, expected)

    return check


def our_probes(ours: OurApp, sel: Selection, case: Case, rest: bool) -> tuple[dict, list[Read]]:
    """The data layer, engine-internal, HTML and REST probes of one case on one engine, and
    the three reads its list makes (for ``--profile``)."""
    repo = ours.app.extensions["graph_repositories"](Customer)
    engine = engine_probe(repo, ours.meter, sel, case)
    engine()  # records the three reads this case makes
    reads = list(ours.meter.reads)
    probes: dict[str, Probe] = {
        "engine": engine,
        "internal": engine_internal_probe(ours.replay, reads),
        "ours_html": http_probe(
            ours.client,
            list_url(ours.app, sel.owner_uid, case.page),
            ours.meter,
            ours.access,
            html_check(case.first_uid),
        ),
    }
    if rest:
        probes["ours_rest"] = http_probe(
            ours.client,
            api_url(sel.owner_uid, case.page),
            ours.meter,
            ours.access,
            json_check(sel.total, "id", case.first_uid),
            headers={"Authorization": f"Bearer {ours.token}"},
        )
    return {ours.prefix + name: probe for name, probe in probes.items()}, reads


def sqlite_plan(sqlite_path: Path) -> str:
    """SQLite's plan of the page query."""
    lines = []
    db = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    plan = db.execute("EXPLAIN QUERY PLAN " + SQL_PAGE, (STAGE, 1, 0)).fetchall()
    lines.append("--- SQLite EXPLAIN QUERY PLAN of the page query:")
    lines += [f"  | {row[-1]}" for row in plan]
    db.close()
    return "\n".join(lines)
