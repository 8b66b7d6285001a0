"""What owners and admins read about bookings: open hours in a month, utilisation and revenue, the iCalendar
export, and the lists of bookings made and received."""

from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest

from market.clock import today_in_beijing
from market.errors import NotFound, PermissionDenied
from market.models import Booking
from market.services import bookings
from market.services.bookings import BEIJING
from tests.conftest import EQUIPMENT

WORKDAYS = {str(day): [["09:00", "12:00"], ["13:00", "17:00"]] for day in range(5)}  # Mon–Fri, 7 h
SUNDAY_EVENING = {"6": [["20:00", "24:00"]]}
MARCH = date(2025, 3, 1)  # a Saturday; 21 working days, 5 Sundays, Monday the 31st is the last day
DAY = today_in_beijing() + timedelta(days=7)


def bj(day: date, hour: int, minute: int = 0) -> datetime:
    """A Beijing wall-clock time as the aware UTC datetime the database stores."""
    return datetime.combine(day, time(hour, minute), tzinfo=BEIJING).astimezone(timezone.utc)


def at(hour: int, minute: int = 0, day: date = DAY) -> str:
    return datetime.combine(day, time(hour, minute)).isoformat(timespec="minutes")


@pytest.fixture
def w(make_user, make_org, make_listing):
    owner = make_user("university")
    instrument = make_listing("equipment", owner, **EQUIPMENT)
    bookings.set_booking_rules(owner, instrument.id, {"opening_hours": {**WORKDAYS, **SUNDAY_EVENING}})
    requester_org = make_org(kind="enterprise", name="西安某某材料,分析;测试中心")
    return SimpleNamespace(
        owner=owner,
        instrument=instrument,
        requester=make_user("enterprise", org=requester_org),
        other=make_user("enterprise"),
        admin=make_user("admin"),
    )


def put(
    db,
    instrument,
    requester,
    status,
    start=None,
    end=None,
    *,
    kind="slot",
    fee_fen=None,
    updated_at=None,
    samples=None,
) -> Booking:
    """A booking row as it stands after its history (past months cannot be booked through the service)."""
    booking = Booking(
        equipment_id=instrument.id,
        requester_id=requester.id,
        requester_org_id=requester.organisation_id,
        kind=kind,
        purpose="测试",
        starts_at=start,
        ends_at=end,
        samples=samples,
        status=status,
        fee_fen=fee_fen,
        **({"updated_at": updated_at} if updated_at else {}),
    )
    db.session.add(booking)
    db.session.commit()
    return booking


def ask(actor, instrument, start, end) -> Booking:
    return bookings.request_booking(
        actor, instrument.id, {"kind": "slot", "purpose": "形貌观察", "starts_at": start, "ends_at": end}
    )


# ---- open minutes ----------------------------------------------------------------------------------------


def test_open_minutes_of_a_month_follow_the_weekly_hours(w):
    start, end = bookings.reports._month_bounds(MARCH)
    assert (start, end) == (bj(MARCH, 0), bj(date(2025, 4, 1), 0))  # the month in Beijing time
    # 21 working days × 7 h + 5 Sunday evenings × 4 h (open until midnight)
    assert bookings.open_minutes(w.instrument, start, end) == 21 * 420 + 5 * 240 == 10020


def test_open_minutes_are_cut_at_the_edges_of_the_period(w):
    monday = date(2025, 3, 3)
    assert bookings.open_minutes(w.instrument, bj(monday, 10), bj(monday, 15)) == 120 + 120
    assert bookings.open_minutes(w.instrument, bj(monday, 12), bj(monday, 13)) == 0  # lunch
    sunday = date(2025, 3, 2)
    assert bookings.open_minutes(w.instrument, bj(sunday, 22), bj(monday, 10)) == 120 + 60  # over midnight
    assert bookings.open_minutes(w.instrument, bj(monday, 9), bj(monday, 9)) == 0


# ---- utilisation and revenue ------------------------------------------------------------------------


