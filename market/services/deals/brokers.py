"""Brokers on deals: the queue of deals to claim, claiming, an admin's assignment, a party's request."""

from sqlalchemy import or_, select

from market import events
from market.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.deals import DealBrokerIn
from market.models import BrokerProfile
from market.models.base import utcnow
from market.models.deal import Deal
from market.services import audit
from market.services.base import Page, paginate, parse_row_id, unit_of_work
from market.services.deals.access import _require_broker, get_deal, is_deal_broker, is_party
from market.services.deals.activity import _announce, _record
from market.services.deals.opening import _broker_user, _take
from market.services.deals.stages import OPEN_STAGES
from market.services.permissions import is_admin


def _specialty_ids(broker) -> set[int]:
    profile = db.session.scalar(select(BrokerProfile).where(BrokerProfile.user_id == broker.id))
    return {f.id for f in profile.specialties} if profile else set()


def claimable_deals(actor, page=1, per_page=20) -> Page:
    """Open deals without a broker in the broker's specialty fields, or that a party asked this broker to
    take."""
    _require_broker(actor)
    fields = _specialty_ids(actor)
    query = (
        select(Deal)
        .where(Deal.broker_id.is_(None), Deal.stage.in_(OPEN_STAGES))
        .where(or_(Deal.field_id.in_(fields or {-1}), Deal.requested_broker_id == actor.id))
        .order_by(Deal.created_at.desc(), Deal.id.desc())
    )
    return paginate(query, page, per_page)


@unit_of_work
def claim_deal(actor, deal_id) -> Deal:
    """A broker takes an unassigned open deal in one of their fields (or one they were asked to take)."""
    _require_broker(actor)
    row_id = parse_row_id(deal_id)
    deal = db.session.get(Deal, row_id) if row_id else None
    if deal is None or not (
        deal.field_id in _specialty_ids(actor)
        or deal.requested_broker_id == actor.id
        or is_deal_broker(actor, deal)
    ):
        raise NotFound("该对接不存在")
    if deal.broker_id is not None:
        raise InvalidTransition(
            "该对接已有技术经纪人" if deal.broker_id != actor.id else "您已是该对接的技术经纪人"
        )
    if not deal.is_open:
        raise InvalidTransition("该对接已结束")
    if not _take(deal, actor):
        raise Conflict("该对接刚刚已由其他技术经纪人接手")
    _record(deal, "broker", actor)
    audit.record(actor, "deal.claim", "deal", deal.id, {"broker_id": actor.id})
    _announce(
        "deal.broker_claimed",
        deal,
        actor,
        f"技术经纪人{actor.display_name}接手了对接：{deal.title[:50]}",
        include_broker=False,
    )
    return deal


def _chosen_broker(broker_id):
    """The active broker named (DealBrokerIn), or ValidationFailed."""
    errors: dict = {}
    broker = _broker_user(DealBrokerIn.clean({"broker_id": broker_id})["broker_id"], errors, "broker_id")
    if errors:
        raise ValidationFailed(errors)
    return broker


@unit_of_work
def assign_broker(actor, deal_id, broker_id) -> Deal:
    """An admin assigns (or changes) a deal's broker."""
    if not is_admin(actor):
        raise PermissionDenied("仅管理员可以指派技术经纪人")
    deal = get_deal(actor, deal_id)
    broker = _chosen_broker(broker_id)
    if not deal.is_open:
        raise InvalidTransition("已结束的对接不能更换技术经纪人")
    before = deal.broker_id
    deal.broker_id, deal.broker_assigned_at = broker.id, utcnow()
    _record(deal, "broker", actor)
    audit.record(actor, "deal.assign", "deal", deal.id, {"broker_id": [before, broker.id]})
    _announce(
        "deal.broker_assigned", deal, actor, f"管理员指派{broker.display_name}为对接经纪人：{deal.title[:50]}"
    )
    return deal


@unit_of_work
def request_broker(actor, deal_id, broker_id) -> Deal:
    """A party asks a particular broker to take the deal; the broker can then claim it."""
    deal = get_deal(actor, deal_id)
    if not (is_party(actor, deal) or is_admin(actor)):
        raise PermissionDenied("只有对接双方可以邀请技术经纪人")
    broker = _chosen_broker(broker_id)
    if deal.broker_id is not None or not deal.is_open:
        raise InvalidTransition("该对接已有技术经纪人或已结束")
    deal.requested_broker_id = broker.id
    _record(deal, "broker", actor)
    audit.record(actor, "deal.request_broker", "deal", deal.id, {"requested_broker_id": broker.id})
    events.record(
        "deal.broker_requested",
        deal_id=deal.id,
        broker_id=broker.id,
        title=f"有机构请您担任对接经纪人：{deal.title[:50]}",
    )
    return deal
