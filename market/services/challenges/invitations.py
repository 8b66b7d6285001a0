"""Suggested applicants and invitations: the matcher (services/matching, through its public functions)
proposes published results for a call's demand; grouped by organisation, eligible ones first, they are the
call's suggested applicants. The owner (or an admin) invites an organisation, optionally for one of its
results; its members are told and see the invitation on the call's page and in /my/challenges."""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from market import events
from market.errors import Conflict, InvalidTransition, ValidationFailed
from market.extensions import db
from market.inputs.challenges import APPLICANT_KINDS, ChallengeInvitationIn
from market.models import Achievement, Demand, Organisation
from market.models.challenge import Challenge, ChallengeInvitation
from market.models.challenge_application import ChallengeApplication
from market.services import audit, matching
from market.services.base import Page, empty_page, paginate, unit_of_work
from market.services.challenges.access import get_managed_challenge
from market.services.challenges.status import public_status
from market.services.permissions import is_signed_in

SUGGESTED_RESULTS = 30  # results asked of the matcher; their organisations are the suggestions
INVITING_STATUSES = ("upcoming", "collecting")


@dataclass
class SuggestedApplicant:
    """An organisation the matcher proposes, with its matching results (achievement, suggestion) best
    first."""

    organisation: Organisation
    results: list = field(default_factory=list)
    invited: bool = False
    applied: bool = False

    @property
    def best(self):
        return self.results[0][1]

    @property
    def weak(self) -> bool:
        """Only weak matches (弱): shown apart, as a hint rather than a suggestion."""
        return self.best.band == "弱"


def org_problem(challenge: Challenge, org: Organisation) -> str | None:
    """Why this organisation cannot take up the call (so is not suggested or invited), or None."""
    if org.id == challenge.demand.org_id:
        return "不能邀请发榜单位本身"
    if org.kind not in APPLICANT_KINDS or not org.is_verified:
        return "只能邀请已认证的高校、科研院所或企业"
    if challenge.eligible_org_kinds and org.kind not in challenge.eligible_org_kinds:
        return "该单位的类型不符合本榜单的揭榜条件"
    if challenge.eligible_regions and org.region not in challenge.eligible_regions:
        return "该单位所在区域不符合本榜单的揭榜条件"
    return None


def _org_ids(model, challenge: Challenge) -> set[int]:
    return set(db.session.scalars(select(model.org_id).where(model.challenge_id == challenge.id)))


def suggested_applicants(actor, challenge_id, limit: int = 10) -> tuple[Challenge, list[SuggestedApplicant]]:
    """The eligible organisations whose published results the matcher ranks for the call, best first, each
    with its results and their bands (弱 included: pages show those apart, as the demand page does): for the
    call's owner and admins."""
    challenge = get_managed_challenge(actor, challenge_id)
    try:
        limit = max(1, min(int(limit), 50))
    except (TypeError, ValueError):
        raise ValidationFailed({"limit": "数量必须是 1 到 50 之间的整数"}) from None
    _demand, suggestions = matching.suggestions_for(
        actor, "demand", challenge.demand_id, SUGGESTED_RESULTS, "弱"
    )
    invited, applied = _org_ids(ChallengeInvitation, challenge), _org_ids(ChallengeApplication, challenge)
    grouped: dict[int, SuggestedApplicant] = {}
    for result, suggestion in suggestions:
        org = result.organisation
        if org_problem(challenge, org) is not None:
            continue
        entry = grouped.setdefault(
            org.id, SuggestedApplicant(org, invited=org.id in invited, applied=org.id in applied)
        )
        entry.results.append((result, suggestion))
    return challenge, list(grouped.values())[:limit]


def can_invite(challenge: Challenge) -> bool:
    """Invitations go out while the call is public and applications are (or will be) taken."""
    return (
        challenge.phase == "open"
        and challenge.demand.status == "published"
        and public_status(challenge) in INVITING_STATUSES
    )


@unit_of_work
def invite(actor, challenge_id, data: dict) -> ChallengeInvitation:
    """Invite an organisation to take up the call (optionally for one of its published results, with a
    message); its members are told."""
    challenge = get_managed_challenge(actor, challenge_id)
    if not can_invite(challenge):
        raise InvalidTransition("只有已发布、仍在征集的榜单可以邀请揭榜")
    errors: dict = {}
    values = ChallengeInvitationIn.clean(data, errors=errors)
    org = db.session.get(Organisation, values["org_id"]) if values.get("org_id") else None
    if org is None and "org_id" not in errors:
        errors["org_id"] = "受邀单位不存在"
    elif org is not None and (problem := org_problem(challenge, org)):
        errors["org_id"] = problem
    achievement = None
    if values.get("achievement_id"):
        achievement = db.session.get(Achievement, values["achievement_id"])
        if achievement is None or achievement.status != "published" or (org and achievement.org_id != org.id):
            errors["achievement_id"] = "请选择受邀单位已发布的科技成果"
    if errors:
        raise ValidationFailed(errors)
    if org.id in _org_ids(ChallengeInvitation, challenge):
        raise Conflict(f"已邀请过{org.name}")
    invitation = ChallengeInvitation(
        challenge_id=challenge.id,
        org_id=org.id,
        achievement_id=achievement.id if achievement else None,
        message=values.get("message"),
        invited_by_id=actor.id,
    )
    db.session.add(invitation)
    try:
        db.session.flush()
    except IntegrityError:  # the same organisation invited by a concurrent request
        raise Conflict(f"已邀请过{org.name}") from None
    audit.record(
        actor,
        "challenge.invite",
        "challenge",
        challenge.id,
        {"org": org.name, **({"achievement_id": achievement.id} if achievement else {})},
    )
    events.record("challenge.invited", invitation_id=invitation.id)
    return invitation


def list_invitations(actor, challenge_id, page=1, per_page=20) -> Page:
    """The invitations of a call, newest first: for its owner and admins."""
    challenge = get_managed_challenge(actor, challenge_id)
    query = select(ChallengeInvitation).where(ChallengeInvitation.challenge_id == challenge.id)
    return paginate(
        query.order_by(ChallengeInvitation.created_at.desc(), ChallengeInvitation.id.desc()), page, per_page
    )


def invitation_for(actor, challenge: Challenge) -> ChallengeInvitation | None:
    """The invitation the actor's organisation received for this call, if any."""
    if not is_signed_in(actor) or actor.organisation_id is None or actor.role == "viewer":
        return None
    return db.session.scalar(
        select(ChallengeInvitation).where(
            ChallengeInvitation.challenge_id == challenge.id,
            ChallengeInvitation.org_id == actor.organisation_id,
        )
    )


def received_invitations(actor, page=1, per_page=20) -> Page:
    """Invitations to the actor's organisation for public calls, newest first, as (invitation, call)."""
    if not is_signed_in(actor) or actor.organisation_id is None or actor.role == "viewer":
        return empty_page(per_page)
    query = (
        select(ChallengeInvitation)
        .join(Challenge, ChallengeInvitation.challenge_id == Challenge.id)
        .join(Demand, Challenge.demand_id == Demand.id)
        .where(
            ChallengeInvitation.org_id == actor.organisation_id, Demand.status.in_(("published", "expired"))
        )
    )
    found = paginate(
        query.order_by(ChallengeInvitation.created_at.desc(), ChallengeInvitation.id.desc()), page, per_page
    )
    found.items = [
        (invitation, db.session.get(Challenge, invitation.challenge_id)) for invitation in found.items
    ]
    return found
