"""评榜, scoring and the ranking: drafts and the one submit, blind reviews, who sees scores before and after
the decision, exact totals (where binary floats would be off), ties, missing reviews; on both databases."""

from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import AuditEntry, Notification
from market.models.challenge import ChallengeEvent
from market.models.challenge_review import ChallengeReview, ChallengeScore
from market.services import challenges
from market.services.challenges.ranking import mean_of, two_places, weighted_score
from tests.challenge_review_fixtures import declaration, scores_of


def reweigh(challenge, *weights) -> None:
    """Give the call criteria of these weights (the fixture's are 40/35/25)."""
    for criterion, weight in zip(challenge.criteria, weights, strict=True):
        criterion.weight = weight
    db.session.commit()


def seat_more(world, make_user, how_many: int) -> list:
    """More brokers on the panel, each declared without conflicts."""
    extra = [make_user("broker") for _ in range(how_many)]
    for user in extra:
        challenges.add_reviewer(world.owner, world.challenge.id, {"user_id": user.id})
        challenges.declare_conflicts(user, world.challenge.id, declaration(world))
    return extra


# ---- drafts, submit, never edited --------------------------------------------------------------------------


def test_a_reviewer_saves_drafts_then_submits_once_and_nobody_edits_it_after(declared_world):
    w = declared_world
    reviewer, application = w.reviewers[0], w.applications[0]
    first, second, third = w.challenge.criteria
    challenges.save_review(reviewer, application.id, scores_of(w.challenge, 70, None, None, comment="初评"))
    body = {
        "scores": [
            {"criterion_id": first.id, "score": 82, "comment": "路线可行"},
            {"criterion_id": second.id, "score": "75"},
            {"criterion_id": third.id, "score": 60},
        ],
        "comment": "总体较好",
    }
    review = challenges.save_review(reviewer, application.id, body)
    mine = challenges.get_my_review(reviewer, application.id)
    assert mine.editable and not mine.submitted
    assert {cid: s.score for cid, s in mine.scores.items()} == {first.id: 82, second.id: 75, third.id: 60}
    assert mine.scores[first.id].comment == "路线可行" and review.comment == "总体较好"
    challenges.submit_review(reviewer, application.id)
    mine = challenges.get_my_review(reviewer, application.id)
    assert mine.submitted and not mine.editable and mine.weighted == Decimal("74.05")  # .4·82+.35·75+.25·60
    for attempt in (
        lambda: challenges.save_review(reviewer, application.id, scores_of(w.challenge, 1, 1, 1)),
        lambda: challenges.submit_review(reviewer, application.id, scores_of(w.challenge, 1, 1, 1)),
        lambda: challenges.submit_review(reviewer, application.id),
    ):
        with pytest.raises(InvalidTransition, match="评分已提交，不能修改"):
            attempt()
    stored = db.session.scalars(select(ChallengeScore.score).where(ChallengeScore.review_id == review.id))
    assert sorted(stored) == [60, 75, 82]
    for other in (w.owner, w.admin, w.applicants[0]):  # nobody else writes it either
        with pytest.raises((PermissionDenied, NotFound, InvalidTransition)):
            challenges.save_review(other, application.id, scores_of(w.challenge, 1, 1, 1))
    assert sorted(
        db.session.scalars(select(ChallengeScore.score).where(ChallengeScore.review_id == review.id))
    ) == [
        60,
        75,
        82,
    ]
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "challenge.submit_review")).one()
    assert entry.changes["scores"] == {"技术先进性": 82, "实施方案可行性": 75, "团队与前期基础": 60}


def test_a_submit_needs_every_criterion_and_writes_nothing_without(declared_world):
    w = declared_world
    reviewer, application = w.reviewers[0], w.applications[0]
    first, second, third = w.challenge.criteria
    with pytest.raises(ValidationFailed) as caught:
        challenges.submit_review(reviewer, application.id, scores_of(w.challenge, 80, None, None))
    assert caught.value.fields == {
        f"scores.{second.id}": "请为“实施方案可行性”打分",
        f"scores.{third.id}": "请为“团队与前期基础”打分",
    }
    assert (
        db.session.scalars(select(ChallengeReview)).first() is None
    )  # the draft sent with it rolled back too
    with pytest.raises(ValidationFailed) as caught:
        challenges.submit_review(reviewer, application.id)
    assert set(caught.value.fields) == {f"scores.{c.id}" for c in (first, second, third)}


