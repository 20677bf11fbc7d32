"""Flask-AppBuilder views: pages and REST APIs. Views call repositories in ``graph/``."""

from flask_appbuilder import AppBuilder

from graph.model import nodes
from views import (
    admin_registry,
    console,
    import_wizard,
    imports,
    jobs,
    menu,
    openapi,
    pipeline,
    search,
    segments,
    system_status,
)
from views.analytics import analytics
from views.crud import record_urls
from views.crud.api import register_apis
from views.crud.choices import ChoicesView
from views.crud.customer import CustomerView
from views.crud.model_views import model_view
from views.crud.user import UserView
from views.explore import network, referrals
from views.labels import bilingual
from views.scope import current_flask_app

# Node types whose screens are more than the generated CRUD (any other type gets model_view).
CUSTOM_VIEWS = {nodes.Customer.label: CustomerView, nodes.User.label: UserView}


def register(appbuilder: AppBuilder) -> None:
    """Add every GraphCRM view and menu entry to ``appbuilder`` (node types in the admin
    registry's order, menus in daily-work order: ``views.menu``; the home page is the index
    view given to AppBuilder)."""
    admin_registry.check_entries()
    for entry in admin_registry.entries():
        meta = entry.model.meta
        view = CUSTOM_VIEWS.get(entry.label) or model_view(entry.model, entry.list_columns)
        appbuilder.add_view(
            view,
            meta.en_plural,
            label=bilingual(meta.en_plural, meta.zh_plural),
            icon=entry.icon,
            category=entry.category.name,
            category_label=entry.category.label,
        )
        if entry.model is nodes.Customer:
            pipeline.register(appbuilder, entry.category.name, entry.category.label)
    appbuilder.add_view_no_menu(ChoicesView)
    register_apis(appbuilder)
    console.register(appbuilder)
    analytics.register(appbuilder)
    referrals.register(appbuilder)
    segments.register(appbuilder)
    network.register(appbuilder)
    setup = admin_registry.SETUP
    jobs.register(appbuilder, setup.name, setup.label)
    system_status.register(appbuilder, setup.name, setup.label)
    imports.register(appbuilder)
    import_wizard.register(appbuilder, setup.name, setup.label)
    openapi.register(appbuilder)
    search.register(appbuilder)
    menu.order_menu(appbuilder)
    menu.init_app(current_flask_app())
    record_urls.init_app(current_flask_app())
