"""``GraphInterface``: Flask-AppBuilder's data interface on a graph node type.

FAB's views and REST APIs ask their ``datamodel`` for records, column types and relation
metadata; this adapter answers every probe from the node declaration (``graph.model.base``) and
serves every read and write through ``graph.records.repository.NodeRepository``. It is the only
place where FAB objects meet graph code, and so the one place that masks personal data
(``graph.security.masking``) for readers without the personal-data permission: every record and
history entry it hands to screens and REST is masked for them, and an edit by them keeps
a stored value unless they type a new one.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask_appbuilder.exceptions import InvalidOrderByColumnFABException
from flask_appbuilder.models.base import BaseInterface

from graph.errors import HasDependants, InvalidValue, MaskedField, NotFound
from graph.model.base import NodeModel, Prop, model_for
from graph.model.records import Record
from graph.records.events import personal_data_searched
from graph.records.filters import ORDERABLE_SYSTEM, Condition, InvalidQuery, orderable
from graph.records.history import ChangeEntry, mask_history
from graph.records.repository import NodeRepository
from graph.records.visibility import as_seen, hidden_links, hide_in_history
from graph.security.masking import mask_value
from graph.security.scope import Scope, scope_conditions
from views.crud import filters as graph_filters
from views.crud.filters import GraphFilterConverter, GraphFilters, conditions_of
from views.crud.kinds import ViewKind, view_kind
from views.display import Money
from views.scope import current_repository, current_scope, not_visible


class GraphInterface(BaseInterface):
    """FAB ``BaseInterface`` backed by Cypher through the node repository."""

    filter_converter_class = GraphFilterConverter
    FilterEqual = graph_filters.FilterEqual
    FilterRelationOneToManyEqual = graph_filters.FilterRelationEqual
    FilterRelationManyToManyEqual = graph_filters.FilterRelationContains

    def __init__(self, model: type[NodeModel]) -> None:
        super().__init__(model)
        self.model = model
        self.meta = model.meta
        self.message: tuple[str, str] | None = None
        self.deleted_with: dict[str, int] = {}

    # -- plumbing -----------------------------------------------------------------------

    @property
    def repository(self) -> NodeRepository:
        """The repository for this node type, on the current app's store."""
        return current_repository(self.model)

    def scope(self) -> Scope:
        """Whose eyes this request is for (set by the app's security; nobody's otherwise)."""
        return current_scope()

    def conditions(self, filters: Any = None) -> list[Condition]:
        """Row-level conditions of the current user first, then the request's filters.

        A filter on personal data is refused (``MaskedField``) for a reader who sees it
        masked: exact matches would let them recover the value one guess at a time. For
        a reader allowed to see it, such a search is audited (field names, not values).
        """
        requested = conditions_of(filters)
        personal = sorted({c.field for c in requested if self.is_pii(c.field)})
        if personal:
            if not self.scope().pii:
                raise MaskedField(self.model.label, personal)
            personal_data_searched.send(self.model.label, fields=personal)
        return scope_conditions(self.model, self.scope()) + requested

    def hidden_columns(self) -> list[str]:
        """Personal-data fields the current reader sees masked (never offered as filters)."""
        if self.scope().pii:
            return []
        return [p.name for p in self.meta.props if p.pii]

    def present(self, records: list[Record]) -> list[Record]:
        """``records`` as the current reader may see them (in place): personal data masked
        unless they have the personal-data permission, and related records they may not
        see replaced by placeholders (``graph.records.visibility``)."""
        return as_seen(self.repository.store, records, self.scope(), not_visible())

    def history(self, uid: str) -> list[ChangeEntry]:
        """The history of record ``uid`` as in ``present``: personal data masked, related
        records the reader may not see as placeholders."""
        scope = self.scope()
        entries = self.repository.history(uid)
        if not scope.pii:
            entries = mask_history(self.model, entries)
        return hide_in_history(self.repository.store, self.model, entries, scope, not_visible())

    @property
    def model_name(self) -> str:
        return self.model.label

    def obj(self) -> Record:  # FAB calls datamodel.obj() for an empty item
        return Record(self.model)

    def get_filters(self, search_columns=None, search_filters=None) -> GraphFilters:
        return GraphFilters(
            self.filter_converter_class,
            self,
            search_columns=search_columns or [],
            search_filters=search_filters,
        )

    # -- reads --------------------------------------------------------------------------

    def query(
        self,
        filters: Any = None,
        order_column: str = "",
        order_direction: str = "",
        page: int | None = None,
        page_size: int | None = None,
        select_columns: list[str] | None = None,
        outer_default_load: bool = False,
        **_: Any,
    ) -> tuple[int, list[Record]]:
        if order_column and order_column not in self.get_order_columns_list():
            raise InvalidOrderByColumnFABException(f"Invalid order by column: {order_column}")
        size = int(page_size) if page_size else int(current_app.config["GRAPHCRM_MAX_ROWS"])
        skip = int(page or 0) * size
        try:
            total, records = self.repository.list(
                self.conditions(filters),
                order_column or None,
                order_direction or "asc",
                skip,
                size,
            )
        except InvalidQuery as exc:
            raise InvalidOrderByColumnFABException(str(exc)) from exc
        return total, self.present(records)

    def get(
        self,
        id: Any,  # noqa: A002  (FAB's name)
        filters: Any = None,
        select_columns: list[str] | None = None,
        outer_default_load: bool = False,
    ) -> Record | None:
        if id in (None, ""):
            return None
        record = self.repository.get(str(id), self.conditions(filters))
        return None if record is None else self.present([record])[0]

    @staticmethod
    def _get_attr_value(item: Any, col: str) -> Any:
        """A value as list and record pages get it; an amount comes with its record's
        currency (``Prop.currency``), for ``views.display`` to show them together."""
        value = BaseInterface._get_attr_value(item, col)
        prop = item.model.meta.prop(col) if isinstance(item, Record) else None
        if prop is not None and prop.currency and value is not None:
            return Money(value, getattr(item, prop.currency, None))
        return value

    def get_keys(self, lst: list[Record]) -> list[str]:
        return [item.uid or "" for item in lst]

    def get_pk_name(self) -> str:
        return "uid"

    def get_pk_value(self, item: Any) -> str | None:
        return getattr(item, "uid", None)

    # -- writes -------------------------------------------------------------------------

    def actor(self) -> str:
        """The user name history entries and audit events name for this request."""
        user = getattr(g, "user", None)
        return getattr(user, "username", None) or "system"

    def _values(self, item: Record) -> dict[str, Any]:
        names = [p.name for p in self.meta.props if p.editable] + [
            r.name for r in self.meta.rels if r.editable
        ]
        return {name: getattr(item, name) for name in names}

    def _check_links(self, values: dict[str, Any]) -> None:
        """Refuse links to records the user may not see, as if they did not exist."""
        scope = self.scope()
        for rel in self.meta.rels:
            target = model_for(rel.target)
            if rel.name not in values or not scope_conditions(target, scope):
                continue
            chosen = values[rel.name]
            items = chosen if isinstance(chosen, list) else [chosen] if chosen else []
            repository = current_repository(target)
            for item in items:
                if getattr(item, "hidden", False):
                    continue  # a placeholder: the edit keeps the link as stored
                uid = getattr(item, "uid", item)
                if repository.get(str(uid), scope_conditions(target, scope)) is None:
                    raise InvalidValue(f"{rel.name}: {target.label} {uid} does not exist")

    def _default_owner(self, values: dict[str, Any]) -> None:
        """A salesperson's new customer is theirs unless they name another owner."""
        scope = self.scope()
        if not scope.team_only or self.meta.rel("owner") is None or values.get("owner"):
            return
        users = current_repository(model_for("User"))
        found = users.page([Condition("username", "eq", scope.username)], limit=1)
        if found:
            values["owner"] = found[0].ref()

    def add(
        self,
        item: Record,
        commit: bool = True,
        *,
        idempotency_key: str | None = None,
        request_hash: str = "",
    ) -> bool:
        """Create ``item``; with an ``idempotency_key`` (a REST client's, already scoped to
        the caller) a create that already happened returns its record instead."""
        values = self._values(item)
        self._default_owner(values)
        self._check_links(values)
        created = self.repository.create(
            values,
            actor=self.actor(),
            idempotency_key=idempotency_key,
            request_hash=request_hash,
        )
        item.__dict__.update(created.__dict__)
        self.present([item])
        return True

    def edit(self, item: Record, commit: bool = True) -> bool:
        before = self.repository.get(item.uid or "", self.conditions())
        if before is None:
            raise NotFound(f"{self.model.label} {item.uid} does not exist")
        # The version the editor started from, carried by the form or the REST body; a
        # missing or garbled version counts as stale rather than as "overwrite anyway".
        version: Any = item.version  # from a form or a REST body: anything
        try:
            before.version = int(version)
        except (TypeError, ValueError):
            before.version = -1
        values = self._values(item)
        self._keep_hidden_values(before, values)
        self._check_links(values)
        self._keep_hidden_links(before, values)
        updated = self.repository.update(before, values, actor=self.actor())
        item.__dict__.update(updated.__dict__)
        self.present([item])
        return True

    def _keep_hidden_values(self, before: Record, values: dict[str, Any]) -> None:
        """A reader who sees personal data masked leaves it as stored unless they type a
        new value: a blank field or the masked text itself (from a form or a REST
        round trip) is not a change."""
        if self.scope().pii:
            return
        for prop in self.meta.props:
            if prop.pii and prop.name in values:
                value = values[prop.name]
                stored = getattr(before, prop.name, None)
                if value in (None, "") or value == mask_value(prop, stored):
                    del values[prop.name]

    def _keep_hidden_links(self, before: Record, values: dict[str, Any]) -> None:
        """Links to records the reader may not see stay as stored: they were shown as
        placeholders, which an edit neither removes nor sends back. A single relation is
        replaced only when the reader chooses another record."""
        hidden = hidden_links(self.repository.store, before, self.scope())
        for rel in self.meta.rels:
            if rel.name not in values:
                continue
            chosen = values[rel.name]
            if rel.many:
                kept = [v for v in chosen or [] if not getattr(v, "hidden", False)]
                values[rel.name] = kept + [r for r in hidden.get(rel.name, []) if r not in kept]
            elif getattr(chosen, "hidden", False) or (chosen in (None, "") and rel.name in hidden):
                del values[rel.name]

    def delete(self, item: Record, commit: bool = True, *, cascade: bool = False) -> bool:
        """Delete ``item``; records that need it refuse (``HasDependants``) unless
        ``cascade`` (the caller checks that the user may ask for it). What went with it
        is left in ``self.deleted_with`` (label -> count)."""
        # The record as stored, not as shown: its history entry keeps the real values.
        stored = self.repository.get(item.uid or "", self.conditions())
        if stored is None:
            raise NotFound(f"{self.model.label} {item.uid} does not exist")
        self.deleted_with = self.repository.delete(stored, actor=self.actor(), cascade=cascade)
        return True

    def delete_blockers(self, uid: str) -> HasDependants | None:
        """What a plain delete of ``uid`` would be refused for (records that need it)."""
        return self.repository.blockers(uid)

    # -- column probes ------------------------------------------------------------------

    def _prop(self, col_name: str) -> Prop | None:
        return self.meta.prop(col_name)

    def view_kind(self, col_name: str) -> ViewKind | None:
        """The web field kind of a declared property (None for relations and others)."""
        prop = self._prop(col_name)
        return view_kind(prop) if prop is not None else None

    def _answers(self, col_name: str, fab_type: str) -> bool:
        """Whether FAB's probe ``is_<fab_type>`` answers True for ``col_name``."""
        kind = self.view_kind(col_name)
        return kind is not None and kind.fab_type == fab_type

    def get_columns_list(self) -> list[str]:
        return [p.name for p in self.meta.props] + [r.name for r in self.meta.rels]

    def get_user_columns_list(self) -> list[str]:
        return self.get_columns_list()

    def get_search_columns_list(self) -> list[str]:
        return [p.name for p in self.meta.props if p.searchable] + [
            r.name for r in self.meta.rels if r.searchable
        ]

    def get_order_columns_list(self, list_columns: list[str] | None = None) -> list[str]:
        columns = [p.name for p in self.meta.props if orderable(p)] + list(ORDERABLE_SYSTEM)
        if list_columns:
            return [c for c in list_columns if c in columns]
        return columns

    def is_pii(self, col_name: str) -> bool:
        """Personal data: stored encrypted, matched only exactly, masked for some readers."""
        prop = self._prop(col_name)
        return prop is not None and prop.pii

    def is_string(self, col_name: str) -> bool:
        return self._answers(col_name, "string") and not self.is_enum(col_name)

    def is_text(self, col_name: str) -> bool:
        return self._answers(col_name, "text")

    def is_integer(self, col_name: str) -> bool:
        return self._answers(col_name, "integer")

    def is_float(self, col_name: str) -> bool:
        return self._answers(col_name, "float")

    def is_numeric(self, col_name: str) -> bool:
        return self.is_float(col_name)

    def is_boolean(self, col_name: str) -> bool:
        return self._answers(col_name, "boolean")

    def is_date(self, col_name: str) -> bool:
        return self._answers(col_name, "date")

    def is_datetime(self, col_name: str) -> bool:
        return self._answers(col_name, "datetime")

    def is_enum(self, col_name: str) -> bool:
        prop = self._prop(col_name)
        return prop is not None and bool(prop.choices)

    def is_relation(self, col_name: str) -> bool:
        return self.meta.rel(col_name) is not None

    def is_relation_many_to_one(self, col_name: str) -> bool:
        rel = self.meta.rel(col_name)
        return rel is not None and not rel.many

    def is_relation_many_to_many(self, col_name: str) -> bool:
        rel = self.meta.rel(col_name)
        return rel is not None and rel.many

    def is_relation_one_to_one(self, col_name: str) -> bool:
        return False

    def is_relation_one_to_many(self, col_name: str) -> bool:
        return False

    def is_nullable(self, col_name: str) -> bool:
        item = self.meta.by_name.get(col_name)
        return item is None or not item.required

    def is_unique(self, col_name: str) -> bool:
        prop = self._prop(col_name)
        return prop is not None and prop.unique

    def is_pk(self, col_name: str) -> bool:
        return col_name == "uid"

    def is_pk_composite(self) -> bool:
        return False

    def is_fk(self, col_name: str) -> bool:
        return False

    def get_max_length(self, col_name: str) -> int:
        prop = self._prop(col_name)
        return prop.max_length if prop is not None and prop.max_length else -1

    def get_col_default(self, col_name: str) -> Any:
        prop = self._prop(col_name)
        return prop.default if prop is not None else None

    def get_related_model(self, col_name: str) -> type[NodeModel]:
        rel = self.meta.rel(col_name)
        if rel is None:
            raise KeyError(col_name)
        return model_for(rel.target)

    def get_related_interface(self, col_name: str) -> GraphInterface:
        return GraphInterface(self.get_related_model(col_name))

    def get_related_fk(self, model: type[NodeModel]) -> str | None:
        for rel in self.meta.rels:
            if rel.target == model.label:
                return rel.name
        return None

    def get_related_obj(self, col_name: str, value: Any) -> Record | None:
        return self.get_related_interface(col_name).get(value)
