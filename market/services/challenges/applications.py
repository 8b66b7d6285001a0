"""揭榜: a verified university, institute or enterprise applies to a call with its plan (text and PDF), team,
budget, schedule against the call's milestones and its own published results. One application per
organisation and call (the unique constraint settles a race); kept as a draft or handed in; changed or
withdrawn until the window closes (the Beijing day of closing included), read-only after that."""

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from market import events
from market.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.challenges import APPLICANT_KINDS, ChallengeApplicationIn
from market.models import Achievement
from market.models.base import utcnow
from market.models.challenge import Challenge
from market.models.challenge_application import ChallengeApplication
from market.money import fen_to_yuan
from market.services import audit
from market.services.base import Page, empty_page, paginate, unit_of_work
from market.services.challenges.access import (
    can_manage_challenge,
    get_application,
    get_challenge,
    is_applicant,
)
from market.services.challenges.documents import plan_document, store_plan
from market.services.challenges.status import public_status
from market.services.permissions import is_signed_in

APPLICANT_ROLES = ("university", "enterprise")
CHANGEABLE = ("draft", "submitted", "withdrawn")  # before the window closes
HANDED_IN = ("submitted", "shortlisted", "racing", "selected", "eliminated", "not_selected")


def eligibility_problem(actor, challenge: Challenge) -> str | None:
    """Why the actor's organisation may not take up this call (kind, region, verification), or None."""
    if not is_signed_in(actor):
        return "请先登录"
    org = actor.organisation
    if actor.role not in APPLICANT_ROLES or org is None or org.kind not in APPLICANT_KINDS:
        return "只有高校、科研院所和企业的用户可以揭榜"
    if org.id == challenge.demand.org_id:
        return "发榜单位不能揭本单位的榜"
    if not org.is_verified:
        return "单位通过平台认证后才能揭榜"
    if challenge.eligible_org_kinds and org.kind not in challenge.eligible_org_kinds:
        kinds = "、".join(APPLICANT_KINDS.get(kind, kind) for kind in challenge.eligible_org_kinds)
        return f"本榜单只接受{kinds}揭榜"
    if challenge.eligible_regions and org.region not in challenge.eligible_regions:
        return f"本榜单只接受{'、'.join(challenge.eligible_regions)}的单位揭榜"
    return None


def window_problem(challenge: Challenge) -> str | None:
    """Why applications are not taken (or changed) today, or None while the window is open."""
    if challenge.phase != "open":
        return f"榜单当前为“{challenge.phase_label}”，不再接受揭榜"
    if challenge.demand.status not in ("published", "expired"):
        return "榜单尚未发布"
    status = public_status(challenge)
    if status == "upcoming":
        return f"揭榜征集将于 {challenge.applications_open_on} 开始"
    if status != "collecting":
        return f"揭榜征集已于 {challenge.applications_close_on} 截止"
    return None


def own_application(actor, challenge: Challenge) -> ChallengeApplication | None:
    """The actor's organisation's application to the call, in any state."""
    if not is_signed_in(actor) or actor.organisation_id is None or actor.role not in APPLICANT_ROLES:
        return None
    return db.session.scalar(
        select(ChallengeApplication).where(
            ChallengeApplication.challenge_id == challenge.id,
            ChallengeApplication.org_id == actor.organisation_id,
        )
    )


def can_change(actor, application: ChallengeApplication) -> bool:
    """The applicant may change, hand in or withdraw it now."""
    return (
        is_applicant(actor, application)
        and application.status in CHANGEABLE
        and window_problem(application.challenge) is None
    )


def _require_changeable(actor, application_id) -> ChallengeApplication:
    application = get_application(actor, application_id)
    if not is_applicant(actor, application) or actor.role not in APPLICANT_ROLES:
        raise PermissionDenied("只有揭榜单位可以修改揭榜方案")
    if application.status not in CHANGEABLE:
        raise InvalidTransition(f"揭榜方案当前为“{application.status_label}”，不能修改")
    if problem := window_problem(application.challenge):
        raise InvalidTransition(f"{problem}，揭榜方案不能再修改或撤回")
    return application


def application_data(application: ChallengeApplication) -> dict:
    """A stored application as its input reads it: what the edit page shows, what a partial change is laid
    over."""
    return {
        "plan": application.plan,
        "budget_yuan": str(fen_to_yuan(application.budget_fen)),
        "team": [dict(member) for member in application.team or []],
        "schedule": [dict(item) for item in application.schedule or []],
        "prior_achievement_ids": list(application.prior_achievement_ids or []),
    }