def test_utilisation_counts_approved_and_completed_time_within_the_month(w, db):
    put(db, w.instrument, w.requester, "approved", bj(date(2025, 3, 3), 9), bj(date(2025, 3, 3), 11))  # 120
    put(
        db,
        w.instrument,
        w.requester,
        "completed",
        bj(date(2025, 3, 4), 13),
        bj(date(2025, 3, 4), 16, 30),  # 210
        fee_fen=1050_00,
        updated_at=bj(date(2025, 3, 4), 17),
    )
    # the last evening of March into April: only the 60 minutes before midnight belong to March
    put(db, w.instrument, w.other, "approved", bj(date(2025, 3, 31), 23), bj(date(2025, 4, 1), 1))
    for status in ("requested", "proposed", "rejected", "cancelled"):  # hold no time that was used
        put(db, w.instrument, w.other, status, bj(date(2025, 3, 5), 9), bj(date(2025, 3, 5), 12))
    put(
        db, w.instrument, w.requester, "approved", bj(date(2025, 2, 28), 9), bj(date(2025, 2, 28), 12)
    )  # February
    # a sample job completed in March brings revenue but no booked time
    put(
        db,
        w.instrument,
        w.other,
        "completed",
        kind="samples",
        samples=10,
        fee_fen=805_00,
        updated_at=bj(date(2025, 3, 20), 10),
    )
    # done in February, or recorded in April: another month's revenue
    put(
        db,
        w.instrument,
        w.other,
        "completed",
        bj(date(2025, 2, 27), 9),
        bj(date(2025, 2, 27), 10),
        fee_fen=300_00,
        updated_at=bj(date(2025, 2, 28), 23, 59),
    )
    put(
        db,
        w.instrument,
        w.other,
        "completed",
        bj(date(2025, 3, 31), 9),
        bj(date(2025, 3, 31), 10),
        fee_fen=77_77,
        updated_at=bj(date(2025, 4, 1), 0, 1),
    )

    figures = bookings.utilisation(w.owner, w.instrument.id, date(2025, 3, 17))
    assert figures["month"] == MARCH
    assert figures["booked_minutes"] == 120 + 210 + 60 + 60  # the last is the completed 31 March morning
    assert figures["open_minutes"] == 10020
    assert figures["utilisation"] == pytest.approx(450 / 10020)
    assert figures["revenue_fen"] == 1050_00 + 805_00  # exact fen, completed in March only
    april = bookings.utilisation(w.owner, w.instrument.id, date(2025, 4, 1))
    assert (april["booked_minutes"], april["revenue_fen"]) == (60, 77_77)


def test_blocked_open_hours_are_not_counted_as_available(w, db):
    from market.models import EquipmentBlock

    def block(start, end):
        db.session.add(
            EquipmentBlock(equipment_id=w.instrument.id, starts_at=start, ends_at=end, reason="校准")
        )

    block(bj(date(2025, 3, 3), 10), bj(date(2025, 3, 3), 14))  # 10–12 and 13–14 are open: 180 minutes
    block(bj(date(2025, 3, 3), 11), bj(date(2025, 3, 3), 13))  # overlaps the first: nothing more
    block(bj(date(2025, 3, 8), 9), bj(date(2025, 3, 8), 17))  # a Saturday: closed anyway
    block(bj(date(2025, 3, 31), 16), bj(date(2025, 4, 1), 10))  # 16–17 of March; April's morning is April's
    db.session.commit()
    put(db, w.instrument, w.requester, "approved", bj(date(2025, 3, 4), 9), bj(date(2025, 3, 4), 11))  # 120

    march = bookings.utilisation(w.owner, w.instrument.id, MARCH)
    assert (march["open_minutes"], march["blocked_minutes"], march["available_minutes"]) == (10020, 240, 9780)
    assert march["utilisation"] == pytest.approx(120 / 9780)
    april = bookings.utilisation(w.owner, w.instrument.id, date(2025, 4, 1))
    assert april["blocked_minutes"] == 60  # 09:00–10:00 on Tuesday 1 April
    totals = bookings.utilisation_totals([march, april])
    assert (totals["blocked_minutes"], totals["booked_minutes"]) == (300, 120)
    assert totals["utilisation"] == pytest.approx(
        120 / (march["available_minutes"] + april["available_minutes"])
    )


