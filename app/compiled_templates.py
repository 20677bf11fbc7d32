"""Every page template compiled when a web worker starts, not at its first request.

Jinja compiles a template the first time it is rendered, and a page renders a dozen
(its own, FAB's layout, navigation bar, widgets, macro libraries): a worker's first list
page took ~70 ms of CPU against ~15 ms once warm, and with four workers each first page of
each kind was slow again. ``graphcrm serve``'s workers (``GRAPHCRM_SERVE_WORKER``)
compile them all at start instead (~0.3 s of CPU each); Jinja keeps them for the life of
the process (its cache holds 400, far more than there are).
"""

from __future__ import annotations

from flask import Flask


def compile_all(app: Flask) -> int:
    """Compile every HTML template the app can render; how many there are."""
    env = app.jinja_env
    names = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        env.get_template(name)
    return len(names)
