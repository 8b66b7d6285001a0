"""Sign-in throttling: failed attempts counted per account (the e-mail typed, known or not) and per client
address in the database, so every web worker sees the same counts; exponential back-off past a free number."""

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, delete, or_, select, update

from market.errors import TooManyAttempts
from market.extensions import db
from market.models import SignInThrottle
from market.models.base import utcnow
from market.services import audit
from market.services.base import unit_of_work, upsert_insert

ACCOUNT, ADDRESS = "account", "address"
FIRST_WAIT = timedelta(minutes=1)  # after the last free failure; doubled by each failure after it
LONGEST_WAIT = timedelta(hours=1)
FORGET_AFTER = timedelta(hours=1)  # failures this old (and no wait pending) start counting anew


@dataclass(frozen=True)
class Client:
    """Who is trying: the client's address (None when unknown) and the failures allowed before a wait, per
    account and per address (an office shares one address, so it gets more)."""

    address: str | None = None
    free_per_account: int = 5
    free_per_address: int = 20

    def free(self, scope: str) -> int:
        return self.free_per_account if scope == ACCOUNT else self.free_per_address


def _keys(email: str, client: Client) -> list[tuple[str, str]]:
    keys = [(ACCOUNT, email[:254])] if email else []
    return keys + ([(ADDRESS, client.address[:254])] if client.address else [])


def wait_after(failures: int, free: int) -> timedelta | None:
    """The wait imposed after this many consecutive failures: none up to `free`, then 1, 2, 4 …
    minutes, ≤ 1 h."""
    if failures < free:
        return None
    return min(FIRST_WAIT * 2 ** (failures - free), LONGEST_WAIT)


def check(email: str, client: Client) -> None:
    """Refuse (TooManyAttempts) while the account or the address must wait; the password is not even
    checked."""
    keys = _keys(email, client)
    if not keys:
        return
    now = utcnow()
    matches = or_(*(and_(SignInThrottle.scope == scope, SignInThrottle.key == key) for scope, key in keys))
    waits = db.session.scalars(
        select(SignInThrottle.locked_until).where(matches, SignInThrottle.locked_until > now)
    )
    if longest := max(waits, default=None):
        raise TooManyAttempts((longest - now).total_seconds())


@unit_of_work
def record_failure(email: str, client: Client, channel: str) -> timedelta | None:
    """Count one failed attempt for the account and the address (atomically, whichever worker); returns the
    wait it starts, if any, and audits every wait started."""
    now = utcnow()
    longest = None
    for scope, key in _keys(email, client):
        db.session.execute(
            upsert_insert(SignInThrottle)
            .values(scope=scope, key=key, failures=0, last_failure_at=now)
            .on_conflict_do_nothing(index_elements=["scope", "key"])
        )
        stale = (SignInThrottle.last_failure_at < now - FORGET_AFTER) & (
            SignInThrottle.locked_until.is_(None) | (SignInThrottle.locked_until < now)
        )
        failures = db.session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.scope == scope, SignInThrottle.key == key)
            .values(failures=case((stale, 1), else_=SignInThrottle.failures + 1), last_failure_at=now)
            .returning(SignInThrottle.failures)
        ).scalar_one()
        wait = wait_after(failures, client.free(scope))
        if wait is None:
            continue
        db.session.execute(
            update(SignInThrottle)
            .where(SignInThrottle.scope == scope, SignInThrottle.key == key)
            .values(locked_until=now + wait)
        )
        audit.record(
            None,
            "sign_in.throttled",
            "sign_in",
            None,
            {
                "scope": scope,
                "key": key,
                "failures": failures,
                "wait_seconds": int(wait.total_seconds()),
                "channel": channel,
            },
        )
        longest = max(longest or wait, wait)
    return longest


@unit_of_work
def forget_account(email: str) -> None:
    """A successful sign-in or password reset clears the account's failures (never the address's)."""
    db.session.execute(
        delete(SignInThrottle).where(SignInThrottle.scope == ACCOUNT, SignInThrottle.key == email)
    )
