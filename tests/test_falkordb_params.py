"""FalkorDB's parameter text: the fast encoder writes what the client's own encoder
writes, and every awkward value comes back from the engine as it went in."""

from __future__ import annotations

import enum
import json
import random
from typing import Any

import pytest
from falkordb.helpers import stringify_param_value

from graph.errors import InvalidValue
from graph.store.falkordb import FalkorDBStore
from graph.store.falkordb_params import NulCharacter, _write, cypher_literal, cypher_query
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
    params = {"rows": [{"a": 1}], "now": "2024-05-20T00:00:00Z", "n": None}
    query = cypher_query(params, "RETURN $n")
    assert query == 'CYPHER rows=[{`a`:1}] now="2024-05-20T00:00:00Z" n=null RETURN $n'
    assert cypher_query({}, "RETURN 1") == "RETURN 1"


@pytest.mark.parametrize(
    "value", ["a\x00b", ["ok", "no\x00"], {"k": {"deep": ["\x00"]}}, {"ke\x00y": 1}]
)
def test_nul_anywhere_is_refused(value: Any) -> None:
    with pytest.raises(NulCharacter):
        cypher_query({"value": value}, "RETURN $value")


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


# -- the fast writer against the previous encoder ----------------------------------------


_previous_keys: dict[Any, str] = {}


def _previous_literal(value: Any) -> str:
    """The encoder as it was before the fast writer (commit 924c2c6's ``_encode``), kept
    as the reference."""
    kind = type(value)
    if kind is str:
        if "\x00" in value:
            raise NulCharacter("text values cannot contain a NUL character")
        if "\\" in value:
            value = value.replace("\\", "\\\\")
        if '"' in value:
            value = value.replace('"', '\\"')
        return '"' + value + '"'
    if kind is dict:
        return (
            "{"
            + ",".join([_previous_key(k) + _previous_literal(v) for k, v in value.items()])
            + "}"
        )
    if kind is list or kind is tuple:
        return "[" + ",".join([_previous_literal(v) for v in value]) + "]"
    if value is None:
        return "null"
    if kind is int or kind is float or kind is bool:
        return str(value)
    if isinstance(value, str):
        return _previous_literal(str.__str__(value))
    if isinstance(value, list | tuple):
        return _previous_literal(list(value))
    if isinstance(value, dict):
        return _previous_literal(dict(value))
    return str(value)


def _previous_key(key: Any) -> str:
    known = _previous_keys.get(key)
    if known is not None:
        return known
    text = key.decode() if isinstance(key, bytes) else str(key)
    if text == "":
        raise ValueError("Cypher map key cannot be empty")
    if "`" in text:
        raise ValueError(f"Cypher map key cannot contain a backtick: {text!r}")
    if "\x00" in text:
        raise NulCharacter("map keys cannot contain a NUL character")
    written = "`" + text + "`:"
    if len(_previous_keys) < 4096 and type(key) is str:
        _previous_keys[key] = written
    return written


def _previous_query(params: dict[str, Any]) -> str:
    """The statement text as FalkorDBStore composed it before: header, then the query."""
    header = "".join([f"{name}={_previous_literal(value)} " for name, value in params.items()])
    return f"CYPHER {header}{QUERY}"


# A statement whose own text has a backslash before an n: only the header is checked for
# control characters' escapes.
QUERY = "RETURN '\\n' AS text"


# Every control character but NUL, the characters json escapes, and text of every width.
CHARACTERS = (
    [chr(c) for c in range(1, 32)]
    + list("\\\"'`{}[]:,$ /*-_.")
    + list("aZ09")
    + ["\x7f", "\u00e9", "\u2028", "上", "海", "😀", "𠀀", "\ufeff", "\\u0041", "\\n", "\\\\"]
)
PLAIN = list("abcXYZ019 -_.@+") + ["上", "海", "😀", "é", '"', "\\", "'", "`"]


def _random_text(rng: random.Random, pool: list[str]) -> str:
    return "".join(rng.choice(pool) for _ in range(rng.randrange(0, 12)))


def _random_value(rng: random.Random, pool: list[str], depth: int = 0) -> Any:
    roll = rng.random()
    if depth < 3 and roll < 0.15:
        keys = ["uid", "props", "name", "中文键", "with-hyphen", "sp ace", "@type", "n1"]
        return {
            rng.choice(keys): _random_value(rng, pool, depth + 1)
            for _ in range(rng.randrange(0, 5))
        }
    if depth < 3 and roll < 0.3:
        return [_random_value(rng, pool, depth + 1) for _ in range(rng.randrange(0, 5))]
    return rng.choice(
        [
            _random_text(rng, pool),
            _random_text(rng, pool),
            None,
            rng.choice([True, False]),
            rng.randrange(-(2**70), 2**70),
            rng.uniform(-1e6, 1e6),
            rng.choice([0.1, 1e-7, 1e22, -0.0, 2.5e-308]),
            tuple(_random_text(rng, pool) for _ in range(2)),
        ]
    )


