"""Instrument booking (仪器预约): opening hours, requests, decisions, blocks, completion and the fee.

Time is cut into SLOT_MINUTES slots in Beijing time. A request, a proposal or a block holds its slots as rows
of booking_slots, unique per instrument and slot: of two overlapping requests, whatever the concurrency, the
database lets exactly one commit; the other gets Conflict("时段已被预约"). Freed slots (rejected, cancelled)
are deleted in the same transaction as the status change.
"""
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from market import events
from market.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.models import Equipment, EquipmentFee, User
from market.models.base import utcnow
from market.models.booking import Booking, BookingSlot, EquipmentBlock
from market.money import format_fen
from market.services import audit
from market.services.base import paginate, parse_row_id, unit_of_work
from market.services.notifications import add_notifications
from market.services.permissions import CREATOR_ROLES, can_manage, is_admin, is_signed_in
from market.services.text import Cleaner

BEIJING = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset is exact
SLOT_MINUTES = 30
MAX_BOOKING_DAYS = 14
MAX_AHEAD_DAYS = 366
MAX_SAMPLES = 10_000
TAKEN = "时段已被预约"
HOLDING = ("requested", "proposed", "approved")  # statuses whose slots stay held
TRANSITIONS = {
    "requested": ("approved", "proposed", "rejected", "cancelled"),
    "proposed": ("approved", "rejected", "cancelled"),
    "approved": ("cancelled", "completed"),
    "rejected": (), "cancelled": (), "completed": (),
}


# ---- time --------------------------------------------------------------------------------------------

def parse_local(raw, label: str, name: str) -> datetime:
    """A Beijing-time 'YYYY-MM-DDTHH:MM' (or with a space) from user input, as an aware UTC datetime."""
    if isinstance(raw, datetime):
        value = raw if raw.tzinfo else raw.replace(tzinfo=BEIJING)
        return value.astimezone(timezone.utc)
    text = str(raw or "").strip().replace(" ", "T")
    if not text:
        raise ValidationFailed({name: f"请填写{label}"})
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationFailed({name: f"{label}格式应为 年-月-日T时:分，例如 2026-12-03T09:00"}) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BEIJING)
    return value.astimezone(timezone.utc)


def slots_between(start: datetime, end: datetime) -> list[datetime]:
    """The slot starts covering [start, end) (both on the slot grid)."""
    out, step, moment = [], timedelta(minutes=SLOT_MINUTES), start
    while moment < end:
        out.append(moment)
        moment += step
    return out


def _check_period(start: datetime, end: datetime, names=("starts_at", "ends_at")) -> None:
    errors = {}
    for name, moment in zip(names, (start, end)):
        local = moment.astimezone(BEIJING)
        if local.minute % SLOT_MINUTES or local.second or local.microsecond:
            errors[name] = f"时间须为整点或半点（预约以 {SLOT_MINUTES} 分钟为单位）"
    if not errors and end <= start:
        errors[names[1]] = "结束时间须晚于开始时间"
    elif not errors and end - start > timedelta(days=MAX_BOOKING_DAYS):
        errors[names[1]] = f"一次预约不能超过 {MAX_BOOKING_DAYS} 天"
    if errors:
        raise ValidationFailed(errors)


def open_intervals(equipment: Equipment, day: date) -> list[tuple[datetime, datetime]]:
    """The opening hours of one Beijing-time day, as UTC intervals."""
    out = []
    for opens, closes in (equipment.opening_hours or {}).get(str(day.weekday()), []):
        start = datetime.combine(day, time.fromisoformat(opens), tzinfo=BEIJING).astimezone(timezone.utc)
        end = (datetime.combine(day, time.fromisoformat(closes), tzinfo=BEIJING) if closes != "24:00"
               else datetime.combine(day + timedelta(days=1), time(0), tzinfo=BEIJING)).astimezone(timezone.utc)
        out.append((start, end))
    return out


def is_open(equipment: Equipment, slot: datetime) -> bool:
    day = slot.astimezone(BEIJING).date()
    return any(start <= slot and slot + timedelta(minutes=SLOT_MINUTES) <= end for start, end in open_intervals(equipment, day))


