"""The home page: each signed-in reader's workspace (``graph.records.workspace``)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import current_app
from flask_appbuilder import IndexView, expose
from flask_babel import lazy_gettext
from flask_login import current_user

from graph.clock import utc_now
from graph.errors import StoreError
from graph.model import nodes
from graph.records.workspace import Workspace, workspace
from graph.security.scope import Scope
from views.labels import bilingual, choice_label, declared_name
from views.messages import error_text
from views.scope import business_timezone, current_scope, current_store

# Figures that took longer than this to gather (a whole company at scale) are reused for
# CACHE_SECONDS; a small team's are always fresh, so a call just logged shows at once.
SLOW_SECONDS = 0.25
CACHE_SECONDS = 60.0
TEAM_CAPTION = lazy_gettext("Your customers and your team's")
ALL_CAPTION = lazy_gettext("Every customer")


@dataclass(frozen=True)
class _Cached:
    made: float
    figures: Workspace


class WorkspaceCache:
    """The slow workspaces of the last minute, by reader scope and settings."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[Scope, int, str], _Cached] = {}

    def clear(self) -> None:
        """Forget every kept workspace (the graph was replaced, e.g. restored or emptied)."""
        with self._lock:
            self._entries = {}

    def get(self, scope: Scope, dormant_days: int) -> tuple[Workspace, bool]:
        """The reader's workspace, and whether it comes from the last minute's figures."""
        now = utc_now()
        key = (scope, dormant_days, now.astimezone(business_timezone()).date().isoformat())
        with self._lock:
            cached = self._entries.get(key)
        if cached is not None and time.monotonic() - cached.made < CACHE_SECONDS:
            return cached.figures, True
        started = time.monotonic()
        figures = workspace(
            current_store(),
            scope,
            now=now,
            timezone=business_timezone(),
            dormant_days=dormant_days,
        )
        if time.monotonic() - started > SLOW_SECONDS:
            with self._lock:
                self._entries = {
                    k: v
                    for k, v in self._entries.items()
                    if time.monotonic() - v.made < CACHE_SECONDS
                }
                self._entries[key] = _Cached(time.monotonic(), figures)
        return figures, False


class HomeView(IndexView):
    """The index page: a login prompt for visitors, the workspace for signed-in readers."""

    index_template = "graphcrm/index.html"

    def __init__(self) -> None:
        super().__init__()
        self.cache = WorkspaceCache()

    @expose("/")
    def index(self) -> str:
        """Public: a visitor sees a login prompt and nothing of the graph (not even a query
        is sent for them); signed-in readers see their figures, within their row-level
        scope: their own customers, their team's, or everyone's."""
        self.update_redirect()
        if not current_user.is_authenticated:
            return self.render_template(self.index_template, appbuilder=self.appbuilder)
        try:
            figures, cached = self.cache.get(
                current_scope(), int(current_app.config["GRAPHCRM_DORMANT_DAYS"])
            )
        except StoreError as exc:
            # The landing page after every sign-in and account change stays up: it says
            # the figures cannot be read now instead of answering 503.
            return self.render_template(
                self.index_template, appbuilder=self.appbuilder, unavailable=error_text(exc)
            )
        stages = figures.stages or []
        chart = {
            "stages": [choice_label(nodes.STAGES, s.stage) for s in stages],
            "customers": [s.customers for s in stages],
            "currencies": sorted({c for s in stages for c in (s.value or {})}),
            "values": {
                currency: [round((s.value or {}).get(currency, 0.0), 2) for s in stages]
                for currency in sorted({c for s in stages for c in (s.value or {})})
            },
        }
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            figures=figures,
            cached=cached,
            chart=chart,
            stage_label=lambda value: choice_label(nodes.STAGES, value),
            customers_label=bilingual(nodes.Customer.meta.en_plural, nodes.Customer.meta.zh_plural),
            scope_caption=TEAM_CAPTION if current_scope().team_only else ALL_CAPTION,
            kind_label=declared_name,
        )