def test_the_admin_table_takes_the_same_few_queries_for_any_number_of_instruments(
    w, db, make_user, make_listing
):
    from sqlalchemy import event

    def queries_for_table() -> tuple[int, list[dict]]:
        statements = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            rows = bookings.utilisation_table(w.admin, MARCH)
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len(statements), rows

    put(db, w.instrument, w.requester, "approved", bj(date(2025, 3, 3), 9), bj(date(2025, 3, 3), 11))
    few, rows = queries_for_table()
    for number in range(4):
        other = make_listing("equipment", make_user("university"), **{**EQUIPMENT, "name": f"仪器{number}"})
        bookings.set_booking_rules(w.admin, other.id, {"opening_hours": WORKDAYS})
        put(
            db,
            other,
            w.requester,
            "completed",
            bj(date(2025, 3, 4), 9),
            bj(date(2025, 3, 4), 10),
            fee_fen=100_00,
            updated_at=bj(date(2025, 3, 4), 11),
        )
    many, rows = queries_for_table()
    assert many == few
    assert [row["booked_minutes"] for row in rows] == [120, 60, 60, 60, 60]
    assert [row["revenue_fen"] for row in rows] == [0, 100_00, 100_00, 100_00, 100_00]


def test_utilisation_is_for_the_owner_and_the_table_for_owners_and_admins(w, db, make_user, make_listing):
    put(
        db,
        w.instrument,
        w.requester,
        "completed",
        bj(date(2025, 3, 3), 9),
        bj(date(2025, 3, 3), 10),
        fee_fen=300_00,
        updated_at=bj(date(2025, 3, 3), 12),
    )
    second = make_listing("equipment", w.owner, **{**EQUIPMENT, "name": "X射线衍射仪"})
    elsewhere = make_listing("equipment", make_user("enterprise"), **{**EQUIPMENT, "name": "拉曼光谱仪"})
    with pytest.raises(PermissionDenied):
        bookings.utilisation(w.requester, w.instrument.id, MARCH)
    own = bookings.utilisation_table(w.owner, MARCH)
    assert [row["equipment"].id for row in own] == [w.instrument.id, second.id]
    assert (own[0]["booked_minutes"], own[0]["revenue_fen"]) == (60, 300_00)
    assert (own[1]["open_minutes"], own[1]["utilisation"], own[1]["revenue_fen"]) == (
        0,
        None,
        0,
    )  # no hours set
    assert [row["equipment"].id for row in bookings.utilisation_table(w.admin, MARCH)] == [
        w.instrument.id,
        second.id,
        elsewhere.id,
    ]
    assert bookings.utilisation_table(w.requester, MARCH) == []
    with pytest.raises(PermissionDenied):
        bookings.utilisation_table(None, MARCH)


# ---- the calendar ------------------------------------------------------------------------------------


def test_the_calendar_holds_approved_bookings_and_blocks_escaped(w, db):
    kept = ask(w.requester, w.instrument, at(9), at(10))
    bookings.decide_booking(w.owner, kept.id, "approve")
    waiting = ask(w.other, w.instrument, at(10), at(11))
    refused = ask(w.other, w.instrument, at(11), at(12))
    bookings.decide_booking(w.owner, refused.id, "reject", {"reason": "样品不符"})
    block = bookings.block_period(
        w.owner, w.instrument.id, {"starts_at": at(13), "ends_at": at(15), "reason": "校准,更换灯丝;约两小时"}
    )
    text = bookings.calendar_ics(w.owner, w.instrument.id)
    lines = text.split("\r\n")
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-2:] == ["END:VCALENDAR", ""]
    assert text.count("BEGIN:VEVENT") == text.count("END:VEVENT") == 2
    assert f"UID:booking-{kept.id}-equipment-{w.instrument.id}@qcy-market" in lines
    assert f"UID:block-{block.id}-equipment-{w.instrument.id}@qcy-market" in lines
    assert f"booking-{waiting.id}-" not in text and f"booking-{refused.id}-" not in text
    stamp = DAY.strftime("%Y%m%d")
    assert (
        f"DTSTART:{stamp}T010000Z" in lines and f"DTEND:{stamp}T070000Z" in lines
    )  # 09:00 and 15:00 Beijing
    # commas and semicolons are escaped in text values (RFC 5545 3.3.11)
    assert "SUMMARY:预约：西安某某材料\\,分析\\;测试中心" in lines
    assert "SUMMARY:停机：校准\\,更换灯丝\\;约两小时" in lines


