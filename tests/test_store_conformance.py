"""The GraphStore contract, proved against whichever engine the ``store`` fixture gives.

Every test here must pass on embedded FalkorDB and on Neo4j 5 alike
(``GRAPHCRM_TEST_GRAPH_URL=neo4j://...``). The few engine-specific facts are in tests that
say so in their name and check ``store.backend`` first.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.errors import (
    ConstraintViolation,
    CypherSyntaxError,
    QueryTimeout,
    StoreUnavailable,
)
from graph.records.schema import apply_schema, schema_report, schema_statements
from graph.store.backends import open_store
from graph.store.embedded import EmbeddedServer
from graph.store.protocol import GraphStore, GraphURL, parse_graph_url
from graph.store.statements import CypherLibrary
from tests.statements import statement

# Names of statements that exist only in the temporary libraries built below; kept in
# constants so the project-wide "every used name exists" check does not see them as calls.
BROKEN_SYNTAX = "broken_syntax"
UNDEFINED_VARIABLE = "undefined_variable"
UNKNOWN_FUNCTION = "unknown_function"
SLOW_COUNT = "slow_count"
ONE_ROW = "one_row"
NO_SUCH_STATEMENT = "no_such_statement"

# 400 million rows produced lazily: both engines check their time limit while it runs (a
# single huge range() such as range(1, 100000000) is built before FalkorDB looks at the
# clock, so its limit only fires after several seconds).
SLOW_QUERY = (
    "UNWIND range(1, 20000) AS a UNWIND range(1, 20000) AS b "
    "WITH a, b WHERE (a * b) % 7 = 0 RETURN count(*) AS c"
)


def create_tag(store: GraphStore, uid: str, name: object = None, now: object = 1) -> dict:
    """Create a Tag and return its properties (Tag names are unique: by default 'tag UID')."""
    rows = store.write(
        statement("tag_create"), uid=uid, name=f"tag {uid}" if name is None else name, now=now
    )
    assert len(rows) == 1
    return rows[0]["t"]


def get_tag(store: GraphStore, uid: object) -> dict | None:
    """The Tag's properties, or None when there is no such Tag."""
    rows = store.read(statement("tag_get"), uid=uid)
    assert len(rows) <= 1
    return rows[0]["t"] if rows else None


def tag_count(store: GraphStore) -> int:
    """How many Tag nodes the graph holds."""
    counts = {row["label"]: row["count"] for row in store.read("node_count_by_label")}
    return counts.get("Tag", 0)


@pytest.fixture
def second_store(
    store: GraphStore, graph_url: GraphURL, embedded_server: EmbeddedServer | None
) -> Iterator[GraphStore]:
    """Another connection to the test engine whose ``cypher`` a test may replace."""
    socket = embedded_server.socket_path if embedded_server else None
    other = open_store(graph_url, socket_path=socket)
    yield other
    other.close()


def library_with(tmp_path: Path, dialect: str, **statements: str) -> CypherLibrary:
    """A CypherLibrary on a temporary folder holding the given parameterless statements."""
    for name, text in statements.items():
        (tmp_path / f"{name}.cypher").write_text(f"// test statement\n// params: none\n{text}\n")
    return CypherLibrary(dialect, tmp_path)


# --- create, read, update, delete ----------------------------------------------------------


def test_tag_round_trip_create_read_update_delete(store: GraphStore) -> None:
    created = create_tag(store, "T1", "VIP", now=1000)
    assert created == {
        "uid": "T1",
        "name": "VIP",
        "created_at": 1000,
        "updated_at": 1000,
        "version": 1,
    }
    assert get_tag(store, "T1") == created

    updated = store.write(
        statement("tag_update_name"), uid="T1", version=1, name="重点客户", now=2000
    )
    assert [row["t"] for row in updated] == [
        {"uid": "T1", "name": "重点客户", "created_at": 1000, "updated_at": 2000, "version": 2}
    ]
    assert get_tag(store, "T1") == updated[0]["t"]

    assert store.write(statement("tag_delete"), uid="T1") == [{"uid": "T1"}]
    assert get_tag(store, "T1") is None
    assert tag_count(store) == 0


