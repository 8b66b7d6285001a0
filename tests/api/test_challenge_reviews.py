"""评榜 over JSON: every endpoint for every role (the permission grid), the review's draft and one submit
(never edited), blind scores, exact totals and ties in the ranking, the 路演答辩 slot, and bad input refused
with Chinese messages per field and nothing written; responses checked against the OpenAPI document; on both
databases."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from market.clock import today_in_beijing
from market.extensions import db
from market.models.challenge_review import (
    ChallengeConflict,
    ChallengeReview,
    ChallengeReviewer,
    ChallengeScore,
)
from market.services import challenges
from tests.api.conftest import error_of, field_errors
from tests.challenge_review_fixtures import declaration, scores_of


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def slot(days: int) -> str:
    day = today_in_beijing() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, 15, 0).isoformat(timespec="minutes")


@pytest.fixture
def world(review_world, make_user):
    """Reviewer 0 declared without conflicts, reviewer 1 not yet, a third reviewer in conflict with
    application 0; by role name for the token fixture."""
    w = review_world
    challenges.declare_conflicts(w.reviewers[0], w.challenge.id, declaration(w))
    conflicted = make_user("broker")
    challenges.add_reviewer(w.owner, w.challenge.id, {"user_id": conflicted.id})
    challenges.declare_conflicts(conflicted, w.challenge.id, declaration(w, {w.applications[0]: "同事"}))
    return {
        "w": w,
        "owner": w.owner,
        "colleague": w.colleague,
        "admin": w.admin,
        "declared": w.reviewers[0],
        "undeclared": w.reviewers[1],
        "conflicted": conflicted,
        "applicant": w.applicants[0],
        "other_org": w.other_org,
        "broker": w.broker,
        "other_reviewer": w.other_reviewer,
        "viewer": w.viewer,
    }


ROLES = (
    "owner",
    "colleague",
    "admin",
    "declared",
    "undeclared",
    "conflicted",
    "applicant",
    "other_org",
    "broker",
    "other_reviewer",
    "viewer",
    "anonymous",
)
MANAGERS = {"owner": 200, "colleague": 200, "admin": 200}
SEATED = {"declared": 200, "undeclared": 200, "conflicted": 200}
# Reads: {role: status}; a role not named gets 403, anonymous 401.
READS = {
    "reviewers": MANAGERS,
    "review-queue": SEATED,
    "review": {
        "declared": 200,
        **{r: 404 for r in ("conflicted", "other_org", "broker", "other_reviewer", "viewer")},
    },
    "ranking": {**MANAGERS, **SEATED},
}


@pytest.mark.parametrize("read", sorted(READS))
def test_the_permission_grid_of_every_read(client, world, tokens, read, validate):
    w = world["w"]
    path = {
        "reviewers": f"/api/v1/challenges/{w.challenge.id}/reviewers",
        "review-queue": f"/api/v1/challenges/{w.challenge.id}/review-queue",
        "review": f"/api/v1/challenge-applications/{w.applications[0].id}/review",
        "ranking": f"/api/v1/challenges/{w.challenge.id}/ranking",
    }[read]
    documented = {
        "reviewers": "/challenges/{id}/reviewers",
        "review-queue": "/challenges/{id}/review-queue",
        "review": "/challenge-applications/{id}/review",
        "ranking": "/challenges/{id}/ranking",
    }[read]
    found = {}
    for role in ROLES:
        response = client.get(path, headers=tokens(role))
        found[role] = response.status_code
        validate(documented, "get", response)
    expected = {role: READS[read].get(role, 403) for role in ROLES}
    expected["anonymous"] = 401
    assert found == expected


WRITES = ("add", "remove", "reopen", "declare", "save", "submit", "shortlist")


@pytest.mark.parametrize("write", WRITES)
def test_the_permission_grid_of_every_write_and_nothing_is_written_when_refused(client, world, tokens, write):
    w = world["w"]
    a = w.applications[0]  # the applicant's; the conflicted reviewer's conflict
    calls = {
        "add": ("post", f"/api/v1/challenges/{w.challenge.id}/reviewers", {"user_id": w.broker.id}),
        "remove": ("delete", f"/api/v1/challenges/{w.challenge.id}/reviewers/{w.seats[1].id}", None),
        "reopen": (
            "post",
            f"/api/v1/challenges/{w.challenge.id}/reviewers/{w.seats[0].id}/reopen",
            {"reason": "更正"},
        ),
        "declare": ("post", f"/api/v1/challenges/{w.challenge.id}/conflicts", declaration(w)),
        "save": ("put", f"/api/v1/challenge-applications/{a.id}/review", scores_of(w.challenge, 60, 60, 60)),
        "submit": (
            "post",
            f"/api/v1/challenge-applications/{a.id}/review/submit",
            scores_of(w.challenge, 6, 6, 6),
        ),
        "shortlist": (
            "post",
            f"/api/v1/challenge-applications/{a.id}/shortlist",
            {"defense_at": slot(5), "defense_place": "路演厅"},
        ),
    }
    allowed = {
        "add": {"owner", "colleague", "admin"},
        "remove": {"owner", "colleague", "admin"},
        "reopen": {"admin"},
        "declare": {"undeclared"},
        "save": {"declared"},
        "submit": {"declared"},
        "shortlist": {"owner", "colleague", "admin"},
    }[write]
    method, path, body = calls[write]
    tables = (ChallengeReviewer, ChallengeConflict, ChallengeReview, ChallengeScore)
    before = {model: count(model) for model in tables}
    statuses = {}
    for role in ROLES:
        if role in allowed:
            continue
        response = getattr(client, method)(path, json=body, headers=tokens(role))
        statuses[role] = response.status_code
        if role != "anonymous":
            error_of(response, response.status_code)
    assert {model: count(model) for model in tables} == before
    assert statuses.pop("anonymous") == 401
    strangers = {"other_org", "broker", "other_reviewer", "viewer"}
    special = {
        "declare": {"declared": 409, "conflicted": 409},  # seated, but their declaration is final
        "save": {role: 404 for role in strangers | {"conflicted"}},  # they cannot see the application
        "submit": {role: 404 for role in strangers | {"conflicted"}},
        "shortlist": {role: 404 for role in strangers | {"undeclared", "conflicted"}},
    }.get(write, {})
    assert statuses == {role: special.get(role, 403) for role in statuses}
    role = sorted(allowed)[0]  # and an allowed one succeeds
    response = getattr(client, method)(path, json=body, headers=tokens(role))
    assert response.status_code in (200, 201, 204), (role, response.get_json())


def test_a_review_is_drafted_submitted_once_and_never_edited_after(client, world, tokens, validate):
    w = world["w"]
    a = w.applications[0]
    first, second, third = w.challenge.criteria
    me = tokens("declared")
    url = f"/api/v1/challenge-applications/{a.id}/review"
    empty = client.get(url, headers=me)
    validate("/challenge-applications/{id}/review", "get", empty, 200)
    assert empty.get_json()["state"] == "todo" and empty.get_json()["editable"]
    draft = client.put(url, json=scores_of(w.challenge, 80, None, None, comment="初评"), headers=me)
    validate("/challenge-applications/{id}/review", "put", draft, 200)
    body = draft.get_json()
    assert body["state"] == "draft" and [s["score"] for s in body["scores"]] == [80, None, None]
    missing = client.post(url + "/submit", headers=me)
    assert field_errors(missing) == {
        f"scores.{second.id}": "请为“实施方案可行性”打分",
        f"scores.{third.id}": "请为“团队与前期基础”打分",
    }
    done = client.post(url + "/submit", json=scores_of(w.challenge, 80, 70, 60), headers=me)
    validate("/challenge-applications/{id}/review/submit", "post", done, 200)
    body = done.get_json()
    assert body["state"] == "submitted" and not body["editable"] and body["weighted"] == "71.50"
    assert body["submitted_at"].endswith("+08:00")
    assert [line["reviewer"] for line in body["all_scores"]["reviews"]] == ["我"]
    for again in (
        client.put(url, json=scores_of(w.challenge, 1, 1, 1), headers=me),
        client.post(url + "/submit", json=scores_of(w.challenge, 1, 1, 1), headers=me),
        client.post(url + "/submit", headers=me),
    ):
        assert error_of(again, 409)["message"] == "评分已提交，不能修改"
    for other in ("owner", "admin"):
        assert client.put(url, json=scores_of(w.challenge, 1, 1, 1), headers=tokens(other)).status_code == 403
    assert [s["score"] for s in client.get(url, headers=me).get_json()["scores"]] == [80, 70, 60]


def test_bad_scores_are_refused_per_criterion_and_nothing_is_written(client, world, tokens):
    w = world["w"]
    a = w.applications[0]
    first, second, third = w.challenge.criteria
    url = f"/api/v1/challenge-applications/{a.id}/review"
    bad = {
        "scores": [
            {"criterion_id": first.id, "score": 101},
            {"criterion_id": second.id, "score": -5},
            {"criterion_id": third.id, "score": 7, "comment": "x" * 501},
        ]
    }
    assert field_errors(client.put(url, json=bad, headers=tokens("declared"))) == {
        f"scores.{first.id}": "技术先进性：评分应在0到100之间",
        f"scores.{second.id}": "实施方案可行性：评分应在0到100之间",
        f"scores.{third.id}": "团队与前期基础：评语不能超过500个字（现有501个字）",
    }
    unknown = client.put(url, json={"scores": [], "total": 100}, headers=tokens("declared"))
    assert field_errors(unknown) == {"total": "未知字段"}
    wrong_type = client.put(url, json={"scores": "满分"}, headers=tokens("declared"))
    assert wrong_type.status_code == 422
    assert count(ChallengeReview) == 0 and count(ChallengeScore) == 0


def test_the_ranking_is_exact_blind_and_closes_after_the_decision(client, world, tokens, validate, make_user):
    w = world["w"]
    for criterion, weight in zip(w.challenge.criteria, (33, 33, 34), strict=True):
        criterion.weight = weight
    db.session.commit()
    a, b = w.applications[0], w.applications[1]
    second = world["undeclared"]
    challenges.declare_conflicts(second, w.challenge.id, declaration(w))
    challenges.submit_review(w.reviewers[0], a.id, scores_of(w.challenge, 82, 60, 94))  # 78.82
    blind = client.get(
        f"/api/v1/challenges/{w.challenge.id}/ranking", headers=tokens("undeclared")
    ).get_json()
    assert blind["items"] == [] and blind["full"] is False
    challenges.submit_review(second, a.id, scores_of(w.challenge, 94, 81, 89))  # 88.01
    for reviewer in (w.reviewers[0], second):
        challenges.submit_review(reviewer, b.id, scores_of(w.challenge, 83, 84, 84))  # 83.67 each
    full = client.get(f"/api/v1/challenges/{w.challenge.id}/ranking", headers=tokens("owner"))
    validate("/challenges/{id}/ranking", "get", full, 200)
    items = full.get_json()["items"]
    top = items[0]
    assert (top["application_id"], top["rank"], top["total"], top["total_exact"]) == (
        b.id,
        1,
        "83.67",
        "8367/100",
    )
    assert (items[1]["application_id"], items[1]["total"], items[1]["total_exact"]) == (
        a.id,
        "83.42",
        "16683/200",
    )
    assert [line["weighted"] for line in items[1]["reviews"]] == ["78.82", "88.01"]
    assert items[1]["submitted"] == 2 and items[1]["expected"] == 2  # the conflicted reviewer does not count
    assert {m["criterion_id"]: m["mean"] for m in items[1]["criterion_means"]}[
        w.challenge.criteria[0].id
    ] == "88.00"
    seen = client.get(f"/api/v1/challenges/{w.challenge.id}/ranking", headers=tokens("undeclared")).get_json()
    assert [item["application_id"] for item in seen["items"]] == [a.id, b.id]
    assert all(item["rank"] is None and item["missing"] == [] for item in seen["items"])
    assert {line["reviewer"] for line in seen["items"][0]["reviews"]} == {"评审专家 1", "我"}
    for role in ("applicant", "other_org"):
        assert (
            client.get(f"/api/v1/challenges/{w.challenge.id}/ranking", headers=tokens(role)).status_code
            == 403
        )
    w.challenge.phase = "selected"
    db.session.commit()
    after = client.get(f"/api/v1/challenges/{w.challenge.id}/ranking", headers=tokens("undeclared"))
    assert error_of(after, 403)["message"] == "定榜后评分仅发榜单位和管理员可见"
    mine = client.get(
        f"/api/v1/challenge-applications/{a.id}/review", headers=tokens("undeclared")
    ).get_json()
    assert mine["all_scores"] is None and mine["state"] == "submitted"
    assert (
        client.get(f"/api/v1/challenges/{w.challenge.id}/ranking", headers=tokens("admin")).status_code == 200
    )


def test_ties_are_shown_as_ties(client, world, tokens):
    w = world["w"]
    a, b, c = w.applications
    for application, value in ((a, 70), (b, 90), (c, 70)):
        challenges.submit_review(w.reviewers[0], application.id, scores_of(w.challenge, value, value, value))
    items = client.get(f"/api/v1/challenges/{w.challenge.id}/ranking", headers=tokens("admin")).get_json()[
        "items"
    ]
    assert [(i["application_id"], i["rank"], i["tied"]) for i in items] == [
        (b.id, 1, False),
        (a.id, 2, True),
        (c.id, 2, True),
    ]


def test_the_panel_over_json(client, world, tokens, validate, make_user):
    w = world["w"]
    expert = make_user("university")
    added = client.post(
        f"/api/v1/challenges/{w.challenge.id}/reviewers",
        json={"email": expert.email, "expertise": "电解质"},
        headers=tokens("owner"),
    )
    validate("/challenges/{id}/reviewers", "post", added, 201)
    body = added.get_json()
    assert body["user"]["id"] == expert.id and body["declared"] is False and body["has_conflicts"] is None
    refused = client.post(
        f"/api/v1/challenges/{w.challenge.id}/reviewers",
        json={"user_id": w.admin.id},
        headers=tokens("owner"),
    )
    assert field_errors(refused) == {"user_id": "管理员负责组织评审，不能担任评审专家"}
    listing = client.get(f"/api/v1/challenges/{w.challenge.id}/reviewers", headers=tokens("owner")).get_json()
    by_user = {item["user"]["id"]: item for item in listing["items"]}
    assert by_user[world["conflicted"].id]["has_conflicts"] is True
    assert by_user[world["declared"].id]["has_conflicts"] is False
    assert "conflicts" not in by_user[world["conflicted"].id]
    removed = client.delete(
        f"/api/v1/challenges/{w.challenge.id}/reviewers/{body['id']}", headers=tokens("admin")
    )
    assert removed.status_code == 204 and not removed.data
    challenges.submit_review(w.reviewers[0], w.applications[0].id, scores_of(w.challenge, 5, 5, 5))
    kept = client.delete(
        f"/api/v1/challenges/{w.challenge.id}/reviewers/{w.seats[0].id}", headers=tokens("owner")
    )
    assert error_of(kept, 409)["message"] == "该评审专家已提交评分，不能移出专家组"
    reopened = client.post(
        f"/api/v1/challenges/{w.challenge.id}/reviewers/{w.seats[0].id}/reopen",
        json={"reason": "补充声明"},
        headers=tokens("admin"),
    )
    validate("/challenges/{id}/reviewers/{reviewer_id}/reopen", "post", reopened, 200)
    assert reopened.get_json()["declared"] is False


def test_declarations_over_json(client, world, tokens, validate):
    w = world["w"]
    a, b, c = w.applications
    me = tokens("undeclared")
    queue = client.get(f"/api/v1/challenges/{w.challenge.id}/review-queue", headers=me)
    validate("/challenges/{id}/review-queue", "get", queue, 200)
    assert queue.get_json()["stage"] == "declare" and len(queue.get_json()["items"]) == 3
    partial = {"declarations": [{"application_id": a.id, "conflict": True}]}
    assert field_errors(
        client.post(f"/api/v1/challenges/{w.challenge.id}/conflicts", json=partial, headers=me)
    ) == {
        f"declarations.{a.id}": f"{a.organisation.name}：存在利益冲突时请说明原因",
        f"declarations.{b.id}": f"请声明与{b.organisation.name}是否存在利益冲突",
        f"declarations.{c.id}": f"请声明与{c.organisation.name}是否存在利益冲突",
    }
    assert count(ChallengeConflict) == 1  # the third reviewer's, from the fixture
    done = client.post(
        f"/api/v1/challenges/{w.challenge.id}/conflicts", json=declaration(w, {c: "师生关系"}), headers=me
    )
    validate("/challenges/{id}/conflicts", "post", done, 200)
    states = [item["review_state"] for item in done.get_json()["items"]]
    assert states == ["todo", "todo", "conflict"]
    again = client.post(f"/api/v1/challenges/{w.challenge.id}/conflicts", json=declaration(w), headers=me)
    assert error_of(again, 409)["message"] == "您已提交利益冲突声明，不能修改；如需更正请联系管理员"


def test_the_defense_slot_over_json(client, world, tokens, validate):
    w = world["w"]
    a, b = w.applications[0], w.applications[1]
    url = f"/api/v1/challenge-applications/{a.id}/shortlist"
    past = client.post(url, json={"defense_at": slot(-2), "defense_place": "路演厅"}, headers=tokens("owner"))
    assert field_errors(past) == {"defense_at": "答辩时间不能早于当前时间"}
    done = client.post(url, json={"defense_at": slot(3), "defense_place": "路演厅"}, headers=tokens("owner"))
    validate("/challenge-applications/{id}/shortlist", "post", done, 200)
    assert done.get_json()["status"] == "shortlisted"
    assert done.get_json()["defense_at"] == f"{slot(3)}:00+08:00"
    clash = client.post(
        f"/api/v1/challenge-applications/{b.id}/shortlist",
        json={"defense_at": slot(3), "defense_place": "路演厅"},
        headers=tokens("admin"),
    )
    assert "同一榜单的答辩时间不能相同" in field_errors(clash)["defense_at"]
