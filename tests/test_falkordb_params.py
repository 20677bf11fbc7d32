"""FalkorDB's parameter text: the fast encoder writes what the client's own encoder
writes, and every awkward value comes back from the engine as it went in."""

from __future__ import annotations

from typing import Any

import pytest
from falkordb.helpers import stringify_param_value

from graph.errors import InvalidValue
from graph.store.falkordb import FalkorDBStore
from graph.store.falkordb_params import NulCharacter, cypher_header, cypher_literal
from graph.store.protocol import GraphStore

AWKWARD_TEXT = [
    "",
    "plain",
    'say "hi"',
    "back\\slash",
    "ends with a backslash\\",
    '\\"',
    '\\\\""',
    "line one\nline two\r\nthree",
    "tab\there",
    "控制\x01\x02\x07\x1b\x1f\x7f",
    "上海明达有限公司",
    "emoji 😀 and 𠀀 (outside the BMP)",
    "zero width\u200b joiner\u200d",
    "quote ' and `backtick`",
    "{not: a map}",
    "$param and /* comment */ // and ;",
    "enc:v1:1a2b3c4d:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
]

VALUES: list[Any] = [
    *AWKWARD_TEXT,
    None,
    True,
    False,
    0,
    -17,
    2**53,
    1.5,
    -0.25,
    1e-7,
    [],
    {},
    AWKWARD_TEXT,
    [1, "two", None, [3.5, ["deep"]]],
    {"name": 'A "B"\\', "tags": ["x", "y"], "n": 3, "none": None},
    {"@type": "odd key", "with-hyphen": 1, "中文键": "值", "sp ace": [True]},
    [{"uid": "C1", "props": {"name": "王伟", "phone": "+8613812345678"}}],
    ("a", "tuple"),
]


@pytest.mark.parametrize("value", VALUES, ids=lambda v: repr(v)[:40])
def test_literal_is_the_clients_own_text(value: Any) -> None:
    assert cypher_literal(value) == stringify_param_value(value)


def test_header_names_each_parameter_in_order() -> None:
    header = cypher_header({"rows": [{"a": 1}], "now": "2024-05-20T00:00:00Z", "n": None})
    assert header == 'rows=[{`a`:1}] now="2024-05-20T00:00:00Z" n=null '


@pytest.mark.parametrize(
    "value", ["a\x00b", ["ok", "no\x00"], {"k": {"deep": ["\x00"]}}, {"ke\x00y": 1}]
)
def test_nul_anywhere_is_refused(value: Any) -> None:
    with pytest.raises(NulCharacter):
        cypher_header({"value": value})


@pytest.mark.parametrize("key", ["", "back`tick"])
def test_map_keys_the_parser_cannot_carry_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="map key"):
        cypher_literal({key: 1})


@pytest.mark.parametrize("value", [v for v in VALUES if v not in ({}, ("a", "tuple"))])
def test_engine_reads_back_what_was_sent(store: GraphStore, value: Any) -> None:
    result = store.run_readonly(
        "RETURN $value AS value", {"value": value}, timeout_ms=5000, row_cap=1
    )
    assert result.rows == [[value]]


def test_engine_refuses_nul_as_invalid_value(store: GraphStore) -> None:
    if not isinstance(store, FalkorDBStore):
        pytest.skip("FalkorDB only: its parameter text cannot carry NUL; Bolt sends it as is")
    with pytest.raises(InvalidValue):
        store.run_readonly(
            "RETURN $value AS value", {"value": ["a\x00"]}, timeout_ms=5000, row_cap=1
        )
