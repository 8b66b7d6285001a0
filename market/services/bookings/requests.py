"""Booking requests and their decisions: request, approve / reject / propose another time, answer, cancel,
complete; the people concerned are told by the worker."""

from datetime import timedelta

from sqlalchemy import select

from market import events
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.bookings import (
    BookingAnswerIn,
    BookingCancelIn,
    BookingCompleteIn,
    BookingDecisionIn,
    BookingIn,
    BookingProposalIn,
)
from market.models import Equipment, EquipmentFee, User
from market.models.base import utcnow
from market.models.booking import Booking
from market.money import format_fen
from market.services import audit
from market.services.base import unit_of_work
from market.services.bookings.access import _require_owner, get_booking, get_equipment
from market.services.bookings.calendar import MAX_AHEAD_DAYS, _check_period, is_open, slots_between
from market.services.bookings.fees import compute_fee
from market.services.bookings.slots import _hold, _release
from market.services.notifications import add_notifications
from market.services.permissions import can_manage, is_admin, is_signed_in

TRANSITIONS = {
    "requested": ("approved", "proposed", "rejected", "cancelled"),
    "proposed": ("approved", "rejected", "cancelled"),
    "approved": ("cancelled", "completed"),
    "rejected": (),
    "cancelled": (),
    "completed": (),
}


def _announce(event: str, booking: Booking, to: str, title: str) -> None:
    """Record what happened to a booking; `to` ("owners" or "requester") is told by the worker."""
    events.record(event, booking_id=booking.id, to=to, title=title)


@events.subscribe(
    "booking.requested", "booking.decided", "booking.answered", "booking.cancelled", "booking.completed"
)
def notify_booking_people(payload: dict) -> None:
    """Tell the instrument's owners or the requester what happened to a booking."""
    booking = db.session.get(Booking, payload["booking_id"])
    if booking is None:
        return
    users = _owner_ids(booking.equipment) if payload["to"] == "owners" else [booking.requester_id]
    add_notifications(
        sorted(set(u for u in users if u)), "booking", title=payload["title"], link=f"/bookings/{booking.id}"
    )


def _owner_ids(equipment: Equipment) -> list[int]:
    return list(
        db.session.scalars(
            select(User.id).where(
                User.organisation_id == equipment.org_id, User.active.is_(True), User.role != "viewer"
            )
        )
    )


def _fee_item(equipment: Equipment, row_id: int | None, errors: dict) -> EquipmentFee | None:
    if row_id is None:
        return None
    item = next((f for f in equipment.fee_items if f.id == row_id), None)
    if item is None:
        errors["fee_item_id"] = "收费项目不属于该仪器"
    return item


@unit_of_work
def request_booking(actor, equipment_id, data: dict) -> Booking:
    """A verified user asks for time on an instrument (kind slot) or for a sample-test job (kind samples)."""
    if not (is_signed_in(actor) and actor.role != "viewer" and actor.is_verified):
        raise PermissionDenied("请使用已通过平台认证的账号预约仪器")
    equipment = get_equipment(actor, equipment_id)
    if equipment.status != "published" or not equipment.open_for_booking:
        raise InvalidTransition("该仪器暂不接受预约")
    errors = {}
    values = BookingIn.clean({**(data or {}), "equipment_id": equipment.id}, errors=errors)
    kind = values.get("kind")
    times, samples = ("starts_at", "ends_at"), ("samples",)
    needed = {"slot": times, "samples": samples}.get(kind, ())
    _needs(values, errors, BookingIn, needed, unread=[name for name in times + samples if name not in needed])
    fee_item = _fee_item(equipment, values.get("fee_item_id"), errors)
    start, end = values.get("starts_at"), values.get("ends_at")
    if kind == "slot" and start and end:
        try:
            _check_period(start, end)
        except ValidationFailed as exc:
            errors.update(exc.fields)
        if not ({"starts_at", "ends_at"} & errors.keys()):
            now = utcnow()
            if start < now:
                errors["starts_at"] = "开始时间不能早于现在"
            elif start > now + timedelta(days=MAX_AHEAD_DAYS):
                errors["starts_at"] = "最多可预约一年内的时段"
            elif not all(is_open(equipment, s) for s in slots_between(start, end)):
                errors["starts_at"] = "所选时段不在仪器开放时间内"
    if errors:
        raise ValidationFailed(errors)
    booking = Booking(
        equipment_id=equipment.id,
        requester_id=actor.id,
        requester_org_id=actor.organisation_id,
        kind=kind,
        purpose=values["purpose"],
        starts_at=start,
        ends_at=end,
        samples=values.get("samples"),
        fee_item_id=getattr(fee_item, "id", None),
        status="requested",
    )
    db.session.add(booking)
    db.session.flush()
    if kind == "slot":
        _hold(equipment.id, slots_between(start, end), booking_id=booking.id)
    audit.record(
        actor, "booking.request", "booking", booking.id, {"equipment_id": equipment.id, "kind": kind}
    )
    _announce("booking.requested", booking, "owners", f"新的仪器预约：{equipment.name[:40]}")
    return booking


