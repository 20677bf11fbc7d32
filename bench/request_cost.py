"""What a request costs inside the app: CPU and time per operation of ``bench.load``'s mix,
and a single-record REST GET against the store call alone, in one process (no network).

    .venv/bin/python -m bench.request_cost --repeat 200

A throwaway instance with demo data (as ``bench.load`` makes it), the app built by
``create_app`` on its embedded FalkorDB, and Flask test clients logged in as the admin
(session and JWT). Load tests on a shared 2-core machine measure mostly queueing; this
measures what each request needs from a core, which is what limits the load an instance
takes. All probes run interleaved, ``--warmup`` rounds unrecorded first.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bench.harness.apps import login
from bench.harness.output import quiet_logs, wait_for_quiet
from bench.harness.timing import median, p95
from bench.load import MIX, PASSWORD, STAGES, demo_instance
from graph.model.nodes import Customer
from graph.store import timing

_TIMING = re.compile(r'total;dur=([0-9.]+), graph;dur=([0-9.]+);desc="(\d+) calls"')
OVERHEAD_TARGET_MS = 3.0  # issue #12: a single-record REST GET over its store time
Sample = dict[str, float]


@dataclass
class Session:
    """The app and a logged-in admin client (page session and JWT)."""

    app: Flask
    client: FlaskClient
    auth: dict[str, str]
    uids: list[str]
    created: str = ""
    version: int = 0


def timed(response_of: Callable[[], Any], expected: int) -> Sample:
    """Wall and CPU time of one request, and what the app said in ``Server-Timing``."""
    wall, cpu = time.perf_counter(), time.process_time()
    response = response_of()
    sample = {
        "wall": (time.perf_counter() - wall) * 1000,
        "cpu": (time.process_time() - cpu) * 1000,
    }
    if response.status_code != expected:
        raise SystemExit(f"{response.request.path}: {response.status_code}, not {expected}")
    match = _TIMING.search(response.headers.get("Server-Timing", ""))
    assert match, "no Server-Timing header"
    sample["app"], sample["graph"] = float(match[1]), float(match[2])
    sample["calls"] = float(match[3])
    sample["overhead"] = sample["app"] - sample["graph"]
    return sample


def operations(s: Session) -> dict[str, Callable[[int], Sample]]:
    """``bench.load``'s mix, one probe per operation (``n`` is the round)."""
    client, auth = s.client, s.auth

    def listed(n: int) -> Sample:
        url = f"/customer/list/?_flt_0_stage={STAGES[n % 4]}&page_customer={n % 3}"
        return timed(lambda: client.get(url), 200)

    def create(_n: int) -> Sample:
        body = {"name": f"Cost {uuid.uuid4().hex[:10]}", "kind": "company", "stage": "intent"}
        headers = {**auth, "Idempotency-Key": uuid.uuid4().hex}
        answers: list[Any] = []

        def post() -> Any:
            answers.append(client.post("/api/v1/customer/", json=body, headers=headers))
            return answers[0]

        sample = timed(post, 201)
        s.created, s.version = answers[0].json["id"], 1
        return sample

    def edit(_n: int) -> Sample:
        body = {"address": uuid.uuid4().hex[:8], "version": s.version}
        url = f"/api/v1/customer/{s.created}"
        sample = timed(lambda: client.put(url, json=body, headers=auth), 200)
        s.version += 1
        return sample

    def follow_up(n: int) -> Sample:
        body = {"method": "phone", "summary": "cost probe", "customer": s.uids[n % len(s.uids)]}
        return timed(lambda: client.post("/api/v1/followup/", json=body, headers=auth), 201)

    def uid(n: int) -> str:
        return s.uids[n % len(s.uids)]

    return {
        "list": listed,
        "show": lambda n: timed(
            lambda: client.get(f"/api/v1/customer/{uid(n)}", headers=auth), 200
        ),
        "page_360": lambda n: timed(lambda: client.get(f"/customer/show/{uid(n)}"), 200),
        "referral_chain": lambda n: timed(lambda: client.get(f"/referrals/chain/{uid(n)}"), 200),
        "create": create,
        "edit": edit,
        "follow_up": follow_up,
    }


def store_alone(s: Session) -> Callable[[int], Sample]:
    """The baseline of a REST GET: the same record read straight from the repository (the
    statements the request runs, in the same process, without Flask, FAB or JSON)."""
    repository = s.app.extensions["graph_repositories"](Customer)

    def run(n: int) -> Sample:
        counter, token = timing.measure()
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            record = repository.get(s.uids[n % len(s.uids)])
        finally:
            timing.stop(token)
        assert record is not None
        return {
            "wall": (time.perf_counter() - wall) * 1000,
            "cpu": (time.process_time() - cpu) * 1000,
            "graph": counter.seconds * 1000,
            "calls": float(counter.calls),
        }

    return run


