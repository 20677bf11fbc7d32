"""Inputs of typed values (dates and times typed as text, personal data with a masked
hint) used by the field kinds' form fields (``views.crud.kinds``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_babel import lazy_gettext
from markupsafe import Markup, escape
from wtforms import Field, FloatField, StringField
from wtforms.widgets import TextInput

from graph.clock import utc_now
from graph.model.validation import parse_number_text
from views import display
from views.messages import MESSAGES

PICK_WHEN = lazy_gettext("Pick date and time")
PICK_DATE = lazy_gettext("Pick a date")


class PersonalDataInput(BS3TextFieldWidget):
    """FAB's text input, except that a placeholder given for the request wins over the
    label: a reader who sees personal data masked gets the masked value as the hint."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        kwargs["class"] = "form-control"
        kwargs.setdefault("placeholder", field.label.text if field.label else "")
        return TextInput.__call__(self, field, **kwargs)


def format_when(value: Any) -> str:
    """A stored date or date-time as a form shows it: ``2024-05-20 10:30`` (seconds only
    when there are some)."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


class WhenInput:
    """A text input that takes dates as people type them, beside a button opening the
    browser's own date-and-time picker (``when-picker.js``; offline, in the browser's
    language). FAB's ``DateTimePickerWidget`` is not used: its bundled bootstrap-datepicker
    1.10 picks dates only and rewrites a typed ``2026-12-01 10:30:00`` to ``2026-12-01``."""

    def __call__(self, field: WhenField, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        native = "date" if field.date_only else "datetime-local"
        title = PICK_DATE if field.date_only else PICK_WHEN
        example = "2024-05-20" if field.date_only else "2024-05-20 10:30"
        text = TextInput()(
            field, class_="form-control", autocomplete="off", placeholder=example, **kwargs
        )
        zone = ""
        if not field.date_only:
            label = display.zone_label(utc_now().astimezone(display.business_zone()))
            zone = f'<span class="input-group-addon graphcrm-when-zone">{escape(label)}</span>'
        return Markup(
            f'<div class="input-group graphcrm-when">{text}'
            '<span class="input-group-btn"><button type="button" '
            f'class="btn btn-default graphcrm-when-pick" title="{escape(title)}" '
            f'aria-label="{escape(title)}"><i class="fa fa-calendar"></i></button></span>{zone}'
            f'<input type="{native}" class="graphcrm-when-native" tabindex="-1" '
            'aria-hidden="true"></div>'
        )


class WhenField(StringField):
    """A date or date-time typed as text; ``SchemaCheck`` parses it (``parse_when``).

    After an error the form shows what the person typed, not a reformatted value."""

    widget = WhenInput()

    def __init__(self, label: Any = None, validators: Any = None, *, date_only: bool = False,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(label, validators, **kwargs)
        self.date_only = date_only

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, dt.datetime) and not self.date_only:
            # Stored in UTC, typed and shown in the business time zone.
            local = display.local_time(self.data, display.business_zone())
            return format_when(local.replace(tzinfo=None))
        return format_when(self.data)


class NumberField(FloatField):
    """A number typed as people write it: ``128,000.50``, ``¥1 234``, ``12.5元``."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            super().process_formdata(valuelist)
            return
        try:
            self.data = parse_number_text(str(valuelist[0]))
        except ValueError as exc:  # data stays the default (none)
            raise ValueError(MESSAGES["number"]) from exc
