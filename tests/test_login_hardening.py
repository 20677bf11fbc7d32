"""Login hardening: failed-login locks per account and per address, and the password policy.

Each test signs in from addresses of its own (``REMOTE_ADDR``), so the locks it provokes
never reach the other tests sharing the session's app.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from app.accounts import ensure_admin
from app.login_throttle import LoginThrottle, account_key
from app.password_policy import MESSAGE_EN, generate_password, is_acceptable
from graph.errors import ConfigError
from tests.conftest import ADMIN_PASSWORD
from tests.web import login, submit

GRAPHCRM = str(Path(sys.executable).parent / "graphcrm")
PASSWORD = "Right-pass-123"
INVALID = "Invalid login"
ACCOUNT_LOCKED = "this account is locked"
ADDRESS_LOCKED = "from your network address"


def make_account(app: Flask, username: str) -> None:
    sm = app.appbuilder.sm
    with app.app_context():
        if sm.find_user(username=username) is None:
            sm.add_user(
                username, "Lock", "Tester", f"{username}@example.com", sm.find_role("Sales"),
                PASSWORD,
            )  # fmt: skip


def attempt(client: FlaskClient, ip: str, username: str, password: str) -> str:
    client.environ_base["REMOTE_ADDR"] = ip
    return login(client, username, password).get_data(as_text=True)


def signed_in(client: FlaskClient) -> bool:
    return 'href="/logout/"' in client.get("/").get_data(as_text=True)


def unlock(app: Flask, username: str) -> None:
    """End the account's lock as if its time had run out."""
    with app.app_context():
        session = app.appbuilder.session
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == account_key(username))
            .values(locked_until=None, failures=0)
        )
        session.commit()


def test_sixth_attempt_is_refused_with_a_message_even_with_the_right_password(
    app: Flask, client: FlaskClient
) -> None:
    make_account(app, "lockme")
    # A new address each time: only the account's counter reaches the limit.
    pages = [attempt(client, f"10.30.0.{n}", "lockme", "Wrong-pass-1") for n in range(1, 6)]
    assert all(INVALID in page for page in pages[:4])
    assert ACCOUNT_LOCKED in pages[4]  # the fifth failure starts the lock
    page = attempt(client, "10.30.0.6", "lockme", PASSWORD)
    assert ACCOUNT_LOCKED in page and "Try again in 15 minutes" in page
    assert not signed_in(client)
    client.get("/lang/zh")
    assert "该账户已被锁定" in attempt(client, "10.30.0.7", "LockMe ", PASSWORD)
    assert not signed_in(client)
    unlock(app, "lockme")
    attempt(client, "10.30.0.8", "lockme", PASSWORD)
    assert signed_in(client)


def test_lock_applies_to_the_rest_api_login_too(app: Flask, client: FlaskClient) -> None:
    make_account(app, "apilock")
    for n in range(5):
        attempt(client, f"10.32.0.{n + 1}", "apilock", "Wrong-pass-1")
    client.environ_base["REMOTE_ADDR"] = "10.32.0.9"
    response = client.post(
        "/api/v1/security/login",
        json={"username": "apilock", "password": PASSWORD, "provider": "db"},
    )
    assert response.status_code == 401
    unlock(app, "apilock")
    response = client.post(
        "/api/v1/security/login",
        json={"username": "apilock", "password": PASSWORD, "provider": "db"},
    )
    assert response.status_code == 200


def test_an_address_spraying_many_names_is_locked(app: Flask, client: FlaskClient) -> None:
    for n in range(5):
        page = attempt(client, "10.31.0.1", f"guess-{n}", "Wrong-pass-1")
    assert ADDRESS_LOCKED in page
    page = attempt(client, "10.31.0.1", "admin", ADMIN_PASSWORD)
    assert ADDRESS_LOCKED in page and not signed_in(client)
    attempt(client, "10.31.0.2", "admin", ADMIN_PASSWORD)
    assert signed_in(client)


def test_loopback_is_not_locked_as_an_address(app: Flask, client: FlaskClient) -> None:
    # Behind an undeclared local proxy every client seems to be 127.0.0.1.
    for n in range(6):
        attempt(client, "127.0.0.1", f"loop-guess-{n}", "Wrong-pass-1")
    attempt(client, "127.0.0.1", "admin", ADMIN_PASSWORD)
    assert signed_in(client)


def test_success_clears_the_account_counter(app: Flask, client: FlaskClient) -> None:
    make_account(app, "forgetful")
    for n in range(4):
        attempt(client, f"10.33.0.{n + 1}", "forgetful", "Wrong-pass-1")
    attempt(client, "10.33.0.5", "forgetful", PASSWORD)
    client.get("/logout/")
    for n in range(4):
        page = attempt(client, f"10.33.1.{n + 1}", "forgetful", "Wrong-pass-1")
    assert INVALID in page and ACCOUNT_LOCKED not in page


# --- password policy -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        (ADMIN_PASSWORD, True),
        ("abcdefghi1", True),
        ("abcdefgh1", False),  # 9 characters
        ("abcdefghijkl", False),  # no digit
        ("1234567890123", False),  # no letter
        ("", False),
    ],
)
def test_policy_wants_ten_characters_with_letters_and_digits(password: str, ok: bool) -> None:
    assert is_acceptable(password) is ok


def test_generated_passwords_meet_the_policy() -> None:
    assert all(is_acceptable(generate_password()) for _ in range(200))


def test_weak_password_is_refused_by_the_add_user_form(app: Flask, client: FlaskClient) -> None:
    login(client)
    with app.app_context():
        sales = app.appbuilder.sm.find_role("Sales").id
    form = {
        "first_name": "Weak", "last_name": "Password", "username": "weakling", "active": "y",
        "email": "weakling@example.com", "roles": str(sales), "password": "short1",
        "conf_password": "short1",
    }  # fmt: skip
    page = submit(client, "/users/add", form, follow_redirects=True).get_data(as_text=True)
    assert MESSAGE_EN in page
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="weakling") is None
    client.get("/lang/zh")
    page = submit(client, "/users/add", form, follow_redirects=True).get_data(as_text=True)
    assert "密码至少需要 10 个字符" in page


def test_weak_admin_password_is_refused(app: Flask) -> None:
    with pytest.raises(ConfigError, match="too weak"):
        ensure_admin(app, "weak-admin", "password")


def test_init_refuses_a_weak_admin_password(app_graph_url: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GRAPH", "SECRET"))}
    env["GRAPH_URL"] = app_graph_url
    env["GRAPHCRM_INSTANCE_PATH"] = str(tmp_path / "instance")
    weak = subprocess.run(
        [GRAPHCRM, "init", "--admin-password", "admin"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert weak.returncode == 1 and "too weak" in weak.stderr
    assert "Traceback" not in weak.stderr
    strong = subprocess.run(
        [GRAPHCRM, "init", "--admin-password", ADMIN_PASSWORD],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert strong.returncode == 0, strong.stderr
    assert "accounts mirrored into the graph" in strong.stdout
