"""Instrument booking: requests inside opening hours, no overlap, decisions, cancellation, blocks, the fee,
the week."""

from datetime import date, datetime, time, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from market.clock import today_in_beijing
from market.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.models import Booking, BookingSlot, EquipmentFee
from market.services import bookings
from tests.conftest import EQUIPMENT

WEEKDAYS_9_TO_17 = {str(day): [["09:00", "12:00"], ["13:00", "17:00"]] for day in range(7)}
DAY = today_in_beijing() + timedelta(days=7)


def at(hour: int, minute: int = 0, day: date = DAY) -> str:
    return datetime.combine(day, time(hour, minute)).isoformat(timespec="minutes")


@pytest.fixture
def w(make_user, make_listing):
    owner = make_user("university")
    colleague = make_user("university", org=owner.organisation)
    instrument = make_listing("equipment", owner, **EQUIPMENT)
    bookings.set_booking_rules(owner, instrument.id, {"opening_hours": WEEKDAYS_9_TO_17, "cancel_hours": 24})
    return SimpleNamespace(
        owner=owner,
        colleague=colleague,
        instrument=instrument,
        user=make_user("enterprise"),
        other=make_user("enterprise"),
        admin=make_user("admin"),
    )


def ask(actor, instrument, start, end, **extra):
    return bookings.request_booking(
        actor,
        instrument.id,
        {"kind": "slot", "purpose": "测试样品形貌观察", "starts_at": start, "ends_at": end, **extra},
    )


def held(db, booking_id=None) -> int:
    query = select(func.count()).select_from(BookingSlot)
    if booking_id is not None:
        query = query.where(BookingSlot.booking_id == booking_id)
    return db.session.scalar(query)


def test_a_request_inside_opening_hours_holds_its_slots(w, db):
    booking = ask(w.user, w.instrument, at(9), at(11))
    assert (booking.status, booking.kind) == ("requested", "slot")
    assert held(db, booking.id) == 4  # four half hours


@pytest.mark.parametrize(
    "start,end,field,message",
    [
        (at(8), at(10), "starts_at", "所选时段不在仪器开放时间内"),
        (at(11), at(14), "starts_at", "所选时段不在仪器开放时间内"),  # over the lunch break
        (at(9, 15), at(10), "starts_at", "时间须为整点或半点（预约以 30 分钟为单位）"),
        (at(10), at(10), "ends_at", "结束时间须晚于开始时间"),
        ("明天上午", at(10), "starts_at", "开始时间格式应为 年-月-日T时:分，例如 2026-12-03T09:00"),
        (
            at(9, day=today_in_beijing() - timedelta(days=1)),
            at(10, day=today_in_beijing() - timedelta(days=1)),
            "starts_at",
            "开始时间不能早于现在",
        ),
    ],
)
def test_bad_times_are_refused_with_a_chinese_message(w, db, start, end, field, message):
    with pytest.raises(ValidationFailed) as exc:
        ask(w.user, w.instrument, start, end)
    assert exc.value.fields[field] == message
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 0 and held(db) == 0


def test_an_overlapping_request_is_refused_and_a_touching_one_is_not(w, db):
    ask(w.user, w.instrument, at(9), at(11))
    with pytest.raises(Conflict) as exc:
        ask(w.other, w.instrument, at(10, 30), at(11, 30))
    assert exc.value.message == "时段已被预约"
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
    assert ask(w.other, w.instrument, at(11), at(12)).status == "requested"


def test_viewers_and_unverified_users_cannot_book(w, make_user):
    for actor in (make_user("viewer"), make_user("enterprise", verified=False), None):
        with pytest.raises(PermissionDenied):
            ask(actor, w.instrument, at(9), at(10))


def test_a_rejection_needs_a_reason_and_frees_the_slots(w, db):
    booking = ask(w.user, w.instrument, at(9), at(10))
    with pytest.raises(ValidationFailed) as exc:
        bookings.decide_booking(w.owner, booking.id, "reject", {"reason": ""})
    assert exc.value.fields == {"reason": "请填写原因"}
    bookings.decide_booking(w.owner, booking.id, "reject", {"reason": "该时段需校准"})
    assert (booking.status, booking.reason, held(db, booking.id)) == ("rejected", "该时段需校准", 0)
    assert ask(w.other, w.instrument, at(9), at(10)).status == "requested"


def test_only_the_owner_decides(w):
    booking = ask(w.user, w.instrument, at(9), at(10))
    for actor in (w.user, w.other):
        with pytest.raises((PermissionDenied, NotFound)):
            bookings.decide_booking(actor, booking.id, "approve")
    assert bookings.decide_booking(w.colleague, booking.id, "approve").status == "approved"
    with pytest.raises(InvalidTransition):
        bookings.decide_booking(w.owner, booking.id, "approve")