def clean_opening_hours(raw) -> dict:
    """{"0": [["09:00", "12:00"], ["14:00", "17:30"]], …}: weekdays 0–6, times on the half hour, no overlaps."""
    if not isinstance(raw, dict):
        raise ValidationFailed({"opening_hours": "开放时间格式不正确"})
    out = {}
    for key, intervals in raw.items():
        if str(key) not in {str(n) for n in range(7)} or not isinstance(intervals, list):
            raise ValidationFailed({"opening_hours": "开放时间须按周一（0）到周日（6）填写"})
        cleaned = []
        for pair in intervals:
            if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise ValidationFailed({"opening_hours": "每段开放时间须为 [开始, 结束]，例如 [\"09:00\", \"17:00\"]"})
            opens, closes = pair[0].strip(), pair[1].strip()
            try:
                start = time.fromisoformat(opens)
                end = time(23, 59) if closes == "24:00" else time.fromisoformat(closes)
            except ValueError:
                raise ValidationFailed({"opening_hours": f"时间“{opens[:8]}–{closes[:8]}”格式应为 时:分"}) from None
            if start.minute % SLOT_MINUTES or (closes != "24:00" and end.minute % SLOT_MINUTES) or (
                    closes != "24:00" and end <= start):
                raise ValidationFailed({"opening_hours": f"开放时间“{opens}–{closes}”须为整点或半点，且结束晚于开始"})
            cleaned.append([start.strftime("%H:%M"), "24:00" if closes == "24:00" else end.strftime("%H:%M")])
        cleaned.sort()
        for (_, first_end), (second_start, _) in zip(cleaned, cleaned[1:]):
            if second_start < first_end:
                raise ValidationFailed({"opening_hours": "同一天的开放时间段不能重叠"})
        if cleaned:
            out[str(key)] = cleaned
    return out


# ---- who may do what ---------------------------------------------------------------------------------

def get_equipment(actor, equipment_id) -> Equipment:
    """A published instrument, or one the actor manages."""
    row_id = parse_row_id(equipment_id)
    equipment = db.session.get(Equipment, row_id) if row_id else None
    if equipment is None or not (equipment.status == "published" or can_manage(actor, equipment)):
        raise NotFound("该仪器不存在")
    return equipment


def _require_owner(actor, equipment: Equipment) -> None:
    if not can_manage(actor, equipment):
        raise PermissionDenied("只有仪器所属单位或管理员可以执行此操作")


def can_view_booking(actor, booking: Booking) -> bool:
    return is_signed_in(actor) and (booking.requester_id == actor.id
                                    or (actor.organisation_id is not None and booking.requester_org_id == actor.organisation_id
                                        and actor.role != "viewer")
                                    or can_manage(actor, booking.equipment))


def get_booking(actor, booking_id) -> Booking:
    row_id = parse_row_id(booking_id)
    booking = db.session.get(Booking, row_id) if row_id else None
    if booking is None or not can_view_booking(actor, booking):
        raise NotFound("该预约不存在")
    return booking


# ---- holding slots ---------------------------------------------------------------------------------------

def _hold(equipment_id: int, starts: list[datetime], booking_id: int | None = None, block_id: int | None = None) -> None:
    """Insert the slot rows; a slot someone else holds makes the whole unit of work fail with Conflict."""
    if not starts:
        return
    rows = [{"equipment_id": equipment_id, "slot_start": s, "booking_id": booking_id, "block_id": block_id}
            for s in starts]
    try:
        db.session.execute(insert(BookingSlot), rows)
        db.session.flush()
    except IntegrityError:
        raise Conflict(TAKEN) from None  # unit_of_work rolls the whole request back


def _release(booking: Booking) -> None:
    db.session.execute(delete(BookingSlot).where(BookingSlot.booking_id == booking.id))


def _announce(event: str, booking: Booking, to: str, title: str) -> None:
    """Record what happened to a booking; `to` ("owners" or "requester") is told by the worker."""
    events.record(event, booking_id=booking.id, to=to, title=title)


@events.subscribe("booking.requested", "booking.decided", "booking.answered", "booking.cancelled", "booking.completed")
def notify_booking_people(payload: dict) -> None:
    """Tell the instrument's owners or the requester what happened to a booking."""
    booking = db.session.get(Booking, payload["booking_id"])
    if booking is None:
        return
    users = _owner_ids(booking.equipment) if payload["to"] == "owners" else [booking.requester_id]
    add_notifications(sorted(set(u for u in users if u)), "booking", title=payload["title"],
                      link=f"/bookings/{booking.id}")


