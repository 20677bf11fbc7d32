"""Neo4j Cypher compatibility gate.

Every statement in ``cypher/*.cypher`` (shared) and ``cypher/neo4j/*.cypher`` (Neo4j
dialect), and likewise in ``tests/cypher/`` (statements only the tests run), is linted by
``tests/lint/cypher_lint.mjs`` with Neo4j's own ``@neo4j-cypher/language-support``
(Cypher 5); any error-level diagnostic fails the gate. ``falkordb/`` folders are not
checked here. Templates are also linted as rendered: every node type x filter operator x
ordering x paging variant of the list/filter composition and the segment compiler over a
rule matrix (``rendered_statements``, about 600 statements in one ``node`` run). Needs
``node`` and ``npm ci``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import TypedDict

import pytest

from graph.io.imports.targets import REFERRAL, import_type, import_types
from graph.io.imports.writer import BatchWriter
from graph.model import nodes
from graph.model.base import REGISTRY, SYSTEM_PROPS, NodeModel
from graph.model.conditions import Condition
from graph.model.kinds import FIELD_KINDS
from graph.records.filters import (
    ORDERABLE_SYSTEM,
    PII_OPS,
    PROP_OPS,
    compile_filters,
    filtered,
    orderable,
    ordered,
)
from graph.records.repository import relations_statement
from graph.records.schema import schema_statements
from graph.security.crypto import FieldCipher, generate_key, parse_key
from graph.security.scope import VISIBLE_TO, Scope
from graph.segments.compiler import (
    compile_rules,
    explain_statement,
    members_statement,
    referral_path_statement,
)
from graph.segments.rules import FIELDS, MAX_HOPS, Rule, parse_rule
from graph.store.composition import with_bound
from graph.store.statements import SCHEMA_FILE, library, parse_script, parse_statement_file
from graph.store.statements import Statement as Cypher
from graph.store.templates import render

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


# -- rendered statements ----------------------------------------------------------------------

# A value of each property kind for an operator that takes one (lint checks syntax, not data).
SAMPLE = {"integer": 1, "float": 1.0, "boolean": True}
# A sample rule value per rule field shape and operator.
RULE_VALUES: dict[tuple[str, str], list[object]] = {
    ("many", "any"): [["T1", "T2"]],
    ("many", "all"): [["T1"]],
    ("one", "is"): ["U1"],
    ("chain", "within"): [{"customer": "C1", "hops": h} for h in (1, MAX_HOPS)],
    ("between", "between"): [{"from": "2024-01-01", "to": "2024-12-31"}, {"from": "2024-01-01"}],
    ("latest", "before"): ["2024-06-01"],
    ("latest", "after"): ["2024-06-01"],
    ("latest", "none"): [None],
    ("count", "gte"): [2],
    ("sum", "gte"): [100.0],
    ("reach", "gte"): [3],
    ("prop", "gt"): [0.5],
}
TEAM = Condition(VISIBLE_TO, VISIBLE_TO, "sales1")


def _conditions(model: type[NodeModel]) -> list[Condition]:
    """One condition per filter operator ``model`` offers, on the first field it applies to
    (personal data and each relation direction apart: they compile differently)."""
    found: list[Condition] = []
    plain = [p for p in model.meta.props if not p.pii]
    personal = [p for p in model.meta.props if p.pii]
    for op in PROP_OPS:
        prop = plain[0]
        value = [SAMPLE.get(prop.kind, "x")] if op == "in" else SAMPLE.get(prop.kind, "x")
        found.append(Condition(prop.name, op, True if op == "empty" else value))
    found.append(Condition(plain[0].name, "empty", False))
    found += [Condition(SYSTEM_PROPS[1], "gt", "2024")]
    if personal:
        found += [Condition(personal[0].name, op, "x") for op in PII_OPS]
    for direction in ("out", "in"):
        rel = next((r for r in model.meta.rels if r.direction == direction), None)
        if rel is not None:
            found += [
                Condition(rel.name, "rel_eq", "X1"),
                Condition(rel.name, "rel_empty", True),
                Condition(rel.name, "rel_empty", False),
            ]
    return found


def _list_statements(model: type[NodeModel], cipher: FieldCipher) -> list[tuple[str, Cypher]]:
    """The list/filter compositions of ``model``: every operator on the count and on the page
    both ways (a relation anchor also after and before the team scope), an ordering on each
    kind of orderable column both ways, the relation read and the scoped templates."""
    cypher = library("neo4j")
    meta = model.meta
    label = model.label
    scoped = model.scope_path is not None
    found: list[tuple[str, Cypher]] = []

    def page(column: str, direction: str, conditions: list[Condition]) -> Cypher:
        template = render(cypher.get("node_page"), Label=label, prop=column)
        statement, _ = filtered(template, meta, conditions, cipher=cipher)
        return ordered(statement, column, direction)

    def count(conditions: list[Condition]) -> Cypher:
        template = render(cypher.get("node_count"), Label=label)
        return filtered(template, meta, conditions, cipher=cipher)[0]

    for cond in _conditions(model):
        where = f"{label}.{cond.field} {cond.op} {cond.value!r}"
        variants = [[cond]]
        if scoped and cond.op == "rel_eq":
            variants += [[TEAM, cond], [cond, TEAM]]
        for conditions in variants:
            tag = where + (" +team" if len(conditions) > 1 else "")
            found.append((f"count {tag}", count(conditions)))
            for direction in ("asc", "desc"):
                found.append(
                    (f"page {direction} {tag}", page(meta.default_order, direction, conditions))
                )
    kinds: dict[str, str] = {}
    for prop in meta.props:
        if orderable(prop):
            kinds.setdefault("choice" if prop.choices else prop.kind, prop.name)
    for column in [*kinds.values(), *ORDERABLE_SYSTEM]:
        for direction in ("asc", "desc"):
            conditions = [TEAM] if scoped else []
            tag = f"{label} by {column} {direction}" + (" +team" if conditions else "")
            found.append((f"page {tag}", page(column, direction, conditions)))
    if meta.rels:
        found.append((f"relations {label}", relations_statement(cypher, label)))
    if scoped:
        for name, names in (
            ("node_list_titles", {"prop": meta.title}),
            ("network_node_list", {"prop": meta.title}),
            ("node_get", {}),
        ):
            template = render(cypher.get(name), Label=label, **names)
            statement, _ = filtered(template, meta, [TEAM], anchor_allowed=False)
            found.append((f"{name} {label} +team", statement))
    return found


def _rules() -> list[Rule]:
    """One rule for every rule field, operator and sample value."""
    rules = []
    for name, spec in FIELDS.items():
        for op in spec.ops:
            values = RULE_VALUES.get((spec.shape, op))
            if values is None:  # a property: a value of its kind for its operator
                prop = REGISTRY["Customer"].meta.prop(spec.prop)
                assert prop is not None
                first = prop.choice_values()[0] if prop.choices else "x"
                values = [[first] if op == "in" else first]
            rules += [parse_rule({"field": name, "op": op, "value": v}) for v in values]
    return rules


def _segment_statements() -> list[tuple[str, Cypher]]:
    """The segment compiler over a rule matrix: each rule alone and all rules together,
    for everything and for a team, on the count, the page and the explanation; referral
    paths, trees and attribution at every bound."""
    cypher = library("neo4j")
    customer = REGISTRY["Customer"]
    rules = _rules()
    found: list[tuple[str, Cypher]] = []
    cases: list[tuple[tuple[Rule, ...], list[Condition]]]
    cases = [((rule,), []) for rule in rules] + [(tuple(rules), []), (tuple(rules), [TEAM])]
    for rule_set, scope in cases:
        first = rule_set[0]
        tag = "all rules" if len(rule_set) > 1 else f"{first.field} {first.op} {first.value!r}"
        tag += " +team" if scope else ""
        compiled = compile_rules(rule_set)
        anchor, predicates, params = compile_filters(customer.meta, scope)
        for name in ("segment_member_count", "segment_member_page"):
            statement = members_statement(cypher.get(name), compiled, anchor, predicates, params)
            found.append((f"{name} {tag}", statement))
        _, visibility, scope_params = compile_filters(customer.meta, scope, anchor_allowed=False)
        explained = explain_statement(
            cypher.get("segment_member_explain"), compiled, visibility, scope_params
        )
        found.append((f"segment_member_explain {tag}", explained))
    for depth in (1, MAX_HOPS):
        found.append(
            (
                f"referral path {depth}",
                referral_path_statement(cypher.get("segment_referral_path"), depth),
            )
        )
        found.append(
            (
                f"referral tree {depth}",
                with_bound(cypher.get("referral_tree_list"), depth, MAX_HOPS),
            )
        )
        found.append(
            (
                f"attribution {depth}",
                with_bound(cypher.get("channel_list_referred_revenue"), depth, MAX_HOPS),
            )
        )
    return found


def rendered_statements() -> list[Statement]:
    """Every rendered variant the gate covers, as lint input (``path`` names the variant)."""
    cipher = FieldCipher(parse_key(generate_key()))
    found = [item for model in REGISTRY.values() for item in _list_statements(model, cipher)]
    found += _segment_statements()
    found += _import_statements()
    return [{"path": f"rendered: {name}", "line": 1, "text": s.text} for name, s in found]


def _import_statements() -> list[tuple[str, Cypher]]:
    """Each import type's batch statement as the writer composes it: every editable
    property a column, every relation mapped (and a customer's contacts in its rows).
    The referral links' statements are plain files, linted as such."""
    store = SimpleNamespace(cypher=library("neo4j"))
    found: list[tuple[str, Cypher]] = []
    for key in import_types():
        kind = import_type(key)
        if key != REFERRAL:  # referral links have a writer of their own
            writer = BatchWriter(
                store,
                FieldCipher(parse_key(generate_key())),
                kind,
                import_id="IM1",
                actor="admin",
                scope=Scope.everything(),
                on_duplicate="skip",
                decisions={},
                resolver=None,  # type: ignore[arg-type]
                mapped=frozenset(rel.name for rel in kind.model.meta.rels),
            )
            columns = tuple(p.name for p in kind.model.meta.props if p.editable)
            contacts = tuple(p.name for p in nodes.Contact.meta.props if p.editable)
            statement = writer._create_statement(columns, contacts)
            found.append((f"import {key}", statement))
    return found


def test_rendered_statements_pass_neo4j_lint() -> None:
    """Every node type x filter operator x ordering x paging variant of the list and filter
    composition, and the segment compiler over its rule matrix, render to statements that
    parse and analyse cleanly as Cypher 5 (one ``node`` run for all of them)."""
    statements = rendered_statements()
    assert len(statements) > 400, len(statements)
    found = errors(lint(statements))
    assert not found, (
        f"{len(found)} lint errors in {len(statements)} rendered statements:\n"
        + "\n".join(found[:40])
    )


def test_rendered_matrix_covers_every_node_type_operator_and_rule_field() -> None:
    """The matrix is not vacuous: every declared node type, filter operator, property kind
    in use and segment rule field and operator appears in it."""
    paths = " ".join(s["path"] for s in rendered_statements())
    for label in REGISTRY:
        assert f"count {label}." in paths and f"page desc {label}." in paths, label
    for op in (*PROP_OPS, "rel_eq", "rel_empty"):
        assert f" {op} " in paths, op
    assert {p.kind for m in REGISTRY.values() for p in m.meta.props} <= set(FIELD_KINDS)
    for name, spec in FIELDS.items():
        for op in spec.ops:
            assert f"segment_member_explain {name} {op} " in paths, (name, op)


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


def test_rendered_schema_passes_neo4j_lint() -> None:
    """The Neo4j schema as applied (file plus statements rendered from the declarations)."""
    statements: list[Statement] = [
        {"path": item.path.relative_to(ROOT).as_posix(), "line": item.line, "text": item.text}
        for item in schema_statements(library("neo4j"))
    ]
    found = errors(lint(statements))
    assert not found, "Cypher lint errors:\n" + "\n".join(found)
