"""Who may see and act on a deal: its parties, its broker, admins."""

from market.errors import NotFound, PermissionDenied
from market.extensions import db
from market.models.deal import Deal
from market.services.base import parse_row_id
from market.services.permissions import is_admin, is_signed_in


def is_party(actor, deal: Deal) -> bool:
    """A member of the seller or the buyer organisation."""
    return (
        is_signed_in(actor)
        and actor.role != "viewer"
        and actor.organisation_id is not None
        and actor.organisation_id in (deal.seller_org_id, deal.buyer_org_id)
    )


def is_deal_broker(actor, deal: Deal) -> bool:
    return is_signed_in(actor) and deal.broker_id is not None and deal.broker_id == actor.id


def can_view_deal(actor, deal: Deal) -> bool:
    """Parties, the deal's broker and admins; nobody else learns that the deal exists."""
    return is_admin(actor) or is_party(actor, deal) or is_deal_broker(actor, deal)


def can_act(actor, deal: Deal) -> bool:
    """Who may write in the deal and move it: parties, its broker, admins."""
    return can_view_deal(actor, deal)


def get_deal(actor, deal_id) -> Deal:
    """A deal the actor takes part in (or any deal, for admins)."""
    row_id = parse_row_id(deal_id)
    deal = db.session.get(Deal, row_id) if row_id else None
    if deal is None or not can_view_deal(actor, deal):
        raise NotFound("该对接不存在")
    return deal


def _require_broker(actor) -> None:
    if not (is_signed_in(actor) and actor.role == "broker"):
        raise PermissionDenied("只有技术经纪人可以执行此操作")
