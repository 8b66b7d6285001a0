"""A reviewer's side of the panel: their queue for one call (declare, then score) and the calls waiting
for them (the workspace's 待评审)."""

from dataclasses import dataclass, field

from sqlalchemy import select

from market.extensions import db
from market.models.challenge import Challenge
from market.models.challenge_application import ChallengeApplication
from market.models.challenge_review import ChallengeReview, ChallengeReviewer
from market.services.challenges.access import get_challenge
from market.services.challenges.panel_state import own_seat, reviewable_applications
from market.services.challenges.status import public_status
from market.services.permissions import is_signed_in


@dataclass
class QueueItem:
    application: ChallengeApplication
    conflict: bool = False
    own_org: bool = False
    review: ChallengeReview | None = None

    @property
    def review_state(self) -> str:
        if self.conflict:
            return "conflict"
        if self.review is None:
            return "todo"
        return "submitted" if self.review.submitted_at else "draft"


@dataclass
class ReviewQueue:
    challenge: Challenge
    seat: ChallengeReviewer
    stage: str  # waiting (window still open), declare, review, closed (decided or cancelled)
    items: list = field(default_factory=list)


def review_queue(actor, challenge_id) -> ReviewQueue:
    """A reviewer's view of the call: what to declare, then the applications to score (and which they
    declared a conflict with, by name only)."""
    challenge = get_challenge(actor, challenge_id)
    seat = own_seat(actor, challenge)
    state = public_status(challenge)
    if state in ("upcoming", "collecting"):
        return ReviewQueue(challenge, seat, "waiting")
    applications = reviewable_applications(challenge)
    if seat.declared_at is None:
        stage = "declare" if state == "reviewing" else "closed"
        items = [QueueItem(a, own_org=a.org_id == actor.organisation_id) for a in applications]
        return ReviewQueue(challenge, seat, stage, items)
    conflicts = {conflict.application_id for conflict in seat.conflicts}
    reviews = {
        review.application_id: review
        for review in db.session.scalars(
            select(ChallengeReview).where(ChallengeReview.reviewer_id == seat.id)
        )
    }
    items = [QueueItem(a, conflict=a.id in conflicts, review=reviews.get(a.id)) for a in applications]
    return ReviewQueue(challenge, seat, "review" if state == "reviewing" else "closed", items)


def review_todo(actor) -> list[dict]:
    """The open calls the actor reviews, with what is left to do (for the workspace's 待评审)."""
    if not is_signed_in(actor):
        return []
    seats = db.session.scalars(
        select(ChallengeReviewer)
        .join(Challenge, Challenge.id == ChallengeReviewer.challenge_id)
        .where(ChallengeReviewer.user_id == actor.id, Challenge.phase == "open")
        .order_by(Challenge.applications_close_on, Challenge.id)
    )
    todo = []
    for seat in seats:
        challenge = db.session.get(Challenge, seat.challenge_id)
        if not challenge.demand.is_public:  # published, or expired when its window closed
            continue
        queue = review_queue(actor, challenge.id)
        left = sum(1 for item in queue.items if item.review_state in ("todo", "draft"))
        todo.append({"challenge": challenge, "stage": queue.stage, "left": left})
    return todo
