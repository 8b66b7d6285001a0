"""Instrument booking in HTML: the week calendar on an instrument, requests, the owner's decisions and
rules."""

from datetime import date, timedelta

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from market.clock import today_in_beijing
from market.errors import Conflict, InvalidTransition, ValidationFailed
from market.forms import ConfirmForm
from market.forms.bookings import (
    HALF_HOURS,
    BlockForm,
    OpeningHoursForm,
    RulesForm,
    SamplesRequestForm,
    SlotRequestForm,
)
from market.models.vocab import BOOKING_STATUSES, WEEKDAYS
from market.money import format_fen
from market.services import bookings
from market.services.permissions import can_manage, is_admin
from market.views.common import page_args

bp = Blueprint("bookings", __name__, url_prefix="/bookings")

STATES = {"free": "空闲", "booked": "已预约", "blocked": "停机", "mine": "我的预约", "closed": "不开放"}
STATE_CLASSES = {
    "free": "table-success",
    "booked": "table-secondary",
    "blocked": "table-warning",
    "mine": "table-primary",
    "closed": "text-muted",
}
OWNER_ROLES = ("university", "enterprise", "admin")


# ---- presentation helpers ----------------------------------------------------------------------------


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_arg() -> date:
    try:
        return monday_of(date.fromisoformat(request.args.get("week", "").strip()))
    except ValueError:
        return monday_of(today_in_beijing())


def booking_state(equipment) -> str:
    """Whether this user may ask for time: anonymous, viewer, unverified, closed, or open."""
    if not current_user.is_authenticated:
        return "anonymous"
    if current_user.role == "viewer":
        return "viewer"
    if not current_user.is_verified:
        return "unverified"
    if equipment.status != "published" or not equipment.open_for_booking:
        return "closed"
    return "open"


@bp.app_template_global("booking_panel")
def booking_panel(listing) -> dict:
    """What the instrument page shows about booking: the rules and the calendar link for this week."""
    return {
        "week": monday_of(today_in_beijing()).isoformat(),
        "owner": can_manage(current_user, listing),
        "hours_set": bool(listing.opening_hours),
        "weekdays": WEEKDAYS,
    }


def _grid(week: dict) -> tuple[list[str], dict]:
    """The half-hour rows (Beijing time) that are open on at least one day, and each day's states by row."""
    rows, states = set(), []
    for day in week["days"]:
        by_time = {}
        for cell in day["cells"]:
            label = cell.start.astimezone(bookings.BEIJING).strftime("%H:%M")
            by_time[label] = cell.state
            rows.add(label)
        states.append(by_time)
    return sorted(rows), states


def _fee_choices(equipment) -> list[tuple[str, str]]:
    out = [("", "不指定（由管理方确定）")]
    for item in equipment.fee_items:
        price = (
            "面议"
            if item.price_fen is None or item.unit == "面议"
            else f"{format_fen(item.price_fen)}/{item.unit[2:]}"
        )
        out.append((str(item.id), f"{item.label}（{price}）"))
    return out


def _request_forms(equipment, slot_form=None, samples_form=None) -> tuple:
    if slot_form is None:
        data = {}
        if request.args.get("day") and request.args.get("start") in HALF_HOURS:
            data = {"day": request.args["day"][:10], "start": request.args["start"]}
            hour, minute = map(int, data["start"].split(":"))
            end = hour * 60 + minute + bookings.SLOT_MINUTES
            data["end"] = f"{end // 60:02d}:{end % 60:02d}"
        slot_form = SlotRequestForm(formdata=None, data=data)
    samples_form = samples_form or SamplesRequestForm(formdata=None)
    choices = _fee_choices(equipment)
    slot_form.fee_item_id.choices = samples_form.fee_item_id.choices = choices
    return slot_form, samples_form


def _render_calendar(equipment_id, status=200, **forms):
    monday = _week_arg()
    week = bookings.week(current_user, equipment_id, monday)
    equipment = week["equipment"]
    rows, states = _grid(week)
    owner = can_manage(current_user, equipment)
    slot_form, samples_form = _request_forms(
        equipment, forms.pop("slot_form", None), forms.pop("samples_form", None)
    )
    owner_forms = {}
    if owner:
        owner_forms = {
            "hours_form": forms.pop("hours_form", None)
            or OpeningHoursForm(formdata=None, data=OpeningHoursForm.data_of(equipment.opening_hours)),
            "rules_form": forms.pop("rules_form", None)
            or RulesForm(
                formdata=None,
                data={
                    "training_required": equipment.training_required,
                    "sample_types": equipment.sample_types,
                    "booking_rules": equipment.booking_rules,
                    "cancel_hours": str(equipment.cancel_hours),
                },
            ),
            "block_form": forms.pop("block_form", None) or BlockForm(formdata=None),
            "blocks": bookings.list_blocks(current_user, equipment.id),
            "confirm_form": ConfirmForm(),
        }
    return render_template(
        "bookings/calendar.html",
        equipment=equipment,
        week=week,
        rows=rows,
        states=states,
        monday=monday,
        previous_week=(monday - timedelta(days=7)).isoformat(),
        next_week=(monday + timedelta(days=7)).isoformat(),
        this_week=monday_of(today_in_beijing()).isoformat(),
        weekdays=WEEKDAYS,
        state_labels=STATES,
        state_classes=STATE_CLASSES,
        can_book=booking_state(equipment),
        owner=owner,
        slot_form=slot_form,
        samples_form=samples_form,
        **owner_forms,
    ), status


