"""FAB filters for graph models: each one turns into a ``graph.records.filters.Condition``.

They keep out of FAB's process-wide ``map_args_filter`` (its base ``__init__`` registers
every filter class by ``arg_name``, so graph and SQL filters with the same name would
replace each other); REST operators are resolved per column by ``GraphFilters`` instead.
"""

from __future__ import annotations

from typing import Any

from flask_appbuilder.exceptions import (
    InvalidColumnFilterFABException,
    InvalidOperationFilterFABException,
)
from flask_appbuilder.models.filters import BaseFilter, BaseFilterConverter, Filters
from flask_babel import lazy_gettext as _l

from graph.records.filters import Condition


class GraphFilter(BaseFilter):
    """A filter on one declared field; ``op`` is the ``graph.records.filters`` operator."""

    op = ""

    def __init__(self, column_name: str, datamodel: Any, is_related_view: bool = False) -> None:
        # Deliberately not BaseFilter.__init__: see the module docstring.
        self.column_name = column_name
        self.datamodel = datamodel
        self.model = datamodel.obj
        self.is_related_view = is_related_view

    def condition(self, value: Any) -> Condition:
        """The graph condition this filter means for ``value``."""
        return Condition(self.column_name, self.op, value)

    def apply(self, query: Any, value: Any) -> Any:
        raise NotImplementedError("graph filters compile to Cypher, see condition()")


class FilterEqual(GraphFilter):
    name, arg_name, op = _l("Equal to"), "eq", "eq"


class FilterNotEqual(GraphFilter):
    name, arg_name, op = _l("Not equal to"), "neq", "neq"


class FilterContains(GraphFilter):
    name, arg_name, op = _l("Contains"), "ct", "ct"


class FilterStartsWith(GraphFilter):
    name, arg_name, op = _l("Starts with"), "sw", "sw"


class FilterGreater(GraphFilter):
    name, arg_name, op = _l("Greater than"), "gt", "gt"


class FilterSmaller(GraphFilter):
    name, arg_name, op = _l("Smaller than"), "lt", "lt"


class FilterInList(GraphFilter):
    name, arg_name, op = _l("In list"), "in", "in"

    def condition(self, value: Any) -> Condition:
        items = value if isinstance(value, list) else str(value).split(",")
        return Condition(self.column_name, "in", [str(v).strip() for v in items if str(v).strip()])


class FilterEmpty(GraphFilter):
    name, arg_name, op = _l("Is empty"), "empty", "empty"


class FilterRelationEqual(GraphFilter):
    name, arg_name, op = _l("Relation"), "rel_o_m", "rel_eq"

    def condition(self, value: Any) -> Condition:
        uid = getattr(value, "uid", value)
        return Condition(self.column_name, "rel_eq", uid)


class FilterRelationContains(FilterRelationEqual):
    name, arg_name = _l("Relation includes"), "rel_m_m"


class FilterRelationEmpty(GraphFilter):
    name, arg_name, op = _l("No relation"), "rel_empty", "rel_empty"


class GraphFilterConverter(BaseFilterConverter):
    """Which filters a field offers: personal data, relations and choices their own,
    any other property those of its field kind (``views.crud.kinds``)."""

    conversion_table = (
        # Personal data is encrypted: only its blind index matches, and only exactly.
        ("is_pii", [FilterEqual, FilterEmpty]),
        ("is_relation_many_to_many", [FilterRelationContains, FilterRelationEmpty]),
        ("is_relation_many_to_one", [FilterRelationEqual, FilterRelationEmpty]),
        ("is_enum", [FilterEqual, FilterNotEqual, FilterInList, FilterEmpty]),
    )

    def convert(self, col_name: str) -> list[GraphFilter] | None:
        for probe, offered in self.conversion_table:
            if getattr(self.datamodel, probe)(col_name):
                return [flt(col_name, self.datamodel) for flt in offered]
        kind = self.datamodel.view_kind(col_name)
        return [flt(col_name, self.datamodel) for flt in kind.filters] if kind else None


class GraphFilters(Filters):
    """FAB's ``Filters`` with REST operators resolved per column, never by global name."""

    def rest_add_filters(self, data: list[dict[str, Any]]) -> None:
        for item in data:
            try:
                column, operator, value = item["col"], item["opr"], item["value"]
            except (KeyError, TypeError):
                raise InvalidOperationFilterFABException("Invalid filter") from None
            if column not in self.search_columns:
                raise InvalidColumnFilterFABException(f"Filter column: {column} not allowed")
            for candidate in self._search_filters.get(column, []):
                if candidate.arg_name == operator:
                    self._add_filter(type(candidate)(column, self.datamodel), value)
                    break
            else:
                raise InvalidOperationFilterFABException(
                    f"Filter operation: {operator} not allowed on column: {column}"
                )


def conditions_of(filters: Filters | None) -> list[Condition]:
    """Active filters as graph conditions (empty values are ignored, as FAB does)."""
    if filters is None:
        return []
    found = []
    for flt, value in zip(filters.filters, filters.values, strict=True):
        if not isinstance(flt, GraphFilter):
            raise InvalidOperationFilterFABException(f"{type(flt).__name__} is not a graph filter")
        # The HTML search sends each filter value as a list (request.args.getlist).
        if isinstance(value, list) and not isinstance(flt, FilterInList):
            value = value[0] if value else None
        if value is None or (value == "" and flt.op not in ("empty", "rel_empty")):
            continue
        found.append(flt.condition(value))
    return found
