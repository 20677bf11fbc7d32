"""Old import and export files are removed after GRAPHCRM_FILE_RETENTION_DAYS (formerly
GRAPHCRM_IMPORT_RETENTION_DAYS): uploads and failing-row files, except those of an import
still running (its resume reads them), and the files list-export jobs left."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from flask import Flask

import config
from graph.errors import InvalidValue
from graph.io.imports import records
from graph.io.imports.engine import Importer, resume_import
from graph.io.imports.records import ImportRecord
from graph.io.imports.retention import DAY, remove_expired, remove_expired_exports
from graph.jobs.catalog import IMPORT_CLEANUP, JOBS
from graph.jobs.context import Resources
from graph.jobs.schedule import SCHEDULE
from graph.security.crypto import FieldCipher, generate_key, parse_key
from graph.security.scope import Scope
from graph.store.protocol import GraphStore


def aged(folder: Path, days: float, name: str = "source.csv") -> Path:
    """A folder holding one file, both last written ``days`` ago."""
    folder.mkdir(parents=True)
    (folder / name).write_text("客户名称\n甲公司\n", encoding="utf-8")
    moment = time.time() - days * DAY
    for path in (folder / name, folder):
        os.utime(path, (moment, moment))
    return folder


def running_import(store: GraphStore, upload: Path, uid: str) -> None:
    records.begin(
        store,
        ImportRecord(uid=uid, type="customer", file_name="a.csv", file_hash=uid,
                     path=str(upload / "source.csv"), state=records.RUNNING, by="admin",
                     at="2026-01-01T00:00:00Z", mapping={}, options={}),
    )  # fmt: skip


def test_uploads_and_failing_rows_older_than_the_retention_are_removed(
    store: GraphStore, tmp_path: Path
) -> None:
    imports = tmp_path / "imports"
    old_upload = aged(imports / "uploads" / "old", 8)
    new_upload = aged(imports / "uploads" / "new", 2)
    held_upload = aged(imports / "uploads" / "held", 30)
    old_errors = aged(imports / "IM20260101-aaaaaa", 8, "errors.jsonl")
    new_errors = aged(imports / "IM20260101-bbbbbb", 1, "errors.jsonl")
    held_errors = aged(imports / "IM20260101-cccccc", 30, "errors.jsonl")
    running_import(store, held_upload, "IM20260101-cccccc")
    report = remove_expired(store, imports, days=7)
    assert (report.uploads, report.error_files) == (1, 1)
    assert not old_upload.exists() and not old_errors.exists()
    assert new_upload.exists() and new_errors.exists()
    assert held_upload.exists() and held_errors.exists()  # a running import keeps its files
    assert remove_expired(store, tmp_path / "nothing-here", days=7).uploads == 0


def test_an_import_whose_file_was_removed_cannot_resume_and_says_why(
    store: GraphStore, tmp_path: Path
) -> None:
    running_import(store, tmp_path / "gone", "IM20260101-dddddd")
    cipher = FieldCipher(parse_key(generate_key()))
    importer = Importer(store, cipher, actor="admin", scope=Scope.everything())
    with pytest.raises(InvalidValue) as refused:
        resume_import(importer, "IM20260101-dddddd", work_dir=tmp_path)
    assert refused.value.key == "import_file_gone"


def test_the_clean_up_is_a_nightly_job_with_a_configurable_retention(app: Flask) -> None:
    assert IMPORT_CLEANUP in JOBS
    assert [entry.job for entry in SCHEDULE].count(IMPORT_CLEANUP) == 1
    assert app.config["GRAPHCRM_IMPORT_RETENTION_DAYS"] == 7
    assert app.config["GRAPHCRM_FILE_RETENTION_DAYS"] == 7


def test_the_retention_setting_has_a_new_name_and_the_old_one_still_works() -> None:
    old = config.load({"GRAPHCRM_IMPORT_RETENTION_DAYS": "30"})
    assert old["GRAPHCRM_FILE_RETENTION_DAYS"] == old["GRAPHCRM_IMPORT_RETENTION_DAYS"] == 30
    new = config.load({"GRAPHCRM_FILE_RETENTION_DAYS": "3", "GRAPHCRM_IMPORT_RETENTION_DAYS": "30"})
    assert new["GRAPHCRM_FILE_RETENTION_DAYS"] == new["GRAPHCRM_IMPORT_RETENTION_DAYS"] == 3
    with pytest.raises(ValueError, match="GRAPHCRM_FILE_RETENTION_DAYS .* not '0'"):
        config.load({"GRAPHCRM_IMPORT_RETENTION_DAYS": "0"})


def test_export_files_older_than_the_retention_are_removed_by_the_nightly_job(
    store: GraphStore, tmp_path: Path
) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    files = {}
    for name, days in (("old.csv", 8), ("old.xlsx", 30), ("crashed.xlsx.part", 9),
                       ("new.csv", 2)):  # fmt: skip
        files[name] = exports / name
        files[name].write_text("编号,名称\n", encoding="utf-8")
        moment = time.time() - days * DAY
        os.utime(files[name], (moment, moment))
    imports = tmp_path / "imports"
    old_upload = aged(imports / "uploads" / "old", 8)
    resources = Resources(store, imports=imports, files=exports, import_retention_days=7)
    said = JOBS[IMPORT_CLEANUP].run(None, resources, {})  # type: ignore[arg-type]
    assert said == "1 uploads, 0 failing-row files and 3 export files older than 7 days removed"
    assert [path.name for path in exports.iterdir()] == ["new.csv"]
    assert not old_upload.exists()
    assert remove_expired_exports(exports, days=1) == 1
    assert remove_expired_exports(tmp_path / "nothing-here", days=7) == 0
