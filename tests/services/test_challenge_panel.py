"""评榜, the panel: who may sit, who seats and removes reviewers, conflict declarations (final, reopened by
an admin), and what a reviewer sees before and after declaring; on both databases."""

import pytest
from sqlalchemy import func, select

from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import AuditEntry, Notification
from market.models.challenge_review import ChallengeConflict, ChallengeReview, ChallengeReviewer
from market.services import challenges
from tests.challenge_review_fixtures import declaration, scores_of


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_the_owner_seats_a_broker_who_is_told_and_the_step_is_audited(review_world, make_user):
    w = review_world
    broker = make_user("broker")
    seat = challenges.add_reviewer(w.owner, w.challenge.id, {"user_id": broker.id, "expertise": "固态电池"})
    assert seat.user_id == broker.id and seat.expertise == "固态电池" and seat.declared_at is None
    told = db.session.scalars(select(Notification).where(Notification.user_id == broker.id)).one()
    assert told.category == "challenge" and "评审专家" in told.title
    assert told.link == f"/challenges/{w.challenge.id}/review"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "challenge.add_reviewer").order_by(AuditEntry.id.desc())
    ).first()
    assert entry.actor_id == w.owner.id and entry.object_id == w.challenge.id
    assert entry.changes["user_id"] == broker.id


def test_an_admin_seats_a_named_expert_by_the_email_they_registered_with(review_world, make_user):
    w = review_world
    expert = make_user("university")
    seat = challenges.add_reviewer(
        w.admin, w.challenge.id, {"email": expert.email.upper(), "expertise": "电化学"}
    )
    assert seat.user_id == expert.id


def test_who_may_not_sit_is_refused_with_a_reason_and_nothing_is_written(review_world, make_user):
    w = review_world
    before = count(ChallengeReviewer)
    refused = {
        w.colleague.id: "发榜单位的成员不能担任评审专家",
        w.admin.id: "管理员负责组织评审，不能担任评审专家",
        w.viewer.id: "政府观察员只查看数据，不能担任评审专家",
        make_user("broker", verified=False).id: "未找到可担任评审专家的已认证用户，请核对",
        make_user("broker", active=False).id: "未找到可担任评审专家的已认证用户，请核对",
        w.reviewers[0].id: "该用户已是本榜单的评审专家",
    }
    for user_id, message in refused.items():
        with pytest.raises(ValidationFailed) as caught:
            challenges.add_reviewer(w.owner, w.challenge.id, {"user_id": user_id})
        assert caught.value.fields == {"user_id": message}
    for data, fields in (
        ({"email": "nobody@example.cn"}, {"email": "未找到可担任评审专家的已认证用户，请核对"}),
        ({"email": "不是邮箱"}, {"email": "邮箱格式不正确"}),
        ({}, {"user_id": "请选择评审专家，或填写其注册邮箱"}),
        (
            {"user_id": w.broker.id, "expertise": "x" * 101},
            {"expertise": "专业方向不能超过100个字（现有101个字）"},
        ),
    ):
        with pytest.raises(ValidationFailed) as caught:
            challenges.add_reviewer(w.owner, w.challenge.id, data)
        assert caught.value.fields == fields
    assert count(ChallengeReviewer) == before


def test_a_member_of_an_applicant_may_sit(review_world):
    w = review_world
    seat = challenges.add_reviewer(w.owner, w.challenge.id, {"user_id": w.applicants[0].id})
    assert seat.user_id == w.applicants[0].id


def test_only_the_owner_and_admins_form_the_panel(review_world, make_challenge):
    w = review_world
    for outsider in (w.applicants[0], w.reviewers[0], w.other_org, w.viewer, w.broker, w.anonymous):
        with pytest.raises(PermissionDenied):
            challenges.add_reviewer(outsider, w.challenge.id, {"user_id": w.broker.id})
        with pytest.raises(PermissionDenied):
            challenges.remove_reviewer(outsider, w.challenge.id, w.seats[0].id)
    challenges.add_reviewer(w.colleague, w.challenge.id, {"user_id": w.broker.id})
    pending = make_challenge(publish=False)
    with pytest.raises(InvalidTransition, match="发布后"):
        challenges.add_reviewer(pending.created_by, pending.id, {"user_id": w.broker.id})
    with pytest.raises(NotFound):
        challenges.add_reviewer(w.other_org, pending.id, {"user_id": w.broker.id})


