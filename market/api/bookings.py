"""Instrument availability, booking requests and decisions over JSON.

Reading an instrument's week, rules and calendar needs no token (published instruments); everything else does
(401). The services decide the rest: a booking the actor may not see is 404, an action their part does not
allow 403, a status the booking is not in 409, a slot someone else holds 409 with code "conflict"
(时段已被预约).
"""

import re
from datetime import date, datetime, timedelta

from flask import Response, jsonify, request

from market.api.blueprint import api_bp
from market.api.common import (
    actor,
    json_body,
    optional_json_body,
    page_envelope,
    paging,
    reject_unknown_fields,
    require_actor,
)
from market.errors import ValidationFailed
from market.schemas import (
    AvailabilityOut,
    BlockIn,
    BlockOut,
    BookingAnswerIn,
    BookingCancelIn,
    BookingCompleteIn,
    BookingDecisionIn,
    BookingIn,
    BookingOut,
    BookingRulesIn,
    BookingRulesOut,
    UtilisationOut,
)
from market.schemas.bookings import BookingRequesterOut
from market.services import bookings
from market.services.permissions import can_manage

_BOOKING = BookingOut()
_REQUESTER = BookingRequesterOut()


def _body(schema) -> dict:
    data = json_body()
    reject_unknown_fields(data, schema().fields)
    return data


def dump_booking(booking, viewer) -> dict:
    """The booking as the viewer sees it: who asked only for the requester, the instrument's owner and
    admins."""
    out = _BOOKING.dump(booking)
    if booking.requester is not None and (
        booking.requester_id == viewer.id or can_manage(viewer, booking.equipment)
    ):
        out["requester"] = _REQUESTER.dump(booking.requester)
    return out


def _beijing_today() -> date:
    return datetime.now(bookings.BEIJING).date()


def _week_arg() -> date:
    """?week=YYYY-MM-DD: the Monday of that date's week (default: this week in Beijing)."""
    raw = request.args.get("week", "").strip()
    try:
        day = date.fromisoformat(raw) if raw else _beijing_today()
    except ValueError:
        raise ValidationFailed({"week": "周的日期格式应为 年-月-日，例如 2026-12-07"}) from None
    return day - timedelta(days=day.weekday())


def _month_arg() -> date:
    """?month=YYYY-MM (default: this month in Beijing)."""
    raw = request.args.get("month", "").strip()
    if not raw:
        return _beijing_today().replace(day=1)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", raw):
            raise ValueError
        return date(int(raw[:4]), int(raw[5:]), 1)
    except ValueError:
        raise ValidationFailed({"month": "月份格式应为 年-月，例如 2026-12"}) from None


# ---- an instrument's week, rules, blocks and calendar ---------------------------------------------------


@api_bp.get("/equipment/<int:equipment_id>/availability")
def get_availability(equipment_id):
    view = bookings.week(actor(), equipment_id, _week_arg())
    return jsonify(AvailabilityOut().dump(view))


@api_bp.get("/equipment/<int:equipment_id>/booking-rules")
def get_booking_rules(equipment_id):
    return jsonify(BookingRulesOut().dump(bookings.get_equipment(actor(), equipment_id)))


@api_bp.put("/equipment/<int:equipment_id>/booking-rules")
def set_booking_rules(equipment_id):
    user = require_actor()
    equipment = bookings.set_booking_rules(user, equipment_id, _body(BookingRulesIn))
    return jsonify(BookingRulesOut().dump(equipment))


@api_bp.post("/equipment/<int:equipment_id>/blocks")
def block_period(equipment_id):
    user = require_actor()
    block = bookings.block_period(user, equipment_id, _body(BlockIn))
    return jsonify(BlockOut().dump(block)), 201


@api_bp.delete("/equipment/<int:equipment_id>/blocks/<int:block_id>")
def remove_block(equipment_id, block_id):
    user = require_actor()
    bookings.remove_block(user, block_id, equipment_id)
    return "", 204


@api_bp.get("/equipment/<int:equipment_id>/calendar.ics")
def get_calendar(equipment_id):
    text = bookings.calendar_ics(actor(), equipment_id)
    return Response(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="equipment-{equipment_id}.ics"'},
    )


@api_bp.get("/equipment/utilisation")
def get_utilisation():
    user = require_actor()
    month = _month_arg()
    rows = bookings.utilisation_table(user, month)
    return jsonify(
        {"items": UtilisationOut(many=True).dump(rows), "meta": {"month": month.strftime("%Y-%m")}}
    )


# ---- bookings ------------------------------------------------------------------------------------------


@api_bp.get("/bookings")
def list_bookings():
    user = require_actor()
    filters = {name: request.args.get(name, "") for name in ("role", "status", "equipment_id")}
    result = bookings.list_bookings(user, filters, *paging())
    return jsonify(page_envelope(result, lambda booking: dump_booking(booking, user)))


@api_bp.post("/bookings")
def request_booking():
    user = require_actor()
    data = _body(BookingIn)
    if data.get("equipment_id") in (None, ""):
        raise ValidationFailed({"equipment_id": "请选择仪器"})
    booking = bookings.request_booking(user, data["equipment_id"], data)
    return jsonify(dump_booking(booking, user)), 201


@api_bp.get("/bookings/<int:booking_id>")
def get_booking(booking_id):
    user = require_actor()
    return jsonify(dump_booking(bookings.get_booking(user, booking_id), user))


@api_bp.post("/bookings/<int:booking_id>/decision")
def decide_booking(booking_id):
    user = require_actor()
    data = _body(BookingDecisionIn)
    booking = bookings.decide_booking(user, booking_id, data.get("decision"), data)
    return jsonify(dump_booking(booking, user))


@api_bp.post("/bookings/<int:booking_id>/answer")
def answer_proposal(booking_id):
    user = require_actor()
    data = _body(BookingAnswerIn)
    if not isinstance(data.get("accept"), bool):
        raise ValidationFailed({"accept": "请答复是否接受建议的时间（true 或 false）"})
    return jsonify(dump_booking(bookings.answer_proposal(user, booking_id, data["accept"]), user))


@api_bp.post("/bookings/<int:booking_id>/cancel")
def cancel_booking(booking_id):
    user = require_actor()
    data = optional_json_body()
    reject_unknown_fields(data, BookingCancelIn().fields)
    return jsonify(dump_booking(bookings.cancel_booking(user, booking_id, data.get("reason")), user))


@api_bp.post("/bookings/<int:booking_id>/complete")
def complete_booking(booking_id):
    user = require_actor()
    return jsonify(dump_booking(bookings.complete_booking(user, booking_id, _body(BookingCompleteIn)), user))
