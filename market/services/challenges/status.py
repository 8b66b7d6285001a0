"""A call's public status (征集中, 评审中, 已揭榜, 攻关中, 已验收) and countdown, from its phase, its window
and the Beijing day."""

from datetime import date

from market.clock import today_in_beijing
from market.models.challenge import Challenge
from market.models.challenge_vocab import CHALLENGE_PUBLIC_STATUSES

_PHASE_STATUS = {
    "racing": "running",
    "selected": "selected",
    "running": "running",
    "accepted": "accepted",
    "cancelled": "cancelled",
}


def public_status(challenge: Challenge, today: date | None = None) -> str:
    """One of CHALLENGE_PUBLIC_STATUSES."""
    if challenge.phase != "open":
        return _PHASE_STATUS[challenge.phase]
    today = today or today_in_beijing()
    if today < challenge.applications_open_on:
        return "upcoming"
    if today <= challenge.applications_close_on:
        return "collecting"
    return "reviewing"


def public_status_label(challenge: Challenge, today: date | None = None) -> str:
    return CHALLENGE_PUBLIC_STATUSES[public_status(challenge, today)]


def accepting_applications(challenge: Challenge, today: date | None = None) -> bool:
    """The window is open today (both ends included) and the call is published and still open."""
    return challenge.demand.status == "published" and public_status(challenge, today) == "collecting"


def days_left(challenge: Challenge, today: date | None = None) -> int | None:
    """Whole days until the window closes (0 on its last day); None once it has closed."""
    today = today or today_in_beijing()
    left = (challenge.applications_close_on - today).days
    return left if left >= 0 else None
