"""Bearer tokens: getting one, using it, and every way it can be wrong."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from market.extensions import db
from market.models import ApiToken
from market.models.base import utcnow
from tests.api.conftest import error_of, field_errors, row_counts
from tests.conftest import ACHIEVEMENT, PASSWORD


def _token(client, user) -> str:
    response = client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 201
    return response.get_json()["token"]


def test_token_identifies_the_user_on_later_requests(client, make_user):
    user = make_user("enterprise", email="buyer@example.cn")
    response = client.post("/api/v1/tokens", json={"email": "  BUYER@example.cn ", "password": PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["email"] == user.email
    assert me.get_json()["role"] == "enterprise"
    assert me.get_json()["organisation"]["id"] == user.organisation_id


def test_only_the_token_hash_is_stored(client, make_user):
    token = _token(client, make_user())
    assert token not in db.session.scalars(select(ApiToken.token_hash)).all()


@pytest.mark.parametrize(
    "email, password",
    [
        ("known", "wrong-Passw0rd"),
        ("nobody@example.cn", PASSWORD),
    ],
)
def test_wrong_credentials_get_the_same_401(client, make_user, email, password):
    user = make_user()
    response = client.post(
        "/api/v1/tokens", json={"email": user.email if email == "known" else email, "password": password}
    )
    error = error_of(response, 401)
    assert error["message"] == "邮箱或密码不正确"  # the same for both: no probing which emails exist
    assert db.session.scalar(select(ApiToken.id)) is None


def test_deactivated_user_gets_no_token_and_old_tokens_stop_working(client, make_user):
    user = make_user()
    headers = {"Authorization": f"Bearer {_token(client, user)}"}
    user.active = False
    db.session.commit()
    error_of(client.get("/api/v1/me", headers=headers), 401)
    error_of(client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "bearer",
    ],
)
def test_bad_token_is_401_even_for_public_reads(client, header):
    for response in (
        client.get("/api/v1/me", headers={"Authorization": header}),
        client.get("/api/v1/achievements", headers={"Authorization": header}),
    ):
        assert error_of(response, 401)["code"] == "unauthorized"


def test_expired_token_is_401(client, make_user):
    token = _token(client, make_user())
    row = db.session.scalar(select(ApiToken))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    error = error_of(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)
    assert "过期" in error["message"]


def test_unauthenticated_write_is_401_json_never_a_redirect(client):
    before = row_counts()
    for response in (
        client.post("/api/v1/achievements", json=ACHIEVEMENT),
        client.patch("/api/v1/achievements/1", json={"title": "改"}),
        client.delete("/api/v1/demands/1"),
        client.post("/api/v1/equipment/1/withdraw"),
        client.post("/api/v1/policies", json={"title": "政策", "issuer": "科技厅"}),
        client.get("/api/v1/me"),
    ):
        assert "Location" not in response.headers
        assert "/api/v1/tokens" in error_of(response, 401)["message"]
    assert row_counts() == before


@pytest.mark.parametrize(
    "body",
    [
        ["user@example.cn", PASSWORD],
        "user@example.cn",
        42,
        None,
        "{not json",
    ],
)
def test_token_request_body_must_be_a_json_object(client, body):
    if isinstance(body, str) and body.startswith("{"):
        response = client.post("/api/v1/tokens", data=body, content_type="application/json")
    else:
        response = client.post("/api/v1/tokens", json=body)
    assert "_body" in field_errors(response)


def test_token_request_sent_as_a_form_is_422(client, make_user):
    user = make_user()
    response = client.post("/api/v1/tokens", data={"email": user.email, "password": PASSWORD})
    assert "_body" in field_errors(response)


def test_unknown_field_in_token_request_is_422(client, make_user):
    user = make_user()
    response = client.post(
        "/api/v1/tokens", json={"email": user.email, "password": PASSWORD, "remember": True}
    )
    assert field_errors(response) == {"remember": "未知字段"}


@pytest.mark.parametrize(
    "body, missing",
    [
        ({"email": "user@example.cn"}, {"password"}),
        ({"password": PASSWORD}, {"email"}),
        ({"email": ["user@example.cn"], "password": 12345678}, {"email", "password"}),
    ],
)
def test_missing_or_non_text_credentials_are_422(client, body, missing):
    assert set(field_errors(client.post("/api/v1/tokens", json=body))) == missing


def test_nul_byte_in_email_is_refused_not_a_server_error(client):
    error_of(client.post("/api/v1/tokens", json={"email": "a\x00@example.cn", "password": PASSWORD}), 401)
