"""Statement parameters as FalkorDB's ``CYPHER name=value ...`` prefix text.

FalkorDB takes parameters as Cypher literals in front of the query. The ``falkordb``
client's ``stringify_param_value`` writes them, but one value at a time through several
``isinstance`` checks, and a bulk write (an import batch of thousands of rows of maps)
spends most of its Python time there. ``cypher_query`` writes exactly the same text
(strings in double quotes with ``\\`` and ``"`` escaped, every other character as is;
``null``; lists in brackets; map keys in backticks; other values as ``str``) and refuses
the NUL character, which FalkorDB cannot take.

The text is written in two ways. The fast one (``_write``) quotes strings with the
``json`` module's C quoting (``encode_basestring``), which escapes ``\\`` and ``"`` exactly
as above and differs only for the control characters U+0000-U+001F (it writes ``\\n``,
``\\u0000``...: FalkorDB reads ``\\n`` as a newline but ``\\u0000`` as six characters),
and puts the pieces of each row of a batch in one list joined once. When a row's text holds
such an escape, the row is written again the exact way (``_encode``), which writes control
characters as they are and refuses NUL. Writing a whole batch with ``json.dumps``
was measured too: turning its ``"key":`` into backtick keys afterwards costs more than the
C encoder saves.
"""

from __future__ import annotations

import re
from json.encoder import encode_basestring as _quote  # C (``c_encode_basestring``) in CPython
from typing import Any


class NulCharacter(ValueError):
    """A parameter holds a NUL character (FalkorDB cannot take it)."""


_KEY_CACHE_SIZE = 4096  # map keys repeat (a batch's rows share them): each is checked once

# In the fast text a backslash starts one of json's escapes: \\ \" \b \f \n \r \t \uXXXX.
# One found by _CONTROL may be the tail of an escaped backslash ("\\n" is a backslash and
# an n); with every "\\" pair removed first (backslash runs start at an escape, so pairs
# are removed as json wrote them), what _CONTROL finds is a control character's escape.
_CONTROL = re.compile(r"\\[bfnrtu]")


def cypher_query(params: dict[str, Any], text: str) -> str:
    """``text`` with FalkorDB's parameter header in front: ``CYPHER name=value ... text``
    (``text`` alone without parameters). Written in one piece: an import batch's header is
    megabytes, and putting it in front of the statement afterwards would copy it again.

    ``NulCharacter`` when a value (or map key) holds a NUL character; ``ValueError`` for a
    map key FalkorDB's parser cannot carry (empty, or with a backtick)."""
    if not params:
        return text
    parts = ["CYPHER "]
    for name, value in params.items():
        parts += (name, "=")
        if type(value) is list and value:  # a batch: written row by row
            parts.append("[")
            for item in value:
                parts += (_exact(item), ",")
            parts[-1] = "]"
        else:
            parts.append(_exact(value))
        parts.append(" ")
    parts.append(text)
    return "".join(parts)


def _exact(value: Any) -> str:
    """``_encode``'s text of ``value``: the fast writer's unless it holds a control
    character's escape, then ``_encode``'s own. A batch's row is joined, and checked, while
    its pieces are in the CPU's cache (one join of a whole batch's ~290k pieces was slower),
    and a row with a control character does not send the whole batch the slow way."""
    if type(value) is str:
        text = _quote(value)
    else:
        pieces: list[str] = []
        _write(value, pieces)
        text = "".join(pieces)
    if "\\" in text and _CONTROL.search(text) and _CONTROL.search(text.replace("\\\\", "")):
        return _encode(value)
    return text


def cypher_literal(value: Any) -> str:
    """One parameter value as the literal ``cypher_query`` writes."""
    return _encode(value)


def _quoted(text: str) -> str:
    if "\x00" in text:
        raise NulCharacter("text values cannot contain a NUL character")
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if '"' in text:
        text = text.replace('"', '\\"')
    return '"' + text + '"'


class _Keys(dict[Any, str]):
    """Map keys' texts (`` `key`: ``), each plain ``str`` key checked once."""

    def __missing__(self, key: Any) -> str:
        text = key.decode() if isinstance(key, bytes) else str(key)
        if text == "":
            raise ValueError("Cypher map key cannot be empty")
        if "`" in text:
            raise ValueError(
                f"Cypher map key cannot contain a backtick: {text!r} (FalkorDB does not "
                "support escaped backticks in identifiers)"
            )
        if "\x00" in text:
            raise NulCharacter("map keys cannot contain a NUL character")
        written = "`" + text + "`:"
        if len(self) < _KEY_CACHE_SIZE and type(key) is str:
            self[key] = written
        return written


_keys = _Keys()


def _encode(value: Any) -> str:
    """The exact text: control characters as they are, NUL refused."""
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
        return "{" + ",".join([_keys[k] + _encode(v) for k, v in value.items()]) + "}"
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


def _write(value: Any, parts: list[str]) -> None:
    """Append ``_encode``'s text of ``value`` to ``parts``, except for control characters
    in strings (json's escapes). Pieces of nested values go to the same list, joined once,
    instead of being joined (copied) at every level of nesting."""
    kind = type(value)
    if kind is dict:
        if not value:
            parts.append("{}")
            return
        parts.append("{")
        for k, v in value.items():
            if type(v) is str:
                parts += (_keys[k], _quote(v), ",")
            else:
                parts.append(_keys[k])
                _write(v, parts)
                parts.append(",")
        parts[-1] = "}"  # over the last ","
    elif kind is list or kind is tuple:
        if not value:
            parts.append("[]")
            return
        parts.append("[")
        for v in value:
            if type(v) is str:
                parts += (_quote(v), ",")
            else:
                _write(v, parts)
                parts.append(",")
        parts[-1] = "]"
    elif kind is str:
        parts.append(_quote(value))
    elif value is None:
        parts.append("null")
    elif kind is int or kind is float or kind is bool:
        parts.append(str(value))
    else:  # subclasses and other types: as the exact writer has them
        parts.append(_encode(value))
