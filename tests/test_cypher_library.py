"""Named Cypher (``graph/store/statements.py``): the loader's checks on temporary folders, then the
project's own ``cypher/`` folder against the Python code that calls it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graph.errors import ConfigError
from graph.store.composition import FRAGMENT_DIR, fragments
from graph.store.statements import (
    CYPHER_DIR,
    DIALECTS,
    SCHEMA_FILE,
    CypherLibrary,
    parse_script,
    parse_statement_file,
)
from tests import statements as tests_cypher

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("graph", "app", "views", "bench", "tests")
# What ships: a statement in cypher/ is there for this code, not only for the tests.
SHIPPED_DIRS = ("graph", "app", "views", "bench")
THIS_FILE = Path(__file__).resolve()
# A statement name passed as a literal to store.read/write, uow.write or cypher.get/statement.
CALLED_NAME = re.compile(
    r"""(?:\.(?:read|write)|cypher\.(?:get|statement))\(\s*["']([a-z0-9_]+)["']"""
)


def write(root: Path, relative: str, text: str) -> Path:
    """Write a file under ``root`` (creating folders) and return its path."""
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- one statement file --------------------------------------------------------------------


def test_statement_file_gives_name_text_params_and_first_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tag_get.cypher",
        "// Returns the Tag as t.\n// params: uid\nMATCH (t:Tag {uid: $uid})\nRETURN t;\n",
    )
    statement = parse_statement_file(path)
    assert statement.name == "tag_get"
    assert statement.text == "MATCH (t:Tag {uid: $uid})\nRETURN t"
    assert statement.params == frozenset({"uid"})
    assert (statement.path, statement.first_line) == (path, 3)


def test_params_none_declares_no_parameters(tmp_path: Path) -> None:
    path = write(tmp_path, "n.cypher", "// counts\n// params: none\nMATCH (n) RETURN count(n)\n")
    assert parse_statement_file(path).params == frozenset()


def test_params_line_may_be_spaced_loosely(tmp_path: Path) -> None:
    path = write(tmp_path, "p.cypher", "// x\n//   params:  a ,b  \nRETURN $a AS a, $b AS b\n")
    assert parse_statement_file(path).params == frozenset({"a", "b"})


def test_parameter_used_but_not_declared_is_reported_with_path_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "tag_rename.cypher",
        "// Renames a Tag.\n// params: uid\nMATCH (t:Tag {uid: $uid})\nSET t.name = $name\n",
    )
    with pytest.raises(ConfigError) as caught:
        parse_statement_file(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: ")
    assert "['uid']" in message and "['name', 'uid']" in message


def test_parameter_declared_but_not_used_is_reported_with_path_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "tag_get.cypher", "// x\n// params: uid, name\nMATCH (t {uid: $uid}) RETURN t\n"
    )
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:3: .*'name'"):
        parse_statement_file(path)


def test_missing_params_line_is_reported_with_path(tmp_path: Path) -> None:
    path = write(tmp_path, "tag_get.cypher", "// Returns t.\nMATCH (t {uid: $uid}) RETURN t\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:1: .*// params:"):
        parse_statement_file(path)


def test_header_without_a_statement_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.cypher", "// Returns nothing.\n// params: none\n")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:1: no statement"):
        parse_statement_file(path)


@pytest.mark.parametrize(
    "body",
    [
        "MATCH (t:Tag) RETURN t;\nMATCH (c:Customer) RETURN c;\n",
        "MATCH (t:Tag) RETURN t; MATCH (c:Customer) RETURN c\n",
        "CREATE (:Tag {uid: 'a'});\nCREATE (:Tag {uid: 'b'})\n",
    ],
    ids=["two lines", "one line", "second without semicolon"],
)
def test_two_statements_in_one_file_are_refused(tmp_path: Path, body: str) -> None:
    path = write(tmp_path, "two.cypher", f"// x\n// params: none\n{body}")
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}:3: one statement per file"):
        parse_statement_file(path)


def test_semicolon_inside_a_string_is_not_a_second_statement(tmp_path: Path) -> None:
    path = write(tmp_path, "s.cypher", "// x\n// params: none\nRETURN 'a;b' AS s, \"c;\" AS t;\n")
    assert parse_statement_file(path).text == "RETURN 'a;b' AS s, \"c;\" AS t"


def test_dollar_inside_string_literals_is_not_a_parameter(tmp_path: Path) -> None:
    body = (
        "MATCH (c:Customer {uid: $uid})\n"
        'RETURN \'$price\' AS a, "costs $5" AS b, \'it\\\'s $x\' AS c, "say \\"$y\\"" AS d'
    )
    path = write(tmp_path, "c.cypher", f"// x\n// params: uid\n{body}\n")
    statement = parse_statement_file(path)
    assert statement.params == frozenset({"uid"})
    assert statement.text == body


def test_dollar_inside_a_comment_is_not_a_parameter(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "c.cypher",
        "// x\n// params: uid\nMATCH (c {uid: $uid})\n// not $this\nRETURN c // nor $that\n",
    )
    assert parse_statement_file(path).params == frozenset({"uid"})