def test_a_score_off_the_scale_or_not_whole_is_refused_naming_the_criterion(declared_world):
    w = declared_world
    reviewer, application = w.reviewers[0], w.applications[0]
    first, second, third = w.challenge.criteria
    challenges.save_review(reviewer, application.id, scores_of(w.challenge, 50, 50, 50))
    bad = {
        "scores": [
            {"criterion_id": first.id, "score": 101},
            {"criterion_id": second.id, "score": -1},
            {"criterion_id": third.id, "score": 85.5},
            {"criterion_id": 999_999, "score": 10},
        ]
    }
    with pytest.raises(ValidationFailed) as caught:
        challenges.submit_review(reviewer, application.id, bad)
    assert caught.value.fields == {
        f"scores.{first.id}": "技术先进性：评分应在0到100之间",
        f"scores.{second.id}": "实施方案可行性：评分应在0到100之间",
        f"scores.{third.id}": "团队与前期基础：评分必须是整数",
        "scores": "第4项：该评审标准不属于本榜单",
    }
    with pytest.raises(ValidationFailed) as caught:
        challenges.save_review(
            reviewer, application.id, {"scores": [{"criterion_id": first.id, "comment": "好"}]}
        )
    assert caught.value.fields == {f"scores.{first.id}": "技术先进性：填写评语时请同时打分"}
    mine = challenges.get_my_review(reviewer, application.id)
    assert not mine.submitted and [s.score for s in mine.scores.values()] == [50, 50, 50]


def test_scoring_waits_for_the_window_and_ends_with_the_decision(declared_world, make_challenge, make_user):
    w = declared_world
    w.challenge.phase = "selected"
    db.session.commit()
    with pytest.raises(InvalidTransition, match="评审已结束"):
        challenges.save_review(w.reviewers[0], w.applications[0].id, scores_of(w.challenge, 1, 2, 3))
    assert not challenges.get_my_review(w.reviewers[0], w.applications[0].id).editable


# ---- who sees scores ---------------------------------------------------------------------------------------


def test_reviewers_are_blind_to_each_other_until_they_submit_their_own(declared_world):
    w = declared_world
    first, second = w.reviewers
    application = w.applications[0]
    challenges.submit_review(first, application.id, scores_of(w.challenge, 90, 80, 70))
    challenges.save_review(second, application.id, scores_of(w.challenge, 60, 60, 60))
    assert challenges.get_my_review(second, application.id).scores_of_all is None
    assert challenges.ranking(second, w.challenge.id).rows == []
    seen = challenges.get_my_review(first, application.id).scores_of_all
    assert [line.reviewer for line in seen.reviews] == ["我"]  # the other's draft is not a score yet
    challenges.submit_review(second, application.id)
    seen = challenges.get_my_review(second, application.id).scores_of_all
    assert [line.reviewer for line in seen.reviews] == ["评审专家 1", "我"]
    assert [line.weighted for line in seen.reviews] == [Decimal("81.50"), Decimal("60.00")]
    assert seen.total_text == "70.75"
    ranked = challenges.ranking(second, w.challenge.id)
    assert [row.application for row in ranked.rows] == [application]  # only what they submitted
    assert ranked.rows[0].rank is None and not ranked.full