def test_a_reviewer_with_drafts_is_removed_with_them_one_who_submitted_is_not(declared_world):
    w = declared_world
    first, second = w.reviewers
    challenges.save_review(first, w.applications[0].id, scores_of(w.challenge, 80, None, None))
    challenges.submit_review(second, w.applications[0].id, scores_of(w.challenge, 80, 70, 60))
    challenges.remove_reviewer(w.owner, w.challenge.id, w.seats[0].id)
    assert count(ChallengeReviewer, user_id=first.id, challenge_id=w.challenge.id) == 0
    assert count(ChallengeReview, reviewer_id=w.seats[0].id) == 0
    assert (
        "不再担任"
        in db.session.scalars(
            select(Notification.title)
            .where(Notification.user_id == first.id)
            .order_by(Notification.id.desc())
        ).first()
    )
    with pytest.raises(InvalidTransition, match="已提交评分"):
        challenges.remove_reviewer(w.admin, w.challenge.id, w.seats[1].id)
    other_seat = db.session.scalars(
        select(ChallengeReviewer).where(ChallengeReviewer.challenge_id == w.other_call.id)
    ).one()
    with pytest.raises(NotFound):
        challenges.remove_reviewer(w.owner, w.challenge.id, other_seat.id)


def test_declarations_wait_for_the_window_to_close(make_challenge, make_application, make_user):
    challenge = make_challenge()  # still collecting
    application = make_application(challenge)
    broker = make_user("broker")
    challenges.add_reviewer(challenge.created_by, challenge.id, {"user_id": broker.id})
    assert challenges.review_queue(broker, challenge.id).stage == "waiting"
    body = {"declarations": [{"application_id": application.id, "conflict": False}]}
    with pytest.raises(InvalidTransition, match="申报截止"):
        challenges.declare_conflicts(broker, challenge.id, body)


def test_a_declaration_covers_every_application_with_reasons_for_conflicts(review_world):
    w = review_world
    reviewer, (a, b, c) = w.reviewers[0], w.applications
    bad = {
        "declarations": [
            {"application_id": a.id, "conflict": True, "reason": ""},
            {"application_id": b.id, "conflict": "也许"},
            {"application_id": 999_999, "conflict": False},
        ]
    }
    with pytest.raises(ValidationFailed) as caught:
        challenges.declare_conflicts(reviewer, w.challenge.id, bad)
    fields = caught.value.fields
    assert fields[f"declarations.{a.id}"] == f"{a.organisation.name}：存在利益冲突时请说明原因"
    assert (
        fields[f"declarations.{b.id}"]
        == f"{b.organisation.name}：是否存在利益冲突必须是是/否（true 或 false）"
    )
    assert fields["declarations"] == "第3项：该揭榜方案不属于本榜单或已撤回"
    assert fields[f"declarations.{c.id}"] == f"请声明与{c.organisation.name}是否存在利益冲突"
    assert w.seats[0].declared_at is None and count(ChallengeConflict) == 0


def test_a_member_of_an_applicant_must_declare_that_conflict(review_world):
    w = review_world
    member = w.applicants[1]
    challenges.add_reviewer(w.owner, w.challenge.id, {"user_id": member.id})
    with pytest.raises(ValidationFailed) as caught:
        challenges.declare_conflicts(member, w.challenge.id, declaration(w))
    own = w.applications[1]
    assert caught.value.fields == {
        f"declarations.{own.id}": f"您是{own.organisation.name}的成员，须声明与该方案存在利益冲突"
    }
    challenges.declare_conflicts(member, w.challenge.id, declaration(w, {own: "本单位方案"}))
    assert challenges.can_view_application(member, w.applications[0])


def test_a_declaration_is_final_and_only_then_are_applications_seen_never_the_conflicting_one(review_world):
    w = review_world
    reviewer, (a, b, c) = w.reviewers[0], w.applications
    queue = challenges.review_queue(reviewer, w.challenge.id)
    assert queue.stage == "declare" and [item.application for item in queue.items] == [a, b, c]
    with pytest.raises(PermissionDenied, match="声明利益冲突"):
        challenges.get_my_review(reviewer, a.id)
    challenges.declare_conflicts(reviewer, w.challenge.id, declaration(w, {b: "近三年有合作项目"}))
    queue = challenges.review_queue(reviewer, w.challenge.id)
    assert queue.stage == "review"
    assert [item.review_state for item in queue.items] == ["todo", "conflict", "todo"]
    assert challenges.get_application(reviewer, a.id) is a
    for action in (
        lambda: challenges.get_application(reviewer, b.id),
        lambda: challenges.get_my_review(reviewer, b.id),
        lambda: challenges.save_review(reviewer, b.id, scores_of(w.challenge, 1, 2, 3)),
        lambda: challenges.submit_review(reviewer, b.id, scores_of(w.challenge, 1, 2, 3)),
    ):
        with pytest.raises(NotFound):
            action()
    with pytest.raises(InvalidTransition, match="不能修改"):
        challenges.declare_conflicts(reviewer, w.challenge.id, declaration(w))
    assert count(ChallengeConflict, reviewer_id=w.seats[0].id) == 1
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "challenge.declare_conflicts")
    ).one()
    assert entry.changes["conflicts"] == {b.organisation.name: "近三年有合作项目"}


