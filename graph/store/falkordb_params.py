"""Statement parameters as FalkorDB's ``CYPHER name=value ...`` prefix text.

FalkorDB takes parameters as Cypher literals in front of the query. The ``falkordb``
client's ``stringify_param_value`` writes them, but one value at a time through several
``isinstance`` checks, and a bulk write (an import batch of thousands of rows of maps)
spends most of its Python time there. ``cypher_header`` writes exactly the same text
(strings in double quotes with ``\\`` and ``"`` escaped, every other character as is;
``null``; lists in brackets; map keys in backticks; other values as ``str``) in one pass
that also refuses the NUL character, which FalkorDB cannot take.
"""

from __future__ import annotations

from typing import Any


class NulCharacter(ValueError):
    """A parameter holds a NUL character (FalkorDB cannot take it)."""


_KEY_CACHE_SIZE = 4096  # map keys repeat (a batch's rows share them): each is checked once
_keys: dict[Any, str] = {}


def cypher_header(params: dict[str, Any]) -> str:
    """``name=value `` for each parameter, the prefix FalkorDB reads after ``CYPHER``.

    ``NulCharacter`` when a value (or map key) holds a NUL character; ``ValueError`` for a
    map key FalkorDB's parser cannot carry (empty, or with a backtick)."""
    return "".join([f"{name}={_encode(value)} " for name, value in params.items()])


def cypher_literal(value: Any) -> str:
    """One parameter value as the literal ``cypher_header`` writes."""
    return _encode(value)


def _quoted(text: str) -> str:
    if "\x00" in text:
        raise NulCharacter("text values cannot contain a NUL character")
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if '"' in text:
        text = text.replace('"', '\\"')
    return '"' + text + '"'


def _key(key: Any) -> str:
    known = _keys.get(key)
    if known is not None:
        return known
    text = key.decode() if isinstance(key, bytes) else str(key)
    if text == "":
        raise ValueError("Cypher map key cannot be empty")
    if "`" in text:
        raise ValueError(
            f"Cypher map key cannot contain a backtick: {text!r} (FalkorDB does not support "
            "escaped backticks in identifiers)"
        )
    if "\x00" in text:
        raise NulCharacter("map keys cannot contain a NUL character")
    written = "`" + text + "`:"
    if len(_keys) < _KEY_CACHE_SIZE and type(key) is str:
        _keys[key] = written
    return written


def _encode(value: Any) -> str:
    kind = type(value)
    if kind is str:
        # _quoted inlined: strings are most of a batch's values
        if "\x00" in value:
            raise NulCharacter("text values cannot contain a NUL character")
        if "\\" in value:
            value = value.replace("\\", "\\\\")
        if '"' in value:
            value = value.replace('"', '\\"')
        return '"' + value + '"'
    if kind is dict:
        return "{" + ",".join([_key(k) + _encode(v) for k, v in value.items()]) + "}"
    if kind is list or kind is tuple:
        return "[" + ",".join([_encode(v) for v in value]) + "]"
    if value is None:
        return "null"
    if kind is int or kind is float or kind is bool:
        return str(value)
    if isinstance(value, str):  # a str subclass (e.g. an enum's value)
        return _quoted(str.__str__(value))
    if isinstance(value, list | tuple):
        return _encode(list(value))
    if isinstance(value, dict):
        return _encode(dict(value))
    return str(value)
