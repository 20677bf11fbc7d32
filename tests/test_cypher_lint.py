"""Neo4j Cypher compatibility gate.

Every statement in ``cypher/*.cypher`` (shared) and ``cypher/neo4j/*.cypher`` (Neo4j
dialect), and likewise in ``tests/cypher/`` (statements only the tests run), is linted by
``tests/lint/cypher_lint.mjs`` with Neo4j's own ``@neo4j-cypher/language-support``
(Cypher 5); any error-level diagnostic fails the gate. ``falkordb/`` folders are not
checked here. Needs ``node`` and ``npm ci``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import TypedDict

import pytest

from graph.store.statements import SCHEMA_FILE, parse_script, parse_statement_file

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).resolve().parent / "lint" / "cypher_lint.mjs"
LIBRARY = ROOT / "node_modules" / "@neo4j-cypher" / "language-support"


class Statement(TypedDict):
    """One Cypher statement; ``line`` is the 1-based file line of its first line."""

    path: str
    line: int
    text: str


class Diagnostic(TypedDict):
    """One finding of the linter; ``line`` is a file line, ``stmtLine`` one in the text."""

    path: str
    line: int
    severity: str
    message: str
    stmtLine: int


def collect_statements(root: Path = ROOT) -> list[Statement]:
    """Collect the statements the Neo4j gate covers, parsed by the project's own loader."""
    found: list[Statement] = []
    folders = (root / "cypher", root / "tests" / "cypher")
    paths = [
        p for f in folders for p in sorted(f.glob("*.cypher")) + sorted(f.glob("neo4j/*.cypher"))
    ]
    for path in paths:
        rel = path.relative_to(root).as_posix()
        if path.name == SCHEMA_FILE:
            found += [{"path": rel, "line": s.line, "text": s.text} for s in parse_script(path)]
        else:
            statement = parse_statement_file(path)
            found.append({"path": rel, "line": statement.first_line, "text": statement.text})
    return found


def lint(statements: list[Statement]) -> list[Diagnostic]:
    """Lint all statements in one ``node`` run; fail the test if the linter can't run."""
    if not (LIBRARY / "package.json").is_file():
        pytest.fail(f"{LIBRARY} is missing: run `npm ci` in {ROOT}")
    if shutil.which("node") is None:
        pytest.fail("`node` is not on PATH: the Cypher lint gate needs Node.js")
    proc = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(statements),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"cypher_lint.mjs exited {proc.returncode}: {proc.stderr.strip()}")
    diagnostics: list[Diagnostic] = json.loads(proc.stdout)
    return diagnostics


def errors(diagnostics: list[Diagnostic]) -> list[str]:
    """Format error-level diagnostics as ``path:line: message`` lines."""
    return [
        f"{d['path']}:{d['line']}: {d['message']}" for d in diagnostics if d["severity"] == "error"
    ]


def test_cypher_files_pass_neo4j_lint() -> None:
    """Every shared and Neo4j statement parses and analyses cleanly as Cypher 5."""
    found = errors(lint(collect_statements()))
    assert not found, "Cypher lint errors:\n" + "\n".join(found)


def test_gate_reports_broken_statement() -> None:
    """The gate can fail: a syntax error comes back as an error on its file line."""
    found = errors(lint([{"path": "broken.cypher", "line": 3, "text": "MATCH (n\nRETURN n"}]))
    assert len(found) == 1 and found[0].startswith("broken.cypher:4: "), found


def test_gate_accepts_neo4j5_statement() -> None:
    """A valid Neo4j 5 statement with a parameter yields no errors."""
    text = "MATCH (n:Customer {uid: $uid}) RETURN n"
    assert errors(lint([{"path": "ok.cypher", "line": 1, "text": text}])) == []


def test_lint_line_numbers_point_into_the_file(tmp_path: Path) -> None:
    """Diagnostics of a schema script and a statement file name the right file line."""
    (tmp_path / "cypher" / "neo4j").mkdir(parents=True)
    (tmp_path / "cypher" / "neo4j" / "schema.cypher").write_text(
        "// schema\n\nCREATE INDEX a FOR (n:A) ON (n.x);\n"
        "// b\nCREATE INDEX b\n  FOR (n:B ON (n.y);\n"
    )
    (tmp_path / "cypher" / "q_get.cypher").write_text(
        "// returns m\n// params: uid\nMATCH (n {uid: $uid})\nRETURN m\n"
    )
    statements = collect_statements(tmp_path)
    assert [(s["path"], s["line"]) for s in statements] == [
        ("cypher/q_get.cypher", 3),
        ("cypher/neo4j/schema.cypher", 3),
        ("cypher/neo4j/schema.cypher", 5),
    ]
    found = errors(lint(statements))
    assert [line.split(": ", 1)[0] for line in found] == [
        "cypher/q_get.cypher:4",
        "cypher/neo4j/schema.cypher:6",
    ], found
