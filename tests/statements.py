"""Cypher statements only the tests run, kept out of the app's library (``cypher/``).

``tests/cypher/`` has the layout of ``cypher/`` (shared files, ``falkordb/`` and ``neo4j/``
variants) and is loaded by the same loader, so headers and parameters are checked alike;
a store runs a loaded ``Statement`` as it runs a name (``store.write(statement(...))``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graph.store.statements import DIALECTS, CypherLibrary, Statement

TESTS_CYPHER_DIR = Path(__file__).resolve().parent / "cypher"


@cache
def library(dialect: str) -> CypherLibrary:
    """The tests-only statements of one dialect."""
    return CypherLibrary(dialect, TESTS_CYPHER_DIR)


def statement(name: str, dialect: str | None = None) -> Statement:
    """The tests-only statement ``name``; one that differs by engine needs the store's
    ``dialect`` (``store.backend``)."""
    if dialect is not None:
        return library(dialect).get(name)
    variants = {library(each).get(name) for each in DIALECTS}
    if len(variants) != 1:
        raise ValueError(f"{name} differs by engine: pass the store's backend as dialect")
    return variants.pop()
