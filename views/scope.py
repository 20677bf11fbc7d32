"""The reader of the current request, for every view: one accessor that fails closed."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext

from graph.security.scope import Scope


def current_scope() -> Scope:
    """Whose eyes this request is for, from the provider the app's security registers
    (``app.scope``); without one, nobody's: no record is shown (``Scope.nobody()``)."""
    provider = current_app.extensions.get("graphcrm_scope")
    return provider() if provider is not None else Scope.nobody()


def not_visible() -> str:
    """The placeholder text of a record the reader may not see, in their language."""
    return gettext("Not visible to you")
