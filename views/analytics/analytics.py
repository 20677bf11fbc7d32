"""Referral analytics pages and REST API: channel attribution and top referrers.

Pages ``/analytics/channels`` and ``/analytics/top-referrers`` (``AnalyticsView``:
``can_channels``, ``can_top_referrers``; ``can_refresh`` for the admin-only "Refresh
analytics" button, a CSRF-protected POST) and ``GET /api/v1/analytics/channels?decay=0.5``
and ``/top-referrers?limit=50`` (``AnalyticsApi``). These are whole-graph figures: a reader
limited to their team's customers (Sales) is refused with 403 rather than shown totals
that include customers they may not see, or partial chains that would mislead.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import BaseApi, safe
from flask_babel import lazy_gettext
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from marshmallow import Schema, fields
from wtforms import ValidationError

from graph.analytics.attribution import (
    DEFAULT_DECAY,
    DEFAULT_DEPTH,
    ChannelAttribution,
    channel_attribution,
)
from graph.analytics.referrers import DEFAULT_LIMIT, top_referrers
from graph.errors import InvalidValue, QueryTimeout, StoreUnavailable
from graph.jobs import progress
from graph.jobs.catalog import ANALYTICS_REFRESH, spec
from views.errors import UNAVAILABLE
from views.guard import guard
from views.jobs import job_dict
from views.labels import localized
from views.messages import error_text
from views.scope import current_jobs, current_store

ANALYSIS = ("Analysis", lazy_gettext("Analysis"))
REFRESH_STARTED = lazy_gettext(
    "Analytics refresh started as a background job: its progress shows below."
)
REFRESH_RUNNING = lazy_gettext(
    "An analytics refresh is already queued or running: its progress shows below."
)
LABELS = {
    "channels_title": lazy_gettext("Channel attribution"),
    "channels_intro": lazy_gettext(
        "Customers acquired directly through each channel, and customers their referrals "
        "brought in (up to {depth} hops). Referred revenue counts revenue × decay^hops."
    ),
    "as_of": lazy_gettext("Referred customers as of the analytics refresh of {at} (UTC)."),
    "live": lazy_gettext("Walk the chains now"),
    "walked_live": lazy_gettext("Referred customers walked live just now."),
    "decay": lazy_gettext("Decay per hop"),
    "depth": lazy_gettext("Max hops"),
    "apply": lazy_gettext("Apply"),
    "channel": lazy_gettext("Channel"),
    "parent": lazy_gettext("Part of"),
    "direct_customers": lazy_gettext("Direct customers"),
    "direct_revenue": lazy_gettext("Direct revenue"),
    "referred_customers": lazy_gettext("Referred customers"),
    "referred_revenue": lazy_gettext("Referred revenue"),
    "attributed_revenue": lazy_gettext("Referred revenue (decayed)"),
    "total_revenue": lazy_gettext("Total attributed"),
    "chart": lazy_gettext("Attributed revenue by channel"),
    "none": lazy_gettext("No channels yet."),
    "top_title": lazy_gettext("Top referrers"),
    "top_intro": lazy_gettext(
        "Customers with the most referral descendants, from the last analytics refresh."
    ),
    "customer": lazy_gettext("Customer"),
    "descendants": lazy_gettext("Descendants"),
    "network_revenue": lazy_gettext("Descendants' revenue"),
    "ref_depth": lazy_gettext("Depth"),
    "influence": lazy_gettext("Influence"),
    "community": lazy_gettext("Community"),
    "refresh": lazy_gettext("Refresh analytics"),
    "refreshing": lazy_gettext("Refreshing the analytics"),
    "all_jobs": lazy_gettext("All jobs"),
    "no_referrers": lazy_gettext("No referral analytics yet: an administrator can refresh them."),
}

ChannelAttributionSchema = Schema.from_dict(
    {
        "uid": fields.String(),
        "name": fields.String(),
        "parent": fields.String(allow_none=True),
        "direct_customers": fields.Integer(),
        "direct_revenue": fields.Float(),
        "referred_customers": fields.Integer(),
        "referred_revenue": fields.Float(metadata={"description": "Undecayed"}),
        "attributed_revenue": fields.Float(metadata={"description": "revenue × decay^hops"}),
        "total_revenue": fields.Float(metadata={"description": "direct + attributed"}),
        "by_hop": fields.List(
            fields.Dict(), metadata={"description": "[{hops, customers, revenue}]"}
        ),
    },
    name="ChannelAttribution",
)
TopReferrerSchema = Schema.from_dict(
    {
        "uid": fields.String(),
        "name": fields.String(),
        "stage": fields.String(allow_none=True),
        "descendants": fields.Integer(),
        "depth": fields.Integer(),
        "influence": fields.Float(),
        "community": fields.Integer(),
        "revenue": fields.Float(
            allow_none=True,
            metadata={"description": "Order revenue of the descendants (last refresh)"},
        ),
    },
    name="TopReferrer",
)


def as_dict(item: ChannelAttribution) -> dict[str, Any]:
    """A channel's attribution as the API returns it."""
    return {
        "uid": item.uid,
        "name": item.name,
        "parent": item.parent,
        "direct_customers": item.direct_customers,
        "direct_revenue": item.direct_revenue,
        "referred_customers": item.referred_customers,
        "referred_revenue": item.referred_revenue,
        "attributed_revenue": item.attributed_revenue,
        "total_revenue": item.total_revenue,
        "by_hop": [{"hops": h, "customers": n, "revenue": r} for h, (n, r) in item.by_hop.items()],
    }


