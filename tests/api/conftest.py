"""Helpers shared by the JSON API tests."""

import re

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import func, select

from market.extensions import db
from market.models import (
    Achievement,
    AuditEntry,
    BrokerProfile,
    Demand,
    Equipment,
    EquipmentFee,
    Field,
    Organisation,
    Policy,
    Setting,
    User,
)
from tests.conftest import ACHIEVEMENT, DEMAND, EQUIPMENT

COLLECTION_OF = {"achievement": "achievements", "demand": "demands", "equipment": "equipment"}
PAYLOADS = {"achievement": ACHIEVEMENT, "demand": DEMAND, "equipment": EQUIPMENT}
TITLE_KEY = {"achievement": "title", "demand": "title", "equipment": "name"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def error_of(response, status: int) -> dict:
    """The error envelope of a response, after checking its status and shape."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.is_json, response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    assert CHINESE.search(body["error"]["message"]), body
    return body["error"]


def field_errors(response) -> dict:
    """The per-field messages of a 422, each checked to be Chinese."""
    fields = error_of(response, 422)["fields"]
    for name, message in fields.items():
        assert CHINESE.search(message), (name, message)
    return fields


def _counts(models) -> dict:
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in models
    }


def row_counts() -> dict:
    """How many rows each table the listing and policy API writes holds, to prove a refused request wrote
    nothing."""
    return _counts((Achievement, Demand, Equipment, EquipmentFee, Policy, AuditEntry))


def all_row_counts() -> dict:
    """row_counts plus accounts, organisations, brokers, fields and settings (take it after making the test
    users)."""
    return {**row_counts(), **_counts((User, Organisation, BrokerProfile, Field, Setting))}


@pytest.fixture
def headers_for(api_token):
    """Authorization headers for a user (None → anonymous, no header)."""

    def get(user):
        return api_token(user) if user is not None else {}

    return get


@pytest.fixture
def tokens(world, api_token):
    """A bearer-token header per role name of the test module's `world` (none for "anonymous"), cached."""
    cache = {}

    def get(role):
        if role == "anonymous":
            return {}
        if role not in cache:
            cache[role] = api_token(world[role])
        return cache[role]

    return get


# ---- responses checked against the OpenAPI document -------------------------------------------------


def to_json_schema(node):
    """OpenAPI 3.0 schema objects → JSON Schema 2020-12 (nullable → null type, refs → $defs)."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: to_json_schema(value) for key, value in node.items() if key not in ("nullable", "example")}
    if isinstance(out.get("$ref"), str):
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable"):
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = out["enum"] + [None]
        else:
            out = {"anyOf": [{"type": "null"}, out]}
    return out


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"].startswith("3.0")
    return document


@pytest.fixture
def validate(spec):
    """Check a response body against the schema the spec gives for that path, method and status."""
    defs = {name: to_json_schema(schema) for name, schema in spec["components"]["schemas"].items()}

    def check(path: str, method: str, response, status: int | None = None):
        status = status or response.status_code
        assert response.status_code == status, response.get_data(as_text=True)[:300]
        operation = spec["paths"][path][method]
        assert str(status) in operation["responses"], (
            f"{method.upper()} {path} answers {status}, the spec does not say so"
        )
        content = operation["responses"][str(status)].get("content")
        if content is None:
            assert not response.data, (
                f"{method.upper()} {path} {status} has a body the spec does not describe"
            )
            return
        schema = {**to_json_schema(content["application/json"]["schema"]), "$defs": defs}
        errors = sorted(Draft202012Validator(schema).iter_errors(response.get_json()), key=str)
        assert not errors, f"{method.upper()} {path} {status}: " + "; ".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]
        )

    return check
