"""评榜, the panel: who reviews a call, their conflict declarations, and each reviewer's queue.

- The call's owner or an admin seats reviewers while the call is published and open: technology brokers or
  named experts with an account, i.e. any active user of a verified organisation who is not a member of the
  publishing organisation. Admins run panels and see every score, so they do not sit; viewers (政府观察员)
  read and change nothing, so they do not sit either. A member of an applicant organisation may sit, but must
  declare the conflict with that application.
- A reviewer who has submitted nothing can be removed (their drafts go with them).
- Once the window has closed (public status 评审中) each reviewer declares, for every application, a conflict
  (with a reason) or none, once; only then do they see applications, never those they declared a conflict
  with. An admin can reopen a declaration (audited); drafts of applications then declared conflicting are
  dropped, and a submitted review of one no longer counts.

Writes of one seat are serialised by locking its row (SELECT … FOR UPDATE on PostgreSQL)."""

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from market import events
from market.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from market.extensions import db
from market.inputs.challenge_reviews import (
    ChallengeConflictIn,
    ChallengeConflictsIn,
    ChallengeReopenIn,
    ChallengeReviewerIn,
)
from market.models import User
from market.models.base import utcnow
from market.models.challenge import Challenge
from market.models.challenge_review import ChallengeConflict, ChallengeReview, ChallengeReviewer
from market.services import audit
from market.services.base import parse_row_id, unit_of_work
from market.services.challenges.access import get_challenge, get_managed_challenge, reviewer_for
from market.services.challenges.panel_state import (
    PanelState,
    load_panel,
    locked_seat,
    own_seat,
    require_reviewing,
    reviewable_applications,
)
from market.services.challenges.scoring import tell_owner_when_complete
from market.services.notifications import add_notifications
from market.services.permissions import require_admin

NOT_ELIGIBLE = "未找到可担任评审专家的已认证用户，请核对"


# ---- seating and removing reviewers ------------------------------------------------------------------------


def _require_panel_open(challenge: Challenge) -> None:
    if not challenge.demand.is_public:  # published, or expired when its window closed
        raise InvalidTransition("榜单通过审核发布后才能组建评审专家组")
    if challenge.phase != "open":
        raise InvalidTransition("榜单已定榜或已终止，评审专家组不能再调整")


def reviewer_refusal(challenge: Challenge, user: User | None) -> str | None:
    """Why this user cannot sit on the call's panel, or None."""
    if user is None or not user.active:
        return NOT_ELIGIBLE
    if user.role == "admin":
        return "管理员负责组织评审，不能担任评审专家"
    if user.role == "viewer":
        return "政府观察员只查看数据，不能担任评审专家"
    if not user.is_verified:
        return NOT_ELIGIBLE
    if user.organisation_id == challenge.demand.org_id:
        return "发榜单位的成员不能担任评审专家"
    if reviewer_for(user, challenge) is not None:
        return "该用户已是本榜单的评审专家"
    return None


def _chosen_user(values: dict) -> tuple[str, User | None]:
    if values.get("user_id"):
        return "user_id", db.session.get(User, values["user_id"])
    return "email", db.session.scalars(select(User).where(User.email == values["email"])).first()


@unit_of_work
def add_reviewer(actor, challenge_id, data: dict) -> ChallengeReviewer:
    """Seat a broker or a named expert on the call's panel (its owner or an admin); the reviewer is told."""
    challenge = get_managed_challenge(actor, challenge_id)
    _require_panel_open(challenge)
    errors: dict = {}
    values = ChallengeReviewerIn.clean(data, errors=errors)
    user = None
    if not errors:
        if not values.get("user_id") and not values.get("email"):
            errors["user_id"] = "请选择评审专家，或填写其注册邮箱"
        else:
            key, user = _chosen_user(values)
            if message := reviewer_refusal(challenge, user):
                errors[key] = message
    if errors:
        raise ValidationFailed(errors)
    seat = ChallengeReviewer(
        challenge_id=challenge.id, user_id=user.id, expertise=values.get("expertise"), added_by_id=actor.id
    )
    db.session.add(seat)
    try:
        db.session.flush()
    except IntegrityError:  # seated by someone else a moment ago
        raise Conflict("该用户已是本榜单的评审专家") from None
    audit.record(
        actor,
        "challenge.add_reviewer",
        "challenge",
        challenge.id,
        {
            "reviewer_id": seat.id,
            "user_id": user.id,
            "reviewer": user.display_name,
            "expertise": seat.expertise,
        },
    )
    events.record(
        "challenge.reviewer_told",
        user_id=user.id,
        title=f"您受邀担任揭榜挂帅榜单「{challenge.demand.title}」的评审专家",
        body="申报截止后请先声明利益冲突，再为揭榜方案评分。",
        link=f"/challenges/{challenge.id}/review",
        key=f"challenge-panel:{seat.id}",
    )
    return seat


