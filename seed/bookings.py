"""Demo booking rules: weekday opening hours for the demo instruments, and a few requests on them."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from market.extensions import db
from market.models import Equipment, User
from market.services import bookings

WEEKDAY_HOURS = {str(day): [["09:00", "12:00"], ["14:00", "17:30"]] for day in range(5)}


def load_demo_bookings(progress=print) -> int:
    """Open the demo instruments on weekdays (unless an owner set hours already); returns how many were
    opened."""
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
    _demo_request(progress)
    progress(f"开放预约的仪器 {opened}")
    return opened


def _demo_request(progress) -> None:
    """One pending request by the demo enterprise, next Tuesday morning, so owners see the incoming list."""
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
    today = date.today()
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    start = datetime.combine(tuesday, time(9, 0))
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
