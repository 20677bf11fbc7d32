"""Generated CRUD screens: one FAB ModelView per declared node type.

Each view is built from the node declaration (list/search/order columns, labels, form
fields with schema validation, relation selects filled by search). ``GraphModelView``
adds what FAB lacks on a graph: a stale edit is refused with a clear message, and every
record page shows its change history.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import ModelView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.urltools import get_filter_args, get_order_args
from flask_appbuilder.widgets import ListWidget
from flask_babel import lazy_gettext

from graph.errors import (
    ConstraintViolation,
    HasDependants,
    InvalidValue,
    MaskedField,
    NotFound,
    StaleVersion,
)
from graph.io.export import InvalidExport
from graph.model.base import NodeModel, model_for
from graph.model.records import Ref
from graph.records.filters import InvalidQuery
from views import display
from views.crud import actions, deletes, dialogs, exports, fields, kinds, links
from views.crud.history import readable_history
from views.crud.interface import GraphInterface
from views.crud.search_form import KeptSearchWidget
from views.labels import bilingual, choice_label, lazy_format, model_labels
from views.scope import current_repository
from views.texts import (
    ADDED,
    DELETED,
    DUPLICATE,
    EMPTY,
    GONE,
    KEEP_HIDDEN,
    LINK_GONE,
    SAVED,
    STALE_KEPT,
    STORED_NOW,
    masked_field_message,
)

# At most this many records preselected from a query string (a URL is no bulk input).
MAX_PRESELECTED = 20


def _shown(model: type[NodeModel], name: str, value: Any) -> str:
    """A stored value as a person reads it: choice labels, titles, times to the minute."""
    prop = model.meta.prop(name)
    if value in (None, "", []):
        return str(EMPTY)
    if prop is not None and prop.choices:
        return choice_label(prop.choices, value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return kinds.shown_value(prop, value)


def _comparable(value: Any) -> Any:
    """A form or stored value reduced to what equality means: uids for relations."""
    if isinstance(value, list):
        return sorted(str(getattr(v, "uid", v)) for v in value)
    value = getattr(value, "uid", value)
    return None if value in ("", []) else value


def stored_differences(
    model: type[NodeModel], form: Any, current: Any, datamodel: GraphInterface
) -> list[tuple[str, str]]:
    """``(field, stored value as shown)`` for each form field whose validated input differs
    from what is stored now. A personal-data field left blank by a reader who sees it
    masked keeps the stored value, so it is no difference."""
    masked = not datamodel.scope().pii
    found = []
    for item in model.meta.props + model.meta.rels:
        if item.name not in form:
            continue
        typed = _comparable(form[item.name].data)
        stored = _comparable(getattr(current, item.name, None))
        if masked and getattr(item, "pii", False) and typed is None:
            continue
        if typed != stored:
            found.append((item.name, _shown(model, item.name, getattr(current, item.name))))
    return found


class RecordListWidget(ListWidget):
    """FAB's list widget with each record's title linking to its page."""

    template = "graphcrm/widgets/list.html"


class GraphModelView(ModelView):
    """A FAB ModelView on a ``GraphInterface``."""

    show_template = "graphcrm/show.html"
    list_widget = RecordListWidget
    search_widget = KeptSearchWidget
    list_template = "graphcrm/list.html"
    page_size = 25
    model: type[NodeModel]

    def _get_list_widget(self, filters: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("title_column", self.model.meta.title)
        return super()._get_list_widget(filters, *args, **kwargs)

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        g.graphcrm_item = item
        return super()._get_show_widget(pk, item, widgets, actions, show_fieldsets)

    def show_context(self, item: Any) -> dict[str, Any]:
        """Extra template values for the record page (the customer page adds its 360 view)."""
        return {}

    @expose("/list/")
    @has_access
    def list(self):
        """FAB's list; a filter on personal data the reader sees masked answers 403."""
        try:
            return super().list()
        except MaskedField as exc:
            abort(403, description=masked_field_message(self.label_columns, exc.fields))

    @expose("/export/")
    @has_access
    @permission_name("export")
    def export(self):
        """The list as CSV or XLSX (``?format=csv|xlsx``) with the list page's own filter
        and order arguments (``_flt_*``, ``_oc_*``/``_od_*``): streamed, or for a large list
        started as a job, the reader sent to the Jobs screen to download it when ready."""
        filters = self.datamodel.get_filters(self.search_columns)
        get_filter_args(filters)
        order, direction = get_order_args().get(self.__class__.__name__) or self.base_order
        try:
            fmt = exports.export_format(request.args.get("format"))
            if order not in self.order_columns and order != self.base_order[0]:
                raise InvalidQuery(f"Invalid order by column: {order}")
            joined = filters.get_joined_filters(self._base_filters)
            answer = exports.deliver(
                exports.list_export(self.datamodel, joined, order, direction, fmt)
            )
        except InvalidExport as exc:
            abort(400, description=str(exc))
        except InvalidQuery:
            abort(400, description=str(exports.BAD_QUERY))
        except MaskedField as exc:
            abort(403, description=masked_field_message(self.label_columns, exc.fields))
        if isinstance(answer, exports.Queued):
            flash(answer.message(), "info")
            return redirect(url_for("JobsView.list"))
        return answer

    def _get_search_widget(self, form=None, exclude_cols=None, widgets=None):
        """FAB's search widget without the fields this reader sees masked (FAB's widget
        ignores ``exclude_cols``, so they leave ``include_cols``)."""
        hidden = {*(exclude_cols or []), *self.datamodel.hidden_columns()}
        widgets = widgets or {}
        widgets["search"] = self.search_widget(
            route_base=self.route_base,
            form=form,
            include_cols=[c for c in self.search_columns if c not in hidden],
            exclude_cols=sorted(hidden),
            filters=self._filters,
        )
        return widgets

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk: str):
        widgets = self._show(pk)
        item = g.graphcrm_item
        return self.render_template(
            self.show_template,
            pk=pk,
            title=self.show_title,
            widgets=widgets,
            related_views=self._related_views,
            item=item,
            history=readable_history(self.datamodel, item.uid),
            label_columns=self.label_columns,
            record_actions=actions.record_actions(self.model, item),
            open_dialog=actions.requested_dialog(),
            **self.show_context(item),
        )

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """FAB's add form. ``?<relation>=<uid>`` preselects a related record (the customer
        of an order added from its page) and ``?next=<path>`` is where a save returns; a
        dialog asking for JSON gets the outcome as data (``views.crud.dialogs``)."""
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        form = self.add_form.refresh()
        as_json = dialogs.wants_json()
        if request.method == "GET":
            self._preselect(form)
        elif form.validate():
            item = self.datamodel.obj()
            form.populate_obj(item)
            try:
                self.datamodel.add(item)
            except ConstraintViolation:
                if as_json:
                    return dialogs.refused(422, DUPLICATE)
                flash(str(DUPLICATE), "danger")
            except (NotFound, InvalidValue):
                if as_json:
                    return dialogs.refused(422, LINK_GONE)
                flash(str(LINK_GONE), "danger")
            else:
                flash(str(ADDED), "success")
                target = dialogs.local_next() or self._record_url(item.uid)
                return dialogs.saved(target, 201) if as_json else redirect(target)
        elif as_json:
            return dialogs.invalid(form)
        return self.render_template(
            self.add_template, title=self.add_title, widgets=self._get_add_widget(form=form)
        )

    def _preselect(self, form: Any) -> None:
        """Preselect the related records named in the query string, as far as the reader
        may see them (a uid they may not see is left out, never shown)."""
        for rel in self.model.meta.rels:
            uids = [u for u in request.args.getlist(rel.name)[:MAX_PRESELECTED] if u]
            if rel.name not in form or not uids:
                continue
            target = model_for(rel.target)
            repository = current_repository(target)
            titles = repository.titles(uids, GraphInterface(target).conditions())
            refs = [Ref(rel.target, uid, titles[uid]) for uid in uids if uid in titles]
            if refs:
                form[rel.name].process(None, refs if rel.many else refs[0])

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk: str):
        """FAB's edit form, refused when stale. ``_only=<field>`` (repeatable) makes it a
        partial edit of those fields (a dialog's "Change stage", a ticket's "Close"); a
        dialog asking for JSON gets the outcome as data (``views.crud.dialogs``)."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        as_json = dialogs.wants_json()
        only = dialogs.partial_fields(self.edit_columns)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            form._id = pk
            if only:
                dialogs.narrow(form, only)
            if form.validate():
                form.populate_obj(item)
                try:
                    self.datamodel.edit(item)
                except StaleVersion:
                    current = self.datamodel.get(pk, self._base_filters)
                    if current is None:
                        return self._gone(as_json)
                    if as_json:
                        return self._stale_answer(form, current)
                    if only:
                        flash(str(dialogs.STALE_DIALOG), "warning")
                        return redirect(self._record_url(pk))
                    self._keep_input_beside(form, current)
                    item = current
                except NotFound:
                    return self._gone(as_json)
                except ConstraintViolation:
                    if as_json:
                        return dialogs.refused(422, DUPLICATE)
                    flash(str(DUPLICATE), "danger")
                except InvalidValue:
                    if as_json:
                        return dialogs.refused(422, LINK_GONE)
                    flash(str(LINK_GONE), "danger")
                else:
                    flash(str(SAVED), "success")
                    target = self._after_edit(pk)
                    return dialogs.saved(target) if as_json else redirect(target)
            elif as_json:
                return dialogs.invalid(form)
            elif only:
                flash("; ".join(str(m) for ms in form.errors.values() for m in ms), "danger")
                return redirect(self._record_url(pk))
        else:
            form = self.edit_form.refresh(obj=item)
        self._hide_personal_data(form, item)
        widgets = self._get_edit_widget(form=form)
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets)

    def _after_edit(self, pk: str) -> str:
        """The record's page, or the list when the edit put the record out of the reader's
        sight (a salesperson handing a customer to someone outside their team)."""
        limited = self.datamodel.scope().limits(self.model)
        if limited and self.datamodel.get(pk, self._base_filters) is None:
            return url_for(f"{self.__class__.__name__}.list")
        return self._record_url(pk)

    def _gone(self, as_json: bool):
        """The record went away while it was being edited."""
        if as_json:
            return dialogs.refused(404, GONE)
        flash(str(GONE), "danger")
        return redirect(self.get_redirect())

    def _stale_answer(self, form: Any, current: Any):
        """A dialog's stale edit: nothing written; the message names the values stored now
        and the version to save over them if the person still wants their choice."""
        differing = [
            f"{self.label_columns.get(name, name)}: {stored}"
            for name, stored in stored_differences(self.model, form, current, self.datamodel)
        ]
        message = str(dialogs.STALE_DIALOG)
        if differing:
            message += f" {STORED_NOW}: " + "; ".join(differing)
        return dialogs.refused(409, message, version=current.version)

    @expose("/delete/<pk>", methods=["GET", "POST"])
    @has_access
    def delete(self, pk: str):
        """GET: the confirmation, naming what depends on the record. POST: delete it; with
        ``cascade=1`` (admins) together with the records that need it, else refused while
        any exist."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        title = str(item)
        if request.method == "GET":
            return self._delete_page(item)
        cascade = request.form.get("cascade") == "1"
        if cascade and not deletes.may_cascade():
            abort(403, description=str(deletes.CASCADE_FORBIDDEN))
        try:
            self.datamodel.delete(item, cascade=cascade)
        except NotFound:
            flash(str(GONE), "danger")
        except HasDependants as exc:
            flash(deletes.refusal(exc, title), "danger")
            return redirect(url_for(f"{self.__class__.__name__}.delete", pk=pk))
        else:
            went = self.datamodel.deleted_with
            if went:
                flash(str(deletes.DELETED_WITH).format(counts=deletes.counts_text(went)), "success")
            else:
                flash(str(DELETED), "success")
        return redirect(url_for(f"{self.__class__.__name__}.list"))

    @expose("/dependants/<pk>", methods=["GET"])
    @has_access
    @permission_name("delete")
    def dependants(self, pk: str):
        """The delete confirmation of ``pk`` as JSON, for the list's confirm dialog."""
        item = self.datamodel.get(pk, self._base_filters)
        if item is None:
            abort(404)
        blockers = self.datamodel.delete_blockers(pk)
        counts = blockers.counts if blockers else ()
        return jsonify(
            message=deletes.question(self.model.label, str(item), counts),
            counts=dict(counts),
        )

    def _delete_page(self, item: Any):
        blockers = self.datamodel.delete_blockers(item.uid)
        counts = blockers.counts if blockers else ()
        offer = blockers is not None and blockers.cascadable and deletes.may_cascade()
        return self.render_template(
            "graphcrm/delete.html",
            title=self.show_title,
            item=item,
            question=deletes.question(self.model.label, str(item), counts),
            refusal=deletes.refusal(blockers, str(item)) if blockers else "",
            cascade_button=(
                str(deletes.CASCADE_BUTTON).format(counts=deletes.counts_text(counts))
                if offer
                else ""
            ),
            show_url=self._record_url(item.uid),
        )

    @expose("/download/<string:filename>")
    @has_access
    def download(self, filename: str):
        """Node types hold no uploaded files: FAB's file download finds nothing here."""
        abort(404)

    def _keep_input_beside(self, form: Any, current: Any) -> None:
        """After a refused stale edit: the form keeps what the person typed, each field
        whose stored value now differs says so below it, a notice lists them, and the form
        is based on the current version, so saving again applies the typed input."""
        differing = []
        for name, stored in stored_differences(self.model, form, current, self.datamodel):
            form[name].description = f"{STORED_NOW}: {stored}"
            differing.append(f"{self.label_columns.get(name, name)}: {stored}")
        form.version.data = current.version
        form.version.raw_data = [str(current.version)]
        notice = str(STALE_KEPT)
        if differing:
            notice += f" {STORED_NOW}: " + "; ".join(differing)
        flash(notice, "warning")

    def _hide_personal_data(self, form: Any, item: Any) -> None:
        """For a reader who sees personal data masked, its inputs start blank with the
        masked value as a hint: leaving one blank keeps the stored value (see
        ``GraphInterface.edit``), typing replaces it."""
        if self.datamodel.scope().pii:
            return
        for prop in self.model.meta.props:
            if prop.pii and prop.name in form:
                field = form[prop.name]
                if field.data == getattr(item, prop.name, None):
                    field.data = None
                field.render_kw = {"placeholder": getattr(item, prop.name, None) or ""}
                field.description = KEEP_HIDDEN

    def _record_url(self, uid: str | None) -> str:
        return url_for(f"{self.__class__.__name__}.show", pk=uid)


