"""Helpers for driving the app through its real forms with Flask's test client."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import ADMIN_PASSWORD

_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: FlaskClient, username: str = "admin", password: str = ADMIN_PASSWORD):
    """Log in through the real form, CSRF token included."""
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    return client.post(
        "/login/",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=True,
    )


def submit(client: FlaskClient, url: str, data: dict, **kwargs):
    """GET a form page, then POST ``data`` to it with the page's CSRF token."""
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def bearer(client: FlaskClient, username: str = "admin", password: str = ADMIN_PASSWORD) -> dict:
    """Headers carrying a JWT for ``username`` from FAB's security API."""
    response = client.post(
        "/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return {"Authorization": f"Bearer {response.json['access_token']}"}
