"""Values as readers read them (views/display.py, app/audit_display.py): pure formatting."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, session

from app.audit_display import ACTIONS, action_label, detail_text
from graph.model.validation import parse_when
from views.display import (
    format_amount,
    format_number,
    format_phone,
    format_time,
    relative_time,
    utc_from_local,
    zone_label,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
LITERAL_ACTION = re.compile(r"\b(?:record|audit|_audit|record_audit_event)\(\s*\"([a-z_]+)\"")


def test_a_utc_time_is_shown_in_the_business_zone_with_its_label() -> None:
    # Created 2026-12-01 22:37:56 UTC is 2 December in Beijing, the day in its id.
    created = dt.datetime(2026, 12, 1, 22, 37, 56)
    assert format_time(created, SHANGHAI) == "2026-12-02 06:37 UTC+8"
    assert format_time(created, SHANGHAI, seconds=True) == "2026-12-02 06:37:56 UTC+8"
    assert format_time(created, dt.UTC) == "2026-12-01 22:37 UTC"
    assert format_time(None, SHANGHAI) == ""


def test_zone_labels_follow_the_offset_of_the_moment() -> None:
    assert zone_label(dt.datetime(2026, 1, 5, tzinfo=ZoneInfo("Asia/Kolkata"))) == "UTC+5:30"
    assert zone_label(dt.datetime(2026, 1, 5, tzinfo=ZoneInfo("Europe/Berlin"))) == "UTC+1"
    assert zone_label(dt.datetime(2026, 7, 5, tzinfo=ZoneInfo("Europe/Berlin"))) == "UTC+2"
    assert zone_label(dt.datetime(2026, 1, 5, tzinfo=ZoneInfo("America/New_York"))) == "UTC-5"


def test_a_form_time_read_in_the_business_zone_is_stored_in_utc() -> None:
    assert parse_when("2026-12-02 06:37", SHANGHAI) == dt.datetime(2026, 12, 1, 22, 37)
    assert parse_when("2026年12月2日 6:37", SHANGHAI) == dt.datetime(2026, 12, 1, 22, 37)
    # An explicit offset wins over the zone; without a zone a time is kept as typed (REST).
    assert parse_when("2026-12-02T06:37:00Z", SHANGHAI) == dt.datetime(2026, 12, 2, 6, 37)
    assert parse_when("2026-12-02 06:37") == dt.datetime(2026, 12, 2, 6, 37)
    assert utc_from_local(dt.datetime(2026, 12, 2, 6, 37), SHANGHAI) == dt.datetime(
        2026, 12, 1, 22, 37
    )


@pytest.mark.parametrize(
    ("ago", "en", "zh"),
    [
        (dt.timedelta(seconds=20), "just now", "刚刚"),
        (dt.timedelta(minutes=1), "1 minute ago", "1 分钟前"),
        (dt.timedelta(hours=5, minutes=59), "5 hours ago", "5 小时前"),
        (dt.timedelta(days=3, hours=2), "3 days ago", "3 天前"),
        (-dt.timedelta(days=2, hours=1), "in 2 days", "2 天后"),
        (dt.timedelta(days=45), "", ""),
    ],
)
def test_recent_times_read_as_relative_times(
    app: Flask, ago: dt.timedelta, en: str, zh: str
) -> None:
    now = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
    moment = (now - ago).replace(tzinfo=None)  # stored times are naive UTC
    with app.test_request_context("/?_l_=en"):
        assert relative_time(moment, now) == en
    with app.test_request_context("/?_l_=zh"):
        assert relative_time(moment, now) == zh


def test_amounts_have_separators_and_their_currency() -> None:
    assert format_amount(177549.32, "CNY") == "¥177,549.32"
    assert format_amount(128000.5, "CNY") == "¥128,000.50"
    assert format_amount(13685.0, "USD") == "$13,685.00"
    assert format_amount(-5.5, "EUR") == "-€5.50"
    assert format_amount(1200, "GBP") == "1,200.00 GBP"
    assert format_amount(1200, None) == "1,200.00"
    assert format_amount(None, "CNY") == ""


def test_numbers_have_thousands_separators() -> None:
    assert format_number(13685.0) == "13,685"
    assert format_number(1234567) == "1,234,567"
    assert format_number(1.23456) == "1.235"
    assert format_number(None) == ""


def test_phones_are_national_at_home_and_international_abroad() -> None:
    assert format_phone("+8613800138000", "CN") == "138 0013 8000"
    assert format_phone("+14155552671", "CN") == "+1 415-555-2671"
    assert format_phone("+14155552671", "US") == "(415) 555-2671"
    assert format_phone("138****8000", "CN") == "138****8000"  # masked stays masked
    assert format_phone("not a phone", "CN") == "not a phone"
    assert format_phone(None, "CN") == ""


def test_a_phones_extension_is_shown_in_the_readers_language(app: Flask) -> None:
    with app.test_request_context():
        assert format_phone("+862112345678;ext=8", "CN") == "021 1234 5678 ext. 8"
        assert format_phone("+14155552671;ext=12", "CN") == "+1 415-555-2671 ext. 12"
    with app.test_request_context():
        session["locale"] = "zh"
        assert format_phone("+862112345678;ext=8", "CN") == "021 1234 5678 转 8"


def test_audit_actions_and_details_read_as_labels(app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context():
        assert action_label("record_update") == "Record edited"
        assert action_label("permission_sync") == "Permissions synchronised"
        assert action_label("something_new") == "something_new"
        detail = json.dumps(
            {"request_id": "abc", "rows": 3, "filters": ["action login"]}, sort_keys=True
        )
        assert detail_text(detail) == "Filters: action login; Rows: 3; Request: abc"
        assert detail_text(json.dumps({"role_create": 2, "masked": True}, sort_keys=True)) == (
            "Personal data masked: yes; Role created: 2"
        )
        assert detail_text(None) == "" and detail_text('{"cut": "ab…') == '{"cut": "ab…'
    with app.test_request_context(headers={"Accept-Language": "zh"}):
        session["locale"] = "zh"
        assert action_label("login") == "登录"
        assert detail_text(json.dumps({"rows": 3})) == "行数: 3"


def test_every_audit_action_the_app_writes_has_a_label() -> None:
    written = {"login", "logout", "login_failed", "login_refused", "permission_sync"}
    written |= {"export", "console_query", "personal_data_search"}
    written |= {f"record_{verb}" for verb in ("create", "update", "delete")}
    written |= {f"{kind}_{verb}" for kind in ("user", "role", "group")
                for verb in ("create", "update", "delete")}  # fmt: skip
    written |= {f"graph_engine_{kind}" for kind in ("down", "restarted", "restart_failed")}
    written |= {f"job_{kind}" for kind in ("start", "cancel", "retry", "failed")}
    # And every literal action passed to the audit log anywhere in app/ and views/.
    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("app/**/*.py"), *root.glob("views/**/*.py")]:
        written |= set(LITERAL_ACTION.findall(path.read_text(encoding="utf-8")))
    assert written <= set(ACTIONS), written - set(ACTIONS)
    assert all(str(label) for label in ACTIONS.values())