def test_a_proposed_time_moves_the_held_slots_and_the_requester_answers(w, db):
    booking = ask(w.user, w.instrument, at(9), at(10))
    bookings.decide_booking(
        w.owner, booking.id, "propose", {"starts_at": at(14), "ends_at": at(15), "reason": "上午有培训"}
    )
    assert booking.status == "proposed" and held(db, booking.id) == 2
    assert ask(w.other, w.instrument, at(9), at(10)).status == "requested"  # the old time is free again
    with pytest.raises(NotFound):  # someone else's booking does not exist for them
        bookings.answer_proposal(w.other, booking.id, True)
    with pytest.raises(PermissionDenied):  # the owner proposes; the requester answers
        bookings.answer_proposal(w.owner, booking.id, True)
    bookings.answer_proposal(w.user, booking.id, True)
    assert booking.status == "approved" and booking.starts_at.hour == datetime.fromisoformat(at(14)).hour - 8


def test_declining_a_proposal_cancels_and_frees(w, db):
    booking = ask(w.user, w.instrument, at(9), at(10))
    bookings.decide_booking(w.owner, booking.id, "propose", {"starts_at": at(14), "ends_at": at(15)})
    bookings.answer_proposal(w.user, booking.id, False)
    assert booking.status == "cancelled" and held(db, booking.id) == 0


def test_a_proposal_onto_a_taken_slot_is_refused_and_changes_nothing(w, db):
    first = ask(w.user, w.instrument, at(9), at(10))
    second = ask(w.other, w.instrument, at(14), at(15))
    with pytest.raises(Conflict):
        bookings.decide_booking(w.owner, first.id, "propose", {"starts_at": at(14), "ends_at": at(15)})
    db.session.expire_all()
    assert db.session.get(Booking, first.id).status == "requested" and held(db, first.id) == 2
    assert held(db, second.id) == 2


def test_cancelling_an_approved_booking_close_to_its_start_is_for_the_owner_only(w, db):
    soon = today_in_beijing() + timedelta(days=1)
    bookings.set_booking_rules(w.owner, w.instrument.id, {"cancel_hours": 72})
    booking = ask(w.user, w.instrument, at(9, day=soon), at(10, day=soon))
    bookings.decide_booking(w.owner, booking.id, "approve")
    with pytest.raises(InvalidTransition) as exc:
        bookings.cancel_booking(w.user, booking.id)
    assert "72 小时内不能取消" in exc.value.message
    with pytest.raises(ValidationFailed):
        bookings.cancel_booking(w.owner, booking.id, "")  # the owner says why
    bookings.cancel_booking(w.owner, booking.id, "仪器故障")
    assert booking.status == "cancelled" and held(db, booking.id) == 0


def test_the_requester_cancels_in_good_time(w, db):
    booking = ask(w.user, w.instrument, at(9), at(10))
    bookings.decide_booking(w.owner, booking.id, "approve")
    assert bookings.cancel_booking(w.user, booking.id).status == "cancelled"
    with pytest.raises(InvalidTransition):
        bookings.cancel_booking(w.user, booking.id)


def test_a_block_cannot_cover_a_booking_and_a_booking_cannot_enter_a_block(w, db):
    ask(w.user, w.instrument, at(9), at(10))
    with pytest.raises(Conflict) as exc:
        bookings.block_period(
            w.owner, w.instrument.id, {"starts_at": at(9), "ends_at": at(12), "reason": "保养"}
        )
    assert "请先处理" in exc.value.message
    block = bookings.block_period(
        w.owner, w.instrument.id, {"starts_at": at(13), "ends_at": at(17), "reason": "年度校准"}
    )
    with pytest.raises(Conflict):
        ask(w.other, w.instrument, at(14), at(15))
    bookings.remove_block(w.owner, block.id)
    assert ask(w.other, w.instrument, at(14), at(15)).status == "requested"
    with pytest.raises(PermissionDenied):
        bookings.block_period(
            w.user, w.instrument.id, {"starts_at": at(13), "ends_at": at(14), "reason": "x"}
        )


def _fee(db, instrument, unit, price, internal=None):
    item = EquipmentFee(
        equipment_id=instrument.id,
        label="计费",
        unit=unit,
        price_fen=price,
        internal_price_fen=internal,
        position=9,
    )
    db.session.add(item)
    db.session.commit()
    return item


def test_the_fee_follows_the_schedule_and_the_tier_exactly(w, db):
    hourly = _fee(db, w.instrument, "元/小时", 333_33, internal=150_00)  # 333.33 元/小时
    outside = ask(w.user, w.instrument, at(9), at(11), fee_item_id=hourly.id)
    inside = ask(w.colleague, w.instrument, at(13), at(15), fee_item_id=hourly.id)
    for booking in (outside, inside):
        bookings.decide_booking(w.owner, booking.id, "approve")
    bookings.complete_booking(w.owner, outside.id, {"actual_minutes": "100"})
    bookings.complete_booking(w.owner, inside.id, {"actual_minutes": 90})
    assert (outside.tier, outside.fee_fen) == ("external", 555_55)  # 333.33 × 100/60 = 555.55
    assert (inside.tier, inside.fee_fen) == ("internal", 225_00)
    with pytest.raises(InvalidTransition):
        bookings.complete_booking(w.owner, outside.id, {"actual_minutes": 10})


