"""A deal's history and the people told about it: events recorded in the unit of work, notifications sent
by the worker."""

from datetime import datetime

from sqlalchemy import select

from market import events
from market.extensions import db
from market.models import User
from market.models.base import utcnow
from market.models.deal import Deal, DealEvent
from market.services.notifications import add_notifications


def _record(deal: Deal, kind: str, actor, from_stage=None, to_stage=None, at: datetime | None = None) -> None:
    at = at or utcnow()
    db.session.add(
        DealEvent(
            deal_id=deal.id,
            kind=kind,
            from_stage=from_stage,
            to_stage=to_stage,
            actor_id=getattr(actor, "id", None),
            created_at=at,
        )
    )
    deal.last_activity_at = at


def _announce(
    event: str, deal: Deal, actor, title: str, include_parties: bool = True, include_broker: bool = True
) -> None:
    """Record what happened in a deal; its people (not whoever acted) are told by the worker."""
    events.record(
        event,
        deal_id=deal.id,
        actor_id=getattr(actor, "id", None),
        title=title,
        parties=include_parties,
        broker=include_broker,
    )


@events.subscribe(
    "deal.opened", "deal.broker_claimed", "deal.broker_assigned", "deal.stage_changed", "deal.message_posted"
)
def notify_deal_people(payload: dict) -> None:
    """Tell a deal's parties and its broker what happened."""
    deal = db.session.get(Deal, payload["deal_id"])
    if deal is not None:
        _notify(
            deal,
            payload.get("actor_id"),
            payload["title"],
            payload.get("parties", True),
            payload.get("broker", True),
        )


@events.subscribe("deal.broker_requested")
def notify_requested_broker(payload: dict) -> None:
    """Tell a broker that a party asked them to take a deal."""
    add_notifications([payload["broker_id"]], "deal", title=payload["title"], link="/deals/claimable")


def _notify(
    deal: Deal, actor_id: int | None, title: str, include_parties: bool = True, include_broker: bool = True
) -> None:
    users = set()
    if include_parties:
        users |= set(
            db.session.scalars(
                select(User.id).where(
                    User.organisation_id.in_([deal.seller_org_id, deal.buyer_org_id]),
                    User.active.is_(True),
                    User.role != "viewer",
                )
            )
        )
    if include_broker and deal.broker_id:
        users.add(deal.broker_id)
    users.discard(actor_id)
    add_notifications(sorted(users), "deal", title=title, link=f"/deals/{deal.id}")
