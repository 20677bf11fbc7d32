"""Values as people type them: dates in their usual forms, text with its punctuation kept."""

from __future__ import annotations

import datetime as dt

import pytest
from marshmallow import ValidationError

from graph.model import nodes
from graph.model.validation import Message, parse_when, validate_values
from graph.security.crypto import normalise

CUSTOMER = {"customer": "C20260101001", "method": "phone", "summary": "Call"}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("2026-12-01", dt.datetime(2026, 12, 1)),
        ("2026-12-01 10:30", dt.datetime(2026, 12, 1, 10, 30)),
        ("2026-12-01 10:30:00", dt.datetime(2026, 12, 1, 10, 30)),
        ("2026-12-01 10:30:15", dt.datetime(2026, 12, 1, 10, 30, 15)),
        ("2026-12-01T10:30", dt.datetime(2026, 12, 1, 10, 30)),
        ("2026-12-01T10:30:00Z", dt.datetime(2026, 12, 1, 10, 30)),
        ("2026-12-01T10:30:00+08:00", dt.datetime(2026, 12, 1, 2, 30)),
        ("2024/5/20", dt.datetime(2024, 5, 20)),
        ("2024/5/20 9:05", dt.datetime(2024, 5, 20, 9, 5)),
        ("2024年5月20日", dt.datetime(2024, 5, 20)),
        ("2024年5月20日 10:30", dt.datetime(2024, 5, 20, 10, 30)),
        ("2024年5月20日10时30分", dt.datetime(2024, 5, 20, 10, 30)),
        ("２０２４年５月２０日　１０：３０", dt.datetime(2024, 5, 20, 10, 30)),
        ("  2024.05.20  ", dt.datetime(2024, 5, 20)),
    ],
)
def test_dates_are_read_as_people_type_them(typed: str, meant: dt.datetime) -> None:
    assert parse_when(typed) == meant
    data = validate_values(nodes.FollowUp, {**CUSTOMER, "at": typed})
    assert data["at"] == meant


@pytest.mark.parametrize(
    "typed",
    [
        "9999-99-99",
        "2024-02-30",
        "2024-5-20 25:00",
        "tomorrow",
        "0001-01-01",
        "\ud800",
        "9" * 10**6,
    ],
)
def test_impossible_dates_get_a_field_message(typed: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_values(nodes.FollowUp, {**CUSTOMER, "at": "2026-01-01", "next_due": typed})
    assert caught.value.messages == {"next_due": [Message("datetime")]}


def test_optional_date_may_be_blank_and_required_one_may_not() -> None:
    data = validate_values(nodes.FollowUp, {**CUSTOMER, "at": "2026-01-01", "next_due": " "})
    assert data["next_due"] is None
    with pytest.raises(ValidationError) as caught:
        validate_values(nodes.FollowUp, {**CUSTOMER, "at": ""})
    assert caught.value.messages == {"at": [Message("required")]}


def test_a_left_out_time_of_a_new_follow_up_or_order_is_now() -> None:
    now = dt.datetime(2026, 3, 1, 9, 30, 42, tzinfo=dt.UTC)
    data = validate_values(nodes.FollowUp, CUSTOMER, now=now)
    assert data["at"] == dt.datetime(2026, 3, 1, 9, 30)
    order = {"product": "Pump", "amount": 10, "customer": "C20260101001"}
    assert validate_values(nodes.Order, order, now=now)["at"] == dt.datetime(2026, 3, 1, 9, 30)
    # A partial edit that leaves the time out keeps the stored one.
    assert "at" not in validate_values(nodes.Order, {"amount": 12}, partial=True)


def test_chinese_punctuation_is_kept_and_full_width_letters_and_digits_folded() -> None:
    data = validate_values(
        nodes.Customer, {"name": " 华为技术（北京）有限公司　", "stage": "deal", "region": "Ｂ１区"}
    )
    assert data["name"] == "华为技术（北京）有限公司"
    assert data["region"] == "B1区"
    follow_up = validate_values(
        nodes.FollowUp,
        {**CUSTOMER, "at": "2026-01-01", "summary": "需求，客户：报价。", "feedback": "好！？、；"},
    )
    assert follow_up["summary"] == "需求，客户：报价。"
    assert follow_up["feedback"] == "好！？、；"


def test_matching_keys_fold_punctuation_but_phones_and_emails_still_normalise() -> None:
    assert normalise("ＡＢ（１）", "string") == normalise("ab(1)", "string")
    data = validate_values(
        nodes.Customer,
        {
            "name": "x",
            "stage": "deal",
            "phone": "＋８６ １３８－１２３４－５６７８",
            "email": "a＠Ｂ.com",
        },
    )
    assert data["phone"] == "+8613812345678"
    assert data["email"] == "a@b.com"


def test_lone_surrogates_and_control_characters_are_dropped_from_text() -> None:
    data = validate_values(nodes.Customer, {"name": "A\ud800B\x07", "stage": "deal"})
    assert data["name"] == "AB"
