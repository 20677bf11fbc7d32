"""A web worker of ``graphcrm serve`` compiles every page template when it starts, so its
first pages do not pay Jinja's compilation (``app.compiled_templates``)."""

from __future__ import annotations

from flask import Flask

from tests.test_menu_cache import worker  # noqa: F401 (a fixture: a second worker)


def test_a_serve_worker_starts_with_every_page_template_compiled(
    worker: Flask,  # noqa: F811
) -> None:
    names = worker.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html"))
    assert worker.jinja_env.cache is not None
    kept = {key[1] for key in worker.jinja_env.cache.keys()}
    assert {"graphcrm/list.html", "appbuilder/navbar_menu.html"} <= kept
    assert set(names) <= kept
