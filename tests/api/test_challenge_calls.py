"""发榜 over JSON: publish, read, change, clarify, cancel; who may do which (every role, anonymous, another
organisation), on both databases."""

import pytest

from market.extensions import db
from market.models import Demand
from market.models.challenge import Challenge
from tests.api.conftest import error_of, field_errors
from tests.challenge_support import call_payload

ROLES = ("anonymous", "owner", "colleague", "other_enterprise", "university", "broker", "viewer", "admin")


@pytest.fixture
def people(make_user):
    """The call's owner and colleague, and one user of every other kind."""
    owner = make_user("enterprise")
    return {
        "owner": owner,
        "colleague": make_user("enterprise", org=owner.organisation),
        "other_enterprise": make_user("enterprise"),
        "university": make_user("university"),
        "broker": make_user("broker"),
        "viewer": make_user("viewer"),
        "admin": make_user("admin"),
    }


def _headers(role, people, api_token):
    return {} if role == "anonymous" else api_token(people[role])


def _counts():
    return (
        db.session.scalar(db.select(db.func.count()).select_from(Challenge)),
        db.session.scalar(db.select(db.func.count()).select_from(Demand)),
    )


def test_an_enterprise_publishes_and_reads_its_call_as_json(client, people, api_token):
    headers = api_token(people["owner"])
    response = client.post("/api/v1/challenges", json=call_payload(), headers=headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["status_label"], body["phase"], body["phase_label"]) == (
        "pending",
        "待审核",
        "open",
        "征集与评审",
    )
    assert body["reward_yuan"] == "3000000.00" and body["public_status_label"] == "征集中"
    assert [c["weight"] for c in body["criteria"]] == [40, 35, 25]
    assert body["milestones"][0]["kind_label"] == "里程碑" and body["selection_mode_label"] == "单一揭榜方"
    assert body["contact"]["name"] == "李经理"
    mine = client.get("/api/v1/challenges?mine=1", headers=headers).get_json()
    assert [c["id"] for c in mine["items"]] == [body["id"]]
    assert client.get("/api/v1/challenges").get_json()["items"] == []  # waits for the review
    assert client.get(f"/api/v1/challenges/{body['id']}").status_code == 404

    admin = api_token(people["admin"])
    assert client.post(f"/api/v1/demands/{body['demand_id']}/approve", headers=admin).status_code == 200
    public = client.get(f"/api/v1/challenges/{body['id']}").get_json()
    assert public["status"] == "published" and public["contact"] is None
    assert [e["kind"] for e in public["history"]] == ["submitted", "published"]
    assert public["days_left"] == 30


def test_bad_calls_are_422_with_every_message_and_write_nothing(client, people, api_token):
    body = call_payload(
        applications_open_on="2020-01-01",
        criteria=[{"name": "技术", "weight": 90}],
        funding_shares=[{"source": "企业", "percent": 50}],
        selection_mode="race",
        reward_yuan="-5",
    )
    response = client.post("/api/v1/challenges", json=body, headers=api_token(people["owner"]))
    fields = field_errors(response)
    assert set(fields) == {
        "applications_open_on",
        "applications_close_on",  # and a window of more than a year
        "criteria",
        "funding_shares",
        "race_teams",
        "reward_yuan",
    }
    assert fields["criteria"] == "评审标准的权重合计应为100（现为90）"
    assert _counts() == (0, 0)
    unknown = client.post(
        "/api/v1/challenges", json={**call_payload(), "secret": 1}, headers=api_token(people["owner"])
    )
    assert field_errors(unknown) == {"secret": "未知字段"}


@pytest.mark.parametrize("role", ROLES)
def test_who_may_publish(client, people, api_token, role):
    response = client.post(
        "/api/v1/challenges", json=call_payload(), headers=_headers(role, people, api_token)
    )
    expected = {"anonymous": 401, "owner": 201, "colleague": 201, "other_enterprise": 201, "admin": 201}
    assert response.status_code == expected.get(role, 403), response.get_json()


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_a_call_before_and_after_the_review(client, people, api_token, publish_call, role):
    pending = publish_call(owner=people["owner"], approve=False)
    published = publish_call(owner=people["owner"])
    headers = _headers(role, people, api_token)
    manager = role in ("owner", "colleague", "admin")
    assert client.get(f"/api/v1/challenges/{pending.id}", headers=headers).status_code == (
        200 if manager else 404
    )
    assert client.get(f"/api/v1/challenges/{published.id}", headers=headers).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_who_may_change_clarify_and_cancel_a_published_call(client, people, api_token, publish_call, role):
    challenge = publish_call(owner=people["owner"])
    headers = _headers(role, people, api_token)
    manager = role in ("owner", "colleague", "admin")
    refused = 401 if role == "anonymous" else 403
    patch = client.patch(f"/api/v1/challenges/{challenge.id}", json={"reward_yuan": "500万"}, headers=headers)
    assert patch.status_code == (200 if manager else refused)
    clarify = client.post(
        f"/api/v1/challenges/{challenge.id}/clarifications", json={"text": "补充说明"}, headers=headers
    )
    # a change sends the call back to review: it is no longer public, so it takes no clarification
    assert clarify.status_code == (409 if manager else refused)
    cancel = client.post(
        f"/api/v1/challenges/{challenge.id}/cancel", json={"reason": "调整"}, headers=headers
    )
    assert cancel.status_code == (200 if manager else refused)
    db.session.expire_all()
    assert challenge.phase == ("cancelled" if manager else "open")


def test_a_change_after_an_application_is_409_and_a_clarification_is_published(
    client, people, api_token, publish_call, make_application
):
    challenge = publish_call(owner=people["owner"])
    make_application(challenge)
    headers = api_token(people["owner"])
    error = error_of(
        client.patch(f"/api/v1/challenges/{challenge.id}", json={"title": "新"}, headers=headers), 409
    )
    assert error["message"] == "已有单位提交揭榜方案，榜单内容不能再修改；如需说明，请发布补充说明"
    response = client.post(
        f"/api/v1/challenges/{challenge.id}/clarifications",
        json={"text": "答辩地点为西咸新区"},
        headers=headers,
    )
    assert response.status_code == 201
    history = client.get(f"/api/v1/challenges/{challenge.id}").get_json()["history"]
    assert history[-1]["text"] == "补充说明：答辩地点为西咸新区"


def test_the_public_list_filters_by_status_and_field_and_pages(client, publish_call):
    first = publish_call(field="光子")
    publish_call()
    body = client.get("/api/v1/challenges?field=光子&status=collecting").get_json()
    assert [c["id"] for c in body["items"]] == [first.id]
    page = client.get("/api/v1/challenges?per_page=1&page=2").get_json()
    assert page["meta"] == {"page": 2, "per_page": 1, "total": 2} and len(page["items"]) == 1
    assert client.get("/api/v1/challenges?status=reviewing").get_json()["items"] == []
