"""Translations looked up once per request instead of once per message.

Flask-Babel finds the catalogue of the request's locale on every ``gettext`` call (the
request context, the locale, its identifier, the catalogue cache: a dozen context-local
lookups), and a list page translates ~350 messages, a third of them in its templates.
Here the catalogue found first is kept on Flask-Babel's own per-request context together
with the locale it is for, and used while that locale stays: ``flask_babel.refresh`` and
``force_locale`` change the locale and so get the new catalogue. Templates and Python
(``gettext``, ``lazy_gettext``) share it through the request's default domain.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g
from flask_babel import Domain, get_babel

_KEPT = "graphcrm_translations"  # attribute on Flask-Babel's per-request context


class RequestDomain(Domain):
    """The app's message domain, with its catalogue kept per request."""

    def __init__(self, default: Domain) -> None:
        super().__init__(domain=";".join(default.domain))
        self._default = default

    def get_translations(self) -> Any:
        ctx = getattr(g, "_flask_babel", None) if g else None
        if ctx is not None:
            kept = getattr(ctx, _KEPT, None)
            if kept is not None and getattr(ctx, "babel_locale", None) is kept[0]:
                return kept[1]
        translations = self._default.get_translations()
        ctx = getattr(g, "_flask_babel", None) if g else None
        locale = getattr(ctx, "babel_locale", None)
        if locale is not None:
            setattr(ctx, _KEPT, (locale, translations))
        return translations


def init_app(app: Flask) -> None:
    """Make every request's templates and ``gettext`` calls use the kept catalogue."""
    with app.app_context():
        domain = RequestDomain(get_babel(app).instance.domain_instance)

    def translations() -> Any:
        return domain.get_translations()

    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.before_request(domain.as_default)
