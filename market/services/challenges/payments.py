"""Tranche payments (拨付): money paid to a team against an ACCEPTED milestone, recorded exactly by the call's
owner or an admin; a milestone's payments never exceed its tranche."""

from sqlalchemy import func, select

from market import events
from market.clock import today_in_beijing
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.challenge_projects import TranchePaymentIn
from market.models.challenge_project import ProjectMilestone, TranchePayment
from market.money import format_fen
from market.services import audit
from market.services.base import unit_of_work
from market.services.challenges.projects import can_pay, get_milestone, project_link, team_ids
from market.services.notifications import add_notifications


def paid_fen(milestone: ProjectMilestone) -> int:
    """What was paid against the milestone, summed by the database."""
    return int(
        db.session.scalar(
            select(func.coalesce(func.sum(TranchePayment.amount_fen), 0)).where(
                TranchePayment.milestone_id == milestone.id
            )
        )
    )


@unit_of_work
def record_payment(actor, milestone_id, data: dict) -> TranchePayment:
    """Record a payment of an accepted milestone's tranche: more than 0, never more than what remains of it,
    paid no later than today (Beijing), with the payer's voucher number."""
    milestone = get_milestone(actor, milestone_id)
    if not can_pay(actor, milestone.application):
        raise PermissionDenied("只有发榜单位和管理员可以登记拨付")
    db.session.refresh(milestone, with_for_update=True)  # two payments at once cannot both fit the tranche
    if milestone.status != "accepted":
        raise InvalidTransition("只能对已通过检查或验收的里程碑登记拨付")
    errors: dict = {}
    values = TranchePaymentIn.clean(data, errors=errors)
    remaining = milestone.tranche_fen - paid_fen(milestone)
    amount = values.get("amount_fen")
    if amount is not None and amount > remaining:
        errors.setdefault(
            "amount",
            f"拨付金额超过该里程碑尚未拨付的部分（{format_fen(remaining)}）"
            if remaining
            else "该里程碑的款项已全部拨付",
        )
    if values.get("paid_on") and values["paid_on"] > today_in_beijing():
        errors.setdefault("paid_on", "拨付日期不能晚于今天")
    if errors:
        raise ValidationFailed(errors)
    payment = TranchePayment(
        milestone_id=milestone.id,
        amount_fen=amount,
        paid_on=values["paid_on"],
        reference=values["reference"],
        recorded_by_id=actor.id,
    )
    milestone.payments.append(payment)
    db.session.flush()
    audit.record(
        actor,
        "challenge.pay",
        "project_milestone",
        milestone.id,
        {
            "payment_id": payment.id,
            "amount_fen": amount,
            "paid_on": payment.paid_on,
            "reference": payment.reference,
            "remaining_fen": remaining - amount,
        },
    )
    events.record("challenge.payment_recorded", payment_id=payment.id, actor_id=actor.id)
    return payment


@events.subscribe("challenge.payment_recorded")
def notify_payment(payload: dict) -> None:
    """Tell the team a tranche payment was recorded."""
    payment = db.session.get(TranchePayment, payload["payment_id"])
    if payment is None:
        return
    milestone = db.session.get(ProjectMilestone, payment.milestone_id)
    application = milestone.application
    add_notifications(
        [user for user in team_ids(application) if user != payload.get("actor_id")],
        "challenge",
        f"“{milestone.title}”登记拨付 {format_fen(payment.amount_fen)}（{payment.paid_on.isoformat()}）",
        link=project_link(application),
        dedupe_key=f"challenge-payment:{payment.id}",
    )