def _owner_ids(equipment: Equipment) -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.organisation_id == equipment.org_id, User.active.is_(True),
                                                         User.role != "viewer")))


# ---- requests and decisions ------------------------------------------------------------------------------

def _fee_item(equipment: Equipment, raw, errors: dict) -> EquipmentFee | None:
    if raw in (None, ""):
        return None
    row_id = parse_row_id(raw)
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
    data = data or {}
    c = Cleaner(data)
    c.choice("kind", "预约类型", ("slot", "samples"), required=True, synonyms={"机时预约": "slot", "送样检测": "samples"})
    c.text("purpose", "用途说明", required=True, max_len=1000, multiline=True)
    errors = dict(c.errors)
    fee_item = _fee_item(equipment, data.get("fee_item_id"), errors)
    kind = c.values.get("kind")
    start = end = None
    samples = None
    if kind == "slot":
        try:
            start = parse_local(data.get("starts_at"), "开始时间", "starts_at")
            end = parse_local(data.get("ends_at"), "结束时间", "ends_at")
            _check_period(start, end)
        except ValidationFailed as exc:
            errors.update(exc.fields)
        if start and end and not ({"starts_at", "ends_at"} & errors.keys()):
            now = utcnow()
            if start < now:
                errors["starts_at"] = "开始时间不能早于现在"
            elif start > now + timedelta(days=MAX_AHEAD_DAYS):
                errors["starts_at"] = "最多可预约一年内的时段"
            elif not all(is_open(equipment, s) for s in slots_between(start, end)):
                errors["starts_at"] = "所选时段不在仪器开放时间内"
    elif kind == "samples":
        n = Cleaner(data)
        n.integer("samples", "样品数量", low=1, high=MAX_SAMPLES, required=True)
        errors.update(n.errors)
        samples = n.values.get("samples")
    if errors:
        raise ValidationFailed(errors)
    booking = Booking(equipment_id=equipment.id, requester_id=actor.id, requester_org_id=actor.organisation_id,
                      kind=kind, purpose=c.values["purpose"], starts_at=start, ends_at=end, samples=samples,
                      fee_item_id=getattr(fee_item, "id", None), status="requested")
    db.session.add(booking)
    db.session.flush()
    if kind == "slot":
        _hold(equipment.id, slots_between(start, end), booking_id=booking.id)
    audit.record(actor, "booking.request", "booking", booking.id, {"equipment_id": equipment.id, "kind": kind})
    _announce("booking.requested", booking, "owners", f"新的仪器预约：{equipment.name[:40]}")
    return booking


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
        c = Cleaner(data)
        c.text("reason", "原因" if decision == "reject" else "改期说明", required=decision == "reject", max_len=500,
               multiline=True)
        values = c.done()
        if decision == "reject":
            _move(booking, "rejected")
            _release(booking)
            title = f"您的仪器预约未获批准：{values['reason'][:40]}"
        else:
            if booking.kind != "slot" or booking.status != "requested":
                raise InvalidTransition("只有待审批的机时预约可以建议改期")
            start = parse_local(data.get("starts_at"), "建议开始时间", "starts_at")
            end = parse_local(data.get("ends_at"), "建议结束时间", "ends_at")
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
    audit.record(actor, f"booking.{decision}", "booking", booking.id, {"status": booking.status, "reason": booking.reason})
    _announce("booking.decided", booking, "requester", title)
    return booking


@unit_of_work
def answer_proposal(actor, booking_id, accept: bool) -> Booking:
    """The requester takes the proposed time (the booking is approved for it) or declines (cancelled)."""
    booking = get_booking(actor, booking_id)
    if booking.requester_id != actor.id and not is_admin(actor):
        raise PermissionDenied("只有预约人可以答复改期建议")
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
    _announce("booking.answered", booking, "owners",
              f"预约人{'接受' if accept else '谢绝'}了改期建议：{booking.equipment.name[:30]}")
    return booking


