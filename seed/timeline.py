"""When the demo's history happened: the seed replays it through the services on those days.

Every step (an account opened, a result published, a contract registered, a deal message) runs inside
`happening(moment)`, which makes utcnow() answer that moment and then runs the event jobs the step queued, so
the rows, the audit log and the notifications all carry the day it happened. The timeline is laid out
backwards from the day the seed runs: the organisations joined a few months before the first demo contract
(2024), results and demands were published over the last months (the first entries of each file most
recently), deals moved over the last weeks, and what happened in the last few days is still unread.
"""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from market.clock import BEIJING, in_beijing
from market.extensions import db
from market.models import EventJob, Notification
from market.models.base import as_of
from market.services import event_jobs

# How far back each library's listings were published, oldest entry of its file first.
LISTING_SPANS = {"achievement": 150, "demand": 120, "equipment": 240}
READ_AFTER = timedelta(days=3)  # notifications older than this were read (within a day or so)
JOINED_BEFORE_FIRST_CONTRACT = timedelta(days=75)


def _spread(key: str, modulo: int) -> int:
    """A stable number in [0, modulo) for a key: the same demo data gets the same hours on every load."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % modulo


class Timeline:
    """The moments of the demo's history, relative to `now` (the moment the seed runs)."""

    def __init__(self, now: datetime, first_contract: date):
        self.now = now
        self.today = in_beijing(now).date()
        self.opened = first_contract - JOINED_BEFORE_FIRST_CONTRACT  # the first organisations joined
        self.joined: dict[str, datetime] = {}  # account e-mail → when it was opened
        self.first_use: dict[str, date] = {}  # listing title → the earliest contract that names it

    def at(self, day: date, key: str, earliest: datetime | None = None) -> datetime:
        """A moment in office hours (Beijing, 09:00–17:59) on `day`, stable per key, after `earliest`; what
        would fall later than now happened a few minutes ago."""
        minutes = 9 * 60 + _spread(key, 9 * 60)
        moment = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=BEIJING).astimezone(
            timezone.utc
        )
        if earliest is not None:
            moment = max(moment, earliest + timedelta(minutes=20 + _spread(key + "+", 90)))
        moment = min(
            moment, self.now - timedelta(minutes=3 + _spread(key + "-", 40))
        )  # later today: just now
        if earliest is not None and moment <= earliest:
            moment = min(earliest + timedelta(minutes=1), self.now)
        return moment

    def days_ago(self, days: float, key: str, earliest: datetime | None = None) -> datetime:
        return self.at(self.today - timedelta(days=days), key, earliest)

    def after(self, moment: datetime, days: float, key: str) -> datetime:
        """A moment `days` after another (office hours of that day), never before it."""
        return self.at(in_beijing(moment).date() + timedelta(days=days), key, earliest=moment)

    # ---- accounts ---------------------------------------------------------------------------------------

    def account(self, email: str, number: int, decision: str | None = "created") -> datetime:
        """Institutions were set up by the operator first; companies registered over the following weeks; the
        ones still waiting for verification registered in the last days, the rejected one two weeks ago."""
        if decision == "created":
            moment = self.at(self.opened + timedelta(days=2 * number), email)
        elif decision == "approve":
            moment = self.at(self.opened + timedelta(days=20 + 3 * number), email)
        elif decision == "reject":
            moment = self.days_ago(14, email)
        else:
            moment = self.days_ago(1 + number % 3, email)
        self.joined[email] = moment
        return moment

    # ---- listings ---------------------------------------------------------------------------------------

    def listing(self, kind: str, position: int, count: int, item: dict) -> datetime:
        """The `position`-th entry of its file (0: the newest) was published this long ago; never before its
        owner joined, and at least ten days before the first contract that names it."""
        age = 1 + position * LISTING_SPANS[kind] / max(count, 1)
        title = item.get("title") or item.get("name")  # instruments have a name
        key = f"{kind}:{title}"
        day = self.today - timedelta(days=round(age))
        if title in self.first_use:
            day = min(day, self.first_use[title] - timedelta(days=10))
        joined = self.joined.get(item["owner"])
        if joined is not None:  # a few days after the owner joined (the newest members: since then)
            day = max(day, min(in_beijing(joined).date() + timedelta(days=2), self.today))
        return self.at(day, key, earliest=joined)

    def withdrawal(self, published: datetime, key: str) -> datetime:
        """A listing withdrawn about three weeks after it was published (sooner if that is yet to come)."""
        days = min(24, (self.now - published).days // 2)
        return self.after(published, days, key)

    # ---- contracts -----------------------------------------------------------------------------------------

    def contract_steps(self, title: str, signed: date, submitted_after: int, decided_after: int):
        """Written on the day of signing, submitted and registered (or returned) the given days later."""
        written = self.at(signed, "write:" + title)
        submitted = self.at(signed + timedelta(days=submitted_after), "submit:" + title, earliest=written)
        decided = self.at(signed + timedelta(days=decided_after), "decide:" + title, earliest=submitted)
        return written, submitted, decided


@contextmanager
def happening(moment: datetime) -> Iterator[None]:
    """Run the block as if it were `moment`; then run the event jobs it queued (notifications, follow-ups)
    at that moment too, as the worker would have within a second."""
    with as_of(moment):
        yield
        # most steps queue nothing: look before running (running ends the transaction, expiring every object)
        while db.session.scalar(select(EventJob.id).where(EventJob.status == "pending").limit(1)):
            if not event_jobs.run_due_jobs(limit=500, raise_errors=True):
                break


def settle_notifications(now: datetime) -> int:
    """People read what reached them more than READ_AFTER ago, a few hours to a day after it arrived; what
    came in the last days stays unread. Returns how many were marked read."""
    rows = db.session.execute(
        select(Notification.id, Notification.created_at).where(
            Notification.read_at.is_(None), Notification.created_at < now - READ_AFTER
        )
    ).all()
    for row in rows:
        read_at = min(row.created_at + timedelta(hours=2 + _spread(f"read:{row.id}", 22)), now)
        db.session.execute(
            Notification.__table__.update().where(Notification.id == row.id).values(read_at=read_at)
        )
    db.session.commit()
    return len(rows)
