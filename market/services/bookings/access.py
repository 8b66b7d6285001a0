"""Who may see and manage instruments and bookings."""

from market.errors import NotFound, PermissionDenied
from market.extensions import db
from market.models import Equipment
from market.models.booking import Booking
from market.services.base import parse_row_id
from market.services.permissions import can_manage, is_signed_in


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
    return is_signed_in(actor) and (
        booking.requester_id == actor.id
        or (
            actor.organisation_id is not None
            and booking.requester_org_id == actor.organisation_id
            and actor.role != "viewer"
        )
        or can_manage(actor, booking.equipment)
    )


def get_booking(actor, booking_id) -> Booking:
    row_id = parse_row_id(booking_id)
    booking = db.session.get(Booking, row_id) if row_id else None
    if booking is None or not can_view_booking(actor, booking):
        raise NotFound("该预约不存在")
    return booking