def test_another_connection_opened_from_the_location_reaches_the_same_database(
    store: GraphStore,
) -> None:
    url, socket = store.location()
    other = open_store(url, socket_path=Path(socket) if socket else None)
    try:
        create_tag(other, "T-located", "VIP", now=1000)
        assert get_tag(store, "T-located") is not None
    finally:
        other.close()


def test_node_count_by_label_counts_each_label(store: GraphStore) -> None:
    for uid in ("A", "B", "C"):
        create_tag(store, uid)
    assert store.read("node_count_by_label") == [{"label": "Tag", "count": 3}]


def test_node_delete_all_empties_the_graph(store: GraphStore) -> None:
    for uid in ("A", "B"):
        create_tag(store, uid)
    assert store.write(statement("node_delete_all")) == [{"deleted": 2}]
    assert store.read("node_count_by_label") == []


# --- parameters and values -----------------------------------------------------------------


def test_list_parameter_selects_the_listed_uids_in_name_order(store: GraphStore) -> None:
    create_tag(store, "U1", "beta")
    create_tag(store, "U2", "alpha")
    create_tag(store, "U3", "gamma")
    rows = store.read(statement("tag_list_by_uids"), uids=["U3", "U1", "U2", "missing"])
    assert [row["t"]["uid"] for row in rows] == ["U2", "U1", "U3"]
    rows = store.read(statement("tag_list_by_uids"), uids=["U3"])
    assert [row["t"]["name"] for row in rows] == ["gamma"]


def test_empty_list_parameter_matches_nothing(store: GraphStore) -> None:
    create_tag(store, "U1")
    assert store.read(statement("tag_list_by_uids"), uids=[]) == []


TRICKY_STRINGS = [
    "北京华信科技有限公司",
    "客户档案：张三（重点）",
    "O'Brien",
    'say "hello"',
    "both ' and \" quotes",
    "back\\slash",
    "ends with a backslash\\",
    "\\n is two characters here",
    "line one\nline two\r\nline three",
    "tab\there",
    "emoji 😀 family 👨‍👩‍👧 mahjong 🀄",
    "$uid looks like a parameter",
    "CYPHER uid='x' looks like a parameter header",
    "'; MATCH (n) DETACH DELETE n //",
    "http://example.com/?a=1&b=2 // not a comment",
]


@pytest.mark.parametrize("text", TRICKY_STRINGS)
def test_string_values_round_trip_unchanged(store: GraphStore, text: str) -> None:
    create_tag(store, "S1", text)
    create_tag(store, "S2", "neighbour")
    assert get_tag(store, "S1")["name"] == text
    assert tag_count(store) == 2  # nothing in the value ran as Cypher
    rows = store.read(statement("tag_list_by_uids"), uids=["S1", text])
    assert [row["t"]["name"] for row in rows] == [text]


# Tag.name is unique, and FalkorDB 4.16 crashes (the whole server, in EnforceUniqueEntity)
# when a uniquely constrained value is empty or starts or ends with whitespace: these go
# through created_at, a plain property. Repositories must strip such values before a write.
EDGE_SPACE_STRINGS = ["", " ", "   ", " leading", "trailing ", "\ttab", "newline\n", "\r\n"]


@pytest.mark.parametrize("text", EDGE_SPACE_STRINGS)
def test_blank_and_space_edged_strings_round_trip_unchanged(store: GraphStore, text: str) -> None:
    create_tag(store, "S1", now=text)
    tag = get_tag(store, "S1")
    assert (tag["created_at"], tag["updated_at"]) == (text, text)