@pytest.mark.parametrize("pool", [CHARACTERS, PLAIN], ids=["control characters", "plain"])
def test_header_is_the_previous_encoders_text_for_random_values(pool: list[str]) -> None:
    rng = random.Random(16)
    for _ in range(3000):
        params = {f"p{i}": _random_value(rng, pool) for i in range(rng.randrange(1, 4))}
        assert cypher_query(params, QUERY) == _previous_query(params)
        if pool is PLAIN:  # no control characters: the fast writer's own text is exact
            for value in params.values():
                parts: list[str] = []
                _write(value, parts)
                assert "".join(parts) == _previous_literal(value)


def test_header_of_an_import_batch_is_the_previous_encoders_text() -> None:
    rows = [_import_row(i) for i in range(300)]
    params = {"import_id": "IM20261205-abc", "cursor": 301, "rows": rows, "now": "2026-12-05"}
    assert cypher_query(params, QUERY) == _previous_query(params)
    # one note with a newline, anywhere in the batch: the whole header stays exact
    rows[150]["props"]["note"] = "line one\nline two"
    assert cypher_query(params, QUERY) == _previous_query(params)


@pytest.mark.parametrize(
    "values",
    [
        # an escaped backslash before a letter json uses in escapes: no control character
        ["C:\\new\\table", "\\u0041", "ends\\"],
        # a string ending in a backslash beside one with a control character
        ["ends\\", "tab\there"],
        ["\\\\\n", '\\"\r', "\\\x1f"],
    ],
)
def test_backslashes_beside_control_characters_keep_the_exact_text(values: list[str]) -> None:
    params = {"values": values, "map": {"k": values}}
    assert cypher_query(params, QUERY) == _previous_query(params)


def test_subclasses_are_written_as_before() -> None:
    class Stage(enum.StrEnum):
        LEAD = "lead"

    class Number(enum.IntEnum):
        ONE = 1

    class Rows(list[Any]):
        pass

    value = {Stage.LEAD: [Stage.LEAD, Number.ONE], "rows": Rows([{"a": Stage.LEAD}]), "b": b"x"}
    assert cypher_query({"value": value}, QUERY) == _previous_query({"value": value})


@pytest.mark.parametrize("key", ["", "back`tick"])
def test_header_refuses_keys_the_parser_cannot_carry(key: str) -> None:
    with pytest.raises(ValueError, match="map key"):
        cypher_query({"rows": [{"ok": 1, key: 1}]}, "RETURN $rows")


def _import_row(i: int) -> dict[str, Any]:
    return {
        "uid": f"C{i:09d}",
        "props": {
            "name": f"上海客户{i:07d}有限公司",
            "phone": "enc:v1:c63d7f6d:2qUUnRwdWVCQM9XqaUtC3JSKJRegXy12sHFK49B1gV0711wA7vlp9hs",
            "phone_bidx": "DqxmjioLgjW4zHSxtrIjuQ",
            "search_version": 1,
            "amount": 1.5 * i,
            "vip": i % 2 == 0,
            "tags": ["a", f'q"{i}', "\\"],
            "none": None,
        },
        "change": {
            "fields": json.dumps([{"field": "name", "old": None, "new": f"客户{i}"}]),
            "at": "2026-12-05T06:34:33Z",
        },
        "contacts": [{"uid": f"K{i}", "props": {"name": "王伟", "emoji": "😀"}}],
    }


def test_engine_reads_back_an_import_batch(store: GraphStore) -> None:
    rows = [_import_row(i) for i in range(50)]
    rows[7]["props"]["note"] = "line one\nline two\ttab\r\n"
    rows[8]["props"]["deep"] = {"empty": {}, "list": [[], [None, 2**62], {"x": -0.5}]}
    result = store.run_readonly(
        "UNWIND $rows AS row RETURN row", {"rows": rows}, timeout_ms=10000, row_cap=100
    )
    assert result.rows == [[row] for row in rows]


def _engine_value(rng: random.Random, pool: list[str], depth: int = 0) -> Any:
    """A random value every engine represents as it is (64-bit integers, plain floats)."""
    roll = rng.random()
    if depth < 3 and roll < 0.2:
        keys = ["uid", "props", "name", "中文键", "n1"]
        return {
            rng.choice(keys): _engine_value(rng, pool, depth + 1)
            for _ in range(rng.randrange(0, 5))
        }
    if depth < 3 and roll < 0.4:
        return [_engine_value(rng, pool, depth + 1) for _ in range(rng.randrange(0, 5))]
    return rng.choice(
        [
            _random_text(rng, pool),
            _random_text(rng, pool),
            None,
            rng.choice([True, False]),
            rng.randrange(-(2**62), 2**62),
            rng.choice([0.1, 1e-7, 1e22, -0.25, 3.0]),
        ]
    )


@pytest.mark.parametrize("pool", [CHARACTERS, PLAIN], ids=["control characters", "plain"])
def test_engine_reads_back_random_batches(store: GraphStore, pool: list[str]) -> None:
    rng = random.Random(21)
    for _ in range(40):
        rows = [_engine_value(rng, pool) for _ in range(rng.randrange(1, 20))]
        result = store.run_readonly(
            "UNWIND $rows AS row RETURN row", {"rows": rows}, timeout_ms=10000, row_cap=100
        )
        assert result.rows == [[row] for row in rows]