@unit_of_work
def cancel_booking(actor, booking_id, reason: str | None = None) -> Booking:
    """The requester cancels (an approved booking only until the owner's cancel_hours before it starts);
    the owner may cancel with a reason at any time."""
    booking = get_booking(actor, booking_id)
    owner = can_manage(actor, booking.equipment)
    if not (owner or booking.requester_id == actor.id):
        raise PermissionDenied("只有预约人或仪器管理方可以取消预约")
    c = Cleaner({"reason": reason})
    c.text("reason", "取消原因", required=owner and booking.requester_id != actor.id, max_len=500, multiline=True)
    values = c.done()
    if booking.status == "approved" and not owner and booking.starts_at is not None:
        deadline = booking.starts_at - timedelta(hours=booking.equipment.cancel_hours)
        if utcnow() > deadline:
            raise InvalidTransition(f"开始前 {booking.equipment.cancel_hours} 小时内不能取消，请联系仪器管理方")
    _move(booking, "cancelled")
    _release(booking)
    booking.reason = values.get("reason")
    audit.record(actor, "booking.cancel", "booking", booking.id, {"reason": booking.reason})
    _announce("booking.cancelled", booking, "requester" if owner else "owners",
              f"仪器预约已取消：{booking.equipment.name[:40]}")
    return booking


# ---- after use: the fee --------------------------------------------------------------------------------

def compute_fee(item: EquipmentFee | None, internal: bool, minutes: int | None, samples: int | None) -> tuple[int | None, str]:
    """The fee in fen from a fee item's unit and the tier (internal price where the schedule has one); pure."""
    if item is None:
        return None, "external"
    tier = "internal" if internal and item.internal_price_fen is not None else "external"
    price = item.internal_price_fen if tier == "internal" else item.price_fen
    if price is None:  # 面议
        return None, tier
    quantity = {
        "元/小时": Decimal(minutes or 0) / 60,
        "元/样": Decimal(samples or 0),
        "元/天": Decimal(math.ceil((minutes or 0) / 1440)),
        "元/次": Decimal(1),
    }.get(item.unit)
    if quantity is None:
        return None, tier
    return int((Decimal(price) * quantity).quantize(Decimal("1"), ROUND_HALF_UP)), tier


@unit_of_work
def complete_booking(actor, booking_id, data: dict) -> Booking:
    """The owner records actual use (minutes for time, samples for tests); the fee follows the schedule."""
    booking = get_booking(actor, booking_id)
    _require_owner(actor, booking.equipment)
    if booking.status != "approved":
        raise InvalidTransition(f"{booking.status_label}的预约不能登记使用情况")
    c = Cleaner(data or {})
    if booking.kind == "slot":
        c.integer("actual_minutes", "实际使用时长（分钟）", low=1, high=MAX_BOOKING_DAYS * 1440, required=True)
    else:
        c.integer("actual_samples", "实际检测样品数", low=1, high=MAX_SAMPLES, required=True)
    values = c.done()
    booking.actual_minutes, booking.actual_samples = values.get("actual_minutes"), values.get("actual_samples")
    booking.fee_fen, booking.tier = compute_fee(booking.fee_item, booking.requester_org_id == booking.equipment.org_id,
                                                booking.actual_minutes, booking.actual_samples)
    _move(booking, "completed")
    audit.record(actor, "booking.complete", "booking", booking.id,
                 {"minutes": booking.actual_minutes, "samples": booking.actual_samples, "fee_fen": booking.fee_fen})
    _announce("booking.completed", booking, "requester", f"仪器使用已登记，费用 {format_fen(booking.fee_fen)}"
              if booking.fee_fen is not None else "仪器使用已登记")
    return booking


# ---- the owner's calendar ------------------------------------------------------------------------------

@unit_of_work
def block_period(actor, equipment_id, data: dict) -> EquipmentBlock:
    """The owner closes a period (maintenance); it cannot cover a slot already held by a booking."""
    equipment = get_equipment(actor, equipment_id)
    _require_owner(actor, equipment)
    c = Cleaner(data or {})
    c.text("reason", "原因", required=True, max_len=200)
    errors = dict(c.errors)
    start = end = None
    try:
        start = parse_local((data or {}).get("starts_at"), "开始时间", "starts_at")
        end = parse_local((data or {}).get("ends_at"), "结束时间", "ends_at")
        _check_period(start, end)
    except ValidationFailed as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    values = c.values
    block = EquipmentBlock(equipment_id=equipment.id, starts_at=start, ends_at=end, reason=values["reason"],
                           created_by_id=actor.id)
    db.session.add(block)
    db.session.flush()
    try:
        _hold(equipment.id, slots_between(start, end), block_id=block.id)
    except Conflict:
        raise Conflict("该时段已有预约或停机安排，请先处理后再停机") from None
    audit.record(actor, "equipment.block", "equipment", equipment.id, {"starts_at": start, "ends_at": end})
    return block


