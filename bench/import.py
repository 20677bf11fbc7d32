"""Import benchmark: customers, each with a contact, from a CSV file through the whole
import path (read, map, clean, exact duplicate check, encrypt, write with history) next to
the raw UNWIND load of the same rows (the ceiling), in the same run.

    .venv/bin/python -m bench.import --sizes 100000            # 100k
    .venv/bin/python -m bench.import --sizes 100000,1000000    # and 1M

    .venv/bin/python -m bench.import --sizes 100000 --graph-url bolt://127.0.0.1:7687

Each phase of each size gets a fresh embedded FalkorDB under ``--data-dir`` and runs in its
own child process, so the peak RSS printed is that phase's importing process
alone (the FalkorDB server's memory is its own process and not counted), and its CPU
seconds are that process's and its writing process's (a large import writes its batches
from a second process, graph.io.imports.sender; the engine's CPU is not counted). With
``--graph-url`` (Neo4j) both phases write into that server's database instead (anything
already there stays, and takes part in the duplicate check); what they wrote is removed
afterwards (the import is undone, the raw rows deleted), outside the timing. Target at 1M
on embedded FalkorDB: >= 20,000 rows/s and peak RSS <= 1 GB for the importing process.
"""

from __future__ import annotations

import argparse
import csv
import multiprocessing
import os
import resource
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graph.io.imports.engine import Importer, ImportOptions, run_import
from graph.io.imports.readers import open_table
from graph.io.imports.undo import undo_import
from graph.records.schema import apply_schema
from graph.security.crypto import FieldCipher, generate_key, parse_key
from graph.security.scope import Scope
from graph.store.backends import open_store
from graph.store.embedded import EmbeddedServer
from graph.store.protocol import GraphStore, parse_graph_url
from graph.store.templates import render

HEADERS = ["客户名称", "地区", "所属行业", "客户类型", "电话", "邮箱", "联系人", "手机", "职位"]
REGIONS = ["上海", "北京", "广州", "深圳", "杭州", "成都", "武汉", "南京"]
INDUSTRIES = ["制造", "贸易", "软件", "餐饮", "物流", "教育"]
STAGES = ["潜在客户", "意向客户", "成交客户", "流失客户"]
SURNAMES = "王李张刘陈杨黄赵吴周"
RAW_PREFIX = "RAW"  # the raw load's uids: CRAW000000001, KRAW000000001
GIVEN = "伟芳娜敏静磊强洋艳军杰勇"


def write_csv(path: Path, rows: int) -> None:
    """``rows`` distinct customers, each with a contact, as a UTF-8 CSV (streamed)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for i in range(rows):
            writer.writerow(
                [
                    f"{REGIONS[i % 8]}客户{i:07d}有限公司",
                    REGIONS[i % 8],
                    INDUSTRIES[i % 6],
                    STAGES[i % 4],
                    f"021{60000000 + i:08d}",
                    f"c{i}@example.com",
                    SURNAMES[i % 10] + GIVEN[(i // 10) % 12],
                    f"13{i % 10}{i:08d}"[:11],
                    "经理",
                ]
            )


def _usage() -> tuple[float, float]:
    """(peak RSS in MB, CPU seconds) of this process so far, its ended children included
    (a large import's writing process, ``graph.io.imports.sender``: its CPU is added, its
    peak RSS counts when it is the larger)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return max(own.ru_maxrss, children.ru_maxrss) / 1024, cpu


def _store(url: str, socket: str | None, graph: str) -> GraphStore:
    """The phase's store: graph ``graph`` of the embedded server on ``socket``, or ``url``."""
    if socket is not None:
        store = open_store(parse_graph_url(f"embedded:{graph}"), socket_path=Path(socket))
    else:
        store = open_store(parse_graph_url(url))
    apply_schema(store)
    return store


def full_import(
    url: str, socket: str | None, csv_path: str, batch_size: int, key: str, queue: Any
) -> None:
    """The whole import path (child process)."""
    store = _store(url, socket, "full")
    cipher = FieldCipher(parse_key(key))
    importer = Importer(store, cipher, actor="bench", scope=Scope.everything())
    started, cpu = time.perf_counter(), _usage()[1]
    record = run_import(
        importer,
        Path(csv_path),
        "customer",
        options=ImportOptions(batch_size=batch_size),
        work_dir=Path(csv_path).parent / "work",
    )
    seconds = time.perf_counter() - started
    peak, cpu_end = _usage()
    queue.put((seconds, peak, cpu_end - cpu, {**record.counts, "import": record.uid}))


