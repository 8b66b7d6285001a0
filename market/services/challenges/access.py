"""Who may see and act on a call, an application and its scores.

- A call is public once its demand is published; before that only its owner and admins see it.
- The call's owner: members of the demand's organisation who publish demands (permissions.owns), and admins.
- An application is seen by the applicant's members, the call's owner, admins, and a panel member who has
  declared conflicts and has none with it; nobody else learns it exists.
- Scores: a reviewer sees their own; the other reviewers' only after submitting their own review of that
  application, and only until the call is decided; the owner and admins see submitted scores; the applicant
  never sees scores."""

from market.errors import NotFound, PermissionDenied
from market.extensions import db
from market.models.challenge import Challenge
from market.models.challenge_application import ChallengeApplication
from market.models.challenge_review import ChallengeConflict, ChallengeReview, ChallengeReviewer
from market.services.base import parse_row_id
from market.services.permissions import is_admin, is_signed_in, owns

# Phases after which the call is decided: scores are for the owner and admins only from then on.
DECIDED_PHASES = ("racing", "selected", "running", "accepted")


def is_call_owner(actor, challenge: Challenge) -> bool:
    """A member of the publishing organisation with a role that publishes demands (not admins: see
    can_manage_challenge)."""
    return owns(actor, challenge.demand)


def can_manage_challenge(actor, challenge: Challenge) -> bool:
    return is_admin(actor) or is_call_owner(actor, challenge)


def can_view_challenge(actor, challenge: Challenge) -> bool:
    return challenge.demand.is_public or can_manage_challenge(actor, challenge)


def get_challenge(actor, challenge_id) -> Challenge:
    row_id = parse_row_id(challenge_id)
    challenge = db.session.get(Challenge, row_id) if row_id else None
    if challenge is None or not can_view_challenge(actor, challenge):
        raise NotFound("该揭榜挂帅榜单不存在")
    return challenge


def get_managed_challenge(actor, challenge_id) -> Challenge:
    """A call the actor owns (or any call, for admins); others get 404 or 403 as for listings."""
    challenge = get_challenge(actor, challenge_id)
    if not can_manage_challenge(actor, challenge):
        raise PermissionDenied("只有发榜单位和管理员可以执行此操作")
    return challenge


def is_applicant(actor, application: ChallengeApplication) -> bool:
    return (
        is_signed_in(actor)
        and actor.role not in ("viewer", "admin")
        and actor.organisation_id is not None
        and actor.organisation_id == application.org_id
    )


def reviewer_for(actor, challenge: Challenge) -> ChallengeReviewer | None:
    """The actor's seat on the call's panel, if any."""
    if not is_signed_in(actor):
        return None
    return db.session.scalars(
        db.select(ChallengeReviewer).where(
            ChallengeReviewer.challenge_id == challenge.id, ChallengeReviewer.user_id == actor.id
        )
    ).first()


def has_conflict(reviewer: ChallengeReviewer, application: ChallengeApplication) -> bool:
    return (
        db.session.scalar(
            db.select(ChallengeConflict.id).where(
                ChallengeConflict.reviewer_id == reviewer.id,
                ChallengeConflict.application_id == application.id,
            )
        )
        is not None
    )


def reviewer_may_see(reviewer: ChallengeReviewer | None, application: ChallengeApplication) -> bool:
    """A panel member who has declared conflicts and has none with this application."""
    return (
        reviewer is not None
        and reviewer.challenge_id == application.challenge_id
        and reviewer.declared_at is not None
        and application.status not in ("draft", "withdrawn")
        and not has_conflict(reviewer, application)
    )


def can_view_application(actor, application: ChallengeApplication) -> bool:
    challenge = application.challenge
    if is_admin(actor) or is_applicant(actor, application):
        return True
    if application.status in ("draft", "withdrawn"):
        return False  # not yet (or no longer) handed in: the applicant's own
    return is_call_owner(actor, challenge) or reviewer_may_see(reviewer_for(actor, challenge), application)


def get_application(actor, application_id) -> ChallengeApplication:
    row_id = parse_row_id(application_id)
    application = db.session.get(ChallengeApplication, row_id) if row_id else None
    if application is None or not can_view_application(actor, application):
        raise NotFound("该揭榜方案不存在")
    return application


def submitted_review(
    reviewer: ChallengeReviewer, application: ChallengeApplication
) -> ChallengeReview | None:
    return db.session.scalars(
        db.select(ChallengeReview).where(
            ChallengeReview.reviewer_id == reviewer.id,
            ChallengeReview.application_id == application.id,
            ChallengeReview.submitted_at.is_not(None),
        )
    ).first()


def can_view_all_scores(actor, application: ChallengeApplication) -> bool:
    """Whether the actor may see every reviewer's submitted scores of this application (their own draft is
    always theirs to see)."""
    challenge = application.challenge
    if can_manage_challenge(actor, challenge):
        return True
    if challenge.phase in DECIDED_PHASES or challenge.phase == "cancelled":
        return False
    reviewer = reviewer_for(actor, challenge)
    return reviewer_may_see(reviewer, application) and submitted_review(reviewer, application) is not None


# ---- 攻关与验收 (deliver): a selected team's project -------------------------------------------------

# The applications that are (or were) projects: selected, racing, or eliminated from a race.
PROJECT_STATUSES = ("racing", "selected", "eliminated")


def can_view_project(actor, application: ChallengeApplication) -> bool:
    """A team's project (milestones, reports, decisions, payments and their documents): the team, the call's
    owner and admins, each of whom may also see the application. The panel judged the plans; the delivery is
    not theirs to see."""
    return application.status in PROJECT_STATUSES and (
        is_admin(actor) or is_applicant(actor, application) or is_call_owner(actor, application.challenge)
    )


def get_project(actor, application_id) -> ChallengeApplication:
    """The application of a project the actor may see; 404 for anyone else and for an application that is
    not a project."""
    row_id = parse_row_id(application_id)
    application = db.session.get(ChallengeApplication, row_id) if row_id else None
    if application is None or not can_view_project(actor, application):
        raise NotFound("该揭榜项目不存在")
    return application
