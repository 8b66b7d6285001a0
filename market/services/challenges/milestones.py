"""攻关与验收: the team's progress reports on its milestones (text and PDFs), and the 中期检查 / 验收
decisions of the call's owner or an admin (accepted, or rejected and reported again); the call is 已验收
once every milestone of every selected team is accepted."""

from sqlalchemy import select

from market import events
from market.errors import InvalidTransition, PermissionDenied, ValidationFailed
from market.extensions import db
from market.inputs.challenge_projects import MilestoneDecisionIn, ProgressReportIn
from market.models.base import utcnow
from market.models.challenge import Challenge
from market.models.challenge_application import ChallengeApplication, ChallengeDocument
from market.models.challenge_project import ProgressReport, ProjectMilestone
from market.services import audit, uploads
from market.services.base import unit_of_work
from market.services.challenges.history import record_event
from market.services.challenges.projects import (
    AREA,
    DECISION_WORDS,
    MAX_FILES,
    can_decide,
    can_report,
    get_milestone,
    owner_ids,
    project_link,
    team_ids,
)
from market.services.notifications import add_notifications

# ---- writing ---------------------------------------------------------------------------------------


def _check_files(files, errors: dict) -> list[tuple[str, bytes]]:
    """The PDFs sent (name, content), each checked by its first bytes and size."""
    files = [(uploads.clean_filename(name, "附件.pdf"), content) for name, content in files or []]
    if len(files) > MAX_FILES:
        errors.setdefault("files", f"每次最多上传 {MAX_FILES} 个 PDF 文件")
    for name, content in files:
        if not content:
            errors.setdefault("files", f"文件“{name}”是空的")
        elif len(content) > uploads.MAX_FILE_BYTES:
            errors.setdefault("files", f"“{name}”：" + uploads.too_large_message())
        elif not uploads.is_pdf(content) or not name.lower().endswith(".pdf"):
            errors.setdefault("files", f"“{name}”不是 PDF 文件：只接受 PDF")
    return files


def _store(actor, milestone: ProjectMilestone, purpose: str, files, report: ProgressReport | None) -> list:
    stored = []
    for name, content in files:
        stored_name = uploads.new_stored_name(".pdf")
        uploads.keep_file(AREA, stored_name, content)
        document = ChallengeDocument(
            application_id=milestone.application_id,
            milestone_id=milestone.id,
            report_id=getattr(report, "id", None),
            purpose=purpose,
            filename=name,
            stored_name=stored_name,
            size=len(content),
            sha256=uploads.sha256(content),
            uploaded_by_id=actor.id,
        )
        db.session.add(document)
        stored.append(document)
    db.session.flush()
    return stored


def _lock(milestone: ProjectMilestone) -> None:
    """Re-read the milestone under a row lock, so two decisions or payments at once are taken in turn
    (PostgreSQL; SQLite runs one writer at a time)."""
    db.session.refresh(milestone, with_for_update=True)


@unit_of_work
def submit_report(actor, milestone_id, data: dict, files=()) -> ProgressReport:
    """The team reports on a milestone (text and PDFs); it then waits for the owner's decision. A rejected
    milestone is reported again the same way."""
    milestone = get_milestone(actor, milestone_id)
    application = milestone.application
    if not can_report(actor, application):
        raise PermissionDenied("只有入选团队（已认证单位的成员）可以提交进展报告")
    _lock(milestone)
    if milestone.status == "submitted":
        raise InvalidTransition("该里程碑的进展报告已提交，正在等待检查结论")
    if milestone.status == "accepted":
        raise InvalidTransition("该里程碑已通过，无需再提交报告")
    errors: dict = {}
    values = ProgressReportIn.clean(data, errors=errors)
    files = _check_files(files, errors)
    if errors:
        raise ValidationFailed(errors)
    report = ProgressReport(milestone_id=milestone.id, text=values["text"], submitted_by_id=actor.id)
    db.session.add(report)
    db.session.flush()
    documents = _store(actor, milestone, "report", files, report)
    before = milestone.status
    milestone.status = "submitted"
    challenge = application.challenge
    if challenge.phase == "selected":  # the first report: the project is under way
        challenge.phase, challenge.phase_changed_at = "running", utcnow()
        record_event(challenge, "running", "揭榜项目进入攻关")
    audit.record(
        actor,
        "challenge.report",
        "project_milestone",
        milestone.id,
        {"status": [before, "submitted"], "report_id": report.id, "files": [d.filename for d in documents]},
    )
    events.record(
        "challenge.report_submitted", milestone_id=milestone.id, report_id=report.id, actor_id=actor.id
    )
    return report


