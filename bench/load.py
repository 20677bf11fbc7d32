"""Load test: concurrent users against ``graphcrm serve`` (gunicorn) on a throwaway instance.

    .venv/bin/python -m bench.load --users 50 --duration 60 --workers 4

Sets up its own instance folder (security database, embedded graph, demo data), starts
``graphcrm serve --workers N`` on a free loopback port as a second process, and runs N
simulated users for a fixed time, after an unmeasured warm-up (``--warmup`` seconds of the
same load, default 15, whose figures are printed separately as the cold start). Each user
logs in (page session and JWT) and loops over a read/write mix: customer lists with filters
(HTML), a record (REST), the customer 360 page, the referral chain page, create (REST, with
``Idempotency-Key``), edit with version (REST PUT of a customer it created) and a follow-up
(REST). It prints throughput, p50/p95/p99 per operation and errors by status, then checks
that every acknowledged create exists and that each acknowledged edit is the stored value
(no edit lost). Traffic goes only to
127.0.0.1; requests are bounded by the duration. The server is stopped at the end.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "Load-test-pass-1"
MIX = (  # operation, weight
    ("list", 30),
    ("show", 20),
    ("page_360", 15),
    ("referral_chain", 10),
    ("create", 10),
    ("edit", 10),
    ("follow_up", 5),
)
STAGES = ("potential", "intent", "deal", "lost")
# gunicorn closes a keep-alive connection idle for 2 s (its --keepalive); like a browser,
# a user idle for longer opens a new one instead of sending into a closed connection.
IDLE_RECONNECT = 1.5
_TIMING = re.compile(r'total;dur=([0-9.]+), graph;dur=([0-9.]+);desc="(\d+) calls"')
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


@dataclass
class Results:
    """What every user measured; guarded by ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[tuple[str, int]] = field(default_factory=Counter)
    created: list[str] = field(default_factory=list)
    edits: dict[str, str] = field(default_factory=dict)  # uid -> last acknowledged address
    # (time in the app, in the graph, graph round trips) as the server reported them
    server: dict[str, list[tuple[float, float, int]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def add_timing(self, op: str, header: str) -> None:
        """App time, graph time and round trips the server reported in ``Server-Timing``."""
        match = _TIMING.search(header)
        if match:
            with self.lock:
                self.server[op].append(
                    (float(match.group(1)), float(match.group(2)), int(match.group(3)))
                )

    def add(self, op: str, seconds: float, status: int, ok: bool) -> None:
        with self.lock:
            self.times[op].append(seconds)
            if not ok:
                self.errors[(op, status)] += 1


class Client:
    """One user's keep-alive connection with a session cookie and a JWT."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        self.token = ""
        self.last_answer = time.monotonic()

    def request(
        self, method: str, path: str, body: dict | str | None = None, headers: dict | None = None
    ) -> tuple[int, bytes, dict[str, str]]:
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if isinstance(body, dict):
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        if time.monotonic() - self.last_answer > IDLE_RECONNECT:
            self.conn.close()  # gunicorn has closed it by now; the next request reconnects
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            return 0, b"", {}
        self.last_answer = time.monotonic()
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith("session="):
                self.cookie = value.split(";", 1)[0]
        return response.status, data, dict(response.headers)

    def api(self, method: str, path: str, body: dict | None = None, **headers: str):
        return self.request(
            method, path, body, {"Authorization": f"Bearer {self.token}", **headers}
        )

    def login(self, username: str, password: str) -> None:
        _, page, _ = self.request("GET", "/login/")
        token = _CSRF.search(page.decode()).group(1)  # type: ignore[union-attr]
        form = urllib.parse.urlencode(
            {"username": username, "password": password, "csrf_token": token}
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        self.request("POST", "/login/", form, headers)
        body = {"username": username, "password": password, "provider": "db"}
        status, data, _ = self.request("POST", "/api/v1/security/login", body)
        assert status == 200, data[:200]
        self.token = json.loads(data)["access_token"]


def signed_in(port: int) -> Client:
    """A new user's connection, logged in (page session and JWT)."""
    client = Client(port)
    client.login("admin", PASSWORD)
    return client


def user_loop(
    client: Client,
    uids: list[str],
    deadline: float,
    results: Results,
    seed: int,
    think: float = 0.0,
    warmup: tuple[float, Results] | None = None,
) -> None:
    """One simulated user: the weighted mix until ``deadline``, pausing a random think
    time (exponential, mean ``think`` seconds; none when 0) after each answer. With
    ``warmup`` (measuring starts, the warm-up's results), a request sent before measuring
    starts goes to the warm-up's results instead."""
    rng = random.Random(seed)
    all_results = results
    mine: dict[str, int] = {}  # customers this user created -> version it last saw
    ops, weights = zip(*MIX, strict=True)
    while time.monotonic() < deadline:
        op = rng.choices(ops, weights)[0]
        uid = rng.choice(uids)
        warming = warmup is not None and time.monotonic() < warmup[0]
        results = warmup[1] if warmup is not None and warming else all_results
        started = time.perf_counter()
        ok_codes: tuple[int, ...] = (200,)
        if op == "list":
            stage, page = rng.choice(STAGES), rng.randint(0, 3)
            query = f"/customer/list/?_flt_0_stage={stage}&page_customer={page}"
            status, _, headers = client.request("GET", query)
        elif op == "show":
            status, _, headers = client.api("GET", f"/api/v1/customer/{uid}")
        elif op == "page_360":
            status, _, headers = client.request("GET", f"/customer/show/{uid}")
        elif op == "referral_chain":
            status, _, headers = client.request("GET", f"/referrals/chain/{uid}")
        elif op == "create":
            body = {"name": f"Load {uuid.uuid4().hex[:10]}", "kind": "company", "stage": "intent"}
            status, data, headers = client.api(
                "POST", "/api/v1/customer/", body, **{"Idempotency-Key": uuid.uuid4().hex}
            )
            ok_codes = (201,)
            if status == 201:
                new = json.loads(data)["id"]
                mine[new] = 1
                with results.lock:
                    results.created.append(new)
        elif op == "edit" and mine:
            target = rng.choice(list(mine))
            address = f"edit-{seed}-{uuid.uuid4().hex[:8]}"
            body = {"address": address, "version": mine[target]}
            status, data, headers = client.api("PUT", f"/api/v1/customer/{target}", body)
            if status == 200:
                mine[target] = json.loads(data)["result"]["version"]
                with results.lock:
                    results.edits[target] = address
        elif op == "edit":
            continue  # nothing created yet to edit
        else:  # follow_up
            body = {"method": "phone", "summary": "load test call", "customer": uid}
            status, _, headers = client.api("POST", "/api/v1/followup/", body)
            ok_codes = (201,)
        results.add(op, time.perf_counter() - started, status, status in ok_codes)
        results.add_timing(op, headers.get("Server-Timing", ""))
        if think:
            time.sleep(min(rng.expovariate(1 / think), max(0.0, deadline - time.monotonic())))


def verify(port: int, *phases: Results) -> tuple[int, int, int, int]:
    """Acknowledged creates and edited records of every phase (warm-up, then measured),
    and of them the creates missing and the edits not stored (both should be 0)."""
    client = Client(port)
    client.login("admin", PASSWORD)
    created = [uid for phase in phases for uid in phase.created]
    edits = {uid: address for phase in phases for uid, address in phase.edits.items()}
    missing = lost = 0
    for uid in created:
        status, data, _ = client.api("GET", f"/api/v1/customer/{uid}")
        if status != 200:
            missing += 1
        elif uid in edits and json.loads(data)["result"]["address"] != edits[uid]:
            lost += 1
    return len(created), missing, len(edits), lost


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


def report(
    results: Results, seconds: float, users: int, workers: int, think: float, phase: str
) -> str:
    """The table of one phase (``phase``: what it is, e.g. "measured after a 15 s warm-up")."""
    total = sum(len(v) for v in results.times.values())
    pace = f"think time {think:g} s (mean)" if think else "no think time"
    lines = [
        f"{users} users ({pace}), {workers} gunicorn workers, {phase}, {seconds:.0f} s: "
        f"{total} requests, {total / seconds:.1f} req/s",
        "",
        "| operation | requests | p50 ms | p95 ms | p99 ms | app ms (mean) | graph ms (mean) "
        "| graph calls | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for op, _ in MIX:
        times = results.times.get(op, [])
        if not times:
            continue
        errors = sum(n for (name, _), n in results.errors.items() if name == op)
        server = results.server.get(op) or [(0.0, 0.0, 0)]
        app_ms = statistics.mean(row[0] for row in server)
        graph_ms = statistics.mean(row[1] for row in server)
        calls = statistics.mean(row[2] for row in server)
        lines.append(
            f"| {op} | {len(times)} | {statistics.median(times) * 1000:.0f} | "
            f"{percentile(times, 0.95):.0f} | {percentile(times, 0.99):.0f} | "
            f"{app_ms:.1f} | {graph_ms:.1f} | {calls:.1f} | {errors} |"
        )
    by_status = Counter()
    for (_, status), n in results.errors.items():
        by_status[status] += n
    lines.append("")
    lines.append(
        "errors by status: "
        + (", ".join(f"{s or 'no answer'}: {n}" for s, n in sorted(by_status.items())) or "none")
    )
    return "\n".join(lines)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(port: int, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            status, _, _ = Client(port).request("GET", "/ready")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not become ready")


def demo_instance(instance: Path, customers: int) -> dict[str, str]:
    """A throwaway instance with demo data and the admin ``PASSWORD``; its environment."""
    env = {**os.environ, "GRAPHCRM_INSTANCE_PATH": str(instance), "GRAPH_URL": "embedded:"}
    subprocess.run(
        [str(Path(sys.executable).with_name("graphcrm")), "demo", "--no-serve",
         "--customers", str(customers), "--admin-password", PASSWORD],
        env=env, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return env


def stop_engine(instance: Path) -> None:
    """Stop the instance's embedded engine: ``graphcrm demo`` leaves it running for the
    server to attach to, and the server does not stop an engine it did not start."""
    try:
        pid = int((instance / "graph" / "falkordb.pid").read_text().strip())
        os.kill(pid, signal.SIGTERM)
    except (OSError, ValueError):
        return  # never started, or already gone
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--customers", type=int, default=300, help="demo customers")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean pause of a user after each answer, in seconds (exponential; default 0: "
        "every user sends its next request at once, the heaviest load N users can make)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=15,
        help="seconds of the same load before measuring starts (default 15), reported "
        "separately as the cold start; 0 measures from the first request (cold workers)",
    )
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="gcrm-load-"))
    env = demo_instance(folder / "instance", args.customers)
    graphcrm = str(Path(sys.executable).with_name("graphcrm"))
    port = free_port()
    log = open(folder / "serve.log", "w")  # noqa: SIM115 (kept open for the server's life)
    server = subprocess.Popen(
        [graphcrm, "serve", "--workers", str(args.workers), "--port", str(port)],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_ready(port)
        setup = Client(port)
        setup.login("admin", PASSWORD)
        _, data, _ = setup.api("GET", "/api/v1/customer/?q=(page_size:100,columns:!(uid))")
        uids = [row["uid"] for row in json.loads(data)["result"]]
        # Sign every user in before the clock starts: a login checks a scrypt password hash
        # (~80 ms of CPU by design), and 50 of them at once are not the mix being measured.
        signing_in = time.monotonic()
        with ThreadPoolExecutor(max_workers=args.workers * 2) as pool:
            clients = list(pool.map(signed_in, [port] * args.users))
        print(f"{args.users} users signed in in {time.monotonic() - signing_in:.1f} s (untimed)")
        results, warm = Results(), Results()
        warming = time.monotonic()
        started = warming + args.warmup
        deadline = started + args.duration
        threads = [
            threading.Thread(
                target=user_loop,
                args=(client, uids, deadline, results, args.seed + n, args.think),
                kwargs={"warmup": (started, warm) if args.warmup else None},
            )
            for n, client in enumerate(clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        phase = f"measured after a {args.warmup:g} s warm-up" if args.warmup else "no warm-up"
        print(report(results, elapsed, args.users, args.workers, args.think, phase))
        if args.warmup:
            cold = "the warm-up (cold workers, not in the table above)"
            print("\n" + report(warm, args.warmup, args.users, args.workers, args.think, cold))
        created, missing, edited, lost = verify(port, warm, results)
        print(
            f"\nverified (warm-up and measured): {created} acknowledged creates, {missing} "
            f"missing; {edited} edited records, {lost} edits lost"
        )
        return 1 if missing or lost else 0
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        stop_engine(folder / "instance")
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