def _needs(values: dict, errors: dict, schema, needed=(), unread=()) -> None:
    """Asks for the `needed` fields left empty; the `unread` ones (another kind's) go with their mistakes."""
    for name in unread:
        values.pop(name, None)
        errors.pop(name, None)
    for name in needed:
        if values.get(name) is None and name not in errors:
            errors[name] = schema().fields[name].asking()


def _move(booking: Booking, to: str) -> None:
    if to not in TRANSITIONS[booking.status]:
        raise InvalidTransition(f"{booking.status_label}的预约不能改为此状态")
    booking.status = to


@unit_of_work
def decide_booking(actor, booking_id, decision: str, data: dict | None = None) -> Booking:
    """The owner approves, rejects (with a reason) or proposes another time (which holds the new slots)."""
    booking = get_booking(actor, booking_id)
    _require_owner(actor, booking.equipment)
    data = data or {}
    if decision not in ("approve", "reject", "propose"):
        raise ValidationFailed({"decision": "请选择批准、拒绝或建议改期"})
    if decision == "approve":
        if booking.status != "requested":
            raise InvalidTransition(f"{booking.status_label}的预约不能由管理方批准")
        _move(booking, "approved")
        title = f"您的仪器预约已批准：{booking.equipment.name[:40]}"
    else:
        errors = {}
        schema = BookingProposalIn if decision == "propose" else BookingDecisionIn
        values = schema.clean({**data, "decision": decision}, errors=errors)
        _needs(values, errors, schema, ("reason",) if decision == "reject" else (), ())
        if decision == "reject" and "reason" in errors:
            raise ValidationFailed({"reason": errors["reason"]})
        if decision == "reject":
            _move(booking, "rejected")
            _release(booking)
            title = f"您的仪器预约未获批准：{values['reason'][:40]}"
        else:
            if booking.kind != "slot" or booking.status != "requested":
                raise InvalidTransition("只有待审批的机时预约可以建议改期")
            _needs(values, errors, schema, ("starts_at", "ends_at"))
            if errors:  # the note and the times together, all at once
                raise ValidationFailed(errors)
            start, end = values["starts_at"], values["ends_at"]
            _check_period(start, end)
            if start < utcnow():
                raise ValidationFailed({"starts_at": "建议的开始时间不能早于现在"})
            if not all(is_open(booking.equipment, s) for s in slots_between(start, end)):
                raise ValidationFailed({"starts_at": "建议的时段不在仪器开放时间内"})
            _move(booking, "proposed")
            _release(booking)
            _hold(booking.equipment_id, slots_between(start, end), booking_id=booking.id)
            booking.proposed_starts_at, booking.proposed_ends_at = start, end
            title = f"仪器管理方建议改期：{booking.equipment.name[:40]}"
        booking.reason = values.get("reason")
    booking.decided_by_id = actor.id
    audit.record(
        actor,
        f"booking.{decision}",
        "booking",
        booking.id,
        {"status": booking.status, "reason": booking.reason},
    )
    _announce("booking.decided", booking, "requester", title)
    return booking


