"""Held slots: a request, a proposal or a block holds its slots as rows of booking_slots, unique per
instrument and slot, so of two overlapping requests the database lets exactly one commit."""

from datetime import datetime

from sqlalchemy import delete, insert
from sqlalchemy.exc import IntegrityError

from market.errors import Conflict
from market.extensions import db
from market.models.booking import Booking, BookingSlot

TAKEN = "时段已被预约"


HOLDING = ("requested", "proposed", "approved")  # statuses whose slots stay held


def _hold(
    equipment_id: int, starts: list[datetime], booking_id: int | None = None, block_id: int | None = None
) -> None:
    """Insert the slot rows; a slot someone else holds makes the whole unit of work fail with Conflict."""
    if not starts:
        return
    rows = [
        {"equipment_id": equipment_id, "slot_start": s, "booking_id": booking_id, "block_id": block_id}
        for s in starts
    ]
    try:
        db.session.execute(insert(BookingSlot), rows)
        db.session.flush()
    except IntegrityError:
        raise Conflict(TAKEN) from None  # unit_of_work rolls the whole request back


def _release(booking: Booking) -> None:
    db.session.execute(delete(BookingSlot).where(BookingSlot.booking_id == booking.id))