def test_string_parameter_finds_a_uid_with_special_characters(store: GraphStore) -> None:
    uid = '客户/O\'Brien "x" \\ 😀'
    create_tag(store, uid)
    assert get_tag(store, uid)["uid"] == uid
    assert store.write(statement("tag_delete"), uid=uid) == [{"uid": uid}]


def test_none_value_is_stored_as_an_absent_property(store: GraphStore) -> None:
    assert store.write(statement("tag_create"), uid="N1", name=None, now=1)
    tag = get_tag(store, "N1")
    assert tag is not None
    assert tag.get("name") is None
    assert tag["version"] == 1


def test_none_parameter_matches_nothing(store: GraphStore) -> None:
    create_tag(store, "N1")
    assert get_tag(store, None) is None
    rows = store.read(statement("tag_list_by_uids"), uids=["N1", None])
    assert [row["t"]["uid"] for row in rows] == ["N1"]


@pytest.mark.parametrize(
    "value",
    [0, 1, -7, 2**62, -(2**63), 2**63 - 1, 0.1, -1.5, 1.0, 1e300, True, False],
    ids=repr,
)
def test_numbers_and_booleans_keep_their_type_and_value(store: GraphStore, value: object) -> None:
    create_tag(store, "V1", now=value)
    stored = get_tag(store, "V1")["created_at"]
    assert stored == value
    assert type(stored) is type(value)


def test_int_and_float_of_equal_value_stay_distinct_types(store: GraphStore) -> None:
    create_tag(store, "I", now=3)
    create_tag(store, "F", now=3.0)
    assert type(get_tag(store, "I")["created_at"]) is int
    assert type(get_tag(store, "F")["created_at"]) is float


# --- versions, constraints, missing records ------------------------------------------------


def test_stale_version_updates_nothing(store: GraphStore) -> None:
    create_tag(store, "T1", "original")
    assert store.write(statement("tag_update_name"), uid="T1", version=1, name="first", now=2)
    # A second editor still holding version 1 loses: no row, and the name stays.
    assert (
        store.write(statement("tag_update_name"), uid="T1", version=1, name="second", now=3) == []
    )
    tag = get_tag(store, "T1")
    assert (tag["name"], tag["version"], tag["updated_at"]) == ("first", 2, 2)


def test_duplicate_uid_is_a_constraint_violation(store: GraphStore) -> None:
    create_tag(store, "DUP", "first")
    with pytest.raises(ConstraintViolation):
        store.write(statement("tag_create"), uid="DUP", name="second", now=2)
    assert get_tag(store, "DUP")["name"] == "first"
    assert tag_count(store) == 1


def test_duplicate_uid_inside_a_unit_of_work_is_a_constraint_violation(store: GraphStore) -> None:
    create_tag(store, "DUP", "first")
    with pytest.raises(ConstraintViolation), store.unit_of_work() as uow:
        uow.write(statement("tag_create"), uid="DUP", name="second", now=2)
    assert get_tag(store, "DUP")["name"] == "first"


def test_missing_node_reads_as_no_rows(store: GraphStore) -> None:
    assert store.read(statement("tag_get"), uid="nobody") == []


def test_deleting_a_missing_node_returns_no_row(store: GraphStore) -> None:
    create_tag(store, "KEEP")
    assert store.write(statement("tag_delete"), uid="nobody") == []
    assert tag_count(store) == 1


def test_updating_a_missing_node_returns_no_row_and_creates_nothing(store: GraphStore) -> None:
    assert store.write(statement("tag_update_name"), uid="nobody", version=1, name="x", now=1) == []
    assert tag_count(store) == 0


# --- units of work -------------------------------------------------------------------------