@unit_of_work
def decide_milestone(actor, milestone_id, data: dict, files=()) -> ProjectMilestone:
    """The call's owner or an admin records the 中期检查 / 验收 conclusion of a reported milestone, with a
    note and documents; accepting the last milestone of the selected teams makes the call 已验收."""
    milestone = get_milestone(actor, milestone_id)
    application = milestone.application
    if not can_decide(actor, application):
        raise PermissionDenied("只有发榜单位和管理员可以作出检查或验收结论")
    _lock(milestone)
    if milestone.status != "submitted":
        raise InvalidTransition(
            "该里程碑已通过" if milestone.status == "accepted" else "揭榜团队尚未提交该里程碑的进展报告"
        )
    errors: dict = {}
    values = MilestoneDecisionIn.clean(data, errors=errors)
    files = _check_files(files, errors)
    if errors:
        raise ValidationFailed(errors)
    documents = _store(actor, milestone, "acceptance", files, None)
    milestone.status, milestone.decision_note = values["decision"], values["note"]
    milestone.decided_at, milestone.decided_by_id = utcnow(), actor.id
    challenge = application.challenge
    changes = {
        "status": ["submitted", milestone.status],
        "note": milestone.decision_note,
        "files": [d.filename for d in documents],
    }
    if milestone.status == "accepted":
        word = DECISION_WORDS.get(milestone.kind, "检查")
        record_event(
            challenge, "milestone_accepted", f"{application.organisation.name}“{milestone.title}”通过{word}"
        )
        if _all_accepted(challenge):
            changes["challenge_phase"] = [challenge.phase, "accepted"]
            challenge.phase, challenge.phase_changed_at = "accepted", utcnow()
            record_event(challenge, "accepted", "揭榜项目全部通过验收")
    audit.record(actor, "challenge.decide_milestone", "project_milestone", milestone.id, changes)
    events.record("challenge.milestone_decided", milestone_id=milestone.id, actor_id=actor.id)
    return milestone


def _all_accepted(challenge: Challenge) -> bool:
    """Every milestone of every selected team is accepted (and there is at least one), once the call is
    past its race."""
    if challenge.phase not in ("selected", "running"):
        return False
    statuses = list(
        db.session.scalars(
            select(ProjectMilestone.status)
            .join(ChallengeApplication, ChallengeApplication.id == ProjectMilestone.application_id)
            .where(
                ChallengeApplication.challenge_id == challenge.id, ChallengeApplication.status == "selected"
            )
        )
    )
    return bool(statuses) and all(status == "accepted" for status in statuses)


def settle_acceptance(challenge: Challenge) -> bool:
    """After a race's final selection: the call is 已验收 at once if the winners' milestones all are."""
    if _all_accepted(challenge):
        challenge.phase, challenge.phase_changed_at = "accepted", utcnow()
        record_event(challenge, "accepted", "揭榜项目全部通过验收")
        return True
    return False


# ---- notifications (run by the worker) ---------------------------------------------------------------


@events.subscribe("challenge.report_submitted")
def notify_report(payload: dict) -> None:
    """Tell the call's owner (and the deal's broker) that a milestone waits for its decision."""
    milestone = db.session.get(ProjectMilestone, payload["milestone_id"])
    if milestone is None:
        return
    application = milestone.application
    title = f"{application.organisation.name}提交了“{milestone.title}”的进展报告，请作出检查结论"
    key = f"challenge-report:{payload['report_id']}"
    owners = [user for user in owner_ids(application.challenge) if user != payload.get("actor_id")]
    add_notifications(owners, "challenge", title, link=project_link(application), dedupe_key=key)
    deal = application.deal
    if deal is not None and deal.broker_id:
        add_notifications([deal.broker_id], "challenge", title, link=f"/deals/{deal.id}", dedupe_key=key)


@events.subscribe("challenge.milestone_decided")
def notify_decision(payload: dict) -> None:
    """Tell the team the conclusion of its milestone."""
    milestone = db.session.get(ProjectMilestone, payload["milestone_id"])
    if milestone is None or milestone.decided_at is None:
        return
    application = milestone.application
    if milestone.status == "accepted":
        title = f"“{milestone.title}”已通过{DECISION_WORDS.get(milestone.kind, '检查')}"
    else:
        title = f"“{milestone.title}”未通过检查，请按意见修改后重新提交进展报告"
    add_notifications(
        [user for user in team_ids(application) if user != payload.get("actor_id")],
        "challenge",
        title,
        body=milestone.decision_note,
        link=project_link(application),
        dedupe_key=f"challenge-decision:{milestone.id}:{milestone.decided_at.isoformat()}",
    )
