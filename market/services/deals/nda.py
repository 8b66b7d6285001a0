"""The deal's confidentiality undertaking (保密承诺) and what it unlocks."""

from sqlalchemy import func, or_, select

from market.errors import InvalidTransition, PermissionDenied
from market.extensions import db
from market.models import Achievement
from market.models.deal import Deal, DealNda
from market.services import audit
from market.services.base import unit_of_work
from market.services.deals.access import get_deal, is_party
from market.services.deals.activity import _record
from market.services.permissions import can_manage, is_signed_in

NDA_VERSION = "2026-12"


NDA_TEXT = (
    "本单位承诺：对通过本次对接获知的对方未公开技术信息、商业信息予以保密，仅用于评估和洽谈本次合作，"
    "未经对方书面同意不向第三方披露，不用于本次合作以外的目的；对接终止后仍承担保密义务。"
)


@unit_of_work
def accept_nda(actor, deal_id) -> DealNda:
    """A party accepts the confidentiality agreement (click-through, timestamped) for its organisation."""
    deal = get_deal(actor, deal_id)
    if not is_party(actor, deal):
        raise PermissionDenied("只有对接双方可以签署保密协议")
    existing = db.session.scalar(
        select(DealNda).where(DealNda.deal_id == deal.id, DealNda.org_id == actor.organisation_id)
    )
    if existing is not None:
        return existing
    if not deal.is_open:  # a closed deal unlocks nothing new
        raise InvalidTransition("对接已结束，不能再签署保密协议")
    nda = DealNda(deal_id=deal.id, org_id=actor.organisation_id, user_id=actor.id, text_version=NDA_VERSION)
    db.session.add(nda)
    db.session.flush()
    _record(deal, "nda", actor)
    audit.record(
        actor, "deal.nda", "deal", deal.id, {"org_id": actor.organisation_id, "version": NDA_VERSION}
    )
    return nda


def nda_accepted(deal: Deal, org_id: int | None) -> DealNda | None:
    return (
        db.session.scalar(select(DealNda).where(DealNda.deal_id == deal.id, DealNda.org_id == org_id))
        if org_id
        else None
    )


def can_see_confidential(actor, achievement: Achievement) -> bool:
    """A result's confidential details: its owner and admins, or a party of a deal on it whose
    organisation accepted the confidentiality agreement there."""
    if can_manage(actor, achievement):
        return True
    if not (
        is_signed_in(actor) and actor.organisation_id and actor.role != "viewer"
    ):  # a viewer is never a party
        return False
    return (
        db.session.scalar(
            select(func.count())
            .select_from(DealNda)
            .join(Deal, Deal.id == DealNda.deal_id)
            .where(
                Deal.achievement_id == achievement.id,
                DealNda.org_id == actor.organisation_id,
                or_(Deal.seller_org_id == actor.organisation_id, Deal.buyer_org_id == actor.organisation_id),
            )
        )
        > 0
    )
