"""Registration and password change over JSON."""

import pytest
from sqlalchemy import select

from market.extensions import db
from market.models import AuditEntry, Organisation, User
from market.services.codes import credit_code_with_check
from tests.api.conftest import all_row_counts, error_of, field_errors
from tests.conftest import PASSWORD

CODE = credit_code_with_check("91611100MA6TG0001")
REGISTRATION = {
    "email": "Zhang.San@Example.cn",
    "password": "Secret2025",
    "display_name": "张三",
    "role": "enterprise",
    "org_name": "西咸新区氢能科技有限公司",
    "credit_code": CODE,
    "region": "沣西",
}


def _user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_registration_creates_the_user_and_a_pending_organisation_without_a_token(client):
    response = client.post("/api/v1/registrations", json=REGISTRATION)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert "token" not in body and "password" not in str(body) and "pbkdf2" not in str(body)
    assert (body["email"], body["display_name"], body["role"], body["verified"]) == (
        "zhang.san@example.cn",
        "张三",
        "enterprise",
        False,
    )
    assert body["organisation"] == {
        "id": body["organisation"]["id"],
        "name": "西咸新区氢能科技有限公司",
        "kind": "enterprise",
        "region": "沣西",
        "verification_state": "pending",
    }
    org = db.session.get(Organisation, body["organisation"]["id"])
    assert org.credit_code == CODE
    token = client.post("/api/v1/tokens", json={"email": REGISTRATION["email"], "password": "Secret2025"})
    assert token.status_code == 201  # signing in is a separate step
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.get_json()['token']}"}).get_json()
    assert me == body
    assert (
        db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_id == body["id"]))
        == "account.register"
    )


def test_a_registered_broker_appears_in_the_directory(client):
    body = {**REGISTRATION, "role": "broker", "org_kind": "intermediary", "org_name": "秦创原技术转移中心"}
    created = client.post("/api/v1/registrations", json=body)
    assert created.status_code == 201, created.get_json()
    brokers = client.get("/api/v1/brokers").get_json()["items"]
    assert [b["display_name"] for b in brokers] == ["张三"]


def test_university_may_register_as_an_institute(client):
    body = {**REGISTRATION, "role": "university", "org_kind": "institute", "org_name": "中科院西安光机所"}
    assert client.post("/api/v1/registrations", json=body).get_json()["organisation"]["kind"] == "institute"


@pytest.mark.parametrize(
    "override, field",
    [
        ({"email": ""}, "email"),
        ({"email": "不是邮箱"}, "email"),
        ({"email": ["a@example.cn"]}, "email"),
        ({"email": "a\x00@example.cn"}, "email"),
        ({"password": "short1"}, "password"),
        ({"password": "Password123"}, "password"),  # one of the most common
        ({"password": 12345678}, "password"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "名" * 61}, "display_name"),
        ({"display_name": "<b>张三</b>"}, "display_name"),
        ({"role": "admin"}, "role"),
        ({"role": ["enterprise"]}, "role"),
        ({"org_kind": "government"}, "org_kind"),
        ({"role": "university", "org_kind": "enterprise"}, "org_kind"),
        ({"org_name": ""}, "org_name"),
        ({"org_name": "单位\x00"}, "org_name"),
        ({"credit_code": ""}, "credit_code"),
        ({"credit_code": "12345"}, "credit_code"),
        ({"credit_code": CODE[:-1] + ("1" if CODE[-1] != "1" else "2")}, "credit_code"),
        ({"credit_code": 916111}, "credit_code"),
        ({"region": "雁塔"}, "region"),
        ({"password_again": "Secret2025"}, "password_again"),
        ({"verification_state": "verified"}, "verification_state"),
    ],
)
def test_bad_registration_is_422_in_chinese_and_writes_nothing(client, override, field):
    before = all_row_counts()
    response = client.post("/api/v1/registrations", json={**REGISTRATION, **override})
    assert field in field_errors(response)
    assert all_row_counts() == before


def test_empty_registration_names_every_required_field(client):
    fields = field_errors(client.post("/api/v1/registrations", json={}))
    assert set(fields) == {"email", "password", "display_name", "role", "org_name", "credit_code", "region"}