def test_after_the_decision_scores_are_for_the_owner_and_admins_only(declared_world):
    w = declared_world
    application = w.applications[0]
    for reviewer in w.reviewers:
        challenges.submit_review(reviewer, application.id, scores_of(w.challenge, 80, 80, 80))
    assert challenges.get_my_review(w.reviewers[0], application.id).scores_of_all is not None
    w.challenge.phase = "selected"
    db.session.commit()
    for reviewer in w.reviewers:
        with pytest.raises(PermissionDenied, match="定榜后"):
            challenges.ranking(reviewer, w.challenge.id)
        mine = challenges.get_my_review(reviewer, application.id)
        assert mine.scores_of_all is None and mine.submitted  # their own review stays theirs
    for allowed in (w.owner, w.colleague, w.admin):
        rows = challenges.ranking(allowed, w.challenge.id).rows
        assert rows[0].application is application and rows[0].total_text == "80.00"
        assert challenges.application_scores(allowed, application).submitted == 2


def test_the_applicant_and_outsiders_never_see_scores(declared_world):
    w = declared_world
    application = w.applications[0]
    for reviewer in w.reviewers:
        challenges.submit_review(reviewer, application.id, scores_of(w.challenge, 80, 80, 80))
    applicant = w.applicants[0]
    assert challenges.application_scores(applicant, application) is None
    with pytest.raises(PermissionDenied):
        challenges.get_my_review(applicant, application.id)
    for outsider in (
        applicant,
        w.applicants[1],
        w.other_org,
        w.broker,
        w.other_reviewer,
        w.viewer,
        w.anonymous,
    ):
        with pytest.raises(PermissionDenied):
            challenges.ranking(outsider, w.challenge.id)
        assert challenges.application_scores(outsider, application) is None
    for stranger in (w.other_org, w.broker, w.other_reviewer, w.viewer, w.anonymous):
        with pytest.raises(NotFound):
            challenges.get_my_review(stranger, application.id)


def test_a_conflicted_reviewer_sees_nothing_of_that_application(review_world):
    w = review_world
    first, second = w.reviewers
    a = w.applications[0]
    challenges.declare_conflicts(first, w.challenge.id, declaration(w, {a: "同一课题组"}))
    challenges.declare_conflicts(second, w.challenge.id, declaration(w))
    challenges.submit_review(second, a.id, scores_of(w.challenge, 90, 90, 90))
    for other in w.applications[1:]:
        challenges.submit_review(first, other.id, scores_of(w.challenge, 50, 50, 50))
    with pytest.raises(NotFound):
        challenges.get_my_review(first, a.id)
    assert challenges.application_scores(first, a) is None
    assert a not in [row.application for row in challenges.ranking(first, w.challenge.id).rows]
    row = next(r for r in challenges.ranking(w.owner, w.challenge.id).rows if r.application is a)
    assert (row.submitted, row.expected) == (1, 1)


# ---- exact totals, ties, missing reviews -------------------------------------------------------------------


def test_totals_are_exact_where_binary_floats_are_off(declared_world, make_user):
    w = declared_world
    reweigh(w.challenge, 33, 33, 34)
    third = seat_more(w, make_user, 1)[0]
    a, b = w.applications[0], w.applications[1]
    # a: 78.82 and 88.01, whose mean 83.415 rounds half up to 83.42 (floats say 83.41)
    challenges.submit_review(w.reviewers[0], a.id, scores_of(w.challenge, 82, 60, 94))
    challenges.submit_review(w.reviewers[1], a.id, scores_of(w.challenge, 94, 81, 89))
    # b: 80.00, 80.00 and 80.01, a mean of 240.01 / 3 = 80.00333…
    challenges.submit_review(w.reviewers[0], b.id, scores_of(w.challenge, 80, 80, 80))
    challenges.submit_review(w.reviewers[1], b.id, scores_of(w.challenge, 80, 80, 80))
    challenges.submit_review(third, b.id, scores_of(w.challenge, 79, 80, 81))
    rows = {row.application: row for row in challenges.ranking(w.owner, w.challenge.id).rows}
    assert [line.weighted for line in rows[a].reviews] == [Decimal("78.82"), Decimal("88.01")]
    assert rows[a].total == Fraction(83415, 1000) and rows[a].total_text == "83.42"
    floats = (0.33 * 82 + 0.33 * 60 + 0.34 * 94, 0.33 * 94 + 0.33 * 81 + 0.34 * 89)
    assert round(sum(floats) / 2, 2) == 83.41  # what binary floats would have shown
    assert rows[b].total == Fraction(24001, 300) and rows[b].total_text == "80.00"
    assert two_places(rows[b].criterion_means[w.challenge.criteria[0].id]) == Decimal("79.67")  # 239/3
    assert (rows[b].submitted, rows[b].expected) == (3, 3)
    assert [row.application for row in challenges.ranking(w.owner, w.challenge.id).rows][:2] == [a, b]