def test_unit_of_work_commits_all_writes_with_their_results(store: GraphStore) -> None:
    create_tag(store, "OLD", "old")
    with store.unit_of_work() as uow:
        uow.write(statement("tag_create"), uid="W1", name="one", now=1)
        uow.write(statement("tag_create"), uid="W2", name="two", now=1)
        uow.write(statement("tag_delete"), uid="OLD")
    created_one, created_two, deleted = uow.results
    assert [row["t"]["name"] for row in created_one + created_two] == ["one", "two"]
    assert deleted == [{"uid": "OLD"}]
    rows = store.read(statement("tag_list_by_uids"), uids=["W1", "W2", "OLD"])
    assert [row["t"]["uid"] for row in rows] == ["W1", "W2"]


def test_unit_of_work_writes_are_invisible_until_the_block_ends(store: GraphStore) -> None:
    with store.unit_of_work() as uow:
        uow.write(statement("tag_create"), uid="W1", name="one", now=1)
        assert get_tag(store, "W1") is None
    assert get_tag(store, "W1") is not None


def test_unit_of_work_writes_nothing_when_the_block_raises(store: GraphStore) -> None:
    create_tag(store, "KEEP", "kept")

    class Abort(Exception):
        pass

    with pytest.raises(Abort), store.unit_of_work() as uow:
        uow.write(statement("tag_create"), uid="W1", name="one", now=1)
        uow.write(statement("tag_update_name"), uid="KEEP", version=1, name="changed", now=2)
        uow.write(statement("tag_create"), uid="W2", name="two", now=1)
        raise Abort
    assert get_tag(store, "W1") is None
    assert get_tag(store, "W2") is None
    assert get_tag(store, "KEEP")["name"] == "kept"
    assert tag_count(store) == 1


def test_empty_unit_of_work_is_harmless(store: GraphStore) -> None:
    with store.unit_of_work() as uow:
        pass
    assert uow.results == []
    assert tag_count(store) == 0


# --- calls the code gets wrong -------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"uid": "P1", "name": "n"},  # now missing
        {"uid": "P1", "name": "n", "now": 1, "colour": "red"},  # colour unexpected
        {},
    ],
    ids=["missing", "extra", "none"],
)
def test_wrong_parameters_raise_value_error_before_anything_runs(
    store: GraphStore, params: dict[str, object]
) -> None:
    with pytest.raises(ValueError, match="tag_create"):
        store.write(statement("tag_create"), **params)
    with pytest.raises(ValueError, match="tag_get"):
        store.read(statement("tag_get"), **params)
    with pytest.raises(ValueError), store.unit_of_work() as uow:
        uow.write(statement("tag_create"), uid="P0", name="queued first", now=1)
        uow.write(statement("tag_create"), **params)
    assert tag_count(store) == 0


def test_unknown_statement_name_is_a_key_error(store: GraphStore) -> None:
    with pytest.raises(KeyError, match=NO_SUCH_STATEMENT):
        store.read(NO_SUCH_STATEMENT)
    with pytest.raises(KeyError, match=NO_SUCH_STATEMENT):
        store.write(NO_SUCH_STATEMENT)
    with pytest.raises(KeyError, match=NO_SUCH_STATEMENT), store.unit_of_work() as uow:
        uow.write(NO_SUCH_STATEMENT)
    assert tag_count(store) == 0


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (BROKEN_SYNTAX, "MATCH (n RETURN n"),
        (UNDEFINED_VARIABLE, "MATCH (n) RETURN m"),
        (UNKNOWN_FUNCTION, "RETURN no_such_function(1) AS x"),
    ],
)
def test_statement_the_engine_cannot_parse_is_a_cypher_syntax_error(
    second_store: GraphStore, tmp_path: Path, name: str, text: str
) -> None:
    second_store.cypher = library_with(tmp_path, second_store.backend, **{name: text})
    with pytest.raises(CypherSyntaxError):
        second_store.read(name)
    with pytest.raises(CypherSyntaxError):
        second_store.write(name)
    second_store.ping()


# --- time limits and availability ----------------------------------------------------------