def measure(
    probes: dict[str, Callable[[int], Sample]], repeat: int, warmup: int
) -> dict[str, list[Sample]]:
    samples: dict[str, list[Sample]] = {name: [] for name in probes}
    for n in range(warmup + repeat):
        for name, probe in probes.items():
            sample = probe(n)
            if n >= warmup:
                samples[name].append(sample)
    return samples


def column(samples: list[Sample], key: str) -> list[float]:
    return [sample[key] for sample in samples]


def report(samples: dict[str, list[Sample]], cores: int) -> str:
    lines = [
        "Single-record REST GET (GET /api/v1/customer/<uid>) against the store call alone",
        "",
        "| | median ms | p95 ms |",
        "|---|---:|---:|",
    ]
    alone, get = samples["store alone"], samples["show"]
    rows = (
        ("store alone: NodeRepository.get (2 round trips)", column(alone, "wall")),
        ("  of which waiting for the engine", column(alone, "graph")),
        ("REST GET: graph time inside the request", column(get, "graph")),
        ("REST GET: in the app (Server-Timing total)", column(get, "app")),
        ("REST GET: through the test client", column(get, "wall")),
        ("**overhead: app total - graph time**", column(get, "overhead")),
        ("overhead over the store call alone (app - store alone)", [
            a["app"] - b["wall"] for a, b in zip(get, alone, strict=True)
        ]),
        ("CPU: store alone", column(alone, "cpu")),
        ("CPU: REST GET through the test client", column(get, "cpu")),
        ("CPU: REST GET - store alone", [
            a["cpu"] - b["cpu"] for a, b in zip(get, alone, strict=True)
        ]),
    )  # fmt: skip
    lines += [f"| {label} | {median(v):.2f} | {p95(v):.2f} |" for label, v in rows]
    overhead = median(column(get, "overhead"))
    verdict = "met" if overhead <= OVERHEAD_TARGET_MS else "NOT met"
    cpu_overhead = median([a["cpu"] - b["cpu"] for a, b in zip(get, alone, strict=True)])
    cpu_verdict = "met" if cpu_overhead <= OVERHEAD_TARGET_MS else "NOT met"
    lines += [
        "",
        f"target: overhead <= {OVERHEAD_TARGET_MS:g} ms (median): {verdict} by wall time "
        f"({overhead:.2f} ms), {cpu_verdict} by CPU time ({cpu_overhead:.2f} ms; on a shared "
        "machine wall time includes waiting for a core)",
        "",
    ]
    lines += [
        "The mix of bench.load, per request (CPU: this process, i.e. the app and the test "
        "client; the engine runs in its own process)",
        "",
        "| operation | weight | wall median | p95 | CPU median | graph median | graph calls "
        "| app - graph median |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    weights = dict(MIX)
    for op, weight in MIX:
        rows_of = samples[op]
        lines.append(
            f"| {op} | {weight} | {median(column(rows_of, 'wall')):.2f} | "
            f"{p95(column(rows_of, 'wall')):.2f} | {median(column(rows_of, 'cpu')):.2f} | "
            f"{median(column(rows_of, 'graph')):.2f} | {median(column(rows_of, 'calls')):.0f} | "
            f"{median(column(rows_of, 'overhead')):.2f} |"
        )
    total = sum(weights.values())
    cpu = sum(w * median(column(samples[op], "cpu")) for op, w in MIX) / total
    lines += [
        "",
        f"CPU per request of the mix (weighted): {cpu:.1f} ms; on {cores} cores at most "
        f"~{cores * 1000 / cpu:.0f} requests/s for the app alone (engine, load generator "
        "and anything else on the machine come on top).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="measured rounds")
    parser.add_argument("--warmup", type=int, default=10, help="unrecorded rounds first")
    parser.add_argument("--customers", type=int, default=300, help="demo customers")
    parser.add_argument("--max-load", type=float, default=None, help="wait for a 1-min load <= L")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="gcrm-cost-"))
    store = None
    try:
        env = demo_instance(folder / "instance", args.customers)
        from app import create_app

        with quiet_logs():
            app = create_app(
                {"GRAPH_URL": env["GRAPH_URL"], "GRAPHCRM_INSTANCE_PATH": env[
                    "GRAPHCRM_INSTANCE_PATH"]}
            )  # fmt: skip
            store = app.extensions["graph_store"]
            client = app.test_client()
            token = login(client, PASSWORD)
            auth = {"Authorization": f"Bearer {token}"}
            listed = client.get("/api/v1/customer/?q=(page_size:100,columns:!(uid))", headers=auth)
        session = Session(app, client, auth, [row["uid"] for row in listed.json["result"]])
        probes = {"store alone": store_alone(session), **operations(session)}
        wait_for_quiet(args.max_load, 300)
        load_before = os.getloadavg()[0]
        with quiet_logs():
            samples = measure(probes, args.repeat, args.warmup)
        print(report(samples, os.cpu_count() or 1))
        print(
            f"\n{args.repeat} rounds after {args.warmup} warm-up rounds; 1-minute load average "
            f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
        )
        return 0
    finally:
        if store is not None:
            store.close()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
