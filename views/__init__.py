"""Flask-AppBuilder views: pages and REST APIs. Views call repositories in ``graph/``."""

from flask_appbuilder import AppBuilder

from graph.model import nodes
from views import console, openapi, segments
from views.analytics import analytics
from views.crud.api import register_apis
from views.crud.choices import ChoicesView
from views.crud.customer import CustomerView
from views.crud.model_views import model_view
from views.explore import network, referrals
from views.labels import bilingual

# Menu order and categories; the home page is the index view given to AppBuilder.
CUSTOMERS = ("Customers", bilingual("Customers", "客户管理"))
ACTIVITY = ("Activity", bilingual("Activity", "客户往来"))
SETUP = ("Setup", bilingual("Setup", "基础资料"))
MENU = (
    (nodes.Customer, CUSTOMERS, "fa-address-card"),
    (nodes.Contact, CUSTOMERS, "fa-user"),
    (nodes.Referrer, CUSTOMERS, "fa-handshake-o"),
    (nodes.FollowUp, ACTIVITY, "fa-comments"),
    (nodes.Order, ACTIVITY, "fa-shopping-cart"),
    (nodes.Ticket, ACTIVITY, "fa-life-ring"),
    (nodes.Channel, SETUP, "fa-random"),
    (nodes.Tag, SETUP, "fa-tags"),
    (nodes.User, SETUP, "fa-id-badge"),
)


def register(appbuilder: AppBuilder) -> None:
    """Add every GraphCRM view and menu entry to ``appbuilder``."""
    for model, (category, category_label), icon in MENU:
        view = CustomerView if model is nodes.Customer else model_view(model)
        meta = model.meta
        appbuilder.add_view(
            view,
            meta.en_plural,
            label=bilingual(meta.en_plural, meta.zh_plural),
            icon=icon,
            category=category,
            category_label=category_label,
        )
    appbuilder.add_view_no_menu(ChoicesView)
    register_apis(appbuilder)
    console.register(appbuilder)
    analytics.register(appbuilder)
    referrals.register(appbuilder)
    segments.register(appbuilder)
    network.register(appbuilder)
    openapi.register(appbuilder)
