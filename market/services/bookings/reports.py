"""Lists and figures: a user's bookings, open hours and utilisation per month, sharing totals."""

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from market.errors import PermissionDenied
from market.extensions import db
from market.models import Equipment
from market.models.booking import Booking, EquipmentBlock
from market.services.base import paginate, parse_row_id
from market.services.bookings.access import _require_owner, get_equipment
from market.services.bookings.calendar import BEIJING, open_intervals
from market.services.bookings.requests import TRANSITIONS
from market.services.permissions import CREATOR_ROLES, is_admin, is_signed_in


def list_bookings(actor, filters: dict, page=1, per_page=20):
    """Bookings the actor made (role "mine") or receives as an instrument's owner ("incoming"), newest
    first."""
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
    query = query.options(
        selectinload(Booking.equipment), selectinload(Booking.requester_org), selectinload(Booking.fee_item)
    )
    return paginate(query.order_by(Booking.created_at.desc(), Booking.id.desc()), page, per_page)


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    first = date(month.year, month.month, 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return (
        datetime.combine(first, time(0), tzinfo=BEIJING).astimezone(timezone.utc),
        datetime.combine(following, time(0), tzinfo=BEIJING).astimezone(timezone.utc),
    )


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
                total -= sum(
                    int((min(hi, c_hi) - max(lo, c_lo)).total_seconds() // 60)
                    for c_lo, c_hi in closed
                    if c_lo < hi and c_hi > lo
                )
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
    """For the owner: booked hours / open hours less blocks, and the fees of completed bookings in one
    month."""
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
            Booking.equipment_id.in_(ids),
            Booking.kind == "slot",
            Booking.status.in_(("approved", "completed")),
            Booking.starts_at < end,
            Booking.ends_at > start,
        )
    ):
        minutes = int((min(ends_at, end) - max(starts_at, start)).total_seconds() // 60)
        booked[equipment_id] = booked.get(equipment_id, 0) + minutes
    revenue = dict(
        db.session.execute(
            select(Booking.equipment_id, func.sum(Booking.fee_fen))
            .where(
                Booking.equipment_id.in_(ids),
                Booking.status == "completed",
                Booking.updated_at >= start,
                Booking.updated_at < end,
            )
            .group_by(Booking.equipment_id)
        ).all()
    )
    blocks: dict[int, list] = {}
    for equipment_id, starts_at, ends_at in db.session.execute(
        select(EquipmentBlock.equipment_id, EquipmentBlock.starts_at, EquipmentBlock.ends_at).where(
            EquipmentBlock.equipment_id.in_(ids),
            EquipmentBlock.starts_at < end,
            EquipmentBlock.ends_at > start,
        )
    ):
        blocks.setdefault(equipment_id, []).append((starts_at, ends_at))
    rows = []
    for equipment in instruments:
        opened = open_minutes(equipment, start, end)
        available = open_minutes(equipment, start, end, closed=blocks.get(equipment.id, ()))
        used = booked.get(equipment.id, 0)
        rows.append(
            {
                "equipment": equipment,
                "month": date(month.year, month.month, 1),
                "booked_minutes": used,
                "open_minutes": opened,
                "blocked_minutes": opened - available,
                "available_minutes": available,
                "utilisation": used / available if available else None,
                "revenue_fen": int(revenue.get(equipment.id) or 0),
            }
        )
    return rows


def utilisation_totals(rows: list[dict]) -> dict:
    """The sums of a utilisation table, and the utilisation of them all."""
    totals = {
        key: sum(row[key] for row in rows)
        for key in ("open_minutes", "blocked_minutes", "available_minutes", "booked_minutes", "revenue_fen")
    }
    totals["utilisation"] = (
        totals["booked_minutes"] / totals["available_minutes"] if totals["available_minutes"] else None
    )
    return totals


def utilisation_table(actor, month: date) -> list[dict]:
    """Every instrument of the actor's organisation (admins: all instruments that take bookings) for a
    month."""
    if not is_signed_in(actor):
        raise PermissionDenied("请先登录")
    query = select(Equipment).where(Equipment.status == "published").order_by(Equipment.id)
    if not is_admin(actor):
        query = query.where(Equipment.org_id == (actor.organisation_id or -1))
    instruments = list(db.session.scalars(query.options(selectinload(Equipment.organisation))))
    return _utilisation_of(instruments, query.with_only_columns(Equipment.id).order_by(None), month)


def sharing_totals(start: date, end: date) -> dict:
    """For the dashboard: bookings approved or done, hours booked and fees charged for all instruments in
    [start, end] (by the booking's start; sample jobs by when they were completed)."""
    since = datetime.combine(start, time(0), tzinfo=BEIJING).astimezone(timezone.utc)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=BEIJING).astimezone(timezone.utc)
    slot_rows = db.session.execute(
        select(Booking.starts_at, Booking.ends_at).where(
            Booking.kind == "slot",
            Booking.status.in_(("approved", "completed")),
            Booking.starts_at >= since,
            Booking.starts_at < until,
        )
    ).all()
    samples = (
        db.session.scalar(
            select(func.count())
            .select_from(Booking)
            .where(
                Booking.kind == "samples",
                Booking.status == "completed",
                Booking.updated_at >= since,
                Booking.updated_at < until,
            )
        )
        or 0
    )
    revenue = (
        db.session.scalar(
            select(func.coalesce(func.sum(Booking.fee_fen), 0)).where(
                Booking.status == "completed", Booking.updated_at >= since, Booking.updated_at < until
            )
        )
        or 0
    )
    instruments = (
        db.session.scalar(
            select(func.count())
            .select_from(Equipment)
            .where(Equipment.status == "published", Equipment.open_for_booking.is_(True))
        )
        or 0
    )
    return {
        "instruments": int(instruments),
        "bookings": len(slot_rows),
        "sample_jobs": int(samples),
        "booked_hours": sum((e - s).total_seconds() for s, e in slot_rows) / 3600,
        "revenue_fen": int(revenue),
    }