def test_a_sample_job_is_charged_per_sample(w, db):
    per_sample = _fee(db, w.instrument, "元/样", 80_50)
    job = bookings.request_booking(
        w.user,
        w.instrument.id,
        {"kind": "samples", "samples": "12", "purpose": "粉末XRD", "fee_item_id": per_sample.id},
    )
    assert job.kind == "samples" and held(db, job.id) == 0  # a sample job holds no time
    bookings.decide_booking(w.owner, job.id, "approve")
    with pytest.raises(ValidationFailed):
        bookings.complete_booking(w.owner, job.id, {"actual_minutes": 30})  # samples are what count
    bookings.complete_booking(w.owner, job.id, {"actual_samples": 10})
    assert job.fee_fen == 805_00


@pytest.mark.parametrize(
    "unit,price,internal,minutes,samples,expected",
    [
        ("元/小时", 100_00, None, 45, None, (75_00, "external")),
        ("元/小时", 100_00, 60_00, 45, None, (45_00, "internal")),
        ("元/天", 500_00, None, 1441, None, (1000_00, "external")),
        ("元/次", 200_00, None, 30, None, (200_00, "external")),
        ("元/样", 1, None, None, 3, (3, "external")),
        ("面议", None, None, 60, None, (None, "external")),
    ],
)
def test_compute_fee(unit, price, internal, minutes, samples, expected):
    item = EquipmentFee(label="x", unit=unit, price_fen=price, internal_price_fen=internal)
    assert bookings.compute_fee(item, internal is not None, minutes, samples) == expected


def test_the_week_shows_free_booked_blocked_and_mine_without_names(w, db):
    monday = DAY - timedelta(days=DAY.weekday())
    mine = ask(w.user, w.instrument, at(9), at(10))
    bookings.block_period(
        w.owner, w.instrument.id, {"starts_at": at(13), "ends_at": at(14), "reason": "保养"}
    )
    for actor, expected in ((w.user, "mine"), (w.other, "booked"), (None, "booked")):
        view = bookings.week(actor, w.instrument.id, monday)
        day = next(d for d in view["days"] if d["date"] == DAY)
        states = [cell.state for cell in day["cells"]]
        assert len(states) == 14  # 09–12 and 13–17 in half hours
        assert states[:2] == [expected, expected] and states[6:8] == ["blocked", "blocked"]
        assert states.count("free") == 10
    assert mine.status == "requested"


def test_opening_hours_are_checked(w):
    for hours, message in (
        ({"7": [["09:00", "10:00"]]}, "周一"),
        ({"0": [["09:15", "10:00"]]}, "整点或半点"),
        ({"0": [["09:00", "12:00"], ["11:00", "13:00"]]}, "不能重叠"),
        ({"0": [["10:00", "09:00"]]}, "结束晚于开始"),
        ("全天", "格式"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            bookings.set_booking_rules(w.owner, w.instrument.id, {"opening_hours": hours})
        assert message in exc.value.fields["opening_hours"]
    with pytest.raises(PermissionDenied):
        bookings.set_booking_rules(w.user, w.instrument.id, {"cancel_hours": 1})


def test_a_proposal_must_fall_in_opening_hours(w, db):
    booking = ask(w.user, w.instrument, at(9), at(10))
    with pytest.raises(ValidationFailed) as exc:
        bookings.decide_booking(w.owner, booking.id, "propose", {"starts_at": at(12), "ends_at": at(13)})
    assert exc.value.fields == {"starts_at": "建议的时段不在仪器开放时间内"}


def test_a_block_is_removed_only_through_its_own_instrument(w, db, make_listing):
    other = make_listing("equipment", w.owner, **{**EQUIPMENT, "name": "X射线衍射仪"})
    block = bookings.block_period(
        w.owner, w.instrument.id, {"starts_at": at(13), "ends_at": at(14), "reason": "保养"}
    )
    with pytest.raises(NotFound):
        bookings.remove_block(w.owner, block.id, other.id)
    assert [b.id for b in bookings.list_blocks(w.owner, w.instrument.id)] == [block.id]
    bookings.remove_block(w.owner, block.id, w.instrument.id)
    assert bookings.list_blocks(w.owner, w.instrument.id) == [] and held(db) == 0


def test_a_block_reports_every_problem_at_once(w):
    with pytest.raises(ValidationFailed) as exc:
        bookings.block_period(
            w.owner, w.instrument.id, {"starts_at": at(13, 10), "ends_at": at(14), "reason": ""}
        )
    assert set(exc.value.fields) == {"starts_at", "reason"}