@unit_of_work
def answer_proposal(actor, booking_id, accept) -> Booking:
    """The requester takes the proposed time (the booking is approved for it) or declines (cancelled)."""
    booking = get_booking(actor, booking_id)
    if booking.requester_id != actor.id and not is_admin(actor):
        raise PermissionDenied("只有预约人可以答复改期建议")
    accept = BookingAnswerIn.clean({"accept": accept})["accept"]
    if booking.status != "proposed":
        raise InvalidTransition("该预约没有待答复的改期建议")
    if accept:
        booking.starts_at, booking.ends_at = booking.proposed_starts_at, booking.proposed_ends_at
        _move(booking, "approved")
    else:
        _move(booking, "cancelled")
        _release(booking)
    booking.proposed_starts_at = booking.proposed_ends_at = None
    audit.record(actor, "booking.answer", "booking", booking.id, {"accepted": accept})
    _announce(
        "booking.answered",
        booking,
        "owners",
        f"预约人{'接受' if accept else '谢绝'}了改期建议：{booking.equipment.name[:30]}",
    )
    return booking


@unit_of_work
def cancel_booking(actor, booking_id, reason: str | None = None) -> Booking:
    """The requester cancels (an approved booking only until the owner's cancel_hours before it starts);
    the owner may cancel with a reason at any time."""
    booking = get_booking(actor, booking_id)
    owner = can_manage(actor, booking.equipment)
    if not (owner or booking.requester_id == actor.id):
        raise PermissionDenied("只有预约人或仪器管理方可以取消预约")
    values = BookingCancelIn.clean({"reason": reason})
    if owner and booking.requester_id != actor.id and not values.get("reason"):
        raise ValidationFailed({"reason": BookingCancelIn().fields["reason"].asking()})
    if booking.status == "approved" and not owner and booking.starts_at is not None:
        deadline = booking.starts_at - timedelta(hours=booking.equipment.cancel_hours)
        if utcnow() > deadline:
            raise InvalidTransition(
                f"开始前 {booking.equipment.cancel_hours} 小时内不能取消，请联系仪器管理方"
            )
    _move(booking, "cancelled")
    _release(booking)
    booking.reason = values.get("reason")
    audit.record(actor, "booking.cancel", "booking", booking.id, {"reason": booking.reason})
    _announce(
        "booking.cancelled",
        booking,
        "requester" if owner else "owners",
        f"仪器预约已取消：{booking.equipment.name[:40]}",
    )
    return booking


@unit_of_work
def complete_booking(actor, booking_id, data: dict) -> Booking:
    """The owner records actual use (minutes for time, samples for tests); the fee follows the schedule."""
    booking = get_booking(actor, booking_id)
    _require_owner(actor, booking.equipment)
    if booking.status != "approved":
        raise InvalidTransition(f"{booking.status_label}的预约不能登记使用情况")
    errors = {}
    values = BookingCompleteIn.clean(data, errors=errors)
    minutes, samples = ("actual_minutes",), ("actual_samples",)
    needed, unread = (minutes, samples) if booking.kind == "slot" else (samples, minutes)
    _needs(values, errors, BookingCompleteIn, needed, unread)
    if errors:
        raise ValidationFailed(errors)
    booking.actual_minutes, booking.actual_samples = (
        values.get("actual_minutes"),
        values.get("actual_samples"),
    )
    booking.fee_fen, booking.tier = compute_fee(
        booking.fee_item,
        booking.requester_org_id == booking.equipment.org_id,
        booking.actual_minutes,
        booking.actual_samples,
    )
    _move(booking, "completed")
    audit.record(
        actor,
        "booking.complete",
        "booking",
        booking.id,
        {"minutes": booking.actual_minutes, "samples": booking.actual_samples, "fee_fen": booking.fee_fen},
    )
    _announce(
        "booking.completed",
        booking,
        "requester",
        f"仪器使用已登记，费用 {format_fen(booking.fee_fen)}"
        if booking.fee_fen is not None
        else "仪器使用已登记",
    )
    return booking
