"""Who may see which records: the row-level scope of a request, as graph conditions.

A ``Scope`` says whose eyes a query is for. Sales staff see the customers owned by
themselves or by anyone who reports to them (at any depth), and the contacts, follow-ups,
orders and tickets of those customers; everyone else with access sees all rows of the node
types their role may read. The scope becomes one more ``Condition`` (operator
``visible_to``) that the query compiler turns into a traversal from the user through
``REPORTS_TO`` and ``OWNS`` (see ``graph.records.filters``). A reader of unknown scope
(``Scope.nobody()``) sees no record at all: visibility fails closed.
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.model.base import NodeModel
from graph.model.conditions import Condition

# Row-level access: the operator (and field) of "the node is visible to this username",
# which the query compiler turns into the traversal (``graph.records.filters``).
VISIBLE_TO = "visible_to"


@dataclass(frozen=True)
class Scope:
    """The reader of a query: a username, whether rows are limited to their team's
    customers, whether personal data may be shown unmasked, and the node types their
    role may read (``None``: every type)."""

    username: str
    team_only: bool = False
    pii: bool = True
    labels: frozenset[str] | None = None

    @classmethod
    def everything(cls) -> Scope:
        """The scope of system work (CLI, seeding, benchmarks): all rows, all fields."""
        return cls(username="system")

    @classmethod
    def nobody(cls) -> Scope:
        """The scope of a reader nobody vouched for (anonymous, or no scope provider):
        no record of any type, personal data masked."""
        return cls(username="", team_only=True, pii=False, labels=frozenset())

    def may_read(self, model: type[NodeModel]) -> bool:
        """Whether this reader's role may read records of ``model`` at all."""
        return self.labels is None or model.label in self.labels

    def limits(self, model: type[NodeModel]) -> bool:
        """Whether some records of ``model`` are out of this reader's sight."""
        return not self.may_read(model) or (self.team_only and model.scope_path is not None)


# A condition no node meets: the rows of a type the reader may not read.
_NO_ROWS = Condition("uid", "in", [])


def scope_conditions(model: type[NodeModel], scope: Scope) -> list[Condition]:
    """The conditions that limit ``model`` rows to what ``scope`` may see."""
    if not scope.may_read(model):
        return [_NO_ROWS]
    if not scope.team_only or model.scope_path is None:
        return []
    return [Condition(VISIBLE_TO, VISIBLE_TO, scope.username)]
