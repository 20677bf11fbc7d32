"""The pipeline board: a page at ``/pipeline/`` and its data at ``/api/v1/pipeline/``.

Customers are cards in one column per stage, filtered by owner, tag, region and channel
(``?owner=<uid>&tag=<uid>&region=<text>&channel=<uid>``, so a filtered board can be linked).
Columns are paged (``GET /api/v1/pipeline/column?stage=…&skip=…``) with their counts and
order amounts (``GET /api/v1/pipeline/figures``); ``GET /api/v1/pipeline/card/<uid>`` is one
card as it is now (after a refused move). Everything follows the reader's row-level scope
(``graph.records.pipeline``).

Moving a card is ``POST /api/v1/pipeline/move/<uid>`` with ``{"stage": …, "version": …}``
(``app/static/graphcrm/pipeline.js``): the customer's ordinary edit through its data
interface (``GraphInterface.edit``, hence ``NodeRepository.update``), so it is
version-checked (409 with the card as it is now when someone changed the customer
meanwhile), recorded in the customer's history with its time and audited like every other
edit.

Permissions: ``can_board`` on ``PipelineView`` (the page), ``can_get`` on ``PipelineApi``
(the data) and ``can_move`` on ``PipelineApi`` (moves). The built-in roles with access to
customers have the first two, those that may edit customers the third (``app.roles``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, safe
from flask_babel import lazy_gettext, ngettext
from marshmallow import Schema, fields

from graph.errors import InvalidValue, NotFound, StaleVersion
from graph.model import nodes
from graph.records.pipeline import (
    MAX_FILTER_LENGTH,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    STAGES,
    BoardFilters,
    Card,
    ColumnFigures,
    card,
    check_stage,
    column_figures,
    column_page,
)
from graph.records.repository import NodeRepository
from graph.security.scope import scope_conditions
from views.crud.interface import GraphInterface
from views.display import format_amount, local_time
from views.errors import error_response
from views.guard import guard
from views.labels import choice_label, localized
from views.messages import MESSAGES, error_text
from views.scope import (
    business_timezone,
    current_appbuilder,
    current_repository,
    current_scope,
    current_store,
    not_visible,
)

# The board's menu entry (FAB's name, and the ``menu_access`` permission's).
MENU = "Pipeline"
# Filter pickers list at most this many owners, tags or channels each.
MAX_OPTIONS = 500
FILTERS = ("owner", "tag", "region", "channel")

# Texts of the page and its script, in the request's language.
PAGE_LABELS = {
    "title": lazy_gettext("Pipeline"),
    "owner": lazy_gettext("Owner"),
    "tag": lazy_gettext("Tag"),
    "region": lazy_gettext("Region"),
    "channel": lazy_gettext("Channel"),
    "any": lazy_gettext("Any"),
    "apply": lazy_gettext("Filter"),
    "clear_filters": lazy_gettext("Clear"),
    "load_more": lazy_gettext("Load more"),
    "loading": lazy_gettext("Loading…"),
    "empty": lazy_gettext("No customers in this stage."),
    "no_owner": lazy_gettext("No owner"),
    "last_follow_up": lazy_gettext("Last follow-up"),
    "never": lazy_gettext("none yet"),
    "order_value": lazy_gettext("Order value"),
    "move_to": lazy_gettext("Move to…"),
    "moved": lazy_gettext("{name} moved to {stage}."),
    "stale": lazy_gettext(
        "{name} was changed by someone else while you were looking, so it was not moved. "
        "The board now shows it as it is ({stage}); move it again if you still want to."
    ),
    "forbidden": lazy_gettext("You may look at the pipeline but not change a customer's stage."),
    "gone": lazy_gettext("{name} no longer exists or is no longer visible to you."),
    "failed": lazy_gettext("The move did not go through: {message}"),
    "read_only": lazy_gettext("You can view this board; moving cards needs edit rights."),
    "drag_help": lazy_gettext(
        "Drag a card to another column, or use its “Move to…” menu, to change the stage."
    ),
}

PipelineCardSchema = Schema.from_dict(
    {
        "uid": fields.String(),
        "name": fields.String(),
        "version": fields.Integer(metadata={"description": "Send it back when moving the card"}),
        "stage": fields.String(metadata={"enum": list(STAGES)}),
        "url": fields.String(metadata={"description": "The customer's page"}),
        "owner": fields.String(metadata={"description": "The owner's name, or a placeholder"}),
        "owner_uid": fields.String(allow_none=True),
        "last_follow_up": fields.String(metadata={"description": "Date, business time zone"}),
        "amounts": fields.List(
            fields.Dict(), metadata={"description": "[{currency, amount}] per currency"}
        ),
        "order_value": fields.String(metadata={"description": "The amounts as readers read"}),
    },
    name="PipelineCard",
)

MoveSchema = Schema.from_dict(
    {
        "stage": fields.String(required=True, metadata={"enum": list(STAGES)}),
        "version": fields.Integer(
            required=True, metadata={"description": "The card's version when it was shown"}
        ),
    },
    name="PipelineMove",
)


def _amounts_text(amounts: dict[str, float]) -> str:
    return " + ".join(
        format_amount(amount, currency or None) for currency, amount in amounts.items()
    )


def card_json(item: Card) -> dict[str, Any]:
    """A card as the board and the API give it, in the reader's language."""
    last = item.last_follow_up
    return {
        "uid": item.uid,
        "name": item.name,
        "version": item.version,
        "stage": item.stage,
        "stage_label": choice_label(nodes.STAGES, item.stage),
        "url": url_for("CustomerView.show", pk=item.uid),
        "owner": item.owner_name or "",
        "owner_uid": item.owner_uid,
        "last_follow_up": _date(last) if last else "",
        "amounts": [{"currency": c, "amount": a} for c, a in item.amounts],
        "order_value": _amounts_text(dict(item.amounts)),
    }


