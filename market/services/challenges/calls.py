"""发榜: publish a call (its demand and its rules in one unit of work), change it while no application has
been handed in (after that only public clarifications), cancel it; the public list and the owner's list.

A call always waits for an admin's review: it is written as a pending demand, whoever writes it, and the
admin approves or returns it in the demand review (/admin/review/demands, listings.change_status); the
listing pages refuse to change, withdraw or delete a call's demand (listings.is_call)."""

from datetime import date

from sqlalchemy import and_, select

from market import events
from market.clock import today_in_beijing
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.challenges import ChallengeCancelIn, ChallengeClarificationIn
from market.models import Demand, Field, Organisation
from market.models.base import utcnow
from market.models.challenge import Challenge, ChallengeCriterion, ChallengeMilestone
from market.models.challenge_application import ChallengeApplication
from market.services import audit
from market.services.base import Page, empty_page, paginate, parse_row_id, unit_of_work
from market.services.challenges.access import get_managed_challenge
from market.services.challenges.call_rules import DEMAND_FIELDS, call_data, clean_call
from market.services.challenges.history import record_event
from market.services.permissions import is_admin, is_signed_in

CHALLENGE_FIELDS = (
    "programme",
    "indicators",
    "funding_shares",
    "eligible_org_kinds",
    "eligible_regions",
    "qualifications",
    "applications_open_on",
    "applications_close_on",
    "selection_mode",
    "race_teams",
)
# Demand states in which the call's content may still change (a cancelled call's demand is expired or
# withdrawn; an expired one whose window passed may be given a new window).
EDITABLE_DEMAND_STATES = ("draft", "pending", "published", "expired")


def can_publish(actor) -> bool:
    """A member of a verified enterprise, or an admin (for a government programme or any organisation)."""
    return is_admin(actor) or (
        is_signed_in(actor) and actor.role == "enterprise" and actor.is_verified and actor.organisation_id
    )


def publish_refusal(actor) -> str | None:
    """Why the actor may not publish a call, or None."""
    if not is_signed_in(actor):
        return "请先登录"
    if can_publish(actor):
        return None
    if actor.role == "enterprise":
        return "单位通过平台认证后才能发布揭榜挂帅榜单"
    return "只有已认证的企业和管理员可以发布揭榜挂帅榜单"


def _require_publisher(actor) -> None:
    if reason := publish_refusal(actor):
        raise PermissionDenied(reason)


def publishing_orgs(actor, limit: int = 500) -> list[Organisation]:
    """The organisations an admin may publish a call for: verified government organisations and
    enterprises, the admin's own first."""
    if not is_admin(actor):
        return [actor.organisation] if is_signed_in(actor) and actor.organisation else []
    orgs = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.verification_state == "verified",
            Organisation.kind.in_(("government", "enterprise")),
        )
        .order_by(Organisation.id != actor.organisation_id, Organisation.kind.desc(), Organisation.name)
        .limit(limit)
    )
    return list(orgs)


def _publishing_org(actor, data: dict, errors: dict) -> Organisation | None:
    """An admin publishes for the organisation chosen (the platform's own by default); others for theirs."""
    chosen = data.get("org_id")
    if chosen in (None, "") or not is_admin(actor):
        if chosen not in (None, "", actor.organisation_id, str(actor.organisation_id)):
            errors["org_id"] = "只有管理员可以代其他单位发榜"
        elif actor.organisation is None:
            errors["org_id"] = "请选择发榜单位"
        return actor.organisation
    row_id = parse_row_id(chosen) if not isinstance(chosen, bool) else None
    org = db.session.get(Organisation, row_id) if row_id else None
    if org is None:
        errors["org_id"] = "发榜单位不存在"
    elif not org.is_verified:
        errors["org_id"] = "发榜单位尚未通过平台认证"
    elif org.kind not in ("government", "enterprise"):
        errors["org_id"] = "发榜单位应为政府部门、平台运营单位或企业"
    return org


def _apply(challenge: Challenge, values: dict) -> None:
    demand = challenge.demand
    for name in DEMAND_FIELDS:
        if name in values:
            setattr(demand, name, values[name])
    demand.open_call = True
    demand.deadline = values["applications_close_on"]  # the demand lists as live while applications come in
    for name in CHALLENGE_FIELDS:
        setattr(challenge, name, values.get(name))
    challenge.funding_shares = [dict(share) for share in values["funding_shares"]]
    _replace_rows(challenge.criteria, values["criteria"], ChallengeCriterion)
    _replace_rows(challenge.milestones, values["milestones"], ChallengeMilestone)


