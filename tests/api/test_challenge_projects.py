"""揭榜挂帅 定榜, 攻关与验收 and the dashboard over JSON: every role, anonymous, another organisation and a
panel reviewer, bad input, and the responses against the OpenAPI document — on both databases."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.clock import today_in_beijing
from market.extensions import db
from market.models import AuditEntry, Contract, Deal
from market.models.base import utcnow
from market.models.challenge_project import TranchePayment
from market.models.challenge_review import ChallengeReviewer
from market.services import challenges
from tests.api.conftest import error_of, field_errors
from tests.file_samples import PDF

ROLES = (
    "anonymous",
    "owner",
    "colleague",
    "admin",
    "team",
    "other_university",
    "enterprise",
    "broker",
    "viewer",
    "reviewer",
)


@pytest.fixture
def world(make_challenge, make_application, make_user):
    """A call whose window closed yesterday, two applications, the people around it."""
    today = today_in_beijing()
    challenge = make_challenge(open_on=today - timedelta(days=30), close_on=today - timedelta(days=1))
    winner, loser = make_application(challenge), make_application(challenge)
    reviewer = make_user("broker")
    db.session.add(ChallengeReviewer(challenge_id=challenge.id, user_id=reviewer.id, declared_at=utcnow()))
    db.session.commit()
    return {
        "challenge": challenge,
        "winner": winner,
        "loser": loser,
        "owner": challenge.created_by,
        "colleague": make_user("enterprise", org=challenge.demand.organisation),
        "admin": make_user("admin"),
        "team": make_user("university", org=winner.organisation),
        "loser_team": make_user("university", org=loser.organisation),
        "other_university": make_user("university"),
        "enterprise": make_user("enterprise"),
        "broker": make_user("broker"),
        "viewer": make_user("viewer"),
        "reviewer": reviewer,
    }


def select_winner(world):
    challenges.decide_selection(
        world["owner"],
        world["challenge"].id,
        {"action": "select", "application_ids": [world["winner"].id], "reason": "综合最优"},
    )
    return world["winner"]


SELECTION_STATUS = {"anonymous": 401, "owner": 200, "colleague": 200, "admin": 200}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_calls_owner_and_admins_select(client, world, tokens, validate, role):
    challenge, winner = world["challenge"], world["winner"]
    path = f"/api/v1/challenges/{challenge.id}/selection"
    body = {"action": "select", "application_ids": [winner.id], "reason": "综合最优"}
    expected = SELECTION_STATUS.get(role, 403)
    read = client.get(path, headers=tokens(role))
    response = client.post(path, json=body, headers=tokens(role))
    if expected == 200:
        validate("/challenges/{id}/selection", "get", read, 200)
        validate("/challenges/{id}/selection", "post", response, 200)
        body = response.get_json()
        assert body["phase"] == "selected" and body["can"] == {
            "select": False,
            "race": False,
            "eliminate": False,
        }
        assert [(a["id"], a["status"]) for a in body["decided"]] == [
            (winner.id, "selected"),
            (world["loser"].id, "not_selected"),
        ]
    else:
        error_of(read, expected)
        error_of(response, expected)
        assert winner.status == "submitted" and db.session.scalar(select(func.count()).select_from(Deal)) == 0


def test_selection_refuses_bad_input_and_an_open_window(
    client, world, tokens, make_challenge, make_application
):
    owner = tokens("owner")
    challenge = world["challenge"]
    path = f"/api/v1/challenges/{challenge.id}/selection"
    fields = field_errors(
        client.post(path, json={"action": "x", "application_ids": [], "reason": ""}, headers=owner)
    )
    assert set(fields) == {"action", "application_ids", "reason"}
    fields = field_errors(
        client.post(
            path,
            json={"action": "select", "application_ids": [world["winner"].id], "score": 9},
            headers=owner,
        )
    )
    assert set(fields) == {"score"}
    withdrawn = make_application(challenge, status="withdrawn")
    fields = field_errors(
        client.post(
            path, json={"action": "select", "application_ids": [withdrawn.id], "reason": "好"}, headers=owner
        )
    )
    assert "撤回" in fields["application_ids"]

    open_call = make_challenge(owner=world["owner"])
    early = make_application(open_call)
    response = client.post(
        f"/api/v1/challenges/{open_call.id}/selection",
        json={"action": "select", "application_ids": [early.id], "reason": "好"},
        headers=owner,
    )
    assert "征集期" in error_of(response, 409)["message"]
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 0
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("challenge.%"))
        )
        == 0
    )


def test_a_race_over_the_api_keeps_teams_eliminates_one_and_selects(
    client, make_challenge, make_application, make_user, api_token, validate
):
    today = today_in_beijing()
    challenge = make_challenge(
        mode="race", race_teams=2, open_on=today - timedelta(days=9), close_on=today - timedelta(days=1)
    )
    a, b, c = (make_application(challenge) for _ in range(3))
    owner = api_token(challenge.created_by)
    path = f"/api/v1/challenges/{challenge.id}/selection"
    too_many = client.post(
        path, json={"action": "race", "application_ids": [a.id, b.id, c.id], "reason": "好"}, headers=owner
    )
    assert "最多入围 2 支" in field_errors(too_many)["application_ids"]
    response = client.post(
        path, json={"action": "race", "application_ids": [a.id, b.id], "reason": "好"}, headers=owner
    )
    validate("/challenges/{id}/selection", "post", response, 200)
    assert response.get_json()["can"] == {"select": True, "race": False, "eliminate": True}

    reviewer_of_b = make_user("university", org=b.organisation)
    refused = client.post(
        f"/api/v1/challenge-applications/{b.id}/eliminate",
        json={"reason": "x"},
        headers=api_token(reviewer_of_b),
    )
    error_of(refused, 403)
    elsewhere = client.post(
        f"/api/v1/challenge-applications/{b.id}/eliminate",
        json={"reason": "x"},
        headers=api_token(make_user("university")),
    )
    error_of(elsewhere, 404)
    assert set(
        field_errors(client.post(f"/api/v1/challenge-applications/{b.id}/eliminate", json={}, headers=owner))
    ) == {"reason"}
    eliminated = client.post(
        f"/api/v1/challenge-applications/{b.id}/eliminate",
        json={"reason": "指标未达", "stage": "中期检查"},
        headers=owner,
    )
    validate("/challenge-applications/{id}/eliminate", "post", eliminated, 200)
    assert eliminated.get_json()["status"] == "eliminated"
    last = client.post(
        f"/api/v1/challenge-applications/{a.id}/eliminate", json={"reason": "x"}, headers=owner
    )
    error_of(last, 409)
    final = client.post(
        path, json={"action": "select", "application_ids": [a.id], "reason": "胜出"}, headers=owner
    )
    assert final.get_json()["phase"] == "running"


PROJECT_STATUS = {"owner": 200, "colleague": 200, "admin": 200, "team": 200, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_a_project_is_seen_by_the_team_the_owner_and_admins(client, world, tokens, validate, role):
    winner = select_winner(world)
    response = client.get(f"/api/v1/challenge-applications/{winner.id}/project", headers=tokens(role))
    expected = PROJECT_STATUS.get(role, 404)
    if expected != 200:
        error_of(response, expected)
        return
    validate("/challenge-applications/{id}/project", "get", response, 200)
    body = response.get_json()
    assert body["committed"] == "3000000.00" and body["paid"] == "0.00"
    assert [m["tranche"] for m in body["milestones"]] == ["1200000.00", "600000.00", "1200000.00"]
    assert body["can"] == {
        "report": role == "team",
        "decide": role in ("owner", "colleague", "admin"),
        "pay": role in ("owner", "colleague", "admin"),
    }


def test_the_loser_does_not_see_the_winners_project(client, world, api_token):
    winner = select_winner(world)
    response = client.get(
        f"/api/v1/challenge-applications/{winner.id}/project", headers=api_token(world["loser_team"])
    )
    error_of(response, 404)
    own = client.get(
        f"/api/v1/challenge-applications/{world['loser'].id}/project", headers=api_token(world["loser_team"])
    )
    error_of(own, 404)  # not selected: no project


REPORT_STATUS = {"team": 201, "anonymous": 401, "owner": 403, "colleague": 403, "admin": 403}
DECISION_STATUS = {"owner": 200, "colleague": 200, "admin": 200, "team": 403, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_reports_decisions_and_payments_follow_the_roles(client, world, tokens, validate, role):
    winner = select_winner(world)
    first = winner.milestones[0]
    headers = tokens(role)
    report = client.post(
        f"/api/v1/project-milestones/{first.id}/reports",
        data={"text": "样机完成", "files": [(io.BytesIO(PDF), "样机.pdf")]},
        headers=headers,
    )
    expected = REPORT_STATUS.get(role, 404)
    if expected == 201:
        validate("/project-milestones/{id}/reports", "post", report, 201)
        assert report.get_json()["documents"][0]["filename"] == "样机.pdf"
    else:
        error_of(report, expected)
        challenges.submit_report(world["team"], first.id, {"text": "样机完成"})
    decision = client.post(
        f"/api/v1/project-milestones/{first.id}/decision",
        json={"decision": "accepted", "note": "通过"},
        headers=headers,
    )
    expected = DECISION_STATUS.get(role, 404)
    if expected == 200:
        validate("/project-milestones/{id}/decision", "post", decision, 200)
        assert decision.get_json()["status"] == "accepted"
    else:
        error_of(decision, expected)
        challenges.decide_milestone(world["owner"], first.id, {"decision": "accepted", "note": "通过"})
    today = today_in_beijing().isoformat()
    payment = client.post(
        f"/api/v1/project-milestones/{first.id}/payments",
        json={"amount": "400000.00", "paid_on": today, "reference": "ZF-1"},
        headers=headers,
    )
    if expected == 200:
        validate("/project-milestones/{id}/payments", "post", payment, 201)
        assert payment.get_json()["amount"] == "400000.00"
    else:
        error_of(payment, expected)
        assert db.session.scalar(select(func.count()).select_from(TranchePayment)) == 0


def test_payments_refuse_what_does_not_fit_and_write_nothing(client, world, tokens):
    winner = select_winner(world)
    first, second, _ = winner.milestones
    owner = tokens("owner")
    today = today_in_beijing().isoformat()
    not_accepted = client.post(
        f"/api/v1/project-milestones/{second.id}/payments",
        json={"amount": "1", "paid_on": today, "reference": "A"},
        headers=owner,
    )
    error_of(not_accepted, 409)
    challenges.submit_report(world["team"], first.id, {"text": "完成"})
    challenges.decide_milestone(world["owner"], first.id, {"decision": "accepted", "note": "通过"})
    over = client.post(
        f"/api/v1/project-milestones/{first.id}/payments",
        json={
            "amount": "1200000.01",
            "paid_on": (today_in_beijing() + timedelta(days=1)).isoformat(),
            "reference": "",
        },
        headers=owner,
    )
    assert set(field_errors(over)) == {"amount", "paid_on", "reference"}
    assert db.session.scalar(select(func.count()).select_from(TranchePayment)) == 0
    again = client.post(
        f"/api/v1/project-milestones/{first.id}/reports", json={"text": "再交"}, headers=tokens("team")
    )
    error_of(again, 409)


STATS_STATUS = {"admin": 200, "viewer": 200, "anonymous": 401}


@pytest.mark.parametrize("role", ROLES)
def test_the_yearly_figures_are_for_admins_and_viewers(client, world, tokens, validate, role):
    select_winner(world)
    response = client.get("/api/v1/stats/challenges", headers=tokens(role))
    expected = STATS_STATUS.get(role, 403)
    if expected != 200:
        error_of(response, expected)
        return
    validate("/stats/challenges", "get", response, 200)
    body = response.get_json()
    assert body["year"] == today_in_beijing().year
    assert (body["calls_published"], body["calls_target"], body["calls_taken_up"]) == (1, 10, 1)
    assert (body["projects"], body["projects_target"], body["projects_running"]) == (1, 30, 1)
    assert (body["committed"], body["committed_wan"], body["paid"]) == ("3000000.00", "300.00万元", "0.00")
    error_of(client.get("/api/v1/stats/challenges?year=1999", headers=tokens(role)), 422)


def test_a_documents_file_is_served_to_the_project_only(client, world, api_token):
    winner = select_winner(world)
    challenges.submit_report(world["team"], winner.milestones[0].id, {"text": "完成"}, [("报告.pdf", PDF)])
    project = client.get(
        f"/api/v1/challenge-applications/{winner.id}/project", headers=api_token(world["owner"])
    )
    url = project.get_json()["milestones"][0]["reports"][0]["documents"][0]["api_url"]
    got = client.get(url, headers=api_token(world["owner"]))
    assert got.status_code == 200 and got.data == PDF and got.headers["Cache-Control"] == "private, no-store"
    got.close()
    error_of(client.get(url, headers=api_token(world["reviewer"])), 404)
    error_of(client.get(url, headers=api_token(world["loser_team"])), 404)
