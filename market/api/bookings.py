"""Instrument availability, booking requests and decisions over JSON.

Reading an instrument's week, rules and calendar needs no token (published instruments); everything else does
(401). The services decide the rest: a booking the actor may not see is 404, an action their part does not
allow 403, a status the booking is not in 409, a slot someone else holds 409 with code "conflict"
(时段已被预约).
"""

import re
from datetime import date, timedelta

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
from market.api.docs import ALL_ERRORS, PAGING, json_of, object_of, operation, page_of, query_params, ref
from market.clock import today_in_beijing
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
TIMES = "时间为北京时间，返回带 +08:00；提交时写 年-月-日T时:分（整点或半点）"
UTILISATION = {
    "type": "object",
    "required": ["items", "meta"],
    "properties": {
        "items": {"type": "array", "items": ref("UtilisationOut")},
        "meta": {"type": "object", "required": ["month"], "properties": {"month": {"type": "string"}}},
    },
}


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


def _week_arg() -> date:
    """?week=YYYY-MM-DD: the Monday of that date's week (default: this week in Beijing)."""
    raw = request.args.get("week", "").strip()
    try:
        day = date.fromisoformat(raw) if raw else today_in_beijing()
    except ValueError:
        raise ValidationFailed({"week": "周的日期格式应为 年-月-日，例如 2026-12-07"}) from None
    return day - timedelta(days=day.weekday())


def _month_arg() -> date:
    """?month=YYYY-MM (default: this month in Beijing)."""
    raw = request.args.get("month", "").strip()
    if not raw:
        return today_in_beijing().replace(day=1)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}", raw):
            raise ValueError
        return date(int(raw[:4]), int(raw[5:]), 1)
    except ValueError:
        raise ValidationFailed({"month": "月份格式应为 年-月，例如 2026-12"}) from None


# ---- an instrument's week, rules, blocks and calendar ---------------------------------------------------


@api_bp.get("/equipment/<int:equipment_id>/availability")
@operation(
    "仪器一周的可预约时段（开放时间内每 30 分钟一个：free 空闲 / booked 已被预约 / blocked 停机 / "
    "mine 我的预约）；" + TIMES,
    query=query_params(("week", "string", "这一周中的任一天 YYYY-MM-DD（按其所在周的周一返回；默认本周）")),
    responses={"200": "AvailabilityOut"},
    errors=("404", "422"),
)
def get_availability(equipment_id):
    view = bookings.week(actor(), equipment_id, _week_arg())
    return jsonify(AvailabilityOut().dump(view))


@api_bp.get("/equipment/<int:equipment_id>/booking-rules")
@operation(
    "仪器的开放时间和预约规则（培训要求、可接收样品、使用须知、取消时限）",
    responses={"200": "BookingRulesOut"},
    errors=("404",),
)
def get_booking_rules(equipment_id):
    return jsonify(BookingRulesOut().dump(bookings.get_equipment(actor(), equipment_id)))


@api_bp.put("/equipment/<int:equipment_id>/booking-rules")
@operation(
    "设置开放时间和预约规则（仪器所属单位、管理员；只改提交的字段）",
    secured=True,
    body="BookingRulesIn",
    responses={"200": "BookingRulesOut"},
    errors=("403", "404", "422"),
)
def set_booking_rules(equipment_id):
    user = require_actor()
    equipment = bookings.set_booking_rules(user, equipment_id, _body(BookingRulesIn))
    return jsonify(BookingRulesOut().dump(equipment))


@api_bp.post("/equipment/<int:equipment_id>/blocks")
@operation(
    "停机（维护、校准）：该时段不再接受预约；不能覆盖已有预约（409）（仪器所属单位、管理员）；" + TIMES,
    secured=True,
    body="BlockIn",
    responses={"201": json_of("BlockOut", "已停机")},
    errors=ALL_ERRORS,
)
def block_period(equipment_id):
    user = require_actor()
    block = bookings.block_period(user, equipment_id, _body(BlockIn))
    return jsonify(BlockOut().dump(block)), 201


@api_bp.delete("/equipment/<int:equipment_id>/blocks/<int:block_id>")
@operation(
    "取消停机安排（仪器所属单位、管理员）",
    secured=True,
    responses={"204": {"description": "已取消"}},
    errors=("403", "404"),
)
def remove_block(equipment_id, block_id):
    user = require_actor()
    bookings.remove_block(user, block_id, equipment_id)
    return "", 204


@api_bp.get("/equipment/<int:equipment_id>/calendar.ics")
@operation(
    "仪器日历（iCalendar）：已批准和已完成的预约、停机安排；预约单位名称仅仪器所属单位可见",
    responses={
        "200": {"description": "iCalendar 文件", "content": {"text/calendar": {"schema": {"type": "string"}}}}
    },
    errors=("404",),
)
def get_calendar(equipment_id):
    text = bookings.calendar_ics(actor(), equipment_id)
    return Response(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="equipment-{equipment_id}.ics"'},
    )