def model_view(
    model: type[NodeModel],
    list_columns: tuple[str, ...] = (),
    base: type[GraphModelView] = GraphModelView,
) -> type[GraphModelView]:
    """Build the ModelView class of a node type from its declaration; ``list_columns``
    overrides the declaration's listed fields (``views.admin_registry.NodeAdmin``)."""
    meta = model.meta
    editable_rels = [r for r in meta.rels if r.editable]
    form_fields = {p.name: fields.prop_field(model, p) for p in meta.props if p.editable}
    form_fields.update({r.name: fields.rel_field(model, r) for r in editable_rels})
    edit_fields = dict(form_fields, version=fields.version_field())
    search_fields = {p.name: fields.prop_field(model, p, search=True) for p in meta.props}
    search_fields.update({r.name: fields.rel_field(model, r, search=True) for r in meta.rels})
    formatters: dict[str, Any] = {
        r.name: links.ref_links if r.many else links.ref_link for r in meta.rels
    }
    for prop in meta.props:
        if prop.choices:
            formatters[prop.name] = lambda v, c=prop.choices: choice_label(c, v)
        else:
            formatters[prop.name] = lambda v, p=prop: kinds.shown_value(p, v)
    formatters.update(created_at=display.shown_time, updated_at=display.shown_time)
    listed = list(list_columns) or [
        *(prop.name for prop in meta.props if prop.listed),
        *(rel.name for rel in meta.rels if rel.listed),
    ]
    form_columns = list(form_fields)
    attrs = {
        "model": model,
        "datamodel": GraphInterface(model),
        "route_base": f"/{model.label.lower()}",
        "list_title": bilingual(meta.en_plural, meta.zh_plural),
        "show_title": bilingual(meta.en, meta.zh),
        "add_title": lazy_format(lazy_gettext("Add {type}"), type=bilingual(meta.en, meta.zh)),
        "edit_title": lazy_format(lazy_gettext("Edit {type}"), type=bilingual(meta.en, meta.zh)),
        "list_columns": ["uid", *listed],
        "show_columns": [
            "uid",
            *[i.name for i in meta.props + meta.rels],
            "created_at",
            "updated_at",
            "version",
        ],
        "add_columns": form_columns,
        "edit_columns": [*form_columns, "version"],
        "search_columns": GraphInterface(model).get_search_columns_list(),
        "order_columns": [
            c for c in ["uid", *listed] if c in GraphInterface(model).get_order_columns_list()
        ],
        "label_columns": model_labels(meta),
        "formatters_columns": formatters,
        "add_form_extra_fields": form_fields,
        "edit_form_extra_fields": edit_fields,
        "search_form_extra_fields": search_fields,
        "base_order": (meta.default_order, "asc"),
    }
    return type(f"{model.label}View", (base,), attrs)