def test_read_over_its_time_limit_is_stopped_with_query_timeout(
    second_store: GraphStore, tmp_path: Path
) -> None:
    second_store.cypher = library_with(
        tmp_path, second_store.backend, **{SLOW_COUNT: SLOW_QUERY, ONE_ROW: "RETURN 1 AS one"}
    )
    # The statement really is slow: it is still running when a 300 ms limit stops it ...
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        second_store.read(SLOW_COUNT, timeout_ms=300)
    assert time.monotonic() - started >= 0.25
    # ... and a 50 ms limit stops it soon after 50 ms, not when the work is done.
    started = time.monotonic()
    with pytest.raises(QueryTimeout):
        second_store.read(SLOW_COUNT, timeout_ms=50)
    assert 0.04 <= time.monotonic() - started < 2.0
    # The engine and this very connection still answer afterwards.
    second_store.ping()
    assert second_store.read(ONE_ROW, timeout_ms=1000) == [{"one": 1}]


@pytest.mark.parametrize(
    "url",
    [
        "falkordb://127.0.0.1:1/g",
        "unix:///nonexistent-gcrm-folder/falkordb.sock?graph=g",
    ],
)
def test_unreachable_falkordb_raises_store_unavailable(url: str) -> None:
    unreachable = open_store(parse_graph_url(url))
    try:
        with pytest.raises(StoreUnavailable):
            unreachable.ping()
        with pytest.raises(StoreUnavailable):
            unreachable.read(statement("tag_get"), uid="x")
        with pytest.raises(StoreUnavailable):
            unreachable.write(statement("tag_delete"), uid="x")
        with pytest.raises(StoreUnavailable), unreachable.unit_of_work() as uow:
            uow.write(statement("tag_delete"), uid="x")
    finally:
        unreachable.close()


@pytest.mark.parametrize("url", ["neo4j://127.0.0.1:1", "bolt://127.0.0.1:1"])
def test_unreachable_neo4j_ping_raises_store_unavailable(url: str) -> None:
    # Only ping: the driver retries a failed read or write for 30 s before giving up.
    unreachable = open_store(parse_graph_url(url))
    try:
        with pytest.raises(StoreUnavailable):
            unreachable.ping()
    finally:
        unreachable.close()


# --- schema --------------------------------------------------------------------------------


def test_apply_schema_twice_reports_everything_present(store: GraphStore) -> None:
    apply_schema(store)
    report = apply_schema(store)
    assert len(report) == len(schema_statements(store.cypher)) > 0
    assert all(line.startswith("present: ") for line in report), report


def test_schema_status_finds_nothing_missing_after_apply(store: GraphStore) -> None:
    apply_schema(store)
    status = schema_report(store)
    assert status.missing == []
    assert status.present == status.expected
    assert ("UNIQUE", "Tag", "uid") in status.expected
    # Each index says whether it serves queries yet; on a small graph all are built at once.
    assert {type(row["ready"]) for row in store.read("schema_index_list")} == {bool}
    assert status.building == []


# --- engine-specific -----------------------------------------------------------------------


def test_falkordb_only_read_of_a_graph_never_written_returns_no_rows(
    store: GraphStore, graph_url: GraphURL, embedded_server: EmbeddedServer | None
) -> None:
    # FalkorDB creates a graph on its first write; until then a read must still mean "empty".
    if store.backend != "falkordb":
        pytest.skip("FalkorDB keeps one graph per key; Neo4j databases are created by admins")
    name = f"gcrm_never_written_{uuid.uuid4().hex[:8]}"
    socket = embedded_server.socket_path if embedded_server else None
    fresh = open_store(dataclasses.replace(graph_url, database=name), socket_path=socket)
    try:
        assert fresh.read("node_count_by_label") == []
        assert fresh.read(statement("tag_get"), uid="x") == []
        assert len(schema_report(fresh).missing) == len(schema_report(store).expected)
    finally:
        fresh.close()