def _to_calendar(equipment_id, anchor=None):
    week = request.args.get("week")
    return redirect(url_for("bookings.show_calendar", equipment_id=equipment_id, week=week, _anchor=anchor))


# ---- the instrument's calendar and the request -------------------------------------------------------


@bp.get("/equipment/<int:equipment_id>")
def show_calendar(equipment_id):
    return _render_calendar(equipment_id)


@bp.post("/equipment/<int:equipment_id>")
@login_required
def request_booking(equipment_id):
    kind = request.form.get("kind")
    form = SamplesRequestForm() if kind == "samples" else SlotRequestForm()
    forms = {"samples_form" if kind == "samples" else "slot_form": form}
    if not form.validate_on_submit():
        return _to_calendar(equipment_id)
    try:
        booking = bookings.request_booking(current_user, equipment_id, form.to_data())
    except Conflict as exc:
        form.form_errors.append(exc.message)
        return _render_calendar(equipment_id, 409, **forms)
    except InvalidTransition as exc:
        form.form_errors.append(exc.message)
        return _render_calendar(equipment_id, 409, **forms)
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_calendar(equipment_id, 422, **forms)
    flash("预约申请已提交，仪器管理方审批后会通知您", "success")
    return redirect(url_for("bookings.show_booking", booking_id=booking.id))


# ---- the owner's settings ----------------------------------------------------------------------------


@bp.post("/equipment/<int:equipment_id>/hours")
@login_required
def set_opening_hours(equipment_id):
    return _save_rules(equipment_id, OpeningHoursForm(), "hours_form", "开放时间已保存")


@bp.post("/equipment/<int:equipment_id>/rules")
@login_required
def set_rules(equipment_id):
    return _save_rules(equipment_id, RulesForm(), "rules_form", "预约规则已保存")


def _save_rules(equipment_id, form, form_name: str, done: str):
    """Opening hours and rules are two forms of one service call."""
    if not form.validate_on_submit():
        return _to_calendar(equipment_id)
    try:
        bookings.set_booking_rules(current_user, equipment_id, form.to_data())
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_calendar(equipment_id, 422, **{form_name: form})
    flash(done, "success")
    return _to_calendar(equipment_id, "owner")


@bp.post("/equipment/<int:equipment_id>/blocks")
@login_required
def block_period(equipment_id):
    form = BlockForm()
    if not form.validate_on_submit():
        return _to_calendar(equipment_id)
    try:
        bookings.block_period(current_user, equipment_id, form.to_data())
    except Conflict as exc:
        form.form_errors.append(exc.message)
        return _render_calendar(equipment_id, 409, block_form=form)
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_calendar(equipment_id, 422, block_form=form)
    flash("停机时段已设置，期间不接受预约", "success")
    return _to_calendar(equipment_id, "owner")


@bp.post("/equipment/<int:equipment_id>/blocks/<int:block_id>/delete")
@login_required
def remove_block(equipment_id, block_id):
    if ConfirmForm().validate_on_submit():
        bookings.remove_block(current_user, block_id, equipment_id)
        flash("停机时段已取消，该时段重新开放预约", "success")
    return _to_calendar(equipment_id, "owner")


@bp.get("/equipment/<int:equipment_id>/calendar.ics")
def export_calendar(equipment_id):
    text = bookings.calendar_ics(current_user, equipment_id)
    return Response(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="equipment-{equipment_id}.ics"'},
    )


# ---- lists -------------------------------------------------------------------------------------------


@bp.get("/")
@login_required
def list_bookings():
    role = "incoming" if request.args.get("role") == "incoming" else "mine"
    filters = {
        "role": role,
        "status": request.args.get("status", ""),
        "equipment_id": request.args.get("equipment_id", ""),
    }
    page = bookings.list_bookings(current_user, filters, *page_args())
    return render_template(
        "bookings/list.html",
        page=page,
        filters=filters,
        statuses=BOOKING_STATUSES,
        may_own=current_user.role in OWNER_ROLES,
    )


@bp.get("/utilisation")
@login_required
def show_utilisation():
    raw = request.args.get("month", "").strip()
    error = None
    today = today_in_beijing()
    month = date(today.year, today.month, 1)
    if raw:
        try:
            month = date.fromisoformat(f"{raw}-01")
        except ValueError:
            error = "月份格式应为 年-月，例如 2026-03；已显示本月"
    rows = bookings.utilisation_table(current_user, month)
    totals = bookings.utilisation_totals(rows)
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return render_template(
        "bookings/utilisation.html",
        rows=rows,
        totals=totals,
        month=month,
        error=error,
        previous=previous.strftime("%Y-%m"),
        following=following.strftime("%Y-%m"),
        admin=is_admin(current_user),
    ), 422 if error else 200