def chart_bars(items: list[ChannelAttribution]) -> list[dict[str, Any]]:
    """Bar widths (percent of the largest total) for the server-rendered chart."""
    top = max((i.total_revenue for i in items), default=0.0) or 1.0
    return [
        {
            "name": i.name,
            "direct": 100 * i.direct_revenue / top,
            "referred": 100 * i.attributed_revenue / top,
            "total": i.total_revenue,
        }
        for i in items
    ]


class AnalyticsView(BaseView):
    """The channel attribution and top referrers pages."""

    route_base = "/analytics"
    default_view = "channels"

    @expose("/channels")
    @guard("channels", all_rows=True)
    def channels(self) -> Any:
        decay = request.args.get("decay", DEFAULT_DECAY)
        depth = request.args.get("depth", DEFAULT_DEPTH)
        live = request.args.get("live") == "1"
        error = None
        try:
            items = channel_attribution(current_store(), decay=decay, max_depth=depth, live=live)
        except InvalidValue as exc:
            error, items = error_text(exc), []
            decay, depth = DEFAULT_DECAY, DEFAULT_DEPTH
        except (StoreUnavailable, QueryTimeout):
            abort(503, str(UNAVAILABLE))
        return self.render_template(
            "graphcrm/analytics_channels.html",
            items=items,
            bars=chart_bars(items),
            decay=decay,
            depth=depth,
            as_of=items[0].as_of if items else None,
            error=error,
            labels=localized(LABELS),
        ), (400 if error else 200)

    @expose("/top-referrers")
    @guard("top_referrers", all_rows=True)
    def top_referrers(self) -> Any:
        try:
            rows = top_referrers(current_store(), request.args.get("limit", DEFAULT_LIMIT))
        except InvalidValue:
            abort(400)
        can_refresh = self.appbuilder.sm.has_access("can_refresh", self.class_permission_name)
        job = None
        if can_refresh:
            key = spec(ANALYTICS_REFRESH).key({})
            running = progress.active_with_key(current_jobs().engine, key)
            job = job_dict(running) if running is not None else None
        return self.render_template(
            "graphcrm/analytics_top_referrers.html",
            rows=rows,
            can_refresh=can_refresh,
            job=job,
            csrf=generate_csrf() if can_refresh else "",
            labels=localized(LABELS),
        )

    @expose("/refresh", methods=["POST"])
    @guard("refresh", all_rows=True)
    def refresh(self) -> Any:
        """Start the analytics refresh job (admins: ``can_refresh`` is granted to no
        built-in role but Admin), or find the one queued or running; the page it returns
        to shows its progress. The form's CSRF token is checked here: the app protects
        WTForms forms, not every POST route."""
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as exc:
            raise CSRFError(str(exc)) from exc
        user = getattr(g, "user", None)
        _, created = current_jobs().start(
            ANALYTICS_REFRESH, started_by=getattr(user, "username", None)
        )
        flash(str(REFRESH_STARTED if created else REFRESH_RUNNING), "info")
        return redirect(url_for("AnalyticsView.top_referrers"))