def list_blocks(actor, equipment_id) -> list[EquipmentBlock]:
    """The instrument's maintenance blocks that have not ended yet (owner)."""
    equipment = get_equipment(actor, equipment_id)
    _require_owner(actor, equipment)
    return list(db.session.scalars(select(EquipmentBlock).where(
        EquipmentBlock.equipment_id == equipment.id, EquipmentBlock.ends_at > utcnow()).order_by(EquipmentBlock.starts_at)))


@unit_of_work
def remove_block(actor, block_id, equipment_id=None) -> None:
    """The owner reopens a blocked period (of the instrument named, when one is)."""
    row_id = parse_row_id(block_id)
    block = db.session.get(EquipmentBlock, row_id) if row_id else None
    if block is None or (equipment_id is not None and block.equipment_id != parse_row_id(equipment_id)):
        raise NotFound("该停机安排不存在")
    _require_owner(actor, db.session.get(Equipment, block.equipment_id))
    audit.record(actor, "equipment.unblock", "equipment", block.equipment_id, {"starts_at": block.starts_at})
    db.session.execute(delete(BookingSlot).where(BookingSlot.block_id == block.id))
    db.session.delete(block)


@unit_of_work
def set_booking_rules(actor, equipment_id, data: dict) -> Equipment:
    """The owner sets opening hours and rules (training, sample types, cancellation deadline)."""
    equipment = get_equipment(actor, equipment_id)
    _require_owner(actor, equipment)
    data = data or {}
    c = Cleaner(data, partial=True)
    c.boolean("training_required", "需培训后使用")
    c.text("sample_types", "可接收样品", max_len=300)
    c.text("booking_rules", "使用须知", max_len=2000, multiline=True)
    c.integer("cancel_hours", "可取消时限（小时）", low=0, high=720)
    values = c.done()
    if "opening_hours" in data:
        values["opening_hours"] = clean_opening_hours(data["opening_hours"])
    for key in ("sample_types", "booking_rules"):
        if key in values and values[key] is None:
            values[key] = ""
    changes = audit.diff(equipment, values)
    for name, value in values.items():
        setattr(equipment, name, value)
    audit.record(actor, "equipment.booking_rules", "equipment", equipment.id, changes)
    return equipment


@dataclass
class Cell:
    start: datetime  # UTC
    state: str  # closed | free | booked | blocked | mine


def week(actor, equipment_id, monday: date) -> dict:
    """The week view: for each day, the slots of the opening hours with their state (who booked is shown
    only to the owner and the requester themselves)."""
    equipment = get_equipment(actor, equipment_id)
    first = datetime.combine(monday, time(0), tzinfo=BEIJING).astimezone(timezone.utc)
    last = first + timedelta(days=7)
    held = {row.slot_start: row for row in db.session.execute(
        select(BookingSlot.slot_start, BookingSlot.booking_id, BookingSlot.block_id, Booking.requester_id)
        .outerjoin(Booking, Booking.id == BookingSlot.booking_id)
        .where(BookingSlot.equipment_id == equipment.id, BookingSlot.slot_start >= first, BookingSlot.slot_start < last))}
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        cells = []
        for start, end in open_intervals(equipment, day):
            for slot in slots_between(start, end):
                row = held.get(slot)
                if row is None:
                    state = "free"
                elif row.block_id is not None:
                    state = "blocked"
                else:
                    state = "mine" if is_signed_in(actor) and row.requester_id == actor.id else "booked"
                cells.append(Cell(slot, state))
        days.append({"date": day, "cells": cells})
    return {"equipment": equipment, "monday": monday, "days": days}


# ---- lists, utilisation, calendar export -------------------------------------------------------------