def _date(moment: dt.datetime) -> str:
    return f"{local_time(moment, business_timezone()):%Y-%m-%d}"


def figures_json(figures: dict[str, ColumnFigures]) -> dict[str, Any]:
    """Each column's customers and order amounts, raw and as readers read them."""
    return {
        stage: {
            "customers": column.customers,
            "customers_text": ngettext(
                "%(count)s customer",
                "%(count)s customers",
                column.customers,
                count=f"{column.customers:,}",
            ),
            "amounts": [{"currency": c, "amount": a} for c, a in sorted(column.amounts.items())],
            "order_value": _amounts_text(dict(sorted(column.amounts.items()))),
        }
        for stage, column in figures.items()
    }


def board_filters() -> BoardFilters:
    """The request's board filters (``InvalidValue`` for a value no record can have)."""
    values = {name: request.args.get(name) or None for name in FILTERS}
    return BoardFilters(**values)


def _skip_and_limit() -> tuple[int, int]:
    skip, limit = request.args.get("skip", "0"), request.args.get("limit", str(PAGE_SIZE))
    for text in (skip, limit):
        if not (text.isascii() and text.isdigit()) or len(text) > 9:
            raise InvalidValue(key="pipeline_page", max=MAX_PAGE_SIZE)
    return int(skip), int(limit)


def _options(model: type[nodes.NodeModel]) -> list[tuple[str, str]]:
    """(uid, title) of the ``model`` records the reader may see, for a filter picker."""
    repository: NodeRepository = current_repository(model)
    records = repository.page(scope_conditions(model, current_scope()), limit=MAX_OPTIONS)
    title = model.meta.title
    return [(r.uid or "", str(getattr(r, title, None) or r.uid)) for r in records]


class PipelineView(BaseView):
    """The board page: filters, one column per stage; cards come from ``PipelineApi``."""

    route_base = "/pipeline"
    default_view = "board"

    @expose("/")
    @guard("board")
    def board(self) -> Any:
        try:
            filters = board_filters()
        except InvalidValue as exc:
            return error_response(400, error_text(exc))
        labels = localized(PAGE_LABELS)
        chosen = {name: getattr(filters, name) or "" for name in FILTERS}
        can_move = bool(current_appbuilder().sm.has_access("can_move", "PipelineApi"))
        data = {
            "stages": [{"value": s, "label": choice_label(nodes.STAGES, s)} for s in STAGES],
            "filters": {k: v for k, v in chosen.items() if v},
            "column_url": url_for("PipelineApi.column"),
            "figures_url": url_for("PipelineApi.figures"),
            "move_url": url_for("PipelineApi.move", uid="__uid__"),
            "can_move": can_move,
            "page_size": PAGE_SIZE,
            "labels": labels,
        }
        return self.render_template(
            "graphcrm/pipeline.html",
            data=data,
            labels=labels,
            chosen=chosen,
            owners=_options(nodes.User),
            tags=_options(nodes.Tag),
            channels=_options(nodes.Channel),
            stages=data["stages"],
            can_move=can_move,
        )


def _refused(api: BaseApi, exc: InvalidValue) -> Response:
    return api.response_400(message=error_text(exc))


