"""FAB's rison argument schemas are checked once per process, and instances are still
validated on every call with the answers ``jsonschema.validate`` gives."""

from __future__ import annotations

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_appbuilder import api as fab_api
from flask_appbuilder.api.schemas import get_item_schema, get_list_schema

from tests.web import bearer
from views.rison_schemas import CheckedOnce

INSTANCES = (
    {},
    {"page": 2, "page_size": 10},
    {"page": "two"},
    {"page_size": -1.5},
    {"filters": [{"col": "name"}]},
    {"order_direction": "sideways"},
    {"columns": "name"},
    {"keys": ["nothing"]},
)


def _error(validate, instance, schema) -> str | None:  # type: ignore[no-untyped-def]
    try:
        validate(instance=instance, schema=schema)
    except jsonschema.ValidationError as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("instance", INSTANCES)
@pytest.mark.parametrize("schema", (get_list_schema, get_item_schema))
def test_checked_once_answers_like_jsonschema(instance: dict, schema: dict) -> None:
    checked = CheckedOnce()
    expected = _error(jsonschema.validate, instance, schema)
    assert _error(checked.validate, instance, schema) == expected
    assert _error(checked.validate, instance, schema) == expected  # the kept validator


def test_a_bad_schema_is_still_refused() -> None:
    with pytest.raises(jsonschema.SchemaError):
        CheckedOnce().validate(instance={}, schema={"type": "no such type"})


def test_the_api_still_refuses_a_q_argument_against_fabs_schema(
    app: Flask, client: FlaskClient
) -> None:
    assert isinstance(fab_api.jsonschema, CheckedOnce)
    headers = bearer(client)
    refused = client.get("/api/v1/customer/?q=(page:two)", headers=headers)
    assert refused.status_code == 400
    assert "Not a valid rison schema" in refused.get_data(as_text=True)
    listed = client.get("/api/v1/customer/?q=(page:0,page_size:5)", headers=headers)
    assert listed.status_code == 200
