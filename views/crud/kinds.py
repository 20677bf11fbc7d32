"""The field kinds on the web: one class per kind, registered under the names of
``graph.model.kinds``, holding what differs by kind in the web layer (the form field, the
REST field, how a value is shown, which filters a list offers and which of FAB's
``is_<type>`` column probes answers for it).

A property's web kind is ``view_kind(prop)``; nothing else switches on kind names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, ClassVar

from flask_appbuilder.fieldwidgets import (
    BS3TextAreaFieldWidget,
    BS3TextFieldWidget,
    DateTimePickerWidget,
)
from marshmallow import fields
from wtforms import DateTimeField, Field, IntegerField, StringField, TextAreaField

from graph.model.base import Prop
from graph.model.records import ISO_DATETIME
from graph.model.validation import current_minute
from views.crud.filters import (
    FilterContains,
    FilterEmpty,
    FilterEqual,
    FilterGreater,
    FilterNotEqual,
    FilterSmaller,
    FilterStartsWith,
    GraphFilter,
)
from views.crud.inputs import NumberField, PersonalDataInput, WhenField
from views.display import Money, format_amount, format_number, shown_phone, shown_time

NUMBER_FILTERS = (FilterEqual, FilterGreater, FilterSmaller, FilterNotEqual, FilterEmpty)
TIME_FILTERS = (FilterGreater, FilterSmaller, FilterEqual, FilterEmpty)


class UtcDateTime(fields.DateTime):
    """A time written as ``ISO_DATETIME``, documented in OpenAPI as ``date-time`` (a
    ``format`` argument would be documented as ``format: null``)."""

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return None if value is None else value.strftime(ISO_DATETIME)


class ViewKind:
    """A string: a one-line text input, matched by text filters, shown as written."""

    name: ClassVar[str] = "string"
    # The FAB column probe (``is_<fab_type>``) that answers True for this kind.
    fab_type: ClassVar[str] = "string"
    # The filters a list offers on a property of this kind (personal data, choices and
    # relations have their own: ``views.crud.filters.GraphFilterConverter``).
    filters: ClassVar[tuple[type[GraphFilter], ...]] = (
        FilterContains, FilterEqual, FilterStartsWith, FilterNotEqual, FilterEmpty,
    )  # fmt: skip
    # The marshmallow field a REST answer writes a value with.
    rest_field: ClassVar[Callable[..., fields.Field]] = fields.String

    def form_field(
        self, label: str, checks: list[Any], *, description: str, prop: Prop, search: bool
    ) -> Field:
        """The form field of ``prop`` (``search``: for the search form, unvalidated)."""
        widget = PersonalDataInput() if prop.pii else BS3TextFieldWidget()
        return StringField(label, validators=checks, widget=widget, description=description)

    def shown(self, value: Any) -> str:
        """A stored, non-empty value as a list or record page shows it."""
        return shown_time(value) if isinstance(value, dt.datetime) else str(value)


class TextView(ViewKind):
    """Long text: a text area; no ordering-like filters."""

    name = "text"
    fab_type = "text"
    filters = (FilterContains, FilterEqual, FilterEmpty)

    def form_field(
        self, label: str, checks: list[Any], *, description: str, prop: Prop, search: bool
    ) -> Field:
        return TextAreaField(
            label, validators=checks, widget=BS3TextAreaFieldWidget(), description=description
        )


class IntegerView(ViewKind):
    """A whole number, shown with separators."""

    name = "integer"
    fab_type = "integer"
    filters = NUMBER_FILTERS
    rest_field: ClassVar[Callable[..., fields.Field]] = fields.Integer

    def form_field(
        self, label: str, checks: list[Any], *, description: str, prop: Prop, search: bool
    ) -> Field:
        return IntegerField(
            label, validators=checks, widget=BS3TextFieldWidget(), description=description
        )

    def shown(self, value: Any) -> str:
        return format_number(value)


class FloatView(IntegerView):
    """A number, shown with separators."""

    name = "float"
    fab_type = "float"
    rest_field = fields.Float

    def form_field(
        self, label: str, checks: list[Any], *, description: str, prop: Prop, search: bool
    ) -> Field:
        return NumberField(
            label, validators=checks, widget=BS3TextFieldWidget(), description=description
        )


class BooleanView(ViewKind):
    """Yes or no (no list filters yet)."""

    name = "boolean"
    fab_type = "boolean"
    filters = ()
    rest_field = fields.Boolean


class DateView(ViewKind):
    """A day: typed as text beside the browser's picker, shown as ``YYYY-MM-DD``."""

    name = "date"
    fab_type = "date"
    filters = TIME_FILTERS
    rest_field: ClassVar[Callable[..., fields.Field]] = fields.Date
    date_only: ClassVar[bool] = True

    def form_field(
        self, label: str, checks: list[Any], *, description: str, prop: Prop, search: bool
    ) -> Field:
        if search:
            return DateTimeField(
                label, validators=checks, widget=DateTimePickerWidget(),
                format="%Y-%m-%d %H:%M:%S", description=description,
            )  # fmt: skip
        return WhenField(
            label, validators=checks, date_only=self.date_only,
            description=description, default=current_minute if prop.default_now else None,
        )  # fmt: skip

    def shown(self, value: Any) -> str:
        return value.isoformat() if isinstance(value, dt.date) else super().shown(value)


class DateTimeView(DateView):
    """A moment: typed and shown in the business time zone, labelled."""

    name = "datetime"
    fab_type = "datetime"
    rest_field = UtcDateTime
    date_only = False

    def shown(self, value: Any) -> str:
        return shown_time(value)


class PhoneView(ViewKind):
    """A phone number, shown in national format."""

    name = "phone"

    def shown(self, value: Any) -> str:
        return shown_phone(value)


class EmailView(ViewKind):
    """An e-mail address."""

    name = "email"


PLAIN = ViewKind()
VIEW_KINDS: dict[str, ViewKind] = {}


def register(kind: ViewKind) -> ViewKind:
    """Add a web kind under its name (a name registered twice is a programming error)."""
    if kind.name in VIEW_KINDS:
        raise ValueError(f"web field kind {kind.name!r} is registered twice")
    VIEW_KINDS[kind.name] = kind
    return kind


for _kind in (
    PLAIN,
    TextView(),
    IntegerView(),
    FloatView(),
    BooleanView(),
    DateView(),
    DateTimeView(),
    PhoneView(),
    EmailView(),
):
    register(_kind)


def view_kind(prop: Prop | None) -> ViewKind:
    """The web kind of ``prop`` (plain text for a column that is no declared property)."""
    return PLAIN if prop is None else VIEW_KINDS[prop.kind]


def shown_value(prop: Prop | None, value: Any) -> str:
    """A stored property value for a list or record page, by its kind; "" for nothing.
    Choices are labelled by the caller (``views.labels.choice_label``)."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, Money):
        return format_amount(value.amount, value.currency)
    return view_kind(prop).shown(value)
