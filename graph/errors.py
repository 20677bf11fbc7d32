"""The project's exception hierarchy.

Backends translate driver errors into these (``raise ... from exc``) so that callers
never depend on which engine is behind ``GRAPH_URL``.

An error says what a person is told by a message ``key`` and its ``params``, never by
translated text: the web layer's error table (``views/messages.py``) turns them into a
message in the reader's language. ``str(error)`` is for logs.
"""

from typing import Any


class GraphCRMError(Exception):
    """Root of every error GraphCRM raises on purpose; ``key`` names its message (per class,
    or given where raised) and ``params`` fill it in. Errors whose message depends on the
    screen (a timeout, a masked field, a refused delete) keep the root key: their views
    say them."""

    key = "error"

    def __init__(self, *args: object, key: str | None = None, **params: Any) -> None:
        if key is not None:
            self.key = key
        self.params = params
        super().__init__(*(args or (f"{self.key} {params}" if params else self.key,)))


class ConfigError(GraphCRMError):
    """A setting is missing or wrong; the message names the setting to fix."""


class StoreError(GraphCRMError):
    """The graph engine refused or failed a statement."""


class StoreUnavailable(StoreError):
    """The graph engine cannot be reached (not running, wrong address, refused login)."""

    key = "unavailable"


class QueryTimeout(StoreError):
    """A statement ran longer than its time limit and was stopped by the engine."""


class CypherSyntaxError(StoreError):
    """The engine could not parse or plan a statement."""


class ConstraintViolation(StoreError):
    """A write would break a schema constraint, e.g. a duplicate unique ``uid``."""

    key = "duplicate"


class NotFound(GraphCRMError):
    """The record asked for does not exist (or is not visible to the caller)."""

    key = "not_found"


class StaleVersion(GraphCRMError):
    """An edit was based on a version of the record that someone else has since changed."""

    key = "stale"


class InvalidValue(GraphCRMError):
    """A value the graph must not store (e.g. a unique key that is blank or padded)."""

    key = "invalid_value"


class UnreadableValue(GraphCRMError):
    """An encrypted value cannot be decrypted: its key is not configured, or it was altered."""


class WriteRefused(StoreError):
    """A read-only query (the Cypher console) tried to change the graph; the engine refused."""

    key = "write_refused"


class MaskedField(GraphCRMError):
    """A reader who sees personal data masked asked to filter, search, sort or group by it
    (which would make the masked value an oracle); ``fields`` names them."""

    def __init__(self, label: str, fields: list[str]) -> None:
        super().__init__(f"{label}: {', '.join(fields)} shown masked to this reader")
        self.label = label
        self.fields = fields


class IdempotencyKeyReused(GraphCRMError):
    """An ``Idempotency-Key`` that carried one create came back with a different request."""

    key = "key_reused"


class HasDependants(GraphCRMError):
    """A delete refused because records whose required relation points at the record would
    be left behind; ``counts`` holds how many of each type (label, count), ``cascadable``
    whether their declarations allow deleting them together (an admin's choice)."""

    def __init__(self, label: str, uid: str, counts: tuple[tuple[str, int], ...], cascadable: bool):
        listed = ", ".join(f"{count} {name}" for name, count in counts)
        super().__init__(f"{label} {uid} still has {listed}")
        self.label = label
        self.uid = uid
        self.counts = counts
        self.cascadable = cascadable


class Stopped(Exception):  # noqa: N818 (a signal, not an error)
    """Raised by a progress callback to stop long work between steps because someone asked
    (a job's cancel: ``graph.jobs.context.JobCancelled``). Work that stops so is not failed:
    what it wrote stays, and whoever asked records it as cancelled."""
