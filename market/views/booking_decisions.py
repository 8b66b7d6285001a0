"""One booking's page and the decisions on it: approve, reject, propose another time, answer, cancel,
complete. Routes of the bookings blueprint (market/views/bookings.py)."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from market.errors import Conflict, InvalidTransition, ValidationFailed
from market.forms import ConfirmForm
from market.forms.bookings import (
    AnswerForm,
    CancelForm,
    CompleteForm,
    ProposeForm,
    RejectForm,
)
from market.services import bookings
from market.services.permissions import can_manage, is_admin
from market.views.bookings import bp


def _actions(booking) -> dict:
    """Which forms the page offers: the same conditions the service checks."""
    owner = can_manage(current_user, booking.equipment)
    requester = booking.requester_id == current_user.id
    return {
        "owner": owner,
        "requester": requester,
        "decide": owner and booking.status == "requested",
        "propose": owner and booking.status == "requested" and booking.kind == "slot",
        "complete": owner and booking.status == "approved",
        "answer": (requester or is_admin(current_user)) and booking.status == "proposed",
        "cancel": (owner or requester) and booking.status in bookings.HOLDING,
    }


def _render_booking(booking, status=200, **forms):
    return render_template(
        "bookings/show.html",
        booking=booking,
        can=_actions(booking),
        confirm_form=ConfirmForm(),
        reject_form=forms.pop("reject_form", None) or RejectForm(formdata=None),
        propose_form=forms.pop("propose_form", None) or ProposeForm(formdata=None),
        complete_form=forms.pop("complete_form", None) or CompleteForm(formdata=None),
        cancel_form=forms.pop("cancel_form", None) or CancelForm(formdata=None),
        answer_form=AnswerForm(formdata=None),
    ), status


def _back(booking_id):
    return redirect(url_for("bookings.show_booking", booking_id=booking_id))


@bp.get("/<int:booking_id>")
@login_required
def show_booking(booking_id):
    return _render_booking(bookings.get_booking(current_user, booking_id))


def _decide(booking_id, form, call, done: str, form_name: str):
    """Run one decision; a ValidationFailed shows the page again with the form's messages."""
    if not form.validate_on_submit():
        return _back(booking_id)
    try:
        call()
    except InvalidTransition as exc:
        flash(exc.message, "danger")
    except Conflict as exc:
        form.form_errors.append(exc.message)
        return _render_booking(bookings.get_booking(current_user, booking_id), 409, **{form_name: form})
    except ValidationFailed as exc:
        form.apply_errors(exc.fields)
        return _render_booking(bookings.get_booking(current_user, booking_id), 422, **{form_name: form})
    else:
        flash(done, "success")
    return _back(booking_id)


@bp.post("/<int:booking_id>/approve")
@login_required
def approve_booking(booking_id):
    form = ConfirmForm()
    return _decide(
        booking_id,
        form,
        lambda: bookings.decide_booking(current_user, booking_id, "approve"),
        "已批准，预约人会收到通知",
        "confirm_form",
    )


@bp.post("/<int:booking_id>/reject")
@login_required
def reject_booking(booking_id):
    form = RejectForm()
    return _decide(
        booking_id,
        form,
        lambda: bookings.decide_booking(current_user, booking_id, "reject", form.to_data()),
        "已拒绝，预约人会收到通知",
        "reject_form",
    )


@bp.post("/<int:booking_id>/propose")
@login_required
def propose_booking(booking_id):
    form = ProposeForm()
    return _decide(
        booking_id,
        form,
        lambda: bookings.decide_booking(current_user, booking_id, "propose", form.to_data()),
        "已向预约人建议新的时间",
        "propose_form",
    )


@bp.post("/<int:booking_id>/answer")
@login_required
def answer_proposal(booking_id):
    form = AnswerForm()
    accept = form.accept.data == "1"
    return _decide(
        booking_id,
        form,
        lambda: bookings.answer_proposal(current_user, booking_id, accept),
        "已接受新的时间，预约已确认" if accept else "已谢绝改期，该预约已取消",
        "answer_form",
    )


@bp.post("/<int:booking_id>/cancel")
@login_required
def cancel_booking(booking_id):
    form = CancelForm()
    return _decide(
        booking_id,
        form,
        lambda: bookings.cancel_booking(current_user, booking_id, form.reason.data),
        "预约已取消",
        "cancel_form",
    )


@bp.post("/<int:booking_id>/complete")
@login_required
def complete_booking(booking_id):
    form = CompleteForm()
    return _decide(
        booking_id,
        form,
        lambda: bookings.complete_booking(current_user, booking_id, form.to_data()),
        "使用情况已登记，费用已按收费标准计算",
        "complete_form",
    )
