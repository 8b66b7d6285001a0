"""Who hears of a call's steps. The units of work record domain events; these handlers, run by the
worker, add the notifications (and, for the admin's approval, the call's public history). Each is safe to
run twice."""

from sqlalchemy import select

from market import events
from market.extensions import db
from market.models import User
from market.models.challenge import Challenge, ChallengeInvitation
from market.models.challenge_application import ChallengeApplication
from market.services.challenges.history import history, record_event
from market.services.notifications import add_notifications

# Members of an organisation who act for it in a call (viewers only read, brokers are not its staff).
ACTING_ROLES = ("university", "enterprise", "admin")


def org_member_ids(org_ids) -> list[int]:
    """The active members of these organisations who act for them."""
    org_ids = [org_id for org_id in org_ids if org_id is not None]
    if not org_ids:
        return []
    return list(
        db.session.scalars(
            select(User.id)
            .where(User.organisation_id.in_(org_ids), User.active.is_(True), User.role.in_(ACTING_ROLES))
            .order_by(User.id)
        )
    )


def owner_ids(challenge: Challenge) -> list[int]:
    """Who publishes the call: its author and the enterprise members of its organisation."""
    members = db.session.scalars(
        select(User.id).where(
            User.organisation_id == challenge.demand.org_id, User.active.is_(True), User.role == "enterprise"
        )
    )
    return sorted({*members, *([challenge.created_by_id] if challenge.created_by_id else [])})


def applicant_org_ids(challenge: Challenge) -> list[int]:
    """Organisations with an application (draft or handed in, not withdrawn) to the call."""
    return list(
        db.session.scalars(
            select(ChallengeApplication.org_id).where(
                ChallengeApplication.challenge_id == challenge.id, ChallengeApplication.status != "withdrawn"
            )
        )
    )


def _call_of_demand(payload: dict) -> Challenge | None:
    return db.session.scalar(select(Challenge).where(Challenge.demand_id == payload.get("demand_id")))


@events.subscribe("challenge.reviewed")
def announce_review(payload: dict) -> None:
    """An admin decided on a call in the demand review (listings.change_status)."""
    if payload.get("decision") == "approve":
        _announce_approved(payload)
    else:
        _announce_returned(payload)


def _announce_approved(payload: dict) -> None:
    """Approved: the call is public from now on (its history says so); its owner is told."""
    challenge = _call_of_demand(payload)
    if challenge is None or challenge.demand.status != "published":
        return
    demand = challenge.demand
    steps = history(challenge)
    if not (steps and steps[-1].kind == "published" and steps[-1].created_at >= demand.published_at):
        record_event(challenge, "published", "榜单通过平台审核，正式发布")
    add_notifications(
        owner_ids(challenge),
        "challenge",
        title=f"揭榜挂帅榜单《{demand.title}》已通过审核并发布",
        link=f"/challenges/{challenge.id}",
        dedupe_key=f"challenge-approved:{challenge.id}:{demand.published_at.isoformat()}",
    )


def _announce_returned(payload: dict) -> None:
    """Returned: its owner is told why, to change it and submit it again."""
    challenge = _call_of_demand(payload)
    if challenge is None:
        return
    demand = challenge.demand
    add_notifications(
        owner_ids(challenge),
        "challenge",
        title=f"揭榜挂帅榜单《{demand.title}》被退回修改",
        body=f"退回原因：{demand.review_note}" if demand.review_note else None,
        link=f"/challenges/{challenge.id}/edit",
        dedupe_key=f"challenge-returned:{challenge.id}:{demand.updated_at.isoformat()}",
    )


@events.subscribe("challenge.application_submitted")
def notify_owner_of_application(payload: dict) -> None:
    """An organisation handed in its 揭榜方案: the call's owner is told."""
    application = db.session.get(ChallengeApplication, payload["application_id"])
    if application is None:
        return
    challenge = application.challenge
    add_notifications(
        owner_ids(challenge),
        "challenge",
        title=f"{application.organisation.name}提交了对《{challenge.demand.title}》的揭榜方案",
        link=f"/challenges/applications/{application.id}",
        dedupe_key=f"challenge-application:{application.id}:{payload.get('submitted_at')}",
    )


@events.subscribe("challenge.invited")
def notify_invited_organisation(payload: dict) -> None:
    """The call's owner invited an organisation to take up the call: its members are told."""
    invitation = db.session.get(ChallengeInvitation, payload["invitation_id"])
    if invitation is None:
        return
    challenge = db.session.get(Challenge, invitation.challenge_id)
    add_notifications(
        org_member_ids([invitation.org_id]),
        "challenge",
        title=f"{challenge.demand.organisation.name}邀请贵单位揭榜《{challenge.demand.title}》",
        body=invitation.message,
        link=f"/challenges/{challenge.id}",
        dedupe_key=f"challenge-invitation:{invitation.id}",
    )


@events.subscribe("challenge.cancelled", "challenge.clarified")
def notify_applicants(payload: dict) -> None:
    """A call was cancelled or clarified: the organisations applying to it are told."""
    challenge = db.session.get(Challenge, payload["challenge_id"])
    if challenge is None:
        return
    users = set(org_member_ids(applicant_org_ids(challenge)))
    users.discard(payload.get("actor_id"))
    cancelled = payload["step"] == "cancelled"
    title = challenge.demand.title
    add_notifications(
        sorted(users),
        "challenge",
        title=f"揭榜挂帅榜单《{title}》已终止" if cancelled else f"揭榜挂帅榜单《{title}》发布了补充说明",
        body=payload.get("text"),
        link=f"/challenges/{challenge.id}",
        dedupe_key=f"challenge-{payload['step']}:{challenge.id}:{payload.get('at')}",
    )