@pytest.mark.parametrize("who", ["requester", "other", "anonymous"])
def test_only_the_owner_sees_who_booked_in_the_calendar(w, who):
    kept = ask(w.requester, w.instrument, at(9), at(10))
    bookings.decide_booking(w.owner, kept.id, "approve")
    text = bookings.calendar_ics(getattr(w, who, None), w.instrument.id)
    assert "SUMMARY:预约：已预约" in text.split("\r\n")
    assert "西安某某材料" not in text
    assert "西安某某材料" in bookings.calendar_ics(w.admin, w.instrument.id)


def test_the_calendar_of_an_unpublished_instrument_is_the_owners(w, make_listing):
    draft = make_listing("equipment", w.owner, submit=False, **EQUIPMENT)
    with pytest.raises(NotFound):
        bookings.calendar_ics(w.requester, draft.id)
    assert "BEGIN:VEVENT" not in bookings.calendar_ics(w.owner, draft.id)


# ---- lists -------------------------------------------------------------------------------------------


def test_lists_of_bookings_made_and_received_with_filters(w, make_user, make_listing):
    colleague = make_user("university", org=w.owner.organisation)
    second = make_listing("equipment", w.owner, **{**EQUIPMENT, "name": "X射线衍射仪"})
    bookings.set_booking_rules(w.owner, second.id, {"opening_hours": WORKDAYS | SUNDAY_EVENING})
    elsewhere_owner = make_user("enterprise")
    elsewhere = make_listing("equipment", elsewhere_owner, **{**EQUIPMENT, "name": "拉曼光谱仪"})
    bookings.set_booking_rules(elsewhere_owner, elsewhere.id, {"opening_hours": WORKDAYS | SUNDAY_EVENING})
    day = DAY + timedelta(days=(7 - DAY.weekday()) % 7)  # a Monday: open on every instrument
    a1 = ask(w.requester, w.instrument, at(9, day=day), at(10, day=day))
    a2 = ask(w.requester, second, at(9, day=day), at(10, day=day))
    b1 = ask(w.other, w.instrument, at(13, day=day), at(14, day=day))
    b2 = ask(w.other, elsewhere, at(9, day=day), at(10, day=day))
    bookings.decide_booking(w.owner, a1.id, "approve")

    def ids(actor, **filters):
        return [b.id for b in bookings.list_bookings(actor, filters).items]

    assert ids(w.requester) == ids(w.requester, role="mine") == [a2.id, a1.id]  # newest first
    assert ids(w.other, role="mine") == [b2.id, b1.id]
    assert ids(w.owner, role="incoming") == ids(colleague, role="incoming") == [b1.id, a2.id, a1.id]
    assert ids(w.owner, role="mine") == []
    assert ids(elsewhere_owner, role="incoming") == [b2.id]
    assert ids(w.admin, role="incoming") == [b2.id, b1.id, a2.id, a1.id]
    assert ids(w.owner, role="incoming", status="approved") == [a1.id]
    assert ids(w.owner, role="incoming", status="requested") == [b1.id, a2.id]
    assert ids(w.owner, role="incoming", equipment_id=str(second.id)) == [a2.id]
    assert ids(w.requester, role="mine", equipment_id=w.instrument.id, status="approved") == [a1.id]
    page = bookings.list_bookings(w.admin, {"role": "incoming"}, page=2, per_page=3)
    assert ([b.id for b in page.items], page.total) == ([a1.id], 4)
    with pytest.raises(PermissionDenied):
        bookings.list_bookings(None, {})


def test_a_viewer_of_the_owners_organisation_receives_no_bookings(w, make_user):
    viewer = make_user("viewer", org=w.owner.organisation)
    ask(w.requester, w.instrument, at(9), at(10))
    assert bookings.list_bookings(viewer, {"role": "incoming"}).items == []


def test_long_calendar_lines_are_folded_at_75_octets_between_characters(w, db):
    from market.services import bookings as service

    w.instrument.name = "超高分辨率场发射扫描电子显微镜（配能谱仪、电子背散射衍射系统及低真空模式）" * 2
    db.session.commit()
    text = service.calendar_ics(None, w.instrument.id)
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert f"X-WR-CALNAME:{w.instrument.name.replace('、', '、')}" in unfolded