def test_double_slash_inside_a_string_is_not_a_comment(tmp_path: Path) -> None:
    path = write(
        tmp_path, "u.cypher", "// x\n// params: site\nRETURN 'http://example.com/' + $site AS url\n"
    )
    statement = parse_statement_file(path)
    assert statement.params == frozenset({"site"})
    assert "'http://example.com/'" in statement.text


def test_check_params_refuses_missing_and_unexpected_parameters(tmp_path: Path) -> None:
    path = write(tmp_path, "t.cypher", "// x\n// params: uid, name\nRETURN $uid, $name\n")
    statement = parse_statement_file(path)
    statement.check_params({"uid": 1, "name": None})
    with pytest.raises(ValueError, match=r"missing parameters \['name'\]"):
        statement.check_params({"uid": 1})
    with pytest.raises(ValueError, match=r"unexpected \['colour'\]"):
        statement.check_params({"uid": 1, "name": "x", "colour": "red"})


# --- the library: names and dialects -------------------------------------------------------


def test_dialect_file_replaces_the_shared_one_for_that_dialect_only(tmp_path: Path) -> None:
    write(tmp_path, "tag_search.cypher", "// shared\n// params: text\nRETURN $text AS shared\n")
    write(
        tmp_path,
        "falkordb/tag_search.cypher",
        "// FalkorDB's own\n// params: text\nRETURN $text AS falkordb\n",
    )
    falkordb = CypherLibrary("falkordb", tmp_path).get("tag_search")
    neo4j = CypherLibrary("neo4j", tmp_path).get("tag_search")
    assert falkordb.text == "RETURN $text AS falkordb"
    assert falkordb.path == tmp_path / "falkordb" / "tag_search.cypher"
    assert neo4j.text == "RETURN $text AS shared"
    assert neo4j.path == tmp_path / "tag_search.cypher"


def test_dialect_only_statement_exists_for_that_dialect_only(tmp_path: Path) -> None:
    write(tmp_path, "neo4j/index_list.cypher", "// x\n// params: none\nSHOW INDEXES\n")
    assert CypherLibrary("neo4j", tmp_path).names() == ["index_list"]
    assert CypherLibrary("falkordb", tmp_path).names() == []


def test_dialect_schema_file_is_a_script_not_a_statement(tmp_path: Path) -> None:
    write(
        tmp_path,
        f"falkordb/{SCHEMA_FILE}",
        "// schema\nCREATE INDEX FOR (n:Tag) ON (n.uid);\nCREATE INDEX FOR (n:Tag) ON (n.name);\n",
    )
    library = CypherLibrary("falkordb", tmp_path)
    assert library.names() == []
    assert [item.text for item in library.schema()] == [
        "CREATE INDEX FOR (n:Tag) ON (n.uid)",
        "CREATE INDEX FOR (n:Tag) ON (n.name)",
    ]
    assert CypherLibrary("neo4j", tmp_path).schema() == []


@pytest.mark.parametrize("stem", ["TagGet", "tag-get", "1tag", "tag.get", "Tag_get"])
@pytest.mark.parametrize("folder", ["", "neo4j/"])
def test_statement_names_must_be_lower_snake_case(tmp_path: Path, stem: str, folder: str) -> None:
    path = write(tmp_path, f"{folder}{stem}.cypher", "// x\n// params: none\nRETURN 1\n")
    with pytest.raises(ConfigError, match="lower_snake_case") as caught:
        CypherLibrary("neo4j", tmp_path)
    assert str(path) in str(caught.value)


def test_a_broken_file_stops_the_library_from_loading(tmp_path: Path) -> None:
    write(tmp_path, "good.cypher", "// x\n// params: none\nRETURN 1\n")
    bad = write(tmp_path, "bad.cypher", "// x\n// params: none\nRETURN $oops\n")
    with pytest.raises(ConfigError, match=re.escape(f"{bad}:3:")):
        CypherLibrary("falkordb", tmp_path)


def test_unknown_statement_name_is_a_key_error_naming_it(tmp_path: Path) -> None:
    library = CypherLibrary("falkordb", tmp_path)
    with pytest.raises(KeyError, match="tag_gte"):
        library.get("tag_gte")


def test_unknown_dialect_is_config_error() -> None:
    with pytest.raises(ConfigError, match="memgraph"):
        CypherLibrary("memgraph")


# --- scripts -------------------------------------------------------------------------------


def test_parse_script_keeps_each_statements_first_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        SCHEMA_FILE,
        "// Schema; applied at start.\n"  # 1
        "\n"  # 2
        "CREATE INDEX a FOR (n:A) ON (n.x);\n"  # 3
        "// b spans lines\n"  # 4
        "CREATE INDEX b\n"  # 5
        "  FOR (n:B) ON (n.y);\n"  # 6
        "\n"  # 7
        "CREATE INDEX c FOR (n:C) ON (n.z); // trailing comment\n"  # 8
        "CREATE CONSTRAINT d FOR (n:D) REQUIRE n.uid IS UNIQUE\n",  # 9: no final ';'
    )
    statements = parse_script(path)
    assert [(s.line, s.text) for s in statements] == [
        (3, "CREATE INDEX a FOR (n:A) ON (n.x)"),
        (5, "CREATE INDEX b\n  FOR (n:B) ON (n.y)"),
        (8, "CREATE INDEX c FOR (n:C) ON (n.z)"),
        (9, "CREATE CONSTRAINT d FOR (n:D) REQUIRE n.uid IS UNIQUE"),
    ]
    assert all(s.path == path for s in statements)


