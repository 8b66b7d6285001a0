"""Who sees a call, an application and its scores (issue 19's access rules), on both databases."""

from datetime import timedelta

import pytest

from market.clock import today_in_beijing
from market.errors import NotFound, PermissionDenied
from market.extensions import db
from market.models.base import utcnow
from market.models.challenge_review import ChallengeConflict, ChallengeReview, ChallengeReviewer
from market.services import challenges


def _seat(challenge, user, declared=True):
    seat = ChallengeReviewer(
        challenge_id=challenge.id, user_id=user.id, declared_at=utcnow() if declared else None
    )
    db.session.add(seat)
    db.session.commit()
    return seat


def test_an_unpublished_call_is_seen_only_by_its_owner_and_admins(make_challenge, make_user):
    challenge = make_challenge(publish=False)
    owner = challenge.created_by
    assert challenges.get_challenge(owner, challenge.id) is challenge
    assert challenges.get_challenge(make_user("admin"), challenge.id) is challenge
    for outsider in (make_user("university"), make_user("enterprise"), None):
        with pytest.raises(NotFound):
            challenges.get_challenge(outsider, challenge.id)


def test_only_the_owner_and_admins_manage_a_published_call(make_challenge, make_user):
    challenge = make_challenge()
    colleague = make_user("enterprise", org=challenge.demand.organisation)
    assert challenges.get_managed_challenge(colleague, challenge.id) is challenge
    assert challenges.get_challenge(make_user("university"), challenge.id) is challenge
    with pytest.raises(PermissionDenied):
        challenges.get_managed_challenge(make_user("university"), challenge.id)


def test_an_application_is_seen_by_applicant_owner_admin_and_declared_reviewers_without_conflict(
    make_challenge, make_application, make_user
):
    challenge = make_challenge()
    application = make_application(challenge)
    applicant = make_user("university", org=application.organisation)
    reviewer, undeclared, conflicted = make_user("broker"), make_user("broker"), make_user("broker")
    _seat(challenge, reviewer)
    _seat(challenge, undeclared, declared=False)
    seat = _seat(challenge, conflicted)
    db.session.add(ChallengeConflict(reviewer_id=seat.id, application_id=application.id, reason="同一课题组"))
    db.session.commit()

    for allowed in (applicant, challenge.created_by, make_user("admin"), reviewer):
        assert challenges.get_application(allowed, application.id) is application
    for refused in (
        undeclared,
        conflicted,
        make_user("university"),
        make_user("broker"),
        make_user("viewer"),
        None,
    ):
        with pytest.raises(NotFound):
            challenges.get_application(refused, application.id)


def test_a_draft_application_is_the_applicants_own(make_challenge, make_application, make_user):
    challenge = make_challenge()
    application = make_application(challenge, status="draft")
    assert challenges.can_view_application(make_user("university", org=application.organisation), application)
    assert not challenges.can_view_application(challenge.created_by, application)


def test_a_reviewer_sees_other_scores_only_after_submitting_and_before_the_decision(
    make_challenge, make_application, make_user
):
    challenge = make_challenge()
    application = make_application(challenge)
    user = make_user("broker")
    seat = _seat(challenge, user)
    assert not challenges.can_view_all_scores(user, application)
    db.session.add(ChallengeReview(application_id=application.id, reviewer_id=seat.id, submitted_at=utcnow()))
    db.session.commit()
    assert challenges.can_view_all_scores(user, application)
    assert challenges.can_view_all_scores(challenge.created_by, application)
    assert not challenges.can_view_all_scores(
        make_user("university", org=application.organisation), application
    )
    challenge.phase = "selected"
    db.session.commit()
    assert not challenges.can_view_all_scores(user, application)
    assert challenges.can_view_all_scores(make_user("admin"), application)


def test_public_status_follows_the_window_and_the_phase(make_challenge):
    today = today_in_beijing()
    challenge = make_challenge(open_on=today + timedelta(days=2), close_on=today + timedelta(days=9))
    assert challenges.public_status(challenge) == "upcoming"
    assert not challenges.accepting_applications(challenge)
    assert challenges.public_status(challenge, today + timedelta(days=9)) == "collecting"
    assert challenges.days_left(challenge, today + timedelta(days=9)) == 0
    assert challenges.public_status(challenge, today + timedelta(days=10)) == "reviewing"
    assert challenges.days_left(challenge, today + timedelta(days=10)) is None
    challenge.phase = "racing"
    assert challenges.public_status_label(challenge) == "攻关中"