class AnalyticsApi(BaseApi):
    """``GET /api/v1/analytics/channels`` and ``/top-referrers``."""

    resource_name = "analytics"
    openapi_spec_tag = "Analytics"
    openapi_spec_component_schemas = (ChannelAttributionSchema, TopReferrerSchema)

    @expose("/channels", methods=["GET"])
    @guard("channels", all_rows=True)
    @safe
    def channels(self) -> Response:
        """Revenue attributed to each acquisition channel.
        ---
        get:
          description: >-
            Per channel: customers acquired directly and their order revenue; customers
            reached through referrals from those (up to `depth` hops, each counted once at
            its nearest hop) and their revenue, raw and decayed (revenue × decay^hops).
            Largest total first. Refused (403) to readers limited to their team's customers.
          parameters:
          - in: query
            name: decay
            schema:
              type: number
              minimum: 0
              maximum: 1
              default: 0.5
          - in: query
            name: depth
            schema:
              type: integer
              minimum: 1
              maximum: 10
              default: 10
          - in: query
            name: live
            description: >-
              true: walk the referral chains now instead of using the table the last
              analytics refresh stored (seconds on a million customers)
            schema:
              type: boolean
              default: false
          responses:
            200:
              description: Attribution per channel
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      decay:
                        type: number
                      depth:
                        type: integer
                      as_of:
                        type: string
                        nullable: true
                        description: when the refresh stored the referred part (null = live)
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/ChannelAttribution'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        try:
            items = channel_attribution(
                current_store(),
                decay=request.args.get("decay", DEFAULT_DECAY),
                max_depth=request.args.get("depth", DEFAULT_DEPTH),
                live=request.args.get("live", "").lower() in ("1", "true"),
            )
        except InvalidValue as exc:
            return self.response_400(message=error_text(exc))
        except (StoreUnavailable, QueryTimeout):
            return self.response(503, message=str(UNAVAILABLE))
        return self.response(
            200,
            decay=float(request.args.get("decay", DEFAULT_DECAY)),
            depth=int(request.args.get("depth", DEFAULT_DEPTH)),
            as_of=items[0].as_of if items else None,
            result=[as_dict(item) for item in items],
        )

    @expose("/top-referrers", methods=["GET"])
    @guard("top_referrers", all_rows=True)
    @safe
    def top_referrers(self) -> Response:
        """Customers with the most referral descendants.
        ---
        get:
          description: >-
            From the last analytics refresh (`graphcrm analytics refresh`): customers with
            at least one descendant, most descendants first, then by influence. Refused
            (403) to readers limited to their team's customers.
          parameters:
          - in: query
            name: limit
            schema:
              type: integer
              minimum: 1
              maximum: 500
              default: 50
          responses:
            200:
              description: Top referrers
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result:
                        type: array
                        items:
                          $ref: '#/components/schemas/TopReferrer'
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/403'
        """
        try:
            rows = top_referrers(current_store(), request.args.get("limit", DEFAULT_LIMIT))
        except InvalidValue as exc:
            return self.response_400(message=error_text(exc))
        except (StoreUnavailable, QueryTimeout):
            return self.response(503, message=str(UNAVAILABLE))
        return self.response(200, result=rows)


def register(appbuilder: Any) -> None:
    """Add the two pages (menu Analysis) and the API."""
    category, category_label = ANALYSIS
    appbuilder.add_view(
        AnalyticsView,
        "Channel attribution",
        label=lazy_gettext("Channel attribution"),
        href="/analytics/channels",
        icon="fa-bar-chart",
        category=category,
        category_label=category_label,
    )
    appbuilder.add_link(
        "Top referrers",
        label=lazy_gettext("Top referrers"),
        href="/analytics/top-referrers",
        icon="fa-trophy",
        category=category,
        category_label=category_label,
    )
    appbuilder.add_api(AnalyticsApi)
