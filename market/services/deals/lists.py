"""Lists of deals: a user's deals, the board by stage, stale deals and their reminders."""

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from market.extensions import db
from market.models import User
from market.models.base import utcnow
from market.models.deal import Deal
from market.models.vocab import DEAL_STAGES
from market.services.base import Page, paginate, unit_of_work
from market.services.deals.stages import OPEN_STAGES
from market.services.notifications import add_notifications
from market.services.permissions import is_admin, is_signed_in
from market.services.settings import deal_stale_days

DEFAULT_STALE_DAYS = 14


def stale_days() -> int:
    return deal_stale_days()


def visible_deals(actor):
    """A select of the deals the actor takes part in (all, for admins)."""
    query = select(Deal)
    if is_admin(actor):
        return query
    if not is_signed_in(actor) or actor.role == "viewer":
        return query.where(False)
    mine = [Deal.broker_id == actor.id]
    if actor.organisation_id is not None:
        mine += [Deal.seller_org_id == actor.organisation_id, Deal.buyer_org_id == actor.organisation_id]
    return query.where(or_(*mine))


def list_deals(actor, filters: dict, page=1, per_page=20) -> Page:
    """The actor's deals, latest activity first; filter by stage, or only the stale ones."""
    query = visible_deals(actor).options(
        selectinload(Deal.seller), selectinload(Deal.buyer), selectinload(Deal.broker)
    )
    stage = str((filters or {}).get("stage") or "")
    if stage in DEAL_STAGES:
        query = query.where(Deal.stage == stage)
    elif stage == "open":
        query = query.where(Deal.stage.in_(OPEN_STAGES))
    if str((filters or {}).get("stale") or "") in ("1", "true"):
        query = query.where(
            Deal.stage.in_(OPEN_STAGES), Deal.last_activity_at < utcnow() - timedelta(days=stale_days())
        )
    return paginate(query.order_by(Deal.last_activity_at.desc(), Deal.id.desc()), page, per_page)


def board(actor, per_stage: int = 50) -> dict[str, list[Deal]]:
    """The actor's deals by stage (the board view), most recent activity first, at most per_stage per
    column."""
    result = {}
    for stage in DEAL_STAGES:
        query = (
            visible_deals(actor)
            .where(Deal.stage == stage)
            .order_by(Deal.last_activity_at.desc(), Deal.id.desc())
        )
        result[stage] = list(
            db.session.scalars(
                query.options(selectinload(Deal.seller), selectinload(Deal.buyer)).limit(per_stage)
            )
        )
    return result


def is_stale(deal: Deal, now: datetime | None = None, days: int | None = None) -> bool:
    days = stale_days() if days is None else days
    return deal.is_open and deal.last_activity_at < (now or utcnow()) - timedelta(days=days)


@unit_of_work
def notify_stale_deals() -> int:
    """Tell each open deal's broker (or, without one, its parties) once per quiet spell that it went quiet."""
    days = stale_days()
    cutoff = utcnow() - timedelta(days=days)
    sent = 0
    for deal in db.session.scalars(
        select(Deal).where(Deal.stage.in_(OPEN_STAGES), Deal.last_activity_at < cutoff)
    ):
        key = f"deal-stale:{deal.id}:{deal.last_activity_at.date().isoformat()}"
        if deal.broker_id:
            users = [deal.broker_id]
        else:
            users = list(
                db.session.scalars(
                    select(User.id).where(
                        User.organisation_id.in_([deal.seller_org_id, deal.buyer_org_id]),
                        User.active.is_(True),
                        User.role != "viewer",
                    )
                )
            )
        sent += add_notifications(
            users,
            "deal",
            title=f"对接“{deal.title[:40]}”已 {days} 天没有进展",
            link=f"/deals/{deal.id}",
            dedupe_key=key,
        )
    return sent
