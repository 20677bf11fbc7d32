"""Values as a reader reads them: times in the business time zone with its label, relative
times, amounts with separators and currency, phones in national format.

Display only: stored values and REST payloads keep ISO UTC times, E.164 phones and raw
numbers. The pure functions take the zone, region and language explicitly; the ``shown_*``
ones read them from the app and the request. Lists and record pages reach them through
each field kind's ``shown`` (``views.crud.kinds.shown_value``), templates through the
filters ``init_app`` registers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

import phonenumbers
from babel.numbers import format_decimal
from flask import Flask, current_app
from flask_babel import gettext, ngettext

from graph.clock import utc_now
from graph.model.records import from_graph
from views.scope import business_timezone

# Currencies shown by their symbol; any other code follows the number ("1,200.00 GBP").
CURRENCY_SYMBOLS = {"CNY": "¥", "RMB": "¥", "USD": "$", "EUR": "€"}
# Relative times are shown for moments within this many days of now.
RELATIVE_DAYS = 30


class Money(NamedTuple):
    """An amount with the currency of its record (``Prop.currency`` names that field)."""

    amount: Any
    currency: str | None


def zone_label(moment: dt.datetime) -> str:
    """The UTC offset of an aware moment as people read it: ``UTC+8``, ``UTC+5:30``, ``UTC``
    (an offset, not an abbreviation: "CST" is China's and America's Central time alike)."""
    offset = moment.utcoffset() or dt.timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def local_time(value: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A stored time (naive values are UTC) as an aware time in ``zone``."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(zone)


def utc_from_local(value: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    """A naive time read in ``zone`` as the naive UTC time it is stored as."""
    return value.replace(tzinfo=zone).astimezone(dt.UTC).replace(tzinfo=None)


def format_time(value: dt.datetime | None, zone: dt.tzinfo, *, seconds: bool = False) -> str:
    """``2026-12-02 06:37 UTC+8``: a stored time in the business zone, labelled."""
    if value is None:
        return ""
    local = local_time(value, zone)
    return f"{local:%Y-%m-%d %H:%M}" + (f":{local:%S}" if seconds else "") + f" {zone_label(local)}"


# Units of a relative time: its size in seconds, how a count of them ago and ahead reads.
_UNITS: tuple[tuple[int, Callable[[int], str], Callable[[int], str]], ...] = (
    (
        86400,
        lambda n: ngettext("%(num)d day ago", "%(num)d days ago", n),
        lambda n: ngettext("in %(num)d day", "in %(num)d days", n),
    ),
    (
        3600,
        lambda n: ngettext("%(num)d hour ago", "%(num)d hours ago", n),
        lambda n: ngettext("in %(num)d hour", "in %(num)d hours", n),
    ),
    (
        60,
        lambda n: ngettext("%(num)d minute ago", "%(num)d minutes ago", n),
        lambda n: ngettext("in %(num)d minute", "in %(num)d minutes", n),
    ),
)


def relative_time(value: dt.datetime | None, now: dt.datetime) -> str:
    """``3 days ago`` (``in 2 hours``) in the request's language for a moment within
    ``RELATIVE_DAYS`` of ``now``; "" further away. Naive values are UTC."""
    if value is None:
        return ""
    value = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    seconds = (now - value).total_seconds()
    if abs(seconds) > RELATIVE_DAYS * 86400:
        return ""
    if abs(seconds) < 60:
        return gettext("just now")
    size, ago, ahead = next(unit for unit in _UNITS if abs(seconds) >= unit[0])
    count = int(abs(seconds) // size)
    return ago(count) if seconds > 0 else ahead(count)


def format_number(value: Any) -> str:
    """A number with thousands separators: ``13,685``, ``1,234.568``, ``12``."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return format_decimal(value, locale="en")


def format_amount(amount: Any, currency: str | None) -> str:
    """``¥177,549.32``, ``$1,200.00``, ``-€5.50``; an unknown currency code follows the
    number (``1,200.00 GBP``); no currency: the number alone."""
    if amount is None or amount == "":
        return ""
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        return str(amount)
    number = f"{abs(amount):,.2f}"
    sign = "-" if amount < 0 else ""
    code = (currency or "").strip().upper()
    symbol = CURRENCY_SYMBOLS.get(code)
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number}" + (f" {code}" if code else "")


def format_phone(value: Any, region: str) -> str:
    """An E.164 phone in national format when it belongs to ``region`` (``138 0013 8000``),
    in international format otherwise (``+1 415-555-2671``), an extension after it in the
    reader's language (``021 1234 5678 转 8``); a masked or unreadable value is shown as
    it is."""
    if value is None or value == "":
        return ""
    text = str(value)
    if "*" in text:
        return text
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_valid_number(number):
        return text
    home = phonenumbers.region_code_for_number(number) == region.upper()
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    extension, number.extension = number.extension, None
    shown = phonenumbers.format_number(number, style)
    if not extension:
        return shown
    # TRANSLATORS: a phone's extension after its number, "021 1234 5678 ext. 8".
    return gettext("%(number)s ext. %(extension)s", number=shown, extension=extension)


def business_zone() -> dt.tzinfo:
    """The app's business time zone (``GRAPHCRM_TIMEZONE``)."""
    return business_timezone()


def shown_time(value: Any, seconds: bool = False) -> str:
    """A stored time (datetime or ISO text) in the business zone, labelled."""
    if isinstance(value, str):
        value = from_graph(None, value) if value else None
    if isinstance(value, dt.datetime):
        return format_time(value, business_zone(), seconds=seconds)
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def shown_relative(value: Any) -> str:
    """How long ago (or ahead) a stored time is, in the reader's language."""
    if isinstance(value, str):
        value = from_graph(None, value) if value else None
    if not isinstance(value, dt.datetime):
        return ""
    return relative_time(value, utc_now())


def shown_phone(value: Any) -> str:
    """A phone for the reader: national format in ``PHONE_DEFAULT_REGION``."""
    return format_phone(value, current_app.config.get("PHONE_DEFAULT_REGION", "CN"))


def init_app(app: Flask) -> None:
    """Template filters: ``when``, ``when_seconds``, ``ago``, ``phone``, ``money``,
    ``number``."""
    app.add_template_filter(shown_time, "when")
    app.add_template_filter(lambda value: shown_time(value, seconds=True), "when_seconds")
    app.add_template_filter(shown_relative, "ago")
    app.add_template_filter(shown_phone, "phone")
    app.add_template_filter(format_amount, "money")
    app.add_template_filter(format_number, "number")
