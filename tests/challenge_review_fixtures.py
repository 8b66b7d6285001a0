"""A call under review (评审中) with three applications, a panel of two brokers and everyone around them, for
the tests of 评榜 (services, pages, API). Import `review_world` into a test module to use it."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin

from market.clock import today_in_beijing
from market.services import challenges


def declaration(world, conflicts: dict | None = None) -> dict:
    """A full declaration of the world's applications: no conflict but those given ({application: reason})."""
    conflicts = conflicts or {}
    return {
        "declarations": [
            {
                "application_id": application.id,
                "conflict": application in conflicts,
                "reason": conflicts.get(application),
            }
            for application in world.applications
        ]
    }


def scores_of(challenge, *values, comment=None) -> dict:
    """A review's body: the call's criteria in order, scored with `values`."""
    return {
        "scores": [
            {"criterion_id": criterion.id, "score": value}
            for criterion, value in zip(challenge.criteria, values, strict=True)
        ],
        "comment": comment,
    }


@pytest.fixture
def review_world(make_challenge, make_application, make_user):
    """A call whose window closed yesterday, three applications, two brokers seated by the owner (not yet
    declared), a colleague of the owner, an admin, a viewer, an enterprise of another organisation, a broker
    off the panel, a reviewer of another call, and the anonymous visitor."""
    today = today_in_beijing()
    challenge = make_challenge(open_on=today - timedelta(days=20), close_on=today - timedelta(days=1))
    owner = challenge.created_by
    applications = [make_application(challenge) for _ in range(3)]
    reviewers = [make_user("broker"), make_user("broker")]
    seats = [challenges.add_reviewer(owner, challenge.id, {"user_id": r.id}) for r in reviewers]
    other_call = make_challenge(open_on=today - timedelta(days=20), close_on=today - timedelta(days=1))
    other_reviewer = make_user("broker")
    challenges.add_reviewer(other_call.created_by, other_call.id, {"user_id": other_reviewer.id})
    return SimpleNamespace(
        challenge=challenge,
        owner=owner,
        colleague=make_user("enterprise", org=challenge.demand.organisation),
        applications=applications,
        applicants=[make_user("university", org=a.organisation) for a in applications],
        reviewers=reviewers,
        seats=seats,
        admin=make_user("admin"),
        viewer=make_user("viewer"),
        other_org=make_user("enterprise"),
        broker=make_user("broker"),
        other_call=other_call,
        other_reviewer=other_reviewer,
        anonymous=AnonymousUserMixin(),
    )


@pytest.fixture
def declared_world(review_world):
    """The review world after both reviewers declared no conflict with any application."""
    for reviewer in review_world.reviewers:
        challenges.declare_conflicts(reviewer, review_world.challenge.id, declaration(review_world))
    return review_world