def clean_application(data: dict, challenge: Challenge, org_id: int) -> dict:
    """Column values of an application, or ValidationFailed with every field's message: the schedule names
    the call's milestones, no later than each is due; prior results are the organisation's published ones."""
    errors: dict = {}
    values = ChallengeApplicationIn.clean(data, errors=errors)
    milestones = {m.id: m for m in challenge.milestones}
    schedule, seen = [], set()
    for number, item in enumerate(values.get("schedule") or [], start=1):
        milestone = milestones.get(item["milestone_id"])
        if milestone is None or milestone.id in seen:
            errors.setdefault("schedule", f"进度安排第{number}项：请选择本榜单的里程碑（每个里程碑一项）")
            continue
        seen.add(milestone.id)
        if item["planned_on"] > milestone.due_on:
            errors.setdefault(
                "schedule", f"“{milestone.title}”的计划完成日期不能晚于榜单要求的 {milestone.due_on}"
            )
        schedule.append(
            {**item, "planned_on": item["planned_on"].isoformat(), "note": item.get("note") or ""}
        )
    values["schedule"] = sorted(schedule, key=lambda item: milestones[item["milestone_id"]].position)
    ids = values.get("prior_achievement_ids") or []
    if ids:
        own = set(
            db.session.scalars(
                select(Achievement.id).where(
                    Achievement.id.in_(ids), Achievement.org_id == org_id, Achievement.status == "published"
                )
            )
        )
        if own != set(ids):
            errors.setdefault("prior_achievement_ids", "前期成果只能选择本单位已发布的科技成果")
    values["team"] = [
        {key: member.get(key) or "" for key in ("name", "title", "role")}
        for member in values.get("team") or []
    ]
    if errors:
        raise ValidationFailed(errors)
    return values


def _hand_in(actor, application: ChallengeApplication) -> None:
    """Submit: the PDF, a team and a date for every milestone are needed; the owner is told."""
    challenge = application.challenge
    errors = {}
    if plan_document(application) is None:
        errors["plan_file"] = "请上传揭榜方案 PDF 文件"
    if not application.team:
        errors["team"] = "请至少填写一名团队成员（项目负责人）"
    planned = {item["milestone_id"] for item in application.schedule or []}
    missing = [m.title for m in challenge.milestones if m.id not in planned]
    if missing:
        errors["schedule"] = f"请为每个里程碑填写计划完成日期（尚缺：{'、'.join(missing)}）"
    if errors:
        raise ValidationFailed(errors, "揭榜方案还不完整，补全后才能提交")
    audit.record(
        actor,
        "challenge.apply",
        "challenge_application",
        application.id,
        {"status": [application.status, "submitted"]},
    )
    application.status, application.submitted_at = "submitted", utcnow()
    events.record(
        "challenge.application_submitted",
        application_id=application.id,
        submitted_at=application.submitted_at.isoformat(),
    )


@unit_of_work
def create_application(
    actor, challenge_id, data: dict, submit: bool = False, plan_file: tuple | None = None
) -> ChallengeApplication:
    """Apply to a call: a draft, or handed in at once (`submit`) when it is complete; `plan_file` is the
    PDF's (filename, bytes)."""
    challenge = get_challenge(actor, challenge_id)
    if problem := eligibility_problem(actor, challenge):
        raise PermissionDenied(problem)
    if problem := window_problem(challenge):
        raise InvalidTransition(problem)
    if own_application(actor, challenge) is not None:
        raise Conflict("本单位已揭榜该榜单，请在已有的揭榜方案上修改")
    values = clean_application(data, challenge, actor.organisation_id)
    application = ChallengeApplication(
        challenge_id=challenge.id,
        org_id=actor.organisation_id,
        created_by_id=actor.id,
        status="draft",
        **values,
    )
    db.session.add(application)
    try:
        db.session.flush()
    except IntegrityError:  # a second request of the same organisation got there first
        raise Conflict("本单位已揭榜该榜单（可能刚刚重复提交），请在已有的揭榜方案上修改") from None
    audit.record(
        actor,
        "challenge.draft_application",
        "challenge_application",
        application.id,
        {"challenge_id": challenge.id, "budget_fen": application.budget_fen},
    )
    if plan_file is not None:
        store_plan(actor, application, *plan_file)
    if submit:
        _hand_in(actor, application)
    return application


