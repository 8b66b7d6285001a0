"""One time zone for people: 北京时间 (Asia/Shanghai, UTC+8, no daylight saving, so a fixed offset is exact).

The database keeps UTC; pages, exports and the API's timestamps show Beijing time, the API with its +08:00
offset.
"""

from datetime import date, datetime, time, timedelta, timezone

from market.models.base import utcnow

BEIJING = timezone(timedelta(hours=8), "北京时间")


def in_beijing(moment: datetime | None) -> datetime | None:
    """A stored moment (aware, or naive meaning UTC) as Beijing time."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(BEIJING)


def beijing_text(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment in Beijing time for people ("—" when there is none); a plain date is written as it is."""
    if moment is None or moment == "":
        return "—"
    if isinstance(moment, datetime):
        return in_beijing(moment).strftime(fmt)
    if isinstance(moment, date):
        return moment.strftime(fmt)
    return str(moment)


def beijing_iso(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 in Beijing time with its offset: 2026-12-07T16:30:00+08:00."""
    return in_beijing(moment).isoformat(timespec="seconds") if moment is not None else None


def today_in_beijing() -> date:
    """The Beijing date now; inside models.base.as_of (the demo seed replaying its history), the day replayed,
    so the rules that count days (a call's application window, "not later than today") see that day."""
    return utcnow().astimezone(BEIJING).date()


def beijing_day_start(day: date) -> datetime:
    """The first moment of a Beijing calendar day, in UTC (what the database compares with)."""
    return datetime.combine(day, time.min, tzinfo=BEIJING).astimezone(timezone.utc)


def beijing_day_end(day: date) -> datetime:
    """The last moment of a Beijing calendar day, in UTC."""
    return datetime.combine(day, time.max, tzinfo=BEIJING).astimezone(timezone.utc)