def test_taken_email_credit_code_or_organisation_name_is_422(client, make_user):
    existing = make_user("enterprise")
    before = all_row_counts()
    for override, field in (
        ({"email": existing.email.upper()}, "email"),
        ({"credit_code": existing.organisation.credit_code}, "credit_code"),
        ({"org_name": existing.organisation.name}, "org_name"),
    ):
        assert field in field_errors(client.post("/api/v1/registrations", json={**REGISTRATION, **override}))
    assert all_row_counts() == before


def test_registration_body_must_be_a_json_object(client):
    for response in (
        client.post("/api/v1/registrations", json=[REGISTRATION]),
        client.post("/api/v1/registrations", data=REGISTRATION),
    ):
        assert "_body" in field_errors(response)


# ---- password change --------------------------------------------------------------------------------------


def test_password_change_takes_effect_for_new_tokens(client, make_user, api_token):
    user = make_user()
    response = client.post(
        "/api/v1/me/password",
        json={"old_password": PASSWORD, "new_password": "NewPassw0rd"},
        headers=api_token(user),
    )
    assert response.status_code == 204 and not response.data
    error_of(client.post("/api/v1/tokens", json={"email": user.email, "password": PASSWORD}), 401)
    assert (
        client.post("/api/v1/tokens", json={"email": user.email, "password": "NewPassw0rd"}).status_code
        == 201
    )
    assert (
        db.session.scalar(select(AuditEntry.action).where(AuditEntry.actor_id == user.id))
        == "account.change_password"
    )


def test_password_change_revokes_every_token_the_old_password_gave_out(client, make_user, api_token):
    user, other = make_user(), make_user()
    used, spare, others = api_token(user), api_token(user), api_token(other)
    assert client.get("/api/v1/me", headers=spare).status_code == 200
    assert (
        client.post(
            "/api/v1/me/password",
            json={"old_password": PASSWORD, "new_password": "NewPassw0rd"},
            headers=used,
        ).status_code
        == 204
    )
    for headers in (used, spare):
        error_of(client.get("/api/v1/me", headers=headers), 401)
    assert client.get("/api/v1/me", headers=others).status_code == 200
    fresh = api_token(user, "NewPassw0rd")
    assert client.get("/api/v1/me", headers=fresh).get_json()["email"] == user.email
    changes = db.session.scalar(
        select(AuditEntry.changes).where(AuditEntry.action == "account.change_password")
    )
    assert changes == {"api_tokens_revoked": 2}


def test_password_change_needs_a_token(client):
    before = all_row_counts()
    error_of(
        client.post("/api/v1/me/password", json={"old_password": PASSWORD, "new_password": "NewPassw0rd"}),
        401,
    )
    assert all_row_counts() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"old_password": "wrong-Passw0rd", "new_password": "NewPassw0rd"}, "old_password"),
        ({"old_password": ["x"], "new_password": "NewPassw0rd"}, "old_password"),
        ({"old_password": 12345678, "new_password": "NewPassw0rd"}, "old_password"),
        ({"new_password": "NewPassw0rd"}, "old_password"),
        ({"old_password": PASSWORD, "new_password": "short1"}, "new_password"),
        ({"old_password": PASSWORD, "new_password": "qwertyuiop1"}, "new_password"),  # one of the most common
        ({"old_password": PASSWORD, "new_password": None}, "new_password"),
        ({"old_password": PASSWORD, "new_password": ["NewPassw0rd"]}, "new_password"),
        (
            {"old_password": PASSWORD, "new_password": "NewPassw0rd", "new_password_again": "NewPassw0rd"},
            "new_password_again",
        ),
    ],
)
def test_bad_password_change_is_422_and_keeps_the_old_password(client, make_user, api_token, body, field):
    user = make_user()
    headers = api_token(user)
    hash_before = user.password_hash
    before = all_row_counts()
    assert field in field_errors(client.post("/api/v1/me/password", json=body, headers=headers))
    assert all_row_counts() == before
    assert _user(user.email).password_hash == hash_before
