"""Named Cypher: every statement lives in ``cypher/`` and is reached by its file name.

A statement file holds one statement after a header of ``//`` lines; one of them is
``// params: a, b`` (or ``// params: none``) and must match the ``$parameters`` the
statement uses. ``cypher/<dialect>/NAME.cypher`` replaces ``cypher/NAME.cypher`` for that
engine. ``schema.cypher`` in a dialect folder is a script: statements separated by ``;``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graph.errors import ConfigError

CYPHER_DIR = Path(__file__).resolve().parents[2] / "cypher"
DIALECTS = ("falkordb", "neo4j")
SCHEMA_FILE = "schema.cypher"

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PARAM_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


@dataclass(frozen=True)
class Statement:
    """One named statement, ready to run."""

    name: str
    text: str
    params: frozenset[str]
    path: Path
    first_line: int

    def check_params(self, given: dict[str, object]) -> None:
        """Refuse a call whose parameters differ from the ``// params:`` line."""
        missing = self.params - given.keys()
        extra = given.keys() - self.params
        if missing or extra:
            raise ValueError(
                f"{self.name}: missing parameters {sorted(missing)}, "
                f"unexpected {sorted(extra)} (see {self.path})"
            )


@dataclass(frozen=True)
class ScriptStatement:
    """One statement of a multi-statement script such as ``schema.cypher``."""

    path: Path
    line: int
    text: str


def _strip_comments(line: str) -> str:
    """Drop a ``//`` comment that is not inside a string literal."""
    masked = _STRING_LITERAL.sub(lambda m: "x" * len(m.group()), line)
    cut = masked.find("//")
    return line if cut < 0 else line[:cut]


def parse_statement_file(path: Path) -> Statement:
    """Read one statement file, checking its header against the parameters it uses."""
    return parse_statement_lines(path.read_text(encoding="utf-8").splitlines(), path, path.stem)


def parse_statement_lines(lines: list[str], path: Path, name: str, offset: int = 0) -> Statement:
    """One statement from its header and body ``lines`` (``offset`` lines into ``path``)."""
    declared: set[str] | None = None
    body_start = 0
    for number, line in enumerate(lines):
        stripped = line.strip()
        if not stripped.startswith("//"):
            body_start = number
            break
        comment = stripped[2:].strip()
        if comment.lower().startswith("params:"):
            value = comment.split(":", 1)[1].strip()
            declared = set() if value in ("", "none") else {p.strip() for p in value.split(",")}
    else:
        raise ConfigError(f"{path}:{offset + 1}: no statement after the header")
    if declared is None:
        raise ConfigError(f"{path}:{offset + 1}: header has no '// params:' line")
    body = "\n".join(lines[body_start:]).strip()
    code = "\n".join(_strip_comments(line) for line in lines[body_start:])
    used = set(_PARAM_USE.findall(_STRING_LITERAL.sub("''", code)))
    if used != declared:
        raise ConfigError(
            f"{path}:{offset + body_start + 1}: '// params:' says {sorted(declared)} "
            f"but the statement uses {sorted(used)}"
        )
    if ";" in _STRING_LITERAL.sub("''", code).rstrip().rstrip(";"):
        raise ConfigError(f"{path}:{offset + body_start + 1}: one statement per file")
    return Statement(
        name=name,
        text=body.rstrip(";"),
        params=frozenset(declared),
        path=path,
        first_line=offset + body_start + 1,
    )


def parse_script(path: Path) -> list[ScriptStatement]:
    """Split a script file into statements at ``;`` line ends, keeping line numbers."""
    statements: list[ScriptStatement] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = _strip_comments(raw).rstrip()
        if not line.strip():
            continue
        if not current:
            start = number
        current.append(line)
        if line.endswith(";"):
            statements.append(ScriptStatement(path, start, "\n".join(current).rstrip(";")))
            current = []
    if current:
        statements.append(ScriptStatement(path, start, "\n".join(current)))
    return statements


class CypherLibrary:
    """All named statements for one engine dialect, checked when loaded."""

    def __init__(self, dialect: str, root: Path = CYPHER_DIR) -> None:
        if dialect not in DIALECTS:
            raise ConfigError(f"unknown Cypher dialect {dialect!r}; expected one of {DIALECTS}")
        self.dialect = dialect
        self.root = root
        self._statements: dict[str, Statement] = {}
        for path in sorted(root.glob("*.cypher")):
            self._add(path, override=False)
        for path in sorted((root / dialect).glob("*.cypher")):
            if path.name != SCHEMA_FILE:
                self._add(path, override=True)

    def _add(self, path: Path, *, override: bool) -> None:
        if not _NAME.match(path.stem):
            raise ConfigError(f"{path}:1: statement names are lower_snake_case")
        if path.stem in self._statements and not override:
            raise ConfigError(f"{path}:1: duplicate statement name {path.stem!r}")
        self._statements[path.stem] = parse_statement_file(path)

    def get(self, name: str) -> Statement:
        """Return the statement called ``name``; unknown names are a programming error."""
        try:
            return self._statements[name]
        except KeyError:
            raise KeyError(f"no Cypher statement named {name!r} in {self.root}") from None

    def statement(self, name: str | Statement) -> Statement:
        """``name`` itself if it is already a (rendered) statement, else the named one."""
        return name if isinstance(name, Statement) else self.get(name)

    def names(self) -> list[str]:
        """All statement names available to this dialect."""
        return sorted(self._statements)

    def schema(self) -> list[ScriptStatement]:
        """The dialect's schema script (constraints and indexes), in order."""
        path = self.root / self.dialect / SCHEMA_FILE
        return parse_script(path) if path.exists() else []


@cache
def library(dialect: str) -> CypherLibrary:
    """The shared, immutable library for a dialect, loaded once per process."""
    return CypherLibrary(dialect)