def _replace_rows(rows: list, wanted: list[dict], model) -> None:
    """Rows changed in place by position (a draft application's schedule keeps its milestone ids), extra
    rows added, missing ones removed."""
    for position, values in enumerate(wanted):
        if position < len(rows):
            for name, value in values.items():
                setattr(rows[position], name, value)
        else:
            rows.append(model(position=position, **values))
    del rows[len(wanted) :]


def _rules_of(challenge: Challenge) -> dict:
    """What the audit log compares: the call's rules as plain values."""
    return {key: value for key, value in call_data(challenge).items() if key != "contact_email"}


@unit_of_work
def create_call(actor, data: dict) -> Challenge:
    """Publish a call: its demand (pending the admin's review) and its rules, in one unit of work."""
    _require_publisher(actor)
    errors: dict = {}
    org = _publishing_org(actor, data or {}, errors)
    government = org is not None and org.kind == "government"
    values = clean_call(data, today_in_beijing(), programme_required=government, errors=errors)
    demand = Demand(org_id=org.id, created_by_id=actor.id, status="pending", open_call=True)
    challenge = Challenge(demand=demand, created_by_id=actor.id, phase="open", phase_changed_at=utcnow())
    _apply(challenge, values)
    db.session.add_all([demand, challenge])
    db.session.flush()
    audit.record(actor, "demand.create", "demand", demand.id, {"title": demand.title, "open_call": True})
    audit.record(actor, "demand.submit", "demand", demand.id, {"status": ["draft", "pending"]})
    audit.record(
        actor,
        "challenge.create",
        "challenge",
        challenge.id,
        {"title": demand.title, "org": org.name, "reward_fen": demand.reward_fen},
    )
    record_event(challenge, "submitted", f"{org.name}提交榜单，等待平台审核")
    return challenge


def has_submissions(challenge: Challenge) -> bool:
    """Whether an organisation has handed in an application (then the rules no longer change)."""
    return (
        db.session.scalar(
            select(ChallengeApplication.id)
            .where(
                ChallengeApplication.challenge_id == challenge.id,
                ChallengeApplication.status.not_in(("draft", "withdrawn")),
            )
            .limit(1)
        )
        is not None
    )


def edit_block(challenge: Challenge) -> str | None:
    """Why the call's content cannot change now, or None."""
    if challenge.phase != "open":
        return f"榜单当前为“{challenge.phase_label}”，不能修改"
    if challenge.demand.status not in EDITABLE_DEMAND_STATES:
        return f"榜单当前为“{challenge.demand.status_label}”，不能修改"
    if has_submissions(challenge):
        return "已有单位提交揭榜方案，榜单内容不能再修改；如需说明，请发布补充说明"
    return None


@unit_of_work
def update_call(actor, challenge_id, data: dict, partial: bool = False) -> Challenge:
    """Change a call while no application has been handed in; it goes (back) to the admin's review.
    `partial`: only the fields sent change (the API's PATCH)."""
    challenge = get_managed_challenge(actor, challenge_id)
    if reason := edit_block(challenge):
        raise InvalidTransition(reason)
    data = dict(data or {})
    if "org_id" in data and data["org_id"] not in (
        None,
        "",
        challenge.demand.org_id,
        str(challenge.demand.org_id),
    ):
        raise ValidationFailed({"org_id": "发榜单位不能更改"})
    merged = {**call_data(challenge), **data} if partial else data
    values = clean_call(
        merged,
        today_in_beijing(),
        opened_on=challenge.applications_open_on,
        programme_required=challenge.demand.organisation.kind == "government",
    )
    before = _rules_of(challenge)
    _apply(challenge, values)
    after = _rules_of(challenge)
    changes = {key: [before[key], after[key]] for key in after if before.get(key) != after[key]}
    audit.record(actor, "challenge.update", "challenge", challenge.id, changes)
    demand = challenge.demand
    if demand.status != "pending":
        audit.record(actor, "demand.resubmit", "demand", demand.id, {"status": [demand.status, "pending"]})
        demand.status, demand.review_note = "pending", None
    record_event(challenge, "updated", "榜单内容修改，重新提交平台审核")
    return challenge


