"""The instrument booking pages: the week calendar, the request forms, decisions, blocks, the fee, .ics,
utilisation."""

import calendar
import html
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from market.clock import today_in_beijing
from market.models import Booking, BookingSlot, Notification
from market.services import bookings
from tests.conftest import EQUIPMENT

HOURS = {str(day): [["09:00", "12:00"], ["13:00", "17:00"]] for day in range(7)}
DAY = today_in_beijing() + timedelta(days=7)
WEEK = DAY.isoformat()


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _plain(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _states(response) -> list[str]:
    return re.findall(r'data-state="(\w+)"', response.get_data(as_text=True))


@pytest.fixture
def w(make_user, make_listing):
    owner = make_user("university")
    instrument = make_listing("equipment", owner, **EQUIPMENT)
    bookings.set_booking_rules(owner, instrument.id, {"opening_hours": HOURS, "cancel_hours": 24})
    return SimpleNamespace(
        owner=owner,
        instrument=instrument,
        user=make_user("enterprise"),
        other=make_user("enterprise"),
        fee_id=instrument.fee_items[0].id,
    )


@pytest.fixture
def as_user(client, login):
    def switch(user):
        client.post("/logout")
        if user is not None:
            login(user)
        return user

    return switch


def slot(w, start="09:00", end="11:00", purpose="测试样品表面形貌观察", day=WEEK):
    return {
        "kind": "slot",
        "day": day,
        "start": start,
        "end": end,
        "fee_item_id": str(w.fee_id),
        "purpose": purpose,
    }


def calendar_url(w, week=WEEK):
    return f"/bookings/equipment/{w.instrument.id}?week={week}"


@pytest.fixture
def booked(client, as_user, w, db):
    """The enterprise asks for 09:00–11:00 on DAY through the form; returns the booking."""
    as_user(w.user)
    response = client.post(calendar_url(w), data=slot(w))
    assert response.status_code == 302, _text(response)[:800]
    db.session.expire_all()
    return db.session.scalar(select(Booking))


def count(db, model=Booking) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


# ---- the calendar and the instrument page ------------------------------------------------------------------


def test_anonymous_visitors_see_the_week_and_a_login_link(client, w):
    response = client.get(calendar_url(w))
    page = _plain(response)
    assert response.status_code == 200
    assert (
        set(_states(response)) == {"free"} and len(_states(response)) == 7 * 14
    )  # 7 open hours a day, 7 days
    assert "空闲" in page and "登录后预约" in page and "提交机时预约" not in page
    assert (
        "上一周" in page and "下一周" in page and 'class="table-responsive' in response.get_data(as_text=True)
    )


def test_the_instrument_page_shows_the_rules_and_links_to_the_calendar(client, w, as_user):
    as_user(w.owner)
    client.post(
        f"/bookings/equipment/{w.instrument.id}/rules",
        data={
            "training_required": "y",
            "sample_types": "固体粉末、薄膜",
            "booking_rules": "请提前半小时到场",
            "cancel_hours": "48",
        },
    )
    assert "收到的预约" in _plain(client.get(f"/equipment/{w.instrument.id}"))
    as_user(None)
    page = _plain(client.get(f"/equipment/{w.instrument.id}"))
    assert "收到的预约" not in page
    assert (
        "须经管理方培训" in page
        and "固体粉末、薄膜" in page
        and "请提前半小时到场" in page
        and "48 小时" in page
    )
    assert "查看预约日历并预约" in page and "形貌观察" in page
    assert f"/bookings/equipment/{w.instrument.id}?week=" in client.get(
        f"/equipment/{w.instrument.id}"
    ).get_data(as_text=True)


def test_unverified_users_and_viewers_are_told_why_they_cannot_book(client, w, as_user, make_user):
    as_user(make_user("enterprise", verified=False))
    assert "通过平台认证后即可预约" in _plain(client.get(calendar_url(w)))
    as_user(make_user("viewer"))
    page = _plain(client.get(calendar_url(w)))
    assert "只能查看，不能预约" in page and "提交机时预约" not in page


# ---- requests ----------------------------------------------------------------------------------------------


def test_a_verified_enterprise_books_a_slot_and_sees_it_as_mine(client, w, booked, db):
    assert (booked.status, booked.kind, booked.requester_id) == ("requested", "slot", w.user.id)
    assert count(db, BookingSlot) == 4
    response = client.get(calendar_url(w))
    assert _states(response).count("mine") == 4 and "我的预约" in _plain(response)
    listed = _plain(client.get("/bookings/?role=mine"))
    assert w.instrument.name in listed and "待审批" in listed and f"{WEEK} 09:00 – 11:00" in listed
    assert _states(client.get(calendar_url(w)))  # still renders for the requester


def test_an_overlapping_request_shows_taken_keeps_the_input_and_stores_nothing(
    client, w, booked, as_user, db
):
    as_user(w.other)
    response = client.post(calendar_url(w), data=slot(w, "10:30", "11:30", purpose="另一家企业的测试需求"))
    assert response.status_code == 409
    page = _text(response)
    assert (
        "时段已被预约" in page
        and "另一家企业的测试需求" in page
        and '<option selected value="10:30">' in page
    )
    assert count(db) == 1 and count(db, BookingSlot) == 4
    assert _states(client.get(calendar_url(w))).count("booked") == 4  # others see 已预约, not who


def test_bad_input_shows_field_messages(client, w, as_user, db):
    as_user(w.user)
    response = client.post(calendar_url(w), data=slot(w, "07:00", "08:00"))
    assert response.status_code == 422 and "所选时段不在仪器开放时间内" in _plain(response)
    response = client.post(calendar_url(w), data=slot(w, purpose=""))
    assert response.status_code == 422 and "请填写用途说明" in _plain(response)
    response = client.post(calendar_url(w), data=slot(w, day=""))
    assert response.status_code == 422 and "请填写开始时间" in _plain(response)
    assert count(db) == 0


def test_a_too_long_purpose_is_refused_with_a_message_and_kept_never_cut_silently(client, w, as_user, db):
    as_user(w.user)
    assert "maxlength" not in _text(
        client.get(calendar_url(w))
    )  # the browser would cut a paste without a word
    purpose = "测" * 10_000
    response = client.post(calendar_url(w), data=slot(w, purpose=purpose))
    page = _plain(response)
    assert response.status_code == 422 and "用途说明不能超过1000个字（现有10000个字）" in page
    assert purpose in page  # what was typed is still there to shorten
    assert count(db) == 0


def test_a_sample_job_is_requested_with_a_number_of_samples(client, w, as_user, db):
    as_user(w.user)
    response = client.post(
        calendar_url(w),
        data={"kind": "samples", "samples": "5", "fee_item_id": "", "purpose": "粉末样品形貌"},
    )
    assert response.status_code == 302
    page = _plain(client.get(response.headers["Location"]))
    assert "送样检测" in page and "5 个" in page and "待审批" in page
    assert count(db, BookingSlot) == 0


# ---- decisions -------------------------------------------------------------------------------------------


def test_the_owner_approves_and_the_requester_is_notified(client, w, booked, as_user, db):
    as_user(w.owner)
    page = _plain(client.get(f"/bookings/{booked.id}"))
    assert "批准" in page and w.user.organisation.name in page
    assert client.post(f"/bookings/{booked.id}/approve").status_code == 302
    as_user(w.user)
    assert "已批准" in _plain(client.get(f"/bookings/{booked.id}"))
    note = db.session.scalar(select(Notification).where(Notification.user_id == w.user.id))
    assert note.category == "booking" and "已批准" in note.title and note.link == f"/bookings/{booked.id}"


def test_a_rejection_needs_a_reason(client, w, booked, as_user, db):
    as_user(w.owner)
    response = client.post(f"/bookings/{booked.id}/reject", data={"reason": ""})
    assert response.status_code == 422 and "请填写原因" in _plain(response)
    assert db.session.get(Booking, booked.id).status == "requested"
    client.post(f"/bookings/{booked.id}/reject", data={"reason": "该时段安排了内部培训"})
    as_user(w.user)
    page = _plain(client.get(f"/bookings/{booked.id}"))
    assert "已拒绝" in page and "该时段安排了内部培训" in page
    assert count(db, BookingSlot) == 0


def test_a_proposed_time_accepted_by_the_requester_becomes_the_booking(client, w, booked, as_user, db):
    as_user(w.owner)
    response = client.post(
        f"/bookings/{booked.id}/propose",
        data={"starts_at": f"{WEEK}T14:00", "ends_at": f"{WEEK}T16:00", "reason": "上午仪器校准"},
    )
    assert response.status_code == 302
    as_user(w.user)
    page = _plain(client.get(f"/bookings/{booked.id}"))
    assert "建议改期" in page and f"{WEEK} 14:00" in page and "接受改期" in page
    client.post(f"/bookings/{booked.id}/answer", data={"accept": "1"})
    page = _plain(client.get(f"/bookings/{booked.id}"))
    assert "已批准" in page and f"{WEEK} 14:00 – 16:00" in page


def test_the_requester_cancels_and_the_slots_are_free_again(client, w, booked, db):
    response = client.post(f"/bookings/{booked.id}/cancel", data={"reason": ""})
    assert response.status_code == 302
    assert "已取消" in _plain(client.get(f"/bookings/{booked.id}"))
    assert set(_states(client.get(calendar_url(w)))) == {"free"}


def test_completion_shows_the_fee_from_the_schedule(client, w, booked, as_user, db):
    as_user(w.owner)
    client.post(f"/bookings/{booked.id}/approve")
    response = client.post(f"/bookings/{booked.id}/complete", data={"actual_minutes": "120"})
    assert response.status_code == 302
    assert db.session.get(Booking, booked.id).fee_fen == 60000
    as_user(w.user)
    page = _plain(client.get(f"/bookings/{booked.id}"))
    assert "已完成" in page and "120 分钟" in page and "600元" in page


def test_other_organisations_can_neither_see_nor_decide(client, w, booked, as_user, make_user, db):
    stranger = make_user("university")
    as_user(stranger)
    assert client.get(f"/bookings/{booked.id}").status_code == 404
    assert client.post(f"/bookings/{booked.id}/approve").status_code in (403, 404)
    assert client.post(f"/bookings/{booked.id}/cancel", data={"reason": "x"}).status_code in (403, 404)
    as_user(w.user)  # the requester cannot approve their own request
    assert client.post(f"/bookings/{booked.id}/approve").status_code == 403
    assert db.session.get(Booking, booked.id).status == "requested"


# ---- the owner's calendar tools ----------------------------------------------------------------------------


def test_a_block_shows_as_down_for_others_and_can_be_removed(client, w, as_user, db):
    as_user(w.owner)
    response = client.post(
        f"/bookings/equipment/{w.instrument.id}/blocks",
        data={"starts_at": f"{WEEK}T13:00", "ends_at": f"{WEEK}T17:00", "reason": "年度校准"},
    )
    assert response.status_code == 302
    page = _plain(client.get(calendar_url(w)))
    assert "年度校准" in page and "取消停机" in page
    as_user(w.other)
    response = client.get(calendar_url(w))
    assert _states(response).count("blocked") == 8 and "停机" in _plain(response)
    assert "取消停机" not in _plain(response)
    as_user(w.owner)
    block_id = db.session.scalar(select(BookingSlot.block_id).where(BookingSlot.block_id.is_not(None)))
    client.post(f"/bookings/equipment/{w.instrument.id}/blocks/{block_id}/delete")
    assert "blocked" not in _states(client.get(calendar_url(w)))


def test_a_block_over_a_booking_is_refused(client, w, booked, as_user, db):
    as_user(w.owner)
    response = client.post(
        f"/bookings/equipment/{w.instrument.id}/blocks",
        data={"starts_at": f"{WEEK}T10:00", "ends_at": f"{WEEK}T12:00", "reason": "维修"},
    )
    assert response.status_code == 409 and "已有预约或停机安排" in _plain(response)


def test_the_owner_sets_opening_hours_row_by_row(client, w, as_user, db):
    as_user(w.owner)
    data = {f"days-{n}-{k}": "" for n in range(7) for k in ("open1", "close1", "open2", "close2")}
    data.update({"days-0-open1": "08:00", "days-0-close1": "10:00"})
    assert client.post(f"/bookings/equipment/{w.instrument.id}/hours", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(type(w.instrument), w.instrument.id).opening_hours == {"0": [["08:00", "10:00"]]}
    assert len(_states(client.get(calendar_url(w)))) == 4 * 7  # 4 rows, only Monday open
    data["days-1-open1"], data["days-1-close1"] = "09:15", "10:00"
    response = client.post(f"/bookings/equipment/{w.instrument.id}/hours", data=data)
    assert response.status_code == 422 and "须为整点或半点" in _plain(response)


def test_other_users_get_no_owner_forms_and_cannot_post_them(client, w, as_user):
    as_user(w.other)
    assert "保存开放时间" not in _plain(client.get(calendar_url(w)))
    response = client.post(
        f"/bookings/equipment/{w.instrument.id}/blocks",
        data={"starts_at": f"{WEEK}T13:00", "ends_at": f"{WEEK}T14:00", "reason": "x"},
    )
    assert response.status_code == 403


# ---- lists, export, utilisation ----------------------------------------------------------------------------


def test_the_owner_sees_incoming_bookings_with_a_status_filter(client, w, booked, as_user):
    as_user(w.owner)
    page = _plain(client.get("/bookings/?role=incoming"))
    assert w.instrument.name in page and w.user.organisation.name in page
    assert "没有符合筛选条件的预约" in _plain(client.get("/bookings/?role=incoming&status=approved"))
    assert "还没有预约" in _plain(client.get("/bookings/?role=mine"))


def test_ics_export_has_events_and_hides_requesters_from_outsiders(client, w, booked, as_user):
    as_user(w.owner)
    client.post(f"/bookings/{booked.id}/approve")
    response = client.get(f"/bookings/equipment/{w.instrument.id}/calendar.ics")
    assert response.mimetype == "text/calendar" and ".ics" in response.headers["Content-Disposition"]
    assert w.user.organisation.name in response.get_data(as_text=True)
    as_user(w.other)
    text = client.get(f"/bookings/equipment/{w.instrument.id}/calendar.ics").get_data(as_text=True)
    assert "BEGIN:VEVENT" in text and "END:VEVENT" in text and "SUMMARY:预约：已预约" in text
    assert w.user.organisation.name not in text and w.user.display_name not in text


def test_utilisation_shows_the_percentage_and_revenue(client, w, booked, as_user):
    as_user(w.owner)
    client.post(f"/bookings/{booked.id}/approve")
    days = calendar.monthrange(DAY.year, DAY.month)[1]
    response = client.get(f"/bookings/utilisation?month={DAY.strftime('%Y-%m')}")
    page = _plain(response)
    assert response.status_code == 200 and w.instrument.name in page
    assert f"{120 / (420 * days) * 100:.1f}%" in page and f"{7 * days:.1f}" in page
    assert "停机（小时）" in page
    assert client.get("/bookings/utilisation?month=三月").status_code == 422


def test_admins_see_utilisation_for_all_instruments(client, w, as_user, make_user, make_listing):
    other = make_listing("equipment", make_user("university"), **{**EQUIPMENT, "name": "X射线衍射仪"})
    as_user(w.owner)
    page = _plain(client.get("/bookings/utilisation"))
    assert w.instrument.name in page and other.name not in page
    as_user(make_user("admin"))
    page = _plain(client.get("/bookings/utilisation"))
    assert w.instrument.name in page and other.name in page and w.owner.organisation.name in page
