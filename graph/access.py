"""Who may see which records: the row-level scope of a request, as graph conditions.

A ``Scope`` says whose eyes a query is for. Sales staff see the customers owned by
themselves or by anyone who reports to them (at any depth), and the contacts, follow-ups,
orders and tickets of those customers; everyone else with access sees all rows. The scope
becomes one more ``Condition`` (operator ``visible_to``) that the query compiler turns into
a traversal from the user through ``REPORTS_TO`` and ``OWNS`` (see ``graph.query``).
"""

from __future__ import annotations

from dataclasses import dataclass

from graph.model import NodeModel
from graph.query import VISIBLE_TO, Condition


@dataclass(frozen=True)
class Scope:
    """The reader of a query: a username, whether rows are limited to their team's
    customers, and whether personal data may be shown unmasked."""

    username: str
    team_only: bool = False
    pii: bool = True

    @classmethod
    def everything(cls) -> Scope:
        """The scope of system work (CLI, seeding, benchmarks): all rows, all fields."""
        return cls(username="system")


def scope_conditions(model: type[NodeModel], scope: Scope) -> list[Condition]:
    """The conditions that limit ``model`` rows to what ``scope`` may see."""
    if not scope.team_only or model.scope_path is None:
        return []
    return [Condition(VISIBLE_TO, VISIBLE_TO, scope.username)]
