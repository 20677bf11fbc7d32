"""The staff screens: the generated CRUD of ``User`` nodes, the one user list people see.

Accounts (passwords, roles) stay in FAB's security screens, whose own user list is kept out
of the menu (``views.menu``); an admin reaches a person's account from their page here.
"""

from __future__ import annotations

from graph.model import nodes
from views.crud.model_views import GraphModelView, model_view


class _UserBase(GraphModelView):
    show_template = "graphcrm/user_show.html"


UserView = model_view(nodes.User, base=_UserBase)
