"""Form fields generated from node declarations, validated by the node's marshmallow schema."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from flask_appbuilder.fieldwidgets import Select2Widget
from markupsafe import Markup, escape
from marshmallow import ValidationError as SchemaError
from wtforms import Field, HiddenField, SelectField
from wtforms.validators import ValidationError

from graph.model.base import NodeModel, Prop, Rel, model_for
from graph.model.records import Ref
from graph.model.validation import field_for, parse_when
from views import display
from views.crud.inputs import WhenField
from views.crud.interface import GraphInterface
from views.crud.kinds import view_kind
from views.labels import bilingual, translate_message
from views.scope import current_repository


class SchemaCheck:
    """Validate (and normalise) a form field with the model's marshmallow field."""

    def __init__(self, model: type[NodeModel], name: str, required: bool) -> None:
        self.model = model
        self.name = name
        self.field_flags = {"required": True} if required else {}

    def __call__(self, form: Any, field: Field) -> None:
        region = current_app.config.get("PHONE_DEFAULT_REGION", "CN")
        schema_field = field_for(self.model, self.name, region)
        raw = field.data
        if isinstance(raw, str) and not raw.strip():
            raw = None
        if isinstance(field, WhenField) and not field.date_only and isinstance(raw, str):
            # The form speaks the business time zone; the schema gets the UTC time.
            try:
                raw = parse_when(raw, display.business_zone())
            except (ValueError, OverflowError):
                pass  # the schema below says what is wrong, in the reader's language
        try:
            if raw is None or raw == []:
                if schema_field.required:
                    raise SchemaError(schema_field.error_messages["required"])
                field.data = [] if isinstance(field.data, list) else None
                return
            value = schema_field.deserialize(raw)
            if schema_field.required and value in (None, [], ""):
                raise SchemaError(schema_field.error_messages["required"])
        except SchemaError as exc:
            messages = exc.messages if isinstance(exc.messages, list) else [exc.messages]
            raise ValidationError(translate_message(messages[0])) from None
        if not isinstance(field, RelationField):
            field.data = value


class RelationWidget:
    """A select filled by search (select2 AJAX): only the chosen options are rendered."""

    def __call__(self, field: RelationField, **kwargs: Any) -> Markup:
        endpoint = url_for("ChoicesView.search", label=field.target)
        multiple = " multiple" if field.many else ""
        options = "".join(
            f'<option value="{escape(ref.uid)}" selected>{escape(str(ref))}</option>'
            for ref in field.selected()
        )
        # A linked record the reader may not see: its placeholder, kept unless replaced.
        hidden = "".join(
            f'<option value="" selected disabled>{escape(str(ref))}</option>'
            for ref in field.hidden
        )
        if not field.many and not hidden:
            options = '<option value=""></option>' + options
        options = hidden + options
        return Markup(
            f'<select class="form-control graphcrm-relation" id="{escape(field.id)}" '
            f'name="{escape(field.name)}" data-endpoint="{escape(endpoint)}"{multiple}>'
            f"{options}</select>"
        )


class RelationField(Field):
    """A relation to one node (uid) or many (list of uids), chosen by search."""

    widget = RelationWidget()

    def __init__(self, label: Any = None, validators: Any = None, *, rel: Rel, **kwargs: Any):
        super().__init__(label, validators, **kwargs)
        self.target = rel.target
        self.many = rel.many
        self._refs: list[Ref] = []
        self.hidden: list[Ref] = []

    def process_data(self, value: Any) -> None:
        items = value if isinstance(value, list) else [value] if value else []
        self.hidden = [v for v in items if isinstance(v, Ref) and v.hidden]
        items = [v for v in items if not getattr(v, "hidden", False)]
        self._refs = [v for v in items if isinstance(v, Ref)]
        uids = [getattr(v, "uid", v) for v in items]
        self.data = uids if self.many else (uids[0] if uids else None)

    def process_formdata(self, valuelist: list[str]) -> None:
        uids = [v for v in valuelist if v]
        self.data = uids if self.many else (uids[0] if uids else None)

    def selected(self) -> list[Ref]:
        """The chosen nodes with their titles: from the record being edited, or (for uids
        that came with a submitted form, e.g. re-shown after a validation error) looked up,
        as far as the reader may see them; a uid that is not visible stays a uid."""
        uids = self.data if isinstance(self.data, list) else [self.data] if self.data else []
        known = {ref.uid: ref for ref in self._refs}
        missing = [uid for uid in uids if uid not in known and isinstance(uid, str)]
        if missing:
            model = model_for(self.target)
            repository = current_repository(model)
            titles = repository.titles(missing, GraphInterface(model).conditions())
            known.update({uid: Ref(self.target, uid, title) for uid, title in titles.items()})
        return [known.get(uid, Ref(self.target, str(uid), str(uid))) for uid in uids]


def prop_field(model: type[NodeModel], prop: Prop, *, search: bool = False) -> Field:
    """The form field of a declared property (``search``: unvalidated, for the search form)."""
    label = bilingual(prop.en, prop.zh)
    checks = [] if search else [SchemaCheck(model, prop.name, prop.required)]
    description = bilingual(prop.description_en, prop.description_zh)
    if prop.choices:
        choices = [("", "")] if not prop.required or search else []
        choices += [(c.value, bilingual(c.en, c.zh)) for c in prop.choices]
        # Choices are checked by the schema (SchemaCheck), with a translated message.
        return SelectField(
            label, choices=choices, validators=checks, widget=Select2Widget(),
            default=prop.default, description=description, validate_choice=False,
        )  # fmt: skip
    return view_kind(prop).form_field(
        label, checks, description=description, prop=prop, search=search
    )


def rel_field(model: type[NodeModel], rel: Rel, *, search: bool = False) -> Field:
    """The searchable select of a declared relation."""
    return RelationField(
        bilingual(rel.en, rel.zh),
        validators=[] if search else [SchemaCheck(model, rel.name, rel.required)],
        rel=rel,
    )


def version_field() -> Field:
    """The hidden version an edit is based on (refused if someone saved a newer one)."""
    return HiddenField("version")
