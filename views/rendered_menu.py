"""The navigation bar's menu, rendered once per role set, language and security state.

Rendering the menu (``appbuilder/navbar_menu.html``: ~30 entries, a permission check, a
URL and a translated label each) took ~13% of a list page's CPU, on every page, although
it only changes when what decides it does: which entries the reader may see (the roles,
answered from the permission set of the role set, which the security change counter
``app.security_generation`` keeps current), the language of the labels, the URL prefix
(``request.script_root``) and the badge counts (``views.menu.menu_badge``, the reader's
own overdue follow-ups). So each process keeps the rendered menu per (role set, locale,
change counter, URL prefix), and within it one rendering per set of badge values: the
badges are still counted on every request, only the HTML around them is reused. A role
given or taken, a permission granted or revoked (any process) moves the counter, and
the next page renders afresh. Readers other than a signed-in account's snapshot
(anonymous pages; ``role_names`` is ``app.signed_in_user.SignedInUser``'s) get the menu
rendered as before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

TEMPLATE = "appbuilder/navbar_menu.html"
MAX_MENUS = 32  # (role set, locale, counter, prefix) kept per process; all dropped beyond
MAX_BADGE_SETS = 32  # renderings per menu, one per set of badge values (an admin's menu is ~8 KB)
ASKED = "graphcrm_menu_badges_asked"  # on ``g`` while a menu renders: badge name -> value


@dataclass
class KeptMenu:
    """A menu's renderings: the badges its visible entries ask for, and the HTML per
    tuple of their values."""

    badge_names: tuple[str, ...]
    html: dict[tuple[int, ...], Markup] = field(default_factory=dict)


_kept: dict[tuple[Any, ...], KeptMenu] = {}


def record_badge(name: str, count: int) -> None:
    """Note a badge the menu being rendered asked for (``views.menu.menu_badge``)."""
    asked = g.get(ASKED)
    if asked is not None:
        asked[name] = count


def _key() -> tuple[Any, ...] | None:
    """What the reader's menu depends on besides its badges; None: do not keep it."""
    user = g.get("user")
    user = getattr(user, "_get_current_object", lambda: user)()
    role_names = getattr(user, "role_names", None)
    generation = getattr(current_app.appbuilder.sm, "request_generation", None)  # type: ignore[attr-defined]
    if not isinstance(role_names, frozenset) or generation is None:
        return None
    if not getattr(user, "is_active", False):
        return None
    return (role_names, str(get_locale()), generation(), request.script_root)


def _render() -> tuple[Markup, tuple[str, ...], tuple[int, ...]]:
    """The menu rendered now, with the badges it asked for and their values."""
    asked: dict[str, int] = {}
    setattr(g, ASKED, asked)
    try:
        html = Markup(render_template(TEMPLATE, menu=current_app.appbuilder.menu))  # type: ignore[attr-defined]
    finally:
        g.pop(ASKED, None)
    return html, tuple(asked), tuple(asked.values())


def navbar_menu(menu_badge: Callable[[str], int]) -> Markup:
    """The reader's menu entries (``<li>`` items), from this process's renderings when
    the same roles, language, security state and badge counts (``menu_badge(name)``, the
    count the template shows) were rendered before."""
    key = _key()
    if key is None:
        return _render()[0]
    kept = _kept.get(key)
    if kept is not None:
        values = tuple(menu_badge(name) for name in kept.badge_names)
        html = kept.html.get(values)
        if html is not None:
            return html
    html, names, values = _render()
    if kept is None or kept.badge_names != names:
        if len(_kept) >= MAX_MENUS:
            _kept.clear()
        kept = _kept[key] = KeptMenu(names)
    if len(kept.html) >= MAX_BADGE_SETS:
        kept.html.clear()
    kept.html[values] = html
    return html
