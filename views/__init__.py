"""Flask-AppBuilder views: pages and REST APIs. Views call repositories in ``graph/``."""

from flask_appbuilder import AppBuilder


def register(appbuilder: AppBuilder) -> None:
    """Add every GraphCRM view and menu entry to ``appbuilder``.

    The home page is the index view, given to ``AppBuilder`` by the application factory.
    """