def list_bookings(actor, filters: dict, page=1, per_page=20):
    """Bookings the actor made (role "mine") or receives as an instrument's owner ("incoming"), newest first."""
    if not is_signed_in(actor):
        raise PermissionDenied("请先登录")
    query = select(Booking).join(Equipment, Equipment.id == Booking.equipment_id)
    if (filters or {}).get("role") == "incoming":
        if not is_admin(actor):  # members who manage instruments; a viewer of the organisation is not one
            org = actor.organisation_id if actor.role in CREATOR_ROLES["equipment"] else None
            query = query.where(Equipment.org_id == (org or -1))
    else:
        query = query.where(Booking.requester_id == actor.id)
    status = (filters or {}).get("status")
    if status in TRANSITIONS:
        query = query.where(Booking.status == status)
    if (equipment := parse_row_id((filters or {}).get("equipment_id"))) is not None:
        query = query.where(Booking.equipment_id == equipment)
    query = query.options(selectinload(Booking.equipment), selectinload(Booking.requester_org),
                          selectinload(Booking.fee_item))
    return paginate(query.order_by(Booking.created_at.desc(), Booking.id.desc()), page, per_page)


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    first = date(month.year, month.month, 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (datetime.combine(first, time(0), tzinfo=BEIJING).astimezone(timezone.utc),
            datetime.combine(following, time(0), tzinfo=BEIJING).astimezone(timezone.utc))


def open_minutes(equipment: Equipment, start: datetime, end: datetime, closed=()) -> int:
    """Minutes the instrument is open within [start, end), from its weekly hours, less the time inside any
    of the closed (start, end) periods (blocks; they may overlap one another)."""
    closed = _merged(closed)
    total, day = 0, start.astimezone(BEIJING).date()
    while datetime.combine(day, time(0), tzinfo=BEIJING) < end:
        for opens, closes in open_intervals(equipment, day):
            lo, hi = max(opens, start), min(closes, end)
            if hi > lo:
                total += int((hi - lo).total_seconds() // 60)
                total -= sum(int((min(hi, c_hi) - max(lo, c_lo)).total_seconds() // 60)
                             for c_lo, c_hi in closed if c_lo < hi and c_hi > lo)
        day += timedelta(days=1)
    return total


def _merged(periods) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching periods joined, in order."""
    merged: list[list[datetime]] = []
    for lo, hi in sorted(periods):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return [(lo, hi) for lo, hi in merged]


def utilisation(actor, equipment_id, month: date) -> dict:
    """For the owner: booked hours / open hours less blocks, and the fees of completed bookings in one month."""
    equipment = get_equipment(actor, equipment_id)
    _require_owner(actor, equipment)
    return _utilisation(equipment, month)


def _utilisation(equipment: Equipment, month: date) -> dict:
    return _utilisation_of([equipment], [equipment.id], month)[0]


def _utilisation_of(instruments: list[Equipment], ids, month: date) -> list[dict]:
    """Utilisation rows of these instruments (ids: their ids, as a list or a select) in three queries."""
    start, end = _month_bounds(month)
    booked: dict[int, int] = {}
    for equipment_id, starts_at, ends_at in db.session.execute(
            select(Booking.equipment_id, Booking.starts_at, Booking.ends_at).where(
                Booking.equipment_id.in_(ids), Booking.kind == "slot", Booking.status.in_(("approved", "completed")),
                Booking.starts_at < end, Booking.ends_at > start)):
        minutes = int((min(ends_at, end) - max(starts_at, start)).total_seconds() // 60)
        booked[equipment_id] = booked.get(equipment_id, 0) + minutes
    revenue = dict(db.session.execute(
        select(Booking.equipment_id, func.sum(Booking.fee_fen)).where(
            Booking.equipment_id.in_(ids), Booking.status == "completed", Booking.updated_at >= start,
            Booking.updated_at < end).group_by(Booking.equipment_id)).all())
    blocks: dict[int, list] = {}
    for equipment_id, starts_at, ends_at in db.session.execute(
            select(EquipmentBlock.equipment_id, EquipmentBlock.starts_at, EquipmentBlock.ends_at).where(
                EquipmentBlock.equipment_id.in_(ids), EquipmentBlock.starts_at < end, EquipmentBlock.ends_at > start)):
        blocks.setdefault(equipment_id, []).append((starts_at, ends_at))
    rows = []
    for equipment in instruments:
        opened = open_minutes(equipment, start, end)
        available = open_minutes(equipment, start, end, closed=blocks.get(equipment.id, ()))
        used = booked.get(equipment.id, 0)
        rows.append({"equipment": equipment, "month": date(month.year, month.month, 1), "booked_minutes": used,
                     "open_minutes": opened, "blocked_minutes": opened - available, "available_minutes": available,
                     "utilisation": used / available if available else None,
                     "revenue_fen": int(revenue.get(equipment.id) or 0)})
    return rows


def utilisation_totals(rows: list[dict]) -> dict:
    """The sums of a utilisation table, and the utilisation of them all."""
    totals = {key: sum(row[key] for row in rows)
              for key in ("open_minutes", "blocked_minutes", "available_minutes", "booked_minutes", "revenue_fen")}
    totals["utilisation"] = totals["booked_minutes"] / totals["available_minutes"] if totals["available_minutes"] else None
    return totals


def utilisation_table(actor, month: date) -> list[dict]:
    """Every instrument of the actor's organisation (admins: all instruments that take bookings) for a month."""
    if not is_signed_in(actor):
        raise PermissionDenied("请先登录")
    query = select(Equipment).where(Equipment.status == "published").order_by(Equipment.id)
    if not is_admin(actor):
        query = query.where(Equipment.org_id == (actor.organisation_id or -1))
    instruments = list(db.session.scalars(query.options(selectinload(Equipment.organisation))))
    return _utilisation_of(instruments, query.with_only_columns(Equipment.id).order_by(None), month)


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def calendar_ics(actor, equipment_id) -> str:
    """The instrument's approved bookings and blocks as an iCalendar file (no requester names for outsiders)."""
    equipment = get_equipment(actor, equipment_id)
    owner = can_manage(actor, equipment)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//qinchuangyuan market//bookings//ZH", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_ics_text(equipment.name)}"]
    events = [(f"booking-{b.id}", b.starts_at, b.ends_at,
               f"预约：{b.requester_org.name if owner and b.requester_org else '已预约'}")
              for b in db.session.scalars(select(Booking).where(
                  Booking.equipment_id == equipment.id, Booking.kind == "slot",
                  Booking.status.in_(("approved", "completed"))).order_by(Booking.starts_at))]
    events += [(f"block-{k.id}", k.starts_at, k.ends_at, f"停机：{k.reason}") for k in db.session.scalars(
        select(EquipmentBlock).where(EquipmentBlock.equipment_id == equipment.id).order_by(EquipmentBlock.starts_at))]
    for uid, start, end, summary in events:
        lines += ["BEGIN:VEVENT", f"UID:{uid}-equipment-{equipment.id}@qcy-market", f"DTSTAMP:{stamp}",
                  f"DTSTART:{start.strftime('%Y%m%dT%H%M%SZ')}", f"DTEND:{end.strftime('%Y%m%dT%H%M%SZ')}",
                  f"SUMMARY:{_ics_text(summary)}", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _fold(line: str, limit: int = 75) -> str:
    """RFC 5545 line folding: at most 75 octets a line, cut between characters, continued after CRLF + space."""
    parts, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = " ", 1
        current += char
        size += width
    parts.append(current)
    return "\r\n".join(parts)


def sharing_totals(start: date, end: date) -> dict:
    """For the dashboard: bookings approved or done, hours booked and fees charged for all instruments in
    [start, end] (by the booking's start; sample jobs by when they were completed)."""
    since = datetime.combine(start, time(0), tzinfo=BEIJING).astimezone(timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=BEIJING).astimezone(timezone.utc)
    slot_rows = db.session.execute(select(Booking.starts_at, Booking.ends_at).where(
        Booking.kind == "slot", Booking.status.in_(("approved", "completed")), Booking.starts_at >= since,
        Booking.starts_at < until)).all()
    samples = db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.kind == "samples", Booking.status == "completed", Booking.updated_at >= since,
        Booking.updated_at < until)) or 0
    revenue = db.session.scalar(select(func.coalesce(func.sum(Booking.fee_fen), 0)).where(
        Booking.status == "completed", Booking.updated_at >= since, Booking.updated_at < until)) or 0
    instruments = db.session.scalar(select(func.count()).select_from(Equipment).where(
        Equipment.status == "published", Equipment.open_for_booking.is_(True))) or 0
    return {"instruments": int(instruments), "bookings": len(slot_rows), "sample_jobs": int(samples),
            "booked_hours": sum((e - s).total_seconds() for s, e in slot_rows) / 3600, "revenue_fen": int(revenue)}