def _raw_rows(path: Path, batch: int) -> Iterator[tuple[list[dict], list[dict], list[dict]]]:
    table = open_table(path)
    customers: list[dict] = []
    contacts: list[dict] = []
    links: list[dict] = []
    stamp = "2024-05-20T00:00:00Z"
    for number, row in enumerate(table.rows()):
        name, region, industry, stage, phone, email, person, mobile, title = row.cells
        uid, kid = f"C{RAW_PREFIX}{number:09d}", f"K{RAW_PREFIX}{number:09d}"
        customers.append(
            {
                "uid": uid,
                "name": name,
                "region": region,
                "industry": industry,
                "stage": stage,
                "phone": phone,
                "email": email,
                "version": 1,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        contacts.append(
            {
                "uid": kid,
                "name": person,
                "phone": mobile,
                "title": title,
                "version": 1,
                "created_at": stamp,
                "updated_at": stamp,
            }
        )
        links.append({"from": kid, "to": uid})
        if len(customers) >= batch:
            yield customers, contacts, links
            customers, contacts, links = [], [], []
    if customers:
        yield customers, contacts, links


def raw_load(
    url: str, socket: str | None, csv_path: str, batch_size: int, key: str, queue: Any
) -> None:
    """The ceiling: the same rows read and written with plain UNWIND statements, no
    cleaning, duplicate check, encryption or history (child process)."""
    store = _store(url, socket, "raw")
    started, cpu = time.perf_counter(), _usage()[1]
    rows = 0
    for customers, contacts, links in _raw_rows(Path(csv_path), batch_size):
        store.write("dataset_load_customer", rows=customers)
        store.write("dataset_load_contact", rows=contacts)
        store.write("dataset_link_works_for", rows=links)
        rows += len(customers)
    seconds = time.perf_counter() - started
    peak, cpu_end = _usage()
    queue.put((seconds, peak, cpu_end - cpu, {"read": rows, "created": rows}))


def _remove(url: str, key: str, import_id: str) -> None:
    """What the two phases wrote into a server's database: the import undone, its history
    entries (and the undo's) and the raw rows deleted (not timed)."""
    store = _store(url, None, "")
    undo_import(store, FieldCipher(parse_key(key)), import_id, actor="bench")
    for label, first in (("Contact", "K"), ("Customer", "C")):
        statement = render(store.cypher.get("bench_delete_uid_range"), Label=label)
        low, high = first + RAW_PREFIX, first + RAW_PREFIX[:-1] + chr(ord(RAW_PREFIX[-1]) + 1)
        while store.write(statement, low=low, high=high, limit=10_000)[0]["deleted"]:
            pass
    while store.write("bench_delete_import_history", import_id=import_id, limit=10_000)[0][
        "deleted"
    ]:
        pass
    store.close()


def _child(target: Any, *args: Any) -> tuple[float, float, float, dict[str, Any]]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--data-dir", default="/tmp/gcrm-bench-import")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument(
        "--graph-url", default="", help="a Neo4j server to import into instead (bolt://...)"
    )
    args = parser.parse_args()
    engine = args.graph_url or "embedded FalkorDB"
    print(f"engine: {engine}; batch size {args.batch_size}; load average {_load()}")
    print(
        f"{'rows':>9} | {'path':<28} | {'seconds':>8} | {'rows/s':>8} | {'CPU s':>7} "
        f"| {'peak RSS MB':>11} | counts"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        folder = Path(args.data_dir) / f"n{size}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        csv_path = folder / "customers.csv"
        write_csv(csv_path, size)
        key = generate_key()
        import_id = ""
        for phase, (label, target) in enumerate(
            (("raw UNWIND (ceiling)", raw_load), ("full import path", full_import))
        ):
            # Each phase on embedded FalkorDB gets a server of its own: the raw rows left in
            # the server would make every AOF rewrite of the full phase serialise them too.
            server = None
            if not args.graph_url:
                server = EmbeddedServer(folder / f"graph-{phase}")
                server.ensure_running()
            socket = str(server.socket_path) if server is not None else None
            try:
                seconds, peak, cpu, counts = _child(
                    target, args.graph_url, socket, str(csv_path), args.batch_size, key
                )
            finally:
                if server is not None:
                    server.stop()
            print(
                f"{size:>9,} | {label:<28} | {seconds:>8.1f} | {size / seconds:>8,.0f} | "
                f"{cpu:>7.1f} | {peak:>11,.0f} | {counts}",
                flush=True,
            )
            import_id = str(counts.get("import", "")) or import_id
        if args.graph_url and import_id:
            _remove(args.graph_url, key, import_id)
    print(f"load average at the end {_load()}")
    print(
        "target at 1,000,000 on embedded FalkorDB: full path >= 20,000 rows/s, peak RSS <= 1,024 MB"
    )


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