class PipelineApi(BaseApi):
    """``GET /api/v1/pipeline/column``, ``/figures`` and ``/card/<uid>``: the board's data."""

    resource_name = "pipeline"
    openapi_spec_tag = "Pipeline"
    openapi_spec_component_schemas = (PipelineCardSchema, MoveSchema)

    @expose("/column", methods=["GET"])
    @guard("get")
    @safe
    def column(self) -> Response:
        """One page of a stage column.
        ---
        get:
          description: >-
            The customers of one stage that the caller may see, most recently changed
            first, from `skip` on (at most `limit`, default 50, at most 200), narrowed by
            owner, tag, region and channel. `more` says whether further cards follow.
          parameters:
          - {in: query, name: stage, required: true, schema: {type: string}}
          - {in: query, name: skip, schema: {type: integer, minimum: 0, default: 0}}
          - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 200}}
          - {in: query, name: owner, schema: {type: string}, description: User uid}
          - {in: query, name: tag, schema: {type: string}, description: Tag uid}
          - {in: query, name: region, schema: {type: string}}
          - {in: query, name: channel, schema: {type: string}, description: Channel uid}
          responses:
            200:
              description: The page
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      stage: {type: string}
                      skip: {type: integer}
                      more: {type: boolean}
                      cards:
                        type: array
                        items:
                          $ref: '#/components/schemas/PipelineCard'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        try:
            stage = check_stage(request.args.get("stage"))
            skip, limit = _skip_and_limit()
            page = column_page(
                current_store(),
                stage,
                current_scope(),
                board_filters(),
                skip=skip,
                limit=limit,
                placeholder=not_visible(),
            )
        except InvalidValue as exc:
            return _refused(self, exc)
        cards = [card_json(item) for item in page.cards]
        return self.response(200, stage=page.stage, skip=page.skip, more=page.more, cards=cards)

    @expose("/figures", methods=["GET"])
    @guard("get")
    @safe
    def figures(self) -> Response:
        """Customers and order amounts of every column.
        ---
        get:
          description: >-
            For each stage, how many customers the caller may see there and the sum of
            their orders per currency, narrowed by owner, tag, region and channel.
          parameters:
          - {in: query, name: owner, schema: {type: string}}
          - {in: query, name: tag, schema: {type: string}}
          - {in: query, name: region, schema: {type: string}}
          - {in: query, name: channel, schema: {type: string}}
          responses:
            200:
              description: Figures by stage
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: object}
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        try:
            figures = column_figures(current_store(), current_scope(), board_filters())
        except InvalidValue as exc:
            return _refused(self, exc)
        return self.response(200, result=figures_json(figures))

    @expose("/card/<uid>", methods=["GET"])
    @guard("get")
    @safe
    def card_of(self, uid: str) -> Response:
        """One card as it is now.
        ---
        get:
          description: The card of one customer the caller may see (404 otherwise).
          parameters:
          - {in: path, name: uid, required: true, schema: {type: string}}
          responses:
            200:
              description: The card
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/PipelineCard'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
        """
        if not _plausible(uid):
            return self.response_404()
        return _current(self, 200, uid, "")

    @expose("/move/<uid>", methods=["POST"])
    @guard("move")
    @safe
    def move(self, uid: str) -> Response:
        """Move a card: change the customer's stage, if nobody changed it since.
        ---
        post:
          description: >-
            The customer's ordinary edit of its stage: version-checked, recorded in its
            history and audited. 409 when the customer changed after `version` (nothing
            is written; the answer holds the card as it is now).
          parameters:
          - {in: path, name: uid, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  $ref: '#/components/schemas/PipelineMove'
          responses:
            200:
              description: Moved; the card as it is now
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        $ref: '#/components/schemas/PipelineCard'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
            404:
              $ref: '#/components/responses/404'
            409:
              description: Someone else changed the customer; the card as it is now
        """
        try:
            stage, version = _move_body()
        except InvalidValue as exc:
            return _refused(self, exc)
        if not _plausible(uid):
            return self.response_404()
        interface = GraphInterface(nodes.Customer)
        item = interface.get(uid)
        if item is None:
            return self.response_404()
        setattr(item, "stage", stage)  # noqa: B010  (a declared field: Record has no attribute)
        item.version = version
        try:
            interface.edit(item)
        except StaleVersion:
            return _current(self, 409, uid, str(MESSAGES["stale"]))
        except NotFound:
            return self.response_404()
        return _current(self, 200, uid, "")


def _plausible(uid: str) -> bool:
    """Whether ``uid`` could name a record at all (no NUL, not absurdly long)."""
    return "\x00" not in uid and len(uid) <= MAX_FILTER_LENGTH


def _move_body() -> tuple[str, int]:
    """The stage and version a move asks for (``InvalidValue`` when either is wrong)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidValue(key="pipeline_move")
    version = body.get("version")
    if type(version) is not int or not 0 < version < 2**53:
        raise InvalidValue(key="pipeline_move")
    return check_stage(body.get("stage")), version


def _current(api: BaseApi, status: int, uid: str, message: str) -> Response:
    """``status`` with ``message`` and the card as it is now (404 when it is gone)."""
    found = card(current_store(), uid, current_scope(), placeholder=not_visible())
    if found is None:
        return api.response_404()
    return api.response(status, message=message, result=card_json(found))


def register(appbuilder: Any, category: str, category_label: Any) -> None:
    """Add the board to the menu (in ``category``, after Customers) and its API."""
    appbuilder.add_view(
        PipelineView,
        MENU,
        label=lazy_gettext("Pipeline"),
        icon="fa-columns",
        category=category,
        category_label=category_label,
    )
    appbuilder.add_api(PipelineApi)