def _seat_of(challenge: Challenge, reviewer_id) -> ChallengeReviewer:
    row_id = parse_row_id(reviewer_id)
    seat = db.session.get(ChallengeReviewer, row_id) if row_id else None
    if seat is None or seat.challenge_id != challenge.id:
        raise NotFound("该评审专家不在本榜单的专家组中")
    return seat


def _submitted_count(seat: ChallengeReviewer) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(ChallengeReview)
        .where(ChallengeReview.reviewer_id == seat.id, ChallengeReview.submitted_at.is_not(None))
    )


@unit_of_work
def remove_reviewer(actor, challenge_id, reviewer_id) -> None:
    """Take a reviewer who has submitted nothing off the panel (its owner or an admin); drafts go too."""
    challenge = get_managed_challenge(actor, challenge_id)
    _require_panel_open(challenge)
    seat = locked_seat(_seat_of(challenge, reviewer_id))
    if _submitted_count(seat):
        raise InvalidTransition("该评审专家已提交评分，不能移出专家组")
    seat_id, user_id, name = seat.id, seat.user_id, seat.user.display_name
    audit.record(
        actor,
        "challenge.remove_reviewer",
        "challenge",
        challenge.id,
        {"reviewer_id": seat.id, "reviewer": name},
    )
    db.session.execute(delete(ChallengeReview).where(ChallengeReview.reviewer_id == seat.id))
    db.session.delete(seat)
    tell_owner_when_complete(challenge)  # the reviews still owed may have been this reviewer's
    events.record(
        "challenge.reviewer_told",
        user_id=user_id,
        title=f"您已不再担任揭榜挂帅榜单「{challenge.demand.title}」的评审专家",
        link=f"/challenges/{challenge.id}",
        key=f"challenge-panel-removed:{seat_id}",
    )


# ---- conflict declarations ---------------------------------------------------------------------------------


def _read_declaration(actor, applications: dict, rows: list) -> tuple[dict, dict]:
    """({application id: reason} of the conflicts declared, {field: message}) for a declaration's rows."""
    errors, conflicts, seen = {}, {}, set()
    for number, row in enumerate(rows, start=1):
        row_errors: dict = {}
        item = ChallengeConflictIn.clean(row, errors=row_errors)
        application = applications.get(item.get("application_id"))
        key = f"declarations.{application.id}" if application else "declarations"
        label = application.organisation.name if application else f"第{number}项"
        if row_errors:
            errors.setdefault(key, f"{label}：" + "；".join(row_errors.values()))
            continue
        if application is None:
            errors.setdefault(key, f"第{number}项：该揭榜方案不属于本榜单或已撤回")
            continue
        name = application.organisation.name
        if application.id in seen:
            errors[key] = f"{name}：同一揭榜方案只能声明一次"
        elif item["conflict"] and not item.get("reason"):
            errors[key] = f"{name}：存在利益冲突时请说明原因"
        elif not item["conflict"] and actor.organisation_id == application.org_id:
            errors[key] = f"您是{name}的成员，须声明与该方案存在利益冲突"
        elif item["conflict"]:
            conflicts[application.id] = item["reason"]
        seen.add(application.id)
    for application in applications.values():
        if application.id not in seen:
            errors.setdefault(
                f"declarations.{application.id}", f"请声明与{application.organisation.name}是否存在利益冲突"
            )
    return conflicts, errors


