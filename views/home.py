"""The home page: graph status and record counts."""

from __future__ import annotations

from flask import current_app
from flask_appbuilder import IndexView, expose

from graph.status import graph_status
from views.scope import current_scope


class HomeView(IndexView):
    """Index page showing which graph engine is behind the app and what it holds."""

    index_template = "graphcrm/index.html"

    @expose("/")
    def index(self) -> str:
        self.update_redirect()
        store = current_app.extensions["graph_store"]
        url = current_app.extensions["graph_url"]
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            status=graph_status(store, current_scope()),
            graph_url=url.redacted(),
        )