@unit_of_work
def update_application(
    actor, application_id, data: dict, partial: bool = False, submit: bool = False, plan_file=None
) -> ChallengeApplication:
    """Change an application until the window closes (a handed-in one stays handed in); `submit` hands a
    draft or withdrawn one in."""
    application = _require_changeable(actor, application_id)
    before = application_data(application)
    merged = {**before, **(data or {})} if partial else data
    values = clean_application(merged, application.challenge, application.org_id)
    for name, value in values.items():
        setattr(application, name, value)
    after = application_data(application)
    changes = {
        key: "updated" if key == "plan" else [before[key], after[key]]
        for key in after
        if before[key] != after[key]
    }
    audit.record(actor, "challenge.update_application", "challenge_application", application.id, changes)
    if plan_file is not None:
        store_plan(actor, application, *plan_file)
    if submit and application.status != "submitted":
        _hand_in(actor, application)
    return application


@unit_of_work
def upload_plan(actor, application_id, filename: str | None, content: bytes | None):
    """Replace the application's plan PDF while it may change."""
    application = _require_changeable(actor, application_id)
    return store_plan(actor, application, filename, content)


@unit_of_work
def submit_application(actor, application_id) -> ChallengeApplication:
    """Hand in a draft (or a withdrawn application again) while the window is open."""
    application = _require_changeable(actor, application_id)
    if application.status == "submitted":
        raise InvalidTransition("揭榜方案已提交")
    _hand_in(actor, application)
    return application


@unit_of_work
def withdraw_application(actor, application_id) -> ChallengeApplication:
    """Take an application back while the window is open (it may be handed in again until then)."""
    application = _require_changeable(actor, application_id)
    if application.status == "withdrawn":
        raise InvalidTransition("揭榜方案已撤回")
    audit.record(
        actor,
        "challenge.withdraw_application",
        "challenge_application",
        application.id,
        {"status": [application.status, "withdrawn"]},
    )
    application.status = "withdrawn"
    return application


# ---- queries -------------------------------------------------------------------------------------------


def list_applications(actor, challenge_id, page=1, per_page=20) -> Page:
    """The applications of a call the actor may list: the owner and admins every handed-in one, an
    applicant its own (in any state)."""
    challenge = get_challenge(actor, challenge_id)
    query = select(ChallengeApplication).where(ChallengeApplication.challenge_id == challenge.id)
    if can_manage_challenge(actor, challenge):
        query = query.where(ChallengeApplication.status.in_(HANDED_IN))
    elif is_signed_in(actor) and actor.organisation_id and actor.role in APPLICANT_ROLES:
        query = query.where(ChallengeApplication.org_id == actor.organisation_id)
    else:
        raise PermissionDenied("只有发榜单位、管理员和揭榜单位可以查看揭榜方案")
    order = (
        ChallengeApplication.submitted_at.is_(None),
        ChallengeApplication.submitted_at,
        ChallengeApplication.id,
    )
    return paginate(query.order_by(*order), page, per_page)


def list_own_applications(actor, page=1, per_page=20) -> Page:
    """The applications of the actor's organisation, newest first."""
    if not is_signed_in(actor) or actor.organisation_id is None or actor.role not in APPLICANT_ROLES:
        return empty_page(per_page)
    query = select(ChallengeApplication).where(ChallengeApplication.org_id == actor.organisation_id)
    return paginate(
        query.order_by(ChallengeApplication.updated_at.desc(), ChallengeApplication.id.desc()), page, per_page
    )


def prior_results(application: ChallengeApplication) -> list[Achievement]:
    """The results the application builds on that are still published."""
    ids = application.prior_achievement_ids or []
    if not ids:
        return []
    rows = db.session.scalars(
        select(Achievement).where(Achievement.id.in_(ids), Achievement.status == "published")
    )
    return sorted(rows.unique(), key=lambda result: ids.index(result.id))


def own_results(actor) -> list[Achievement]:
    """The published results of the actor's organisation, for the application's 前期成果 choice."""
    if not is_signed_in(actor) or actor.organisation_id is None:
        return []
    return list(
        db.session.scalars(
            select(Achievement)
            .where(Achievement.org_id == actor.organisation_id, Achievement.status == "published")
            .order_by(Achievement.published_at.desc(), Achievement.id.desc())
            .limit(50)
        ).unique()
    )
