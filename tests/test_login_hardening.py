"""Login hardening: failed-login throttling (Flask-Limiter) that slows guessers without
locking owners out, admin unlock, and the password policy.

Each test signs in from addresses of its own (``REMOTE_ADDR``), so the throttles it provokes
never reach the other tests sharing the session's app.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.accounts import ensure_admin
from app.audit import AuditEvent
from app.password_policy import generate_password, is_acceptable, message
from graph.errors import ConfigError
from tests.conftest import ADMIN_PASSWORD
from tests.web import csrf_token, login, submit

GRAPHCRM = str(Path(sys.executable).parent / "graphcrm")
PASSWORD = "Right-pass-123"
WRONG = "Wrong-pass-1"
INVALID = "Invalid login"
PAIR_LIMITED = "for this account from your address"
ACCOUNT_LIMITED = "Too many failed sign-in attempts for this account. Try again in"
ADDRESS_LIMITED = "from your network address"
REST_LOGIN = "/api/v1/security/login"


def make_account(app: Flask, username: str) -> int:
    sm = app.appbuilder.sm
    with app.app_context():
        user = sm.find_user(username=username)
        if user is None:
            user = sm.add_user(
                username, "Lock", "Tester", f"{username}@example.com", sm.find_role("Sales"),
                PASSWORD,
            )  # fmt: skip
        return user.id


def attempt(client: FlaskClient, ip: str, username: str, password: str) -> TestResponse:
    """One login through the real form (CSRF token included), not following redirects."""
    client.environ_base["REMOTE_ADDR"] = ip
    token = csrf_token(client.get("/login/").get_data(as_text=True))
    return client.post(
        "/login/", data={"username": username, "password": password, "csrf_token": token}
    )


def rest_attempt(client: FlaskClient, ip: str, username: str, password: str) -> TestResponse:
    client.environ_base["REMOTE_ADDR"] = ip
    return client.post(
        REST_LOGIN, json={"username": username, "password": password, "provider": "db"}
    )


def signed_in(client: FlaskClient) -> bool:
    return 'href="/logout/"' in client.get("/").get_data(as_text=True)


def audited(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        return app.appbuilder.session.query(AuditEvent).filter_by(action=action).all()


def test_guesses_from_one_address_back_off_with_429_and_retry_after(
    app: Flask, client: FlaskClient
) -> None:
    make_account(app, "slowme")
    for _ in range(5):
        failed = attempt(client, "10.30.0.1", "slowme", WRONG)
        assert failed.status_code == 302  # back to the login page, "Invalid login"
    refused = attempt(client, "10.30.0.1", "slowme", PASSWORD)  # even the right password
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 61  # the window, rounded up
    page = refused.get_data(as_text=True)
    assert PAIR_LIMITED in page and "Try again in" in page and 'name="password"' in page
    assert not signed_in(client)
    client.get("/lang/zh")
    refused = attempt(client, "10.30.0.1", "SlowMe ", PASSWORD)
    assert refused.status_code == 429
    assert "此账户从您的网络地址登录失败次数过多" in refused.get_data(as_text=True)
    assert any(e.username == "SlowMe" for e in audited(app, "login_throttled"))


def test_the_owner_signs_in_from_another_address_while_a_guesser_is_throttled(
    app: Flask, client: FlaskClient
) -> None:
    # Not "owner": a user name that is also a UI word would read as untranslated text on
    # the account screens of a later test (test_chinese_complete).
    make_account(app, "roaming")
    for _ in range(6):
        attempt(client, "10.31.0.1", "roaming", WRONG)
    assert attempt(client, "10.31.0.1", "roaming", PASSWORD).status_code == 429
    attempt(client, "10.31.0.2", "roaming", PASSWORD)
    assert signed_in(client)


def test_rest_login_is_throttled_with_the_same_counters(app: Flask, client: FlaskClient) -> None:
    make_account(app, "apislow")
    for _ in range(3):
        assert rest_attempt(client, "10.32.0.1", "apislow", WRONG).status_code == 401
    for _ in range(2):
        attempt(client, "10.32.0.1", "apislow", WRONG)  # the login page counts too
    refused = rest_attempt(client, "10.32.0.1", "apislow", PASSWORD)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
    assert PAIR_LIMITED in refused.json["message"]
    refused = client.post(
        REST_LOGIN,
        json={"username": "apislow", "password": PASSWORD, "provider": "db"},
        headers={"Accept-Language": "zh"},
    )
    assert refused.status_code == 429
    assert rest_attempt(client, "10.32.0.2", "apislow", PASSWORD).status_code == 200


def test_guessers_spread_over_addresses_are_slowed_not_locked_out(
    app: Flask, client: FlaskClient
) -> None:
    make_account(app, "popular")
    for n in range(20):
        assert rest_attempt(client, f"10.33.1.{n + 1}", "popular", WRONG).status_code == 401
    refused = rest_attempt(client, "10.33.2.1", "popular", PASSWORD)
    assert refused.status_code == 429 and ACCOUNT_LIMITED in refused.json["message"]
    # A moving window: the wait is until the oldest failure leaves it (at most 5 minutes),
    # never a fixed lock.
    assert 1 <= int(refused.headers["Retry-After"]) <= 301


def test_a_refused_attempt_takes_as_long_as_a_real_password_check(
    app: Flask, client: FlaskClient
) -> None:
    make_account(app, "timed")

    # CPU time of this thread (the test client runs the request here): the password hash is
    # CPU work, and wall time would also count whatever else the machine is doing.
    def seconds(ip: str) -> float:
        started = time.thread_time()
        rest_attempt(client, ip, "timed", WRONG)
        return time.thread_time() - started

    real = [seconds(f"10.34.0.{n + 1}") for n in range(5)]  # a new address each: all counted
    for _ in range(5):
        rest_attempt(client, "10.34.1.1", "timed", WRONG)
    refused = []
    for _ in range(5):
        started = time.thread_time()
        assert rest_attempt(client, "10.34.1.1", "timed", WRONG).status_code == 429
        refused.append(time.thread_time() - started)
    assert statistics.median(refused) >= 0.6 * statistics.median(real), (real, refused)


def test_an_address_spraying_many_names_is_throttled(app: Flask, client: FlaskClient) -> None:
    for n in range(30):
        rest_attempt(client, "10.35.0.1", f"guess-{n}", WRONG)
    refused = attempt(client, "10.35.0.1", "admin", ADMIN_PASSWORD)
    assert refused.status_code == 429 and ADDRESS_LIMITED in refused.get_data(as_text=True)
    attempt(client, "10.35.0.2", "admin", ADMIN_PASSWORD)
    assert signed_in(client)


def test_loopback_is_not_throttled_as_an_address(app: Flask, client: FlaskClient) -> None:
    # Behind an undeclared local proxy every client seems to be 127.0.0.1.
    for n in range(31):
        rest_attempt(client, "127.0.0.1", f"loop-guess-{n}", WRONG)
    attempt(client, "127.0.0.1", "admin", ADMIN_PASSWORD)
    assert signed_in(client)


def test_admin_unlocks_an_account_on_the_user_screen_and_it_is_audited(
    app: Flask, client: FlaskClient
) -> None:
    user_id = make_account(app, "unlockme")
    for _ in range(5):
        attempt(client, "10.36.0.1", "unlockme", WRONG)
    assert attempt(client, "10.36.0.1", "unlockme", PASSWORD).status_code == 429
    admin = app.test_client()
    admin.environ_base["REMOTE_ADDR"] = "10.36.9.9"
    login(admin)
    token = csrf_token(admin.get("/users/add").get_data(as_text=True))
    done = admin.post(
        "/users/action_post",
        data={"action": "unlock", "rowid": str(user_id), "csrf_token": token},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "no longer slowed down" in done.get_data(as_text=True)
    event = audited(app, "login_unlocked")[-1]
    assert event.username == "admin" and "unlockme" in (event.detail or "")
    attempt(client, "10.36.0.1", "unlockme", PASSWORD)
    assert signed_in(client)


def test_graphcrm_accounts_unlock_clears_the_counters(app: Flask, client: FlaskClient) -> None:
    make_account(app, "cliunlock")
    for _ in range(5):
        rest_attempt(client, "10.37.0.1", "cliunlock", WRONG)
    assert rest_attempt(client, "10.37.0.1", "cliunlock", PASSWORD).status_code == 429
    result = app.test_cli_runner().invoke(args=["graphcrm", "accounts", "unlock", "CliUnlock"])
    assert result.exit_code == 0 and "no longer slowed down" in result.output
    assert rest_attempt(client, "10.37.0.1", "cliunlock", PASSWORD).status_code == 200
    assert audited(app, "login_unlocked")[-1].username == "cli"


def test_only_admins_may_unlock(app: Flask, client: FlaskClient) -> None:
    user_id = make_account(app, "notadmin")
    client.environ_base["REMOTE_ADDR"] = "10.38.0.1"
    login(client, "notadmin", PASSWORD)
    before = len(audited(app, "login_unlocked"))
    token = csrf_token(client.get("/customer/add").get_data(as_text=True))
    refused = client.post(
        "/users/action_post",
        data={"action": "unlock", "rowid": str(user_id), "csrf_token": token},
    )
    assert refused.status_code in (302, 403)
    assert len(audited(app, "login_unlocked")) == before


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
    assert message() in page
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