@unit_of_work
def declare_conflicts(actor, challenge_id, data: dict) -> ChallengeReviewer:
    """A reviewer's declaration, once, covering every application: a conflict with a reason, or none."""
    challenge = get_challenge(actor, challenge_id)
    seat = own_seat(actor, challenge)
    require_reviewing(challenge)
    seat = locked_seat(seat)
    if seat.declared_at is not None:
        raise InvalidTransition("您已提交利益冲突声明，不能修改；如需更正请联系管理员")
    values = ChallengeConflictsIn.clean(data)
    applications = {application.id: application for application in reviewable_applications(challenge)}
    conflicts, errors = _read_declaration(actor, applications, values["declarations"])
    if errors:
        raise ValidationFailed(errors)
    seat.declared_at = utcnow()
    for application_id, reason in conflicts.items():
        seat.conflicts.append(ChallengeConflict(application_id=application_id, reason=reason))
    if conflicts:  # drafts of a conflicting application (kept from before a reopened declaration) go
        db.session.execute(
            delete(ChallengeReview).where(
                ChallengeReview.reviewer_id == seat.id,
                ChallengeReview.application_id.in_(list(conflicts)),
                ChallengeReview.submitted_at.is_(None),
            )
        )
    tell_owner_when_complete(challenge)  # a conflict may leave nothing owed
    audit.record(
        actor,
        "challenge.declare_conflicts",
        "challenge",
        challenge.id,
        {
            "reviewer_id": seat.id,
            "applications": len(applications),
            "conflicts": {applications[a].organisation.name: reason for a, reason in conflicts.items()},
        },
    )
    return seat


@unit_of_work
def reopen_conflicts(actor, challenge_id, reviewer_id, data: dict) -> ChallengeReviewer:
    """An admin lets a reviewer declare again (a correction), with a reason kept in the audit log."""
    require_admin(actor)
    challenge = get_challenge(actor, challenge_id)
    seat = locked_seat(_seat_of(challenge, reviewer_id))
    require_reviewing(challenge)
    if seat.declared_at is None:
        raise InvalidTransition("该评审专家尚未声明利益冲突")
    values = ChallengeReopenIn.clean(data)
    before = {conflict.application_id: conflict.reason for conflict in seat.conflicts}
    seat.conflicts.clear()
    seat.declared_at = None
    audit.record(
        actor,
        "challenge.reopen_conflicts",
        "challenge",
        challenge.id,
        {
            "reviewer_id": seat.id,
            "reviewer": seat.user.display_name,
            "reason": values["reason"],
            "conflicts": before,
        },
    )
    events.record(
        "challenge.reviewer_told",
        user_id=seat.user_id,
        title=f"管理员已重新开放您在「{challenge.demand.title}」的利益冲突声明，请重新声明",
        body=f"原因：{values['reason']}",
        link=f"/challenges/{challenge.id}/review",
        key=f"challenge-reopen:{seat.id}:{utcnow().isoformat()}",
    )
    return seat


# ---- what pages show ---------------------------------------------------------------------------------------


@dataclass
class PanelMember:
    seat: ChallengeReviewer
    declared: bool
    has_conflicts: bool  # whether they declared any conflict, not with which application
    submitted: int
    expected: int
    drafts: int


def panel_members(actor, challenge_id) -> tuple[Challenge, list[PanelMember], PanelState]:
    """The panel as its owner and admins see it: each member, whether they declared (and whether any
    conflict, never which) and their progress."""
    challenge = get_managed_challenge(actor, challenge_id)
    state = load_panel(challenge)
    members = []
    for seat in state.seats:
        owed = [a for a in state.applications if (seat.id, a.id) not in state.conflicts]
        mine = [state.reviews.get((seat.id, a.id)) for a in owed]
        members.append(
            PanelMember(
                seat=seat,
                declared=seat.declared_at is not None,
                has_conflicts=any(seat_id == seat.id for seat_id, _ in state.conflicts),
                submitted=sum(1 for r in mine if r is not None and r.submitted_at is not None),
                expected=len(owed),
                drafts=sum(1 for r in mine if r is not None and r.submitted_at is None),
            )
        )
    return challenge, members, state


# ---- notifications (run by the worker) ---------------------------------------------------------------------


@events.subscribe("challenge.reviewer_told")
def notify_reviewer(payload: dict) -> None:
    """Tell a reviewer they joined or left a call's panel, or must declare again."""
    add_notifications(
        [payload["user_id"]],
        "challenge",
        title=payload["title"],
        body=payload.get("body"),
        link=payload["link"],
        dedupe_key=payload["key"],
    )
