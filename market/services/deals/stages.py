"""The stage machine: 意向 → 对接洽谈 → 签约 → 登记, or 终止 with a reason; 签约 drafts the contract and 登记
follows its registration."""

from sqlalchemy import select

from market import events
from market.clock import today_in_beijing
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.deals import DealNextActionIn, DealStageIn
from market.models import User
from market.models.base import utcnow
from market.models.contract import Contract
from market.models.deal import OPEN_DEAL_STAGES, Deal
from market.models.vocab import DEAL_STAGES
from market.money import fen_to_yuan
from market.services import audit
from market.services.base import unit_of_work
from market.services.contracts import write_contract_draft
from market.services.deals.access import can_act, get_deal, is_deal_broker
from market.services.deals.activity import _announce, _notify, _record
from market.services.permissions import is_admin

OPEN_STAGES = OPEN_DEAL_STAGES


TRANSITIONS = {  # what a person may move a deal to;
    # signing → registered happens through the contract register
    "intent": ("negotiation", "terminated"),
    "negotiation": ("signing", "terminated"),
    "signing": ("terminated",),
    "registered": (),
    "terminated": (),
}


@unit_of_work
def move_stage(actor, deal_id, to: str, reason: str | None = None, note: str | None = None) -> Deal:
    """Move a deal one stage on, or end it with a reason; 签约 opens a prefilled contract draft."""
    deal = get_deal(actor, deal_id)
    if not can_act(actor, deal):
        raise PermissionDenied("只有对接双方、技术经纪人或管理员可以推进对接")
    to = DealStageIn.clean({"stage": to}, partial=True)["stage"]
    if to not in TRANSITIONS[deal.stage]:
        if to == "registered":
            raise InvalidTransition("合同登记后对接自动进入“登记”阶段")
        raise InvalidTransition(f"对接处于“{deal.stage_label}”阶段，不能变为“{DEAL_STAGES[to]}”")
    if to == "terminated":
        errors: dict = {}
        values = DealStageIn.clean({"reason": reason, "note": note}, partial=True, errors=errors)
        if values.get("reason") is None:  # required to end a deal
            errors.setdefault("reason", "请选择终止原因")
        if errors:
            raise ValidationFailed(errors)
        deal.termination_reason, deal.termination_note = values["reason"], values.get("note")
    before = deal.stage
    if to == "signing":
        try:
            deal.contract_id = _contract_draft(actor, deal).id
        except ValidationFailed as exc:  # e.g. a party lost its verification: say why, not which form field
            raise InvalidTransition("无法生成合同草稿：" + "；".join(exc.fields.values())) from None
    deal.stage, deal.stage_changed_at = to, utcnow()
    _record(deal, "stage", actor, before, to)
    audit.record(
        actor, "deal.stage", "deal", deal.id, {"stage": [before, to], "reason": deal.termination_reason}
    )
    _announce("deal.stage_changed", deal, actor, f"对接“{deal.title[:50]}”进入{deal.stage_label}阶段")
    return deal


def _contract_draft(actor, deal: Deal) -> Contract:
    """The contract draft a deal opens at 签约: parties, listings, broker and field filled in."""
    field = deal.field.name if deal.field else "其他"
    achievement = deal.achievement
    return write_contract_draft(
        actor,
        {
            "number": f"DJ-{deal.id}",
            "title": deal.title[:200],
            "contract_type": "transfer" if achievement else "development",
            "subtype": "patent"
            if achievement and achievement.patent_numbers
            else ("know_how" if achievement else None),
            "seller_org_id": deal.seller_org_id,
            "buyer_org_id": deal.buyer_org_id,
            "broker_id": deal.broker_id,
            "achievement_id": deal.achievement_id,
            "demand_id": deal.demand_id,
            "amount": str(fen_to_yuan(achievement.price_fen))
            if achievement and achievement.price_fen
            else "0",
            "payment_mode": "lump_sum",
            "signed_on": today_in_beijing().isoformat(),
            "field": field,
        },
    )


@events.subscribe("contract.registered")
def follow_contract_registration(payload: dict) -> None:
    """The deal that opened a contract reaches 登记 when the register registers it."""
    contract = db.session.get(Contract, payload["contract_id"])
    deal = db.session.scalar(select(Deal).where(Deal.contract_id == contract.id)) if contract else None
    if deal is None or deal.stage != "signing" or contract.status != "registered":
        return
    actor = db.session.get(User, payload["actor_id"]) if payload.get("actor_id") else None
    at = contract.registered_at or utcnow()
    deal.stage, deal.stage_changed_at = "registered", at
    _record(deal, "stage", actor, "signing", "registered", at=at)
    audit.record(
        actor,
        "deal.stage",
        "deal",
        deal.id,
        {"stage": ["signing", "registered"], "registration_number": contract.registration_number},
    )
    _notify(deal, getattr(actor, "id", None), f"对接“{deal.title[:50]}”的合同已登记")


@unit_of_work
def set_next_action(actor, deal_id, data: dict) -> Deal:
    """The broker (or an admin) notes the next step and when it is due."""
    deal = get_deal(actor, deal_id)
    if not (is_deal_broker(actor, deal) or is_admin(actor)):
        raise PermissionDenied("只有该对接的技术经纪人可以安排下一步")
    values = DealNextActionIn.clean(data)
    changes = audit.diff(deal, values)
    for name, value in values.items():
        setattr(deal, name, value)
    deal.last_activity_at = utcnow()
    audit.record(actor, "deal.next_action", "deal", deal.id, changes)
    return deal