def test_parse_script_of_comments_only_is_empty(tmp_path: Path) -> None:
    path = write(tmp_path, SCHEMA_FILE, "// nothing yet; later.\n\n")
    assert parse_script(path) == []


# --- the project's own cypher/ folder ------------------------------------------------------


def _python_sources(folders: tuple[str, ...] = SOURCE_DIRS) -> dict[Path, str]:
    """The text of every Python file that may run a statement (this checker excluded)."""
    sources = {}
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.resolve() != THIS_FILE:
                sources[path] = path.read_text(encoding="utf-8")
    return sources


def test_every_statement_file_loads_for_both_dialects() -> None:
    libraries = {dialect: CypherLibrary(dialect) for dialect in DIALECTS}
    for path in sorted(CYPHER_DIR.rglob("*.cypher")):
        folder = path.parent.relative_to(CYPHER_DIR).as_posix()
        if path.name == SCHEMA_FILE:
            assert folder in DIALECTS, f"{path}: a schema script belongs in a dialect folder"
            assert parse_script(path), f"{path}: no statements"
            continue
        if folder == FRAGMENT_DIR.name:
            assert fragments(path.stem), f"{path}: no fragments"
            continue
        dialects = DIALECTS if folder == "." else (folder,)
        assert folder == "." or folder in DIALECTS, f"{path}: unknown dialect folder"
        for dialect in dialects:
            assert path.stem in libraries[dialect].names(), f"{path} not loaded for {dialect}"
    for dialect, library in libraries.items():
        assert library.schema(), f"cypher/{dialect}/{SCHEMA_FILE} is missing or empty"


def test_every_statement_exists_for_both_dialects() -> None:
    # Code calls statements by name whichever engine GRAPH_URL names.
    falkordb, neo4j = (set(CypherLibrary(dialect).names()) for dialect in DIALECTS)
    assert sorted(falkordb - neo4j) == []
    assert sorted(neo4j - falkordb) == []


def test_every_statement_is_used_by_the_python_sources() -> None:
    from graph.demo.seed import load_plan

    code = "\n".join(_python_sources(SHIPPED_DIRS).values())
    names = set(CypherLibrary("falkordb").names()) | set(CypherLibrary("neo4j").names())
    # The demo loader's statements are named from the declarations (``load_plan``).
    named = {step.statement for step in load_plan()}
    unused = sorted(name for name in names - named if not re.search(rf"[\"']{name}[\"']", code))
    assert unused == [], f"statements only tests (or nobody) use belong in tests/cypher/: {unused}"


def test_tests_only_statements_load_for_both_dialects_and_are_used_by_the_tests() -> None:
    code = "\n".join(_python_sources(("tests",)).values())
    names = {dialect: set(tests_cypher.library(dialect).names()) for dialect in DIALECTS}
    assert names["falkordb"] == names["neo4j"]
    assert "node_delete_all" in names["falkordb"]
    unused = sorted(name for name in names["falkordb"] if f'statement("{name}"' not in code)
    assert unused == [], f"tests-only statements no test runs: {unused}"
    shipped = set(CypherLibrary("falkordb").names()) | set(CypherLibrary("neo4j").names())
    assert names["falkordb"] & shipped == set(), "a statement in both cypher/ and tests/cypher/"


def test_tests_only_statement_differing_by_engine_needs_the_dialect() -> None:
    assert tests_cypher.statement("test_server_mark", "neo4j").path.parent.name == "neo4j"
    with pytest.raises(ValueError, match="test_server_mark differs by engine"):
        tests_cypher.statement("test_server_mark")
    assert tests_cypher.statement("node_delete_all").params == frozenset()


def test_every_statement_name_called_in_the_python_sources_exists() -> None:
    libraries = [CypherLibrary(dialect) for dialect in DIALECTS]
    missing = sorted(
        f"{path.relative_to(ROOT)}: {name} ({library.dialect})"
        for path, text in _python_sources().items()
        for name in CALLED_NAME.findall(text)
        for library in libraries
        if name not in library.names()
    )
    assert missing == [], "calls to statements that do not exist:\n" + "\n".join(missing)


def test_called_name_pattern_finds_the_call_shapes_in_use() -> None:
    sample = """
        store.read("tag_get", uid=uid)
        self.store.write(
            "tag_create", uid=uid)
        uow.write('tag_delete', uid=uid)
        render(store.cypher.get("node_page"), Label=label)
        path.write_text("not_a_statement")
        rows.get("not_a_statement_either")
    """
    assert CALLED_NAME.findall(sample) == ["tag_get", "tag_create", "tag_delete", "node_page"]