@unit_of_work
def clarify_call(actor, challenge_id, data: dict):
    """Publish a clarification of an open call (its rules stay as they are); the applicants are told."""
    challenge = get_managed_challenge(actor, challenge_id)
    if challenge.phase != "open" or not challenge.demand.is_public:
        raise InvalidTransition("只有已发布、尚未定榜的榜单可以发布补充说明")
    text = ChallengeClarificationIn.clean(data)["text"]
    audit.record(actor, "challenge.clarify", "challenge", challenge.id, {"text": text})
    event = record_event(challenge, "clarification", f"补充说明：{text}")
    events.record(
        "challenge.clarified",
        step="clarified",
        challenge_id=challenge.id,
        actor_id=actor.id,
        text=text,
        at=utcnow().isoformat(),
    )
    return event


@unit_of_work
def cancel_call(actor, challenge_id, data: dict) -> Challenge:
    """Cancel a call that has not been decided, with a reason (told to the applicants, kept in the audit log,
    not in the public history)."""
    challenge = get_managed_challenge(actor, challenge_id)
    if challenge.phase != "open":
        raise InvalidTransition(f"榜单当前为“{challenge.phase_label}”，不能终止")
    reason = ChallengeCancelIn.clean(data)["reason"]
    demand = challenge.demand
    # A public call stays readable with its history (expired); one never published leaves no trace.
    status = "expired" if demand.is_public else "withdrawn"
    audit.record(
        actor,
        "challenge.cancel",
        "challenge",
        challenge.id,
        {"phase": [challenge.phase, "cancelled"], "demand_status": [demand.status, status], "reason": reason},
    )
    challenge.phase, challenge.phase_changed_at = "cancelled", utcnow()
    demand.status = status
    who = "平台" if is_admin(actor) and actor.organisation_id != demand.org_id else "发榜单位"
    record_event(challenge, "cancelled", f"{who}终止了本榜单")
    events.record(
        "challenge.cancelled",
        step="cancelled",
        challenge_id=challenge.id,
        actor_id=actor.id,
        text=f"终止原因：{reason}",
        at=utcnow().isoformat(),
    )
    return challenge


# ---- queries -------------------------------------------------------------------------------------------


def _status_condition(status: str, today: date):
    window_open = and_(Challenge.applications_open_on <= today, Challenge.applications_close_on >= today)
    return {
        "upcoming": and_(Challenge.phase == "open", Challenge.applications_open_on > today),
        "collecting": and_(Challenge.phase == "open", window_open),
        "reviewing": and_(Challenge.phase == "open", Challenge.applications_close_on < today),
        "selected": Challenge.phase == "selected",
        "running": Challenge.phase.in_(("racing", "running")),
        "accepted": Challenge.phase == "accepted",
        "cancelled": Challenge.phase == "cancelled",
    }.get(status)


def list_public_calls(filters: dict, page=1, per_page=20, today: date | None = None) -> Page:
    """Published calls for everyone (cancelled and finished ones too), newest first; `status` (a public
    status code) and `field` (a field's name) narrow them."""
    today = today or today_in_beijing()
    query = (
        select(Challenge)
        .join(Demand, Challenge.demand_id == Demand.id)
        .where(Demand.status.in_(("published", "expired")))
    )
    if (condition := _status_condition(filters.get("status") or "", today)) is not None:
        query = query.where(condition)
    if name := (filters.get("field") or "").strip()[:40]:
        query = query.join(Field, Demand.field_id == Field.id).where(Field.name == name)
    return paginate(query.order_by(Demand.published_at.desc(), Challenge.id.desc()), page, per_page)


def list_managed_calls(actor, page=1, per_page=20) -> Page:
    """The calls of the actor's organisation in every state (every call for admins), newest first."""
    if not is_signed_in(actor) or actor.role not in ("enterprise", "admin"):
        return empty_page(per_page)
    query = select(Challenge).join(Demand, Challenge.demand_id == Demand.id)
    if not is_admin(actor):
        query = query.where(Demand.org_id == actor.organisation_id)
    return paginate(query.order_by(Challenge.created_at.desc(), Challenge.id.desc()), page, per_page)


def call_ids_of(demand_ids) -> dict[int, int]:
    """Demand id → its call's id, for the demands that carry a call (pages link them to /challenges/<id>)."""
    demand_ids = [i for i in demand_ids if i]
    if not demand_ids:
        return {}
    return dict(
        db.session.execute(
            select(Challenge.demand_id, Challenge.id).where(Challenge.demand_id.in_(demand_ids))
        ).all()
    )
