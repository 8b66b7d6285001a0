"""Booking time and the owner's calendar: Beijing-time slots, opening hours, blocks, booking rules, the
week view and the iCalendar export."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import delete, select

from market.clock import BEIJING
from market.errors import Conflict, NotFound, ValidationFailed
from market.extensions import db
from market.inputs.bookings import MAX_BOOKING_DAYS, SLOT_MINUTES, BlockIn, BookingRulesIn
from market.models import Equipment
from market.models.base import utcnow
from market.models.booking import Booking, BookingSlot, EquipmentBlock
from market.services import audit
from market.services.base import parse_row_id, unit_of_work
from market.services.bookings.access import _require_owner, get_equipment
from market.services.bookings.slots import _hold
from market.services.permissions import can_manage, is_signed_in

MAX_AHEAD_DAYS = 366


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
        end = (
            datetime.combine(day, time.fromisoformat(closes), tzinfo=BEIJING)
            if closes != "24:00"
            else datetime.combine(day + timedelta(days=1), time(0), tzinfo=BEIJING)
        ).astimezone(timezone.utc)
        out.append((start, end))
    return out


def is_open(equipment: Equipment, slot: datetime) -> bool:
    day = slot.astimezone(BEIJING).date()
    return any(
        start <= slot and slot + timedelta(minutes=SLOT_MINUTES) <= end
        for start, end in open_intervals(equipment, day)
    )


@unit_of_work
def block_period(actor, equipment_id, data: dict) -> EquipmentBlock:
    """The owner closes a period (maintenance); it cannot cover a slot already held by a booking."""
    equipment = get_equipment(actor, equipment_id)
    _require_owner(actor, equipment)
    errors = {}
    values = BlockIn.clean(data, errors=errors)
    start, end = values.get("starts_at"), values.get("ends_at")
    if start and end:
        try:
            _check_period(start, end)
        except ValidationFailed as exc:
            errors.update(exc.fields)
    if errors:
        raise ValidationFailed(errors)
    block = EquipmentBlock(
        equipment_id=equipment.id,
        starts_at=start,
        ends_at=end,
        reason=values["reason"],
        created_by_id=actor.id,
    )
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
    return list(
        db.session.scalars(
            select(EquipmentBlock)
            .where(EquipmentBlock.equipment_id == equipment.id, EquipmentBlock.ends_at > utcnow())
            .order_by(EquipmentBlock.starts_at)
        )
    )


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
    values = BookingRulesIn.clean(data)
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
    held = {
        row.slot_start: row
        for row in db.session.execute(
            select(BookingSlot.slot_start, BookingSlot.booking_id, BookingSlot.block_id, Booking.requester_id)
            .outerjoin(Booking, Booking.id == BookingSlot.booking_id)
            .where(
                BookingSlot.equipment_id == equipment.id,
                BookingSlot.slot_start >= first,
                BookingSlot.slot_start < last,
            )
        )
    }
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


def _ics_text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def calendar_ics(actor, equipment_id) -> str:
    """The instrument's approved bookings and blocks as an iCalendar file (no requester names for
    outsiders)."""
    equipment = get_equipment(actor, equipment_id)
    owner = can_manage(actor, equipment)
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//qinchuangyuan market//bookings//ZH",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_ics_text(equipment.name)}",
    ]
    events = [
        (
            f"booking-{b.id}",
            b.starts_at,
            b.ends_at,
            f"预约：{b.requester_org.name if owner and b.requester_org else '已预约'}",
        )
        for b in db.session.scalars(
            select(Booking)
            .where(
                Booking.equipment_id == equipment.id,
                Booking.kind == "slot",
                Booking.status.in_(("approved", "completed")),
            )
            .order_by(Booking.starts_at)
        )
    ]
    events += [
        (f"block-{k.id}", k.starts_at, k.ends_at, f"停机：{k.reason}")
        for k in db.session.scalars(
            select(EquipmentBlock)
            .where(EquipmentBlock.equipment_id == equipment.id)
            .order_by(EquipmentBlock.starts_at)
        )
    ]
    for uid, start, end, summary in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}-equipment-{equipment.id}@qcy-market",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start.strftime('%Y%m%dT%H%M%SZ')}",
            f"DTEND:{end.strftime('%Y%m%dT%H%M%SZ')}",
            f"SUMMARY:{_ics_text(summary)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _fold(line: str, limit: int = 75) -> str:
    """RFC 5545 line folding: at most 75 octets a line, cut between characters, continued after CRLF +
    space."""
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
