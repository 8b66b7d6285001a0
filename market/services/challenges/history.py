"""The public history of a call: one sentence per step, without confidential content (scores, plans, reasons
stay in the audit log and on the pages of those allowed to see them)."""

from market.extensions import db
from market.models.base import utcnow
from market.models.challenge import Challenge, ChallengeEvent


def record_event(challenge: Challenge, kind: str, text: str) -> ChallengeEvent:
    """Add a step to the call's history within the current unit of work."""
    event = ChallengeEvent(challenge_id=challenge.id, kind=kind, text=text[:300], created_at=utcnow())
    db.session.add(event)
    return event


def history(challenge: Challenge) -> list[ChallengeEvent]:
    return list(
        db.session.scalars(
            db.select(ChallengeEvent)
            .where(ChallengeEvent.challenge_id == challenge.id)
            .order_by(ChallengeEvent.created_at, ChallengeEvent.id)
        )
    )
