"""The home page: graph status and record counts."""

from __future__ import annotations

from flask_appbuilder import IndexView, expose
from flask_login import current_user

from graph.records.status import graph_status
from views.scope import current_graph_url, current_scope, current_store


class HomeView(IndexView):
    """Index page showing which graph engine is behind the app and what it holds."""

    index_template = "graphcrm/index.html"

    @expose("/")
    def index(self) -> str:
        """Public: a visitor sees a login prompt and nothing of the graph (not even a query
        is sent for them); signed-in readers see the engine's status and record counts."""
        self.update_redirect()
        if not current_user.is_authenticated:
            return self.render_template(self.index_template, appbuilder=self.appbuilder)
        store = current_store()
        url = current_graph_url()
        return self.render_template(
            self.index_template,
            appbuilder=self.appbuilder,
            status=graph_status(store, current_scope()),
            graph_url=url.redacted(),
        )
