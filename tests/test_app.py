"""The FAB application on a real graph: factory, login, languages, home page, secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from app import create_app
from graph.errors import ConfigError
from graph.store.protocol import GraphStore
from tests.conftest import ADMIN_PASSWORD
from tests.statements import statement
from tests.web import login

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"


def test_anonymous_home_page_offers_login_and_hides_graph_details(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'id="login-prompt"' in page
    assert 'id="graph-status"' not in page
    assert 'id="workspace-figures"' not in page


def test_admin_sees_graph_status_and_record_counts_on_the_status_page(
    client: FlaskClient, store: GraphStore
) -> None:
    store.write(statement("tag_create"), uid="t-1", name="VIP", now="2026-01-01T00:00:00Z")
    store.write(statement("tag_create"), uid="t-2", name="重点", now="2026-01-01T00:00:00Z")
    login(client)
    home = client.get("/").get_data(as_text=True)
    assert 'id="workspace-figures"' in home
    assert 'id="graph-status"' not in home
    page = client.get("/status/").get_data(as_text=True)
    assert 'id="graph-status"' in page
    assert "Connected" in page
    assert re.search(r'data-label="Tag"><td>Tags</td><td class="text-right">2</td>', page)


def test_wrong_password_is_refused(client: FlaskClient) -> None:
    page = login(client, password="wrong").get_data(as_text=True)
    assert "Invalid login" in page
    assert 'id="workspace-figures"' not in client.get("/").get_data(as_text=True)


def test_chinese_interface_after_switching_language(client: FlaskClient) -> None:
    login(client)
    client.get("/lang/zh", follow_redirects=True)
    page = client.get("/status/").get_data(as_text=True)
    assert "图数据库状态" in page
    assert "已连接" in page


def test_security_api_login_returns_a_token(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/security/login",
        json={"username": "admin", "password": ADMIN_PASSWORD, "provider": "db"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["access_token"]


def test_openapi_document_needs_a_token_and_is_served_with_one(client: FlaskClient) -> None:
    assert client.get("/api/v1/_openapi").status_code == 401
    token = client.post(
        "/api/v1/security/login",
        json={"username": "admin", "password": ADMIN_PASSWORD, "provider": "db"},
    ).json["access_token"]
    response = client.get("/api/v1/_openapi", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert "/security/login" in str(response.json["paths"])


def test_secret_key_is_generated_once_and_kept(app: Flask) -> None:
    key_file = Path(app.config["GRAPHCRM_INSTANCE_PATH"]) / "secret_key"
    assert key_file.read_text().strip() == app.config["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o077 == 0


def test_production_requires_secret_key(app_graph_url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app(
            {
                "GRAPH_URL": app_graph_url,
                "GRAPHCRM_INSTANCE_PATH": str(tmp_path),
                "GRAPHCRM_ENV": "production",
            }
        )


def test_unwritable_instance_folder_names_the_setting(app_graph_url: str, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="GRAPHCRM_INSTANCE_PATH"):
        create_app({"GRAPH_URL": app_graph_url, "GRAPHCRM_INSTANCE_PATH": str(blocker / "x")})


def test_compiled_chinese_catalog_matches_its_source() -> None:
    folder = TRANSLATIONS / "zh" / "LC_MESSAGES"
    with open(folder / "messages.po", "rb") as po, open(folder / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)

    def entries(catalog: Any) -> dict[Any, Any]:
        def text(value: Any) -> Any:
            return value if isinstance(value, str) else tuple(value)

        return {text(m.id): text(m.string) for m in catalog if m.id}

    expected = entries(source)
    assert entries(compiled) == expected
    assert all(expected.values()), "untranslated entries in messages.po"
