"""Console contention: does the customer list stay fast while analysts run heavy queries?

    python -m bench.console_contention [--customers 3000] [--requests 40] [--port 8093]
                                       [--data-dir /tmp/gcrm-console-bench]

Starts ``graphcrm serve`` (embedded FalkorDB, 2 gunicorn workers x 4 threads, the default
console caps) on demo data, then measures the HTML customer list (``/customer/list/``, signed
in as the admin) ``--requests`` times with 0, 2 and 4 heavy console queries being sent in a
loop meanwhile, each by its own Analyst account over the REST API. A heavy query is data-less
and CPU-bound (a hundred million filtered rows), so it runs until the console's time limit. It
prints list p50/p95 per case, the ratio of p95 to the idle p95 measured in the same run
(target: under 2x), and what the console answered (200, 429 when capped, 504 at the limit).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

HEAVY = (
    "UNWIND range(1, 10000) AS a UNWIND range(1, 10000) AS b WITH a, b WHERE a * b = 7 "
    "RETURN count(*) AS n"
)
PASSWORD = "Bench-pass-123"
ANALYSTS = 4


def _graphcrm(env: dict[str, str], *args: str) -> str:
    bin_dir = Path(sys.executable).parent
    done = subprocess.run(
        [str(bin_dir / "graphcrm"), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def _create_analysts(env: dict[str, str]) -> None:
    bin_dir = Path(sys.executable).parent
    for n in range(ANALYSTS):
        subprocess.run(
            [str(bin_dir / "flask"), "--app", "wsgi", "fab", "create-user", "--role", "Analyst",
             "--username", f"bench-analyst-{n}", "--firstname", "Bench", "--lastname", str(n),
             "--email", f"bench-analyst-{n}@example.com", "--password", PASSWORD],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip


def _wait_up(base: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not come up")


def _session(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login/").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    data = urllib.parse.urlencode(
        {"username": "admin", "password": PASSWORD, "csrf_token": token.group(1)}
    ).encode()
    opener.open(f"{base}/login/", data=data).read()
    return opener


def _token(base: str, username: str) -> str:
    body = json.dumps({"username": username, "password": PASSWORD, "provider": "db"}).encode()
    request = urllib.request.Request(
        f"{base}/api/v1/security/login", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)["access_token"]


class Heavy(threading.Thread):
    """Sends the heavy console query in a loop until stopped; counts the answers."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.stop = threading.Event()
        self.statuses: dict[int, int] = {}

    def run(self) -> None:
        body = json.dumps({"query": HEAVY}).encode()
        while not self.stop.is_set():
            request = urllib.request.Request(
                f"{self.base}/api/v1/console/run",
                data=body,
                headers={"Content-Type": "application/json",
                         "Authorization": f"Bearer {self.token}"},
            )  # fmt: skip
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
                if status == 429:
                    self.stop.wait(float(error.headers.get("Retry-After", "1")))
            self.statuses[status] = self.statuses.get(status, 0) + 1


def _measure(opener: urllib.request.OpenerDirector, base: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        with opener.open(f"{base}/customer/list/") as answer:
            answer.read()
            assert answer.status == 200
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--data-dir", default="/tmp/gcrm-console-bench")
    args = parser.parse_args()

    folder = Path(args.data_dir)
    shutil.rmtree(folder, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH", "GRAPHCRM_"))}
    env.update(GRAPHCRM_INSTANCE_PATH=str(folder / "instance"), GRAPH_URL="embedded:")
    print(f"loading {args.customers} demo customers ...", flush=True)
    _graphcrm(env, "demo", "--customers", str(args.customers), "--no-serve",
              "--admin-password", PASSWORD)  # fmt: skip
    _create_analysts(env)
    base = f"http://127.0.0.1:{args.port}"
    bin_dir = Path(sys.executable).parent
    server = subprocess.Popen(
        [str(bin_dir / "graphcrm"), "serve", "--port", str(args.port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_up(base)
        opener = _session(base)
        tokens = [_token(base, f"bench-analyst-{n}") for n in range(ANALYSTS)]
        _measure(opener, base, 5)  # warm-up
        rows = []
        for heavy in (0, 2, 4):
            threads = [Heavy(base, tokens[n]) for n in range(heavy)]
            for thread in threads:
                thread.start()
            if threads:
                time.sleep(1.0)  # let the heavy queries reach the engine
            times = _measure(opener, base, args.requests)
            for thread in threads:
                thread.stop.set()
            for thread in threads:
                thread.join(30)
            statuses: dict[int, int] = {}
            for thread in threads:
                for status, n in thread.statuses.items():
                    statuses[status] = statuses.get(status, 0) + n
            rows.append((heavy, statistics.median(times), _p95(times), statuses))
        idle_p95 = rows[0][2]
        print()
        print(f"customer list, {args.customers} customers, {args.requests} requests per case")
        print(f"{'heavy console queries':>22} | {'p50 ms':>8} | {'p95 ms':>8} | "
              f"{'p95 / idle p95':>14} | console answers")  # fmt: skip
        for heavy, p50, p95, statuses in rows:
            answers = ", ".join(f"{n}x {s}" for s, n in sorted(statuses.items())) or "-"
            print(f"{heavy:>22} | {p50:>8.1f} | {p95:>8.1f} | {p95 / idle_p95:>13.2f}x | "
                  f"{answers}")  # fmt: skip
    finally:
        server.terminate()
        server.wait(60)


if __name__ == "__main__":
    main()
