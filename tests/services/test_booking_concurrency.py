"""Many processes asking for overlapping time on one instrument at once: exactly one wins, on both
databases."""

import multiprocessing
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from market import create_app
from market.clock import today_in_beijing
from market.extensions import db as _db
from market.models import Booking, BookingSlot
from tests.conftest import EQUIPMENT

SPAWN = multiprocessing.get_context("spawn")
pytestmark = pytest.mark.slow  # the racing processes read the rows this test commits
PROCESSES = 6
ALL_WEEK = {str(day): [["08:00", "20:00"]] for day in range(7)}


def _app(url, instance):
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "SEARCH_BACKEND": "memory",
            "INSTANCE_PATH": instance,
        }
    )


def _ask(url, instance, user_id, equipment_id, start, end, barrier, results):
    """One process: wait for the others, then ask for [start, end) and report what the service said."""
    from market.errors import DomainError
    from market.models import User
    from market.services import bookings

    app = _app(url, instance)
    with app.app_context():
        user = _db.session.get(User, user_id)
        barrier.wait(timeout=150)  # six spawned processes start slowly on a busy 2-core CI machine
        try:
            booking = bookings.request_booking(
                user,
                equipment_id,
                {"kind": "slot", "purpose": "并发测试", "starts_at": start, "ends_at": end},
            )
            results.put(("won", booking.id))
        except DomainError as exc:
            results.put(("refused", exc.message))
        except BaseException as exc:  # noqa: BLE001 (anything else would reach the user as a 500)
            results.put(("error", repr(exc)))
        finally:
            _db.session.remove()
            _db.engine.dispose()


@pytest.fixture
def url(app, backend, database_urls, db):
    return database_urls[backend]


def test_overlapping_requests_from_many_processes_leave_exactly_one_booking(
    url, app, make_user, make_listing, db
):
    from market.services import bookings

    owner = make_user("university")
    instrument = make_listing("equipment", owner, **EQUIPMENT)
    bookings.set_booking_rules(owner, instrument.id, {"opening_hours": ALL_WEEK})
    users = [make_user("enterprise").id for _ in range(PROCESSES)]
    day = today_in_beijing() + timedelta(days=3)
    # Every request overlaps every other one somewhere in 10:00–13:00, each with its own start and end.
    windows = [
        (
            datetime.combine(day, time(10, 0)) + timedelta(minutes=30 * (n % 3)),
            datetime.combine(day, time(12, 0)) + timedelta(minutes=30 * (n % 2)),
        )
        for n in range(PROCESSES)
    ]
    barrier, results = SPAWN.Barrier(PROCESSES), SPAWN.Queue()
    workers = [
        SPAWN.Process(
            target=_ask,
            args=(
                url,
                app.instance_path,
                user_id,
                instrument.id,
                start.isoformat(),
                end.isoformat(),
                barrier,
                results,
            ),
        )
        for user_id, (start, end) in zip(users, windows)
    ]
    for process in workers:
        process.start()
    outcomes = [results.get(timeout=300) for _ in workers]
    for process in workers:
        process.join(timeout=30)
    assert [o for o in outcomes if o[0] == "error"] == []
    winners = [o for o in outcomes if o[0] == "won"]
    assert len(winners) == 1, outcomes
    assert sorted(o[1] for o in outcomes if o[0] == "refused") == ["时段已被预约"] * (PROCESSES - 1)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Booking)) == 1
    booking = db.session.get(Booking, winners[0][1])
    held = db.session.scalar(
        select(func.count()).select_from(BookingSlot).where(BookingSlot.booking_id == booking.id)
    )
    assert held == (booking.ends_at - booking.starts_at) // timedelta(minutes=30)
    assert (
        db.session.scalar(select(func.count()).select_from(BookingSlot)) == held
    )  # losers left no slot behind
