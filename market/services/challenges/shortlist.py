"""入围与路演答辩: while the call is 评审中, its owner or an admin shortlists an application and gives
the team a 路演答辩 slot (Beijing time, a place or an online link), or moves the slot of a team already
shortlisted.

A slot is never in the past, at most a year ahead, and no two teams of one call defend at the same minute
(slots are kept to the minute; shortlisting locks the call's row so two owners cannot take one minute at
once). The team is told by the worker with the slot."""

from datetime import timedelta
from hashlib import sha256

from sqlalchemy import func, select

from market import events
from market.clock import beijing_text
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.challenge_reviews import ChallengeShortlistIn
from market.models import User
from market.models.base import utcnow
from market.models.challenge import Challenge
from market.models.challenge_application import ChallengeApplication
from market.services import audit
from market.services.base import unit_of_work
from market.services.challenges.access import can_manage_challenge, get_application
from market.services.challenges.history import record_event
from market.services.challenges.panel_state import SCORABLE, require_reviewing
from market.services.notifications import add_notifications

FURTHEST_SLOT = timedelta(days=366)


def _slot_errors(challenge: Challenge, application: ChallengeApplication, moment) -> dict:
    now = utcnow()
    if moment <= now:
        return {"defense_at": "答辩时间不能早于当前时间"}
    if moment > now + FURTHEST_SLOT:
        return {"defense_at": "答辩时间应在一年以内，请核对年份"}
    taken = db.session.scalars(
        select(ChallengeApplication).where(
            ChallengeApplication.challenge_id == challenge.id,
            ChallengeApplication.id != application.id,
            ChallengeApplication.defense_at.is_not(None),
        )
    )
    for other in taken:
        if other.defense_at == moment:
            return {
                "defense_at": f"{beijing_text(moment)} 已安排{other.organisation.name}答辩，"
                "同一榜单的答辩时间不能相同"
            }
    return {}


@unit_of_work
def shortlist_application(actor, application_id, data: dict) -> ChallengeApplication:
    """Shortlist an application with its 路演答辩 slot, or move the slot of a shortlisted one (the call's
    owner or an admin); the team is told."""
    application = get_application(actor, application_id)
    challenge = application.challenge
    if not can_manage_challenge(actor, challenge):
        raise PermissionDenied("只有发榜单位和管理员可以确定入围答辩的团队")
    require_reviewing(challenge)
    if application.status not in SCORABLE:
        raise InvalidTransition(f"该揭榜方案{application.status_label}，不能入围答辩")
    errors: dict = {}
    values = ChallengeShortlistIn.clean(data, errors=errors)
    moment = values.get("defense_at")
    if moment is not None:
        moment = moment.replace(second=0, microsecond=0)
        db.session.execute(select(Challenge.id).where(Challenge.id == challenge.id).with_for_update())
        for key, message in _slot_errors(challenge, application, moment).items():
            errors.setdefault(key, message)
    if errors:
        raise ValidationFailed(errors)
    first = application.status == "submitted"
    place = values["defense_place"]
    changes = audit.diff(application, {"status": "shortlisted", "defense_at": moment, "defense_place": place})
    application.status, application.defense_at, application.defense_place = "shortlisted", moment, place
    if first:
        audit.record(actor, "challenge.shortlist", "challenge_application", application.id, changes)
    else:
        audit.record(actor, "challenge.schedule_defense", "challenge_application", application.id, changes)
    if first:
        db.session.flush()
        count = db.session.scalar(
            select(func.count())
            .select_from(ChallengeApplication)
            .where(
                ChallengeApplication.challenge_id == challenge.id,
                ChallengeApplication.status == "shortlisted",
            )
        )
        record_event(challenge, "shortlisted", f"确定入围路演答辩的揭榜方案，目前共 {count} 个")
    slot = f"答辩时间：{beijing_text(moment)}（北京时间）；地点：{place}"
    events.record(
        "challenge.defense_scheduled",
        application_id=application.id,
        title=(
            f"您的揭榜方案入围「{challenge.demand.title}」路演答辩"
            if first
            else f"「{challenge.demand.title}」路演答辩时间或地点有变"
        ),
        body=slot,
        key=f"challenge-defense:{application.id}:" + sha256(slot.encode()).hexdigest()[:32],
    )
    return application


@events.subscribe("challenge.defense_scheduled")
def notify_defense_slot(payload: dict) -> None:
    """Tell the shortlisted team's members their 路演答辩 slot."""
    application = db.session.get(ChallengeApplication, payload["application_id"])
    if application is None:
        return
    members = db.session.scalars(
        select(User.id).where(
            User.organisation_id == application.org_id, User.active.is_(True), User.role != "viewer"
        )
    )
    add_notifications(
        list(members),
        "challenge",
        title=payload["title"],
        body=payload["body"],
        link=f"/challenges/applications/{application.id}",
        dedupe_key=payload["key"],
    )
