"""入围与路演答辩: the owner or an admin shortlists a team with a slot in Beijing time, never in the past,
never two teams of a call at one minute; the team is told; on both databases."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from market.clock import BEIJING, beijing_text, today_in_beijing
from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import AuditEntry, Notification
from market.models.challenge import ChallengeEvent
from market.models.challenge_application import ChallengeApplication
from market.services import challenges


def slot(days: int = 7, hour: int = 14, minute: int = 30, second: int = 0) -> str:
    """A moment `days` ahead, typed as a person in Beijing would."""
    day = today_in_beijing() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, second).isoformat(timespec="seconds")


def test_the_owner_shortlists_a_team_which_is_told_its_slot(review_world):
    w = review_world
    application = w.applications[0]
    challenges.shortlist_application(
        w.owner,
        application.id,
        {"defense_at": slot(7, 14, 30, 45), "defense_place": "秦创原总窗口 3 楼路演厅"},
    )
    assert application.status == "shortlisted"
    assert application.defense_at.astimezone(BEIJING).strftime("%H:%M:%S") == "14:30:00"
    assert application.defense_at.utcoffset() == timedelta(0)
    told = db.session.scalars(
        select(Notification).where(
            Notification.user_id == w.applicants[0].id, Notification.category == "challenge"
        )
    ).one()
    assert "入围" in told.title and told.link == f"/challenges/applications/{application.id}"
    assert (
        f"答辩时间：{beijing_text(application.defense_at)}（北京时间）" in told.body and "路演厅" in told.body
    )
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "challenge.shortlist")).one()
    assert entry.changes["status"] == ["submitted", "shortlisted"]
    history = list(
        db.session.scalars(select(ChallengeEvent.text).where(ChallengeEvent.challenge_id == w.challenge.id))
    )
    assert "确定入围路演答辩的揭榜方案，目前共 1 个" in history
    assert all(application.organisation.name not in text for text in history)  # no names in public history


def test_moving_a_slot_is_audited_and_told_again(review_world):
    w = review_world
    application = w.applications[0]
    challenges.shortlist_application(
        w.admin, application.id, {"defense_at": slot(7), "defense_place": "路演厅"}
    )
    challenges.shortlist_application(
        w.owner, application.id, {"defense_at": slot(8), "defense_place": "https://meeting.example.cn/123"}
    )
    assert db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "challenge.schedule_defense")
    ).one()
    titles = list(
        db.session.scalars(select(Notification.title).where(Notification.user_id == w.applicants[0].id))
    )
    assert len(titles) == 2 and any("有变" in title for title in titles)


def test_a_slot_in_the_past_or_taken_or_missing_is_refused_and_nothing_changes(review_world):
    w = review_world
    first, second = w.applications[0], w.applications[1]
    challenges.shortlist_application(
        w.owner, first.id, {"defense_at": slot(7, 9, 0), "defense_place": "路演厅"}
    )
    cases = (
        ({"defense_at": slot(-1), "defense_place": "路演厅"}, {"defense_at": "答辩时间不能早于当前时间"}),
        (
            {"defense_at": slot(7, 9, 0, 30), "defense_place": "路演厅"},
            {
                "defense_at": f"{slot(7, 9, 0)[:16].replace('T', ' ')} 已安排{first.organisation.name}答辩，"
                "同一榜单的答辩时间不能相同"
            },
        ),
        (
            {"defense_at": slot(400), "defense_place": "路演厅"},
            {"defense_at": "答辩时间应在一年以内，请核对年份"},
        ),
        (
            {"defense_at": "下周三", "defense_place": ""},
            {
                "defense_at": "答辩时间格式应为 年-月-日T时:分，例如 2026-12-03T09:00",
                "defense_place": "请填写答辩地点或线上会议链接",
            },
        ),
    )
    for data, fields in cases:
        with pytest.raises(ValidationFailed) as caught:
            challenges.shortlist_application(w.owner, second.id, data)
        assert caught.value.fields == fields
    db.session.expire_all()
    again = db.session.get(ChallengeApplication, second.id)
    assert again.status == "submitted" and again.defense_at is None
    challenges.shortlist_application(
        w.owner, second.id, {"defense_at": slot(7, 9, 1), "defense_place": "路演厅"}
    )


def test_only_the_owner_and_admins_shortlist_while_the_call_is_under_review(
    review_world, make_challenge, make_application
):
    w = review_world
    application = w.applications[0]
    body = {"defense_at": slot(), "defense_place": "路演厅"}
    for not_owner in (w.applicants[0], w.reviewers[0]):
        with pytest.raises((PermissionDenied, NotFound)):
            challenges.shortlist_application(not_owner, application.id, body)
    for stranger in (w.other_org, w.broker, w.other_reviewer, w.viewer, w.anonymous):
        with pytest.raises(NotFound):
            challenges.shortlist_application(stranger, application.id, body)
    with pytest.raises(PermissionDenied):
        challenges.shortlist_application(w.applicants[0], application.id, body)
    collecting = make_challenge()
    early = make_application(collecting)
    with pytest.raises(InvalidTransition, match="申报截止"):
        challenges.shortlist_application(collecting.created_by, early.id, body)
    w.challenge.phase = "selected"
    db.session.commit()
    with pytest.raises(InvalidTransition, match="评审已结束"):
        challenges.shortlist_application(w.owner, application.id, body)
    assert application.status == "submitted"
