"""揭榜 over JSON: apply as a draft, upload the plan PDF, submit, change, withdraw; who sees and changes an
application (every role, anonymous, another organisation); suggestions and invitations."""

import io
from datetime import timedelta

import pytest

from market.clock import today_in_beijing
from market.extensions import db
from market.models.challenge_application import ChallengeApplication
from tests.api.conftest import error_of, field_errors
from tests.challenge_support import application_payload, notices
from tests.file_samples import PDF

ROLES = ("anonymous", "applicant", "colleague", "owner", "other_university", "broker", "viewer", "admin")


@pytest.fixture
def cast(make_user, publish_call, make_application):
    """A published call, one submitted application to it, and one user of every kind around them."""
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    application = make_application(challenge, schedule=[])
    applicant = make_user("university", org=application.organisation)
    return {
        "challenge": challenge,
        "application": application,
        "applicant": applicant,
        "colleague": make_user("university", org=application.organisation),
        "owner": owner,
        "other_university": make_user("university"),
        "broker": make_user("broker"),
        "viewer": make_user("viewer"),
        "admin": make_user("admin"),
    }


def _headers(role, cast, api_token):
    return {} if role == "anonymous" else api_token(cast[role])


def test_a_university_applies_uploads_its_plan_and_submits(client, make_user, publish_call, api_token):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    headers = api_token(make_user("university"))
    created = client.post(
        f"/api/v1/challenges/{challenge.id}/applications",
        json=application_payload(challenge),
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert (
        body["status"],
        body["status_label"],
        body["budget_yuan"],
        body["plan_file"],
        body["editable"],
    ) == (
        "draft",
        "草稿",
        "2500000.00",
        None,
        True,
    )
    url = f"/api/v1/challenge-applications/{body['id']}"
    refused = client.post(f"{url}/submit", headers=headers)
    assert field_errors(refused) == {"plan_file": "请上传揭榜方案 PDF 文件"}
    upload = client.post(
        f"{url}/plan",
        data={"file": (io.BytesIO(PDF), "方案.pdf")},
        headers=headers,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201 and upload.get_json()["filename"] == "方案.pdf"
    submitted = client.post(f"{url}/submit", headers=headers)
    assert submitted.status_code == 200 and submitted.get_json()["status"] == "submitted"
    assert notices(owner)[-1].endswith("的揭榜方案")
    download = client.get(f"{url}/plan", headers=api_token(owner))
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    download.close()
    assert (
        client.post(
            f"/api/v1/challenges/{challenge.id}/applications",
            json=application_payload(challenge),
            headers=headers,
        ).status_code
        == 409
    )


def test_an_application_after_the_deadline_is_409_and_writes_nothing(
    client, make_user, make_challenge, api_token
):
    today = today_in_beijing()
    closed = make_challenge(open_on=today - timedelta(days=10), close_on=today - timedelta(days=1))
    response = client.post(
        f"/api/v1/challenges/{closed.id}/applications",
        json=application_payload(closed),
        headers=api_token(make_user("university")),
    )
    assert error_of(response, 409)["message"] == f"揭榜征集已于 {closed.applications_close_on} 截止"
    assert db.session.scalar(db.select(db.func.count()).select_from(ChallengeApplication)) == 0


def test_an_ineligible_organisation_is_403(client, make_user, publish_call, api_token):
    challenge = publish_call()  # universities and institutes only
    response = client.post(
        f"/api/v1/challenges/{challenge.id}/applications",
        json=application_payload(challenge),
        headers=api_token(make_user("enterprise")),
    )
    assert error_of(response, 403)["message"] == "本榜单只接受高校、科研院所揭榜"


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_an_application_and_its_plan(client, cast, api_token, role):
    url = f"/api/v1/challenge-applications/{cast['application'].id}"
    response = client.get(url, headers=_headers(role, cast, api_token))
    allowed = role in ("applicant", "colleague", "owner", "admin")
    assert response.status_code == (401 if role == "anonymous" else 200 if allowed else 404)
    if allowed:
        assert response.get_json()["editable"] is (role in ("applicant", "colleague"))
    listed = client.get(
        f"/api/v1/challenges/{cast['challenge'].id}/applications", headers=_headers(role, cast, api_token)
    )
    expected = {"anonymous": 401, "broker": 403, "viewer": 403}.get(role, 200)
    assert listed.status_code == expected
    if expected == 200:
        ids = [item["id"] for item in listed.get_json()["items"]]
        assert ids == ([cast["application"].id] if allowed else [])


@pytest.mark.parametrize("role", ROLES)
def test_who_changes_and_withdraws_an_application(client, cast, api_token, role):
    url = f"/api/v1/challenge-applications/{cast['application'].id}"
    headers = _headers(role, cast, api_token)
    expected = {"anonymous": 401, "applicant": 200, "colleague": 200, "owner": 403, "admin": 403}.get(
        role, 404
    )
    assert client.patch(url, json={"budget_yuan": "300万"}, headers=headers).status_code == expected
    assert client.post(f"{url}/withdraw", headers=headers).status_code == expected
    db.session.expire_all()
    assert cast["application"].status == ("withdrawn" if expected == 200 else "submitted")


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_suggestions_and_invites(client, cast, api_token, role):
    challenge = cast["challenge"]
    headers = _headers(role, cast, api_token)
    manager = role in ("owner", "admin")
    refused = 401 if role == "anonymous" else 403
    assert client.get(f"/api/v1/challenges/{challenge.id}/suggestions", headers=headers).status_code == (
        200 if manager else refused
    )
    assert client.get(f"/api/v1/challenges/{challenge.id}/invitations", headers=headers).status_code == (
        200 if manager else refused
    )
    invited = client.post(
        f"/api/v1/challenges/{challenge.id}/invitations",
        json={"org_id": cast["other_university"].organisation_id, "message": "欢迎揭榜"},
        headers=headers,
    )
    assert invited.status_code == (201 if manager else refused)


def test_the_invited_organisation_sees_its_invitation(client, cast, api_token):
    invitee = cast["other_university"]
    client.post(
        f"/api/v1/challenges/{cast['challenge'].id}/invitations",
        json={"org_id": invitee.organisation_id},
        headers=api_token(cast["owner"]),
    )
    body = client.get("/api/v1/my/challenge-invitations", headers=api_token(invitee)).get_json()
    assert [item["challenge_id"] for item in body["items"]] == [cast["challenge"].id]
    assert body["items"][0]["organisation"]["id"] == invitee.organisation_id
    mine = client.get("/api/v1/my/challenge-applications", headers=api_token(cast["applicant"])).get_json()
    assert [item["id"] for item in mine["items"]] == [cast["application"].id]


@pytest.mark.parametrize(
    "role, path",
    [
        ("admin", "/api/v1/my/challenge-applications"),  # admins apply for no organisation
        ("broker", "/api/v1/challenges?mine=1"),  # brokers publish no calls
        ("viewer", "/api/v1/my/challenge-invitations"),  # observers are invited nowhere
    ],
)
def test_a_list_with_nothing_for_the_user_still_pages_in_integers(client, make_user, api_token, role, path):
    """Found by the API fuzzer: the empty page echoed per_page as the query string had it ("446")."""
    response = client.get(
        f"{path}{'&' if '?' in path else '?'}per_page=446&page=127", headers=api_token(make_user(role))
    )
    assert response.status_code == 200
    assert response.get_json() == {"items": [], "meta": {"page": 1, "per_page": 100, "total": 0}}
