"""Helpers shared by the JSON API tests."""
import re

import pytest
from sqlalchemy import func, select

from market.extensions import db
from market.models import (
    Achievement, AuditEntry, BrokerProfile, Demand, Equipment, EquipmentFee, Field, Organisation, Policy, Setting, User,
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
    return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) for model in models}


def row_counts() -> dict:
    """How many rows each table the listing and policy API writes holds, to prove a refused request wrote nothing."""
    return _counts((Achievement, Demand, Equipment, EquipmentFee, Policy, AuditEntry))


def all_row_counts() -> dict:
    """row_counts plus accounts, organisations, brokers, fields and settings (take it after making the test users)."""
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
