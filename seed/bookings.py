"""Demo booking rules: weekday opening hours for the demo instruments, and a few requests on them."""

from datetime import datetime, time, timedelta

from sqlalchemy import select

from market.extensions import db
from market.models import Equipment, User
from market.services import bookings
from seed.contracts import demo_timeline
from seed.timeline import Timeline, happening

WEEKDAY_HOURS = {str(day): [["09:00", "12:00"], ["14:00", "17:30"]] for day in range(5)}


def load_demo_bookings(progress=print, timeline: Timeline | None = None) -> int:
    """Open the demo instruments on weekdays (unless an owner set hours already), a few days after each was
    published; returns how many were opened."""
    timeline = timeline or demo_timeline()
    opened = 0
    for equipment in db.session.scalars(
        select(Equipment).where(Equipment.status == "published").order_by(Equipment.id)
    ):
        if equipment.opening_hours:
            continue
        owner = db.session.scalar(
            select(User)
            .where(User.organisation_id == equipment.org_id, User.role.in_(("university", "enterprise")))
            .order_by(User.id)
        )
        if owner is None:
            continue
        with happening(timeline.after(equipment.published_at, 3, f"hours:{equipment.id}")):
            bookings.set_booking_rules(
                owner,
                equipment.id,
                {
                    "opening_hours": WEEKDAY_HOURS,
                    "cancel_hours": 24,
                    "booking_rules": "首次使用须参加仪器管理员的操作培训；请提前 10 分钟到场。",
                },
            )
        opened += 1
    _demo_request(progress, timeline)
    progress(f"开放预约的仪器 {opened}")
    return opened


def _demo_request(progress, timeline: Timeline) -> None:
    """One pending request by the demo enterprise, sent yesterday for next Tuesday morning, so owners see the
    incoming list."""
    enterprise = db.session.scalar(select(User).where(User.email == "enterprise@demo.qcy"))
    equipment = db.session.scalar(
        select(Equipment)
        .where(
            Equipment.status == "published",
            Equipment.open_for_booking.is_(True),
            Equipment.org_id != getattr(enterprise, "organisation_id", None),
        )
        .order_by(Equipment.id)
    )
    if enterprise is None or equipment is None or not enterprise.is_verified:
        return
    today = timeline.today
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    start = datetime.combine(tuesday, time(9, 0))
    with happening(timeline.days_ago(1, "booking request", earliest=equipment.updated_at)):
        bookings.request_booking(
            enterprise,
            equipment.id,
            {
                "kind": "slot",
                "purpose": "电池正极材料颗粒形貌与包覆层厚度观察",
                "starts_at": start.isoformat(),
                "ends_at": (start + timedelta(hours=2)).isoformat(),
            },
        )
