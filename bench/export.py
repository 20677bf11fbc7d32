"""List export benchmark: every customer to CSV and to XLSX, next to the raw store read of the
same rows in the same run.

    python -m bench.export [--size 100000] [--data-dir /tmp/gcrm-bench-export] [--batch 1000]

The deterministic dataset (``graph.demo.dataset``, seed 7) is loaded into a fresh embedded
FalkorDB under ``DIR/n<size>/`` with personal data encrypted under a benchmark key (a folder
that already holds a complete load is reused). Each phase then runs in a process of its own,
so that its peak RSS is its own:

- ``read``: the baseline, the customers' keyset batches as the store returns them
  (``NodeRepository.batches``: node page + relations, personal data decrypted), nothing else;
- ``csv`` and ``xlsx``: the export path of ``graph.io.export`` (the same batches, presented to
  a reader who sees personal data masked, rows built, written to a file by the one CSV
  writer or the XLSX writer in constant memory).

Prints rows/s and peak RSS per phase; the exports' overhead over the read is the writers'
and the presentation's cost.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import tempfile
import time
from base64 import urlsafe_b64encode
from pathlib import Path

import graph.store.embedded
from bench.harness.workspace import START_TIMEOUT_S, PatientServer, compact_aof, shutdown
from graph.demo.dataset import GENERATOR_VERSION, iter_chunks
from graph.demo.seed import load
from graph.io.csv_writer import Column
from graph.io.export import ListExport, count, export_fields, write_file
from graph.model.nodes import Customer
from graph.records.repository import NodeRepository
from graph.records.schema import apply_schema
from graph.security.crypto import FieldCipher
from graph.security.scope import Scope
from graph.store.backends import open_store
from graph.store.protocol import GraphStore, parse_graph_url

DEFAULT_DATA_DIR = Path("/tmp/gcrm-bench-export")  # short: unix socket paths hold 107 bytes
PHASES = ("read", "csv", "xlsx")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _store(folder: Path) -> tuple[PatientServer, GraphStore]:
    graph.store.embedded.START_TIMEOUT_S = START_TIMEOUT_S
    server = PatientServer(folder / "graph")
    server.ensure_running()
    return server, open_store(parse_graph_url("embedded:"), socket_path=server.socket_path)


def _cipher(folder: Path) -> FieldCipher:
    key_file = folder / "field.key"
    if not key_file.exists():
        key_file.write_text(urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return FieldCipher.from_settings(key_file.read_text().strip())


def prepare(folder: Path, size: int) -> PatientServer:
    """Load ``size`` customers into the folder's graph unless a complete load is there;
    returns its server (left running for the phases)."""
    folder.mkdir(parents=True, exist_ok=True)
    marker = folder / "loaded.json"
    expected = {"customers": size, "generator": GENERATOR_VERSION}
    server, store = _store(folder)
    apply_schema(store)
    customers = NodeRepository(store, Customer).count()
    if marker.exists() and json.loads(marker.read_text()) == expected:
        say(f"  reusing {customers:,} customers in {folder}")
        return server
    if customers:
        raise SystemExit(f"{folder} holds another load: remove it or pick another --data-dir")
    cipher = _cipher(folder)
    started, loaded = time.perf_counter(), 0
    for chunk in iter_chunks(size, seed=7):
        load(store, chunk, cipher=cipher)
        loaded += len(chunk.customers)
        say(f"    loaded {loaded:>9,} customers  {time.perf_counter() - started:6.0f} s")
    compact_aof(server.socket_path)
    marker.write_text(json.dumps(expected))
    return server


def phase(folder: Path, name: str, batch: int) -> dict[str, float]:
    """Run one phase in this process; returns rows, seconds and peak RSS (MB)."""
    _, store = _store(folder)
    repository = NodeRepository(store, Customer, cipher=_cipher(folder))
    fields = export_fields(Customer)
    started = time.perf_counter()
    rows = 0
    if name == "read":
        for records in repository.batches(size=batch):
            rows += len(records)
    else:
        export = ListExport(
            label=Customer.label,
            format=name,
            columns=tuple(Column(f, f) for f in fields),
            scope=Scope(username="bench", pii=False),
            timezone="Asia/Shanghai",
        )
        rows = count(repository, export)
        with tempfile.TemporaryDirectory(prefix="gcrm-export-") as out:
            path = Path(out) / f"customers.{name}"
            write_file(repository, export, path, batch=batch)
            size_mb = path.stat().st_size / 1e6
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {"rows": rows, "seconds": seconds, "peak_mb": peak}
    if name != "read":
        result["file_mb"] = size_mb
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="customers (default 100000)")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--batch", type=int, default=1000, help="rows per store read")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    folder = args.data_dir / f"n{args.size}"
    if args.phase:
        print(json.dumps(phase(folder, args.phase, args.batch)))
        return 0
    say(f"GraphCRM list export benchmark: {args.size:,} customers, batches of {args.batch}")
    server = prepare(folder, args.size)
    results = {}
    try:
        for name in PHASES:
            say(f"  {name} ...")
            command = [sys.executable, "-m", "bench.export", "--size", str(args.size),
                       "--data-dir", str(args.data_dir), "--batch", str(args.batch),
                       "--phase", name]  # fmt: skip
            done = subprocess.run(
                command, check=True, capture_output=True, text=True, env=os.environ
            )
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutdown(server)
    base = results["read"]["rows"] / results["read"]["seconds"]
    print(f"\n{'phase':<34}{'rows':>10}{'seconds':>10}{'rows/s':>10}{'vs read':>9}"
          f"{'peak RSS MB':>13}{'file MB':>9}")  # fmt: skip
    titles = {
        "read": "raw store read (baseline)",
        "csv": "export CSV (masked reader)",
        "xlsx": "export XLSX (masked reader)",
    }
    for name in PHASES:
        found = results[name]
        rate = found["rows"] / found["seconds"]
        file_mb = f"{found['file_mb']:.1f}" if "file_mb" in found else "-"
        print(f"{titles[name]:<34}{found['rows']:>10,}{found['seconds']:>10.1f}{rate:>10,.0f}"
              f"{rate / base:>8.0%} {found['peak_mb']:>12,.0f}{file_mb:>9}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