def test_the_arithmetic_itself():
    assert weighted_score({1: 33, 2: 33, 3: 34}, {1: 85, 2: 90, 3: 77}) == Decimal("83.93")
    assert weighted_score({1: 100}, {1: 0}) == Decimal("0.00")
    assert mean_of([Decimal("83.93"), Decimal("83.94")]) == Fraction(16787, 200)
    assert mean_of([]) is None
    assert two_places(Fraction(1, 200)) == Decimal("0.01") and two_places(Fraction(1, 201)) == Decimal("0.00")
    assert two_places(Fraction(100)) == Decimal("100.00") and two_places(None) is None


def test_ties_share_a_rank_in_the_order_applications_were_handed_in_and_unscored_come_last(
    declared_world, make_application
):
    w = declared_world
    a, b, c = w.applications
    late = make_application(w.challenge)  # handed in after the window's applications: nobody declared it
    for reviewer in w.reviewers:
        challenges.submit_review(reviewer, c.id, scores_of(w.challenge, 90, 90, 90))
    challenges.submit_review(w.reviewers[0], b.id, scores_of(w.challenge, 70, 70, 70))
    challenges.submit_review(w.reviewers[1], b.id, scores_of(w.challenge, 80, 80, 80))
    challenges.submit_review(w.reviewers[0], a.id, scores_of(w.challenge, 75, 75, 75))
    challenges.submit_review(w.reviewers[1], a.id, scores_of(w.challenge, 75, 75, 75))
    rows = challenges.ranking(w.owner, w.challenge.id).rows
    assert [(row.application, row.rank, row.tied, row.total_text) for row in rows] == [
        (c, 1, False, "90.00"),
        (a, 2, True, "75.00"),
        (b, 2, True, "75.00"),
        (late, None, False, "—"),
    ]


def test_the_ranking_shows_counts_and_which_reviews_are_missing(declared_world, make_user):
    w = declared_world
    undeclared = make_user("broker", display_name="王专家")
    challenges.add_reviewer(w.owner, w.challenge.id, {"user_id": undeclared.id})
    a = w.applications[0]
    challenges.submit_review(w.reviewers[0], a.id, scores_of(w.challenge, 60, 60, 60))
    challenges.save_review(w.reviewers[1], a.id, scores_of(w.challenge, 60, None, None))
    ranked = challenges.ranking(w.owner, w.challenge.id)
    row = next(r for r in ranked.rows if r.application is a)
    assert (row.submitted, row.expected) == (1, 3) and not ranked.complete
    assert row.missing == [(w.reviewers[1].display_name, "评分草稿未提交"), ("王专家", "未声明利益冲突")]
    assert [line.reviewer for line in row.reviews] == [w.reviewers[0].display_name]


def test_the_owner_is_told_once_when_every_review_is_in(declared_world):
    w = declared_world
    for reviewer in w.reviewers:
        for application in w.applications:
            assert not db.session.scalars(
                select(Notification).where(
                    Notification.user_id == w.owner.id, Notification.category == "challenge"
                )
            ).first()
            challenges.submit_review(reviewer, application.id, scores_of(w.challenge, 70, 70, 70))
    told = db.session.scalars(
        select(Notification).where(Notification.category == "challenge", Notification.link.like("%/ranking"))
    ).all()
    assert {n.user_id for n in told} == {w.owner.id, w.colleague.id} and len(told) == 2
    assert "完成全部评分" in told[0].title
    history = db.session.scalars(
        select(ChallengeEvent.text).where(ChallengeEvent.challenge_id == w.challenge.id)
    )
    assert "评审专家已完成全部评分" in list(history)
    assert challenges.ranking(w.owner, w.challenge.id).complete
