"""An import whose process is killed mid-way (SIGKILL: nothing of it runs after) holds its
file until it is resumed from its cursor (no row twice) or undone (nothing left)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graph.io.imports import records
from graph.io.imports.engine import Importer, resume_import, run_import
from graph.io.imports.undo import undo_import
from graph.model import nodes
from graph.records.repository import NodeRepository
from graph.security.crypto import FieldCipher, generate_key, parse_key
from graph.security.scope import Scope
from graph.store.embedded import EmbeddedServer
from graph.store.protocol import GraphStore, GraphURL

ROOT = Path(__file__).resolve().parent.parent
ROWS = 400
BATCH = 50
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import config
    from graph.io.imports.engine import Importer, ImportOptions, run_import
    from graph.security.crypto import FieldCipher, parse_key
    from graph.security.scope import Scope
    from graph.store.backends import open_store
    from graph.store.protocol import parse_graph_url, with_login

    import graph.io.imports.sender
    url, key, path, work = sys.argv[1:5]
    graph.io.imports.sender.PROCESS_ROWS = int(sys.argv[6])  # 0: batches from a second process
    settings = config.load()
    store = open_store(with_login(parse_graph_url(url), settings["NEO4J_USERNAME"],
                                  settings["NEO4J_PASSWORD"]))
    importer = Importer(store, FieldCipher(parse_key(key)), actor="crash", scope=Scope.everything())

    def slow(done, total):
        print(done, flush=True)
        time.sleep(30)  # killed while waiting here, after the first batch

    run_import(importer, Path(path), "customer", options=ImportOptions(batch_size=int(sys.argv[5])),
               work_dir=Path(work), progress=slow)
    """
)


def child_url(graph_url: GraphURL, server: EmbeddedServer | None) -> str:
    if server is not None:
        return f"unix://{server.socket_path}?graph={graph_url.database}"
    return graph_url.raw


@pytest.mark.parametrize("sender", ["thread", "process"])
@pytest.mark.parametrize("then", ["resume", "undo"])
def test_a_killed_import_is_resumed_or_undone_cleanly(
    store: GraphStore,
    graph_url: GraphURL,
    embedded_server: EmbeddedServer | None,
    tmp_path: Path,
    then: str,
    sender: str,
) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["客户名称", "电话", "联系人", "手机"])
        writer.writerows(
            [f"客户{i}", f"0216{i:07d}", f"联系人{i}", f"139{i:08d}"] for i in range(ROWS)
        )
    key = generate_key()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            CHILD,
            child_url(graph_url, embedded_server),
            key,
            str(path),
            str(tmp_path / "work"),
            str(BATCH),
            str(10**9 if sender == "thread" else 0),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = child.stdout.readline() if child.stdout else ""
        assert first.strip() == str(BATCH), child.stderr.read() if child.stderr else ""
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    customers = NodeRepository(store, nodes.Customer)
    contacts = NodeRepository(store, nodes.Contact)
    assert customers.count() == BATCH and contacts.count() == BATCH
    cipher = FieldCipher(parse_key(key))
    importer = Importer(store, cipher, actor="admin", scope=Scope.everything())
    with pytest.raises(records.ImportBusy) as busy:
        run_import(importer, path, "customer", work_dir=tmp_path / "work")
    import_id = busy.value.params["import_id"]
    assert records.get(store, import_id).state == records.RUNNING
    if then == "resume":
        done = resume_import(importer, import_id, work_dir=tmp_path / "work")
        assert done.counts["created"] == ROWS and done.counts["read"] == ROWS
        assert customers.count() == ROWS and contacts.count() == ROWS
    else:
        report = undo_import(store, cipher, import_id, actor="admin")
        assert report.deleted == 2 * BATCH
        assert customers.count() == 0 and contacts.count() == 0
        assert records.get(store, import_id).state == records.UNDONE