def test_only_panel_members_declare_and_have_a_queue(review_world):
    w = review_world
    for outsider in (w.owner, w.admin, w.applicants[0], w.broker, w.other_reviewer, w.viewer, w.anonymous):
        with pytest.raises(PermissionDenied):
            challenges.review_queue(outsider, w.challenge.id)
        with pytest.raises(PermissionDenied):
            challenges.declare_conflicts(outsider, w.challenge.id, declaration(w))


def test_an_admin_reopens_a_declaration_and_a_review_then_declared_conflicting_stops_counting(declared_world):
    w = declared_world
    reviewer, a = w.reviewers[0], w.applications[0]
    challenges.submit_review(reviewer, a.id, scores_of(w.challenge, 90, 90, 90))
    challenges.save_review(reviewer, w.applications[1].id, scores_of(w.challenge, 50, None, None))
    for not_admin in (w.owner, reviewer):
        with pytest.raises(PermissionDenied):
            challenges.reopen_conflicts(not_admin, w.challenge.id, w.seats[0].id, {"reason": "补充声明"})
    with pytest.raises(ValidationFailed) as caught:
        challenges.reopen_conflicts(w.admin, w.challenge.id, w.seats[0].id, {"reason": " "})
    assert caught.value.fields == {"reason": "请填写原因"}
    challenges.reopen_conflicts(w.admin, w.challenge.id, w.seats[0].id, {"reason": "专家发现与该单位有合作"})
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "challenge.reopen_conflicts")
    ).one()
    assert entry.actor_id == w.admin.id and entry.changes["reason"] == "专家发现与该单位有合作"
    assert challenges.review_queue(reviewer, w.challenge.id).stage == "declare"
    assert (
        "重新开放"
        in db.session.scalars(
            select(Notification.title)
            .where(Notification.user_id == reviewer.id)
            .order_by(Notification.id.desc())
        ).first()
    )
    b = w.applications[1]
    challenges.declare_conflicts(reviewer, w.challenge.id, declaration(w, {a: "合作单位", b: "合作单位"}))
    assert count(ChallengeReview, reviewer_id=w.seats[0].id, application_id=b.id) == 0  # the draft went
    row = next(r for r in challenges.ranking(w.owner, w.challenge.id).rows if r.application is a)
    assert (row.submitted, row.expected, row.total) == (0, 1, None)


def test_the_panel_page_tells_who_declared_and_their_progress_never_which_conflict(declared_world):
    w = declared_world
    challenges.reopen_conflicts(w.admin, w.challenge.id, w.seats[1].id, {"reason": "更正"})
    challenges.declare_conflicts(w.reviewers[1], w.challenge.id, declaration(w, {w.applications[2]: "同事"}))
    challenges.submit_review(w.reviewers[0], w.applications[0].id, scores_of(w.challenge, 60, 60, 60))
    challenges.save_review(w.reviewers[0], w.applications[1].id, scores_of(w.challenge, 60, None, None))
    _challenge, members, _state = challenges.panel_members(w.owner, w.challenge.id)
    first, second = members
    assert (first.declared, first.has_conflicts, first.submitted, first.expected, first.drafts) == (
        True,
        False,
        1,
        3,
        1,
    )
    assert (second.has_conflicts, second.expected) == (True, 2)
    assert not hasattr(second, "conflicts")
    for outsider in (w.reviewers[0], w.applicants[0], w.other_org):
        with pytest.raises(PermissionDenied):
            challenges.panel_members(outsider, w.challenge.id)


def test_the_workspace_lists_the_calls_a_reviewer_still_owes(review_world):
    w = review_world
    reviewer = w.reviewers[0]
    todo = challenges.review_todo(reviewer)
    assert [(item["challenge"], item["stage"], item["left"]) for item in todo] == [
        (w.challenge, "declare", 3)
    ]
    challenges.declare_conflicts(reviewer, w.challenge.id, declaration(w, {w.applications[0]: "同事"}))
    assert challenges.review_todo(reviewer)[0]["left"] == 2
    assert challenges.review_todo(w.broker) == [] and challenges.review_todo(w.anonymous) == []


def test_removing_the_last_reviewer_who_owed_reviews_tells_the_owner_all_are_in(declared_world, make_user):
    w = declared_world
    late = make_user("broker")
    seat = challenges.add_reviewer(w.owner, w.challenge.id, {"user_id": late.id})
    for reviewer in w.reviewers:
        for application in w.applications:
            challenges.submit_review(reviewer, application.id, scores_of(w.challenge, 70, 70, 70))

    def told():
        return db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == w.owner.id, Notification.link.like("%/ranking"))
        )

    assert told() == 0 and not challenges.ranking(w.owner, w.challenge.id).complete
    challenges.remove_reviewer(w.owner, w.challenge.id, seat.id)
    assert told() == 1 and challenges.ranking(w.owner, w.challenge.id).complete
