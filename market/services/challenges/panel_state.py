"""The state of a call's panel, read once per page, and what panel, scoring, ranking and shortlist share:
which applications are under review, the reviewer's own seat (locked for a write), the owner's people."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from market.errors import InvalidTransition, NotFound, PermissionDenied
from market.extensions import db
from market.models import User
from market.models.challenge import Challenge
from market.models.challenge_application import ChallengeApplication
from market.models.challenge_review import ChallengeConflict, ChallengeReview, ChallengeReviewer
from market.services.challenges.access import reviewer_for
from market.services.challenges.status import public_status

# Applications a panel reviews: handed in and not withdrawn (the later statuses come with the decision).
IN_REVIEW = ("submitted", "shortlisted", "racing", "selected", "eliminated", "not_selected")
SCORABLE = ("submitted", "shortlisted")  # still scored while the call is 评审中


# ---- the panel's state, read once per page --------------------------------------------------------------


@dataclass
class PanelState:
    """A call's seats, the applications under review, the declared conflicts and every review."""

    challenge: Challenge
    seats: list
    applications: list
    conflicts: set = field(default_factory=set)  # (seat id, application id)
    reviews: dict = field(default_factory=dict)  # (seat id, application id) → ChallengeReview

    def expected(self, application) -> list:
        """The seats that owe this application a review: every member without a conflict with it."""
        return [seat for seat in self.seats if (seat.id, application.id) not in self.conflicts]

    def submitted(self, application) -> list:
        """The submitted reviews that count (their reviewer has no conflict with it), first submitted
        first."""
        found = [self.reviews.get((seat.id, application.id)) for seat in self.expected(application)]
        return sorted(
            (review for review in found if review is not None and review.submitted_at is not None),
            key=lambda review: (review.submitted_at, review.id),
        )

    def missing(self, application) -> list[tuple]:
        """(seat, what is missing) for each expected review not submitted yet."""
        out = []
        for seat in self.expected(application):
            review = self.reviews.get((seat.id, application.id))
            if review is not None and review.submitted_at is not None:
                continue
            if seat.declared_at is None:
                out.append((seat, "未声明利益冲突"))
            else:
                out.append((seat, "评分草稿未提交" if review is not None else "尚未评分"))
        return out

    def complete(self) -> bool:
        """Every member has declared and every application has all its expected reviews."""
        return (
            bool(self.seats)
            and bool(self.applications)
            and all(seat.declared_at is not None for seat in self.seats)
            and not any(self.missing(application) for application in self.applications)
        )


def load_panel(challenge: Challenge) -> PanelState:
    """The panel's state in four queries."""
    seats = list(
        db.session.scalars(
            select(ChallengeReviewer)
            .where(ChallengeReviewer.challenge_id == challenge.id)
            .options(selectinload(ChallengeReviewer.user).selectinload(User.organisation))
            .order_by(ChallengeReviewer.id)
        )
    )
    applications = reviewable_applications(challenge)
    seat_ids = [seat.id for seat in seats]
    conflicts = set(
        db.session.execute(
            select(ChallengeConflict.reviewer_id, ChallengeConflict.application_id).where(
                ChallengeConflict.reviewer_id.in_(seat_ids)
            )
        ).all()
    )
    reviews = db.session.scalars(
        select(ChallengeReview)
        .where(ChallengeReview.reviewer_id.in_(seat_ids))
        .options(selectinload(ChallengeReview.scores))
    )
    return PanelState(
        challenge,
        seats,
        applications,
        {tuple(pair) for pair in conflicts},
        {(review.reviewer_id, review.application_id): review for review in reviews},
    )


def reviewable_applications(challenge: Challenge) -> list[ChallengeApplication]:
    """The call's applications under review, in the order they were handed in."""
    return list(
        db.session.scalars(
            select(ChallengeApplication)
            .where(
                ChallengeApplication.challenge_id == challenge.id, ChallengeApplication.status.in_(IN_REVIEW)
            )
            .order_by(ChallengeApplication.submitted_at, ChallengeApplication.id)
        )
    )


def locked_seat(seat: ChallengeReviewer) -> ChallengeReviewer:
    """The seat re-read under a row lock (the writes of one reviewer one at a time); NotFound once removed."""
    fresh = db.session.scalars(
        select(ChallengeReviewer)
        .where(ChallengeReviewer.id == seat.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if fresh is None:
        raise NotFound("您已不在本榜单的评审专家组中")
    return fresh


def own_seat(actor, challenge: Challenge) -> ChallengeReviewer:
    seat = reviewer_for(actor, challenge)
    if seat is None:
        raise PermissionDenied("您不是本榜单的评审专家")
    return seat


def owner_ids(challenge: Challenge) -> list[int]:
    """Who is told about the call as its owner: the publishing organisation's members who publish demands,
    and whoever created the call (an admin on behalf of a programme)."""
    ids = set(
        db.session.scalars(
            select(User.id).where(
                User.organisation_id == challenge.demand.org_id,
                User.active.is_(True),
                User.role.in_(("enterprise", "admin")),
            )
        )
    )
    if challenge.created_by_id:
        ids.add(challenge.created_by_id)
    return sorted(ids)


def require_reviewing(challenge: Challenge) -> None:
    state = public_status(challenge)
    if state in ("upcoming", "collecting"):
        close_on = challenge.applications_close_on.isoformat()
        raise InvalidTransition(f"申报截止（{close_on}）后才能声明利益冲突和评分")
    if state != "reviewing":
        raise InvalidTransition("评审已结束")