@api_bp.get("/equipment/utilisation")
@operation(
    "仪器使用率和收入（本单位的已发布仪器；管理员为全部）：预约分钟 / 开放分钟，以及当月完成登记的费用",
    secured=True,
    query=query_params(("month", "string", "月份 YYYY-MM（默认本月）")),
    responses={"200": object_of(UTILISATION)},
    errors=("422",),
)
def get_utilisation():
    user = require_actor()
    month = _month_arg()
    rows = bookings.utilisation_table(user, month)
    return jsonify(
        {"items": UtilisationOut(many=True).dump(rows), "meta": {"month": month.strftime("%Y-%m")}}
    )


# ---- bookings ------------------------------------------------------------------------------------------


@api_bp.get("/bookings")
@operation(
    "预约列表，新的在前：role=mine 我提交的（默认）；role=incoming 本单位仪器收到的（管理员为全部）",
    secured=True,
    query=query_params(
        ("role", "string", "mine 或 incoming"),
        ("status", "string", "requested / proposed / approved / rejected / cancelled / completed"),
        ("equipment_id", "integer", "仪器编号"),
        *PAGING,
    ),
    responses={"200": page_of("BookingOut")},
)
def list_bookings():
    user = require_actor()
    filters = {name: request.args.get(name, "") for name in ("role", "status", "equipment_id")}
    result = bookings.list_bookings(user, filters, *paging())
    return jsonify(page_envelope(result, lambda booking: dump_booking(booking, user)))


@api_bp.post("/bookings")
@operation(
    "预约仪器（已认证单位的用户）：机时预约 slot 填开始和结束时间，须在开放时间内；"
    "送样检测 samples 填样品数量；时段已被占用时 409（code conflict，“时段已被预约”）；" + TIMES,
    secured=True,
    body="BookingIn",
    responses={"201": json_of("BookingOut", "已提交，待仪器所属单位审批")},
    errors=ALL_ERRORS,
)
def request_booking():
    user = require_actor()
    data = _body(BookingIn)
    if data.get("equipment_id") in (None, ""):
        raise ValidationFailed({"equipment_id": "请选择仪器"})
    booking = bookings.request_booking(user, data["equipment_id"], data)
    return jsonify(dump_booking(booking, user)), 201


@api_bp.get("/bookings/<int:booking_id>")
@operation(
    "预约详情（预约人及其单位、仪器所属单位、管理员）",
    secured=True,
    responses={"200": "BookingOut"},
    errors=("404",),
)
def get_booking(booking_id):
    user = require_actor()
    return jsonify(dump_booking(bookings.get_booking(user, booking_id), user))


@api_bp.post("/bookings/<int:booking_id>/decision")
@operation(
    "审批（仪器所属单位、管理员）：批准、拒绝（须填原因）或建议改期（占用建议的时段）",
    body="BookingDecisionIn",
    secured=True,
    responses={"200": "BookingOut"},
    errors=ALL_ERRORS,
)
def decide_booking(booking_id):
    user = require_actor()
    data = _body(BookingDecisionIn)
    booking = bookings.decide_booking(user, booking_id, data.get("decision"), data)
    return jsonify(dump_booking(booking, user))


@api_bp.post("/bookings/<int:booking_id>/answer")
@operation(
    "答复改期建议（预约人）：接受即批准，谢绝即取消",
    body="BookingAnswerIn",
    secured=True,
    responses={"200": "BookingOut"},
    errors=ALL_ERRORS,
)
def answer_proposal(booking_id):
    user = require_actor()
    data = _body(BookingAnswerIn)
    return jsonify(dump_booking(bookings.answer_proposal(user, booking_id, data.get("accept")), user))


@api_bp.post("/bookings/<int:booking_id>/cancel")
@operation(
    "取消预约（预约人：已批准的须在开始前规定时限之外；仪器所属单位：须填原因）",
    body="BookingCancelIn",
    body_required=False,
    secured=True,
    responses={"200": "BookingOut"},
    errors=ALL_ERRORS,
)
def cancel_booking(booking_id):
    user = require_actor()
    data = optional_json_body()
    reject_unknown_fields(data, BookingCancelIn().fields)
    return jsonify(dump_booking(bookings.cancel_booking(user, booking_id, data.get("reason")), user))


@api_bp.post("/bookings/<int:booking_id>/complete")
@operation(
    "登记实际使用（仪器所属单位、管理员）：机时填 actual_minutes，送样填 actual_samples；"
    "按收费标准精确计算费用（本单位预约用内部价）",
    body="BookingCompleteIn",
    secured=True,
    responses={"200": "BookingOut"},
    errors=ALL_ERRORS,
)
def complete_booking(booking_id):
    user = require_actor()
    return jsonify(dump_booking(bookings.complete_booking(user, booking_id, _body(BookingCompleteIn)), user))
