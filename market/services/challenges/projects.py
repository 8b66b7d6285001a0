"""攻关与验收 (deliver and accept): a selected or racing team's project.

On selection the call's milestone plan is copied into the team's ProjectMilestone rows (due dates from the
team's schedule, else the call's; tranches exact in fen). The team reports on a milestone and the call's
owner or an admin decides (milestones.py); payments are in payments.py. Overdue milestones are flagged
on the pages and told once to the call's owner and the deal's broker (notify_overdue_milestones, run by
the worker hourly and by `flask market challenge-overdue`)."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from market.clock import today_in_beijing
from market.errors import NotFound
from market.extensions import db
from market.models import User
from market.models.challenge import Challenge
from market.models.challenge_application import ChallengeApplication, ChallengeDocument
from market.models.challenge_project import ProgressReport, ProjectMilestone
from market.services import uploads
from market.services.base import parse_row_id, unit_of_work
from market.services.challenges.access import (
    can_manage_challenge,
    can_view_project,
    get_project,
    is_applicant,
)
from market.services.notifications import add_notifications
from market.services.permissions import CREATOR_ROLES

AREA = "challenges"  # the folder of the programme's PDFs under the attachment root (market/storage.py)
MAX_FILES = 5  # PDFs with one report or one decision
ACTIVE_STATUSES = ("selected", "racing")  # teams at work: they report, and their milestones can fall overdue
DECISION_WORDS = {"final": "验收", "midterm": "中期检查", "milestone": "里程碑检查"}


# ---- the project, copied from the call's plan -----------------------------------------------------


def split_tranches(amount_fen: int, percents: list[int]) -> list[int]:
    """Each milestone's share of the amount in whole fen, rounded down; what rounding left goes to the last
    milestone with a share, so the tranches add up to exactly amount × Σpercent / 100 (the whole amount when
    the shares make 100)."""
    shares = [amount_fen * percent // 100 for percent in percents]
    last = max((i for i, percent in enumerate(percents) if percent > 0), default=None)
    if last is not None:
        shares[last] += amount_fen * sum(percents) // 100 - sum(shares)
    return shares


def _planned_dates(application: ChallengeApplication) -> dict[int, date]:
    """The team's own dates for the call's milestones (its schedule), where it gave a valid one."""
    planned = {}
    for item in application.schedule or []:
        try:
            planned[int(item["milestone_id"])] = date.fromisoformat(str(item["planned_on"]))
        except (KeyError, TypeError, ValueError):
            continue
    return planned


def create_milestones(application: ChallengeApplication, amount_fen: int) -> list[ProjectMilestone]:
    """Copy the call's milestones into the team's project, inside the selection's unit of work; a racing
    team that is finally selected keeps the project it has."""
    if application.milestones:
        return application.milestones
    plan = application.challenge.milestones
    planned = _planned_dates(application)
    tranches = split_tranches(amount_fen, [m.tranche_percent for m in plan])
    application.milestones = [
        ProjectMilestone(
            position=m.position,
            kind=m.kind,
            title=m.title,
            deliverable=m.deliverable,
            due_on=planned.get(m.id, m.due_on),
            tranche_fen=tranche,
        )
        for m, tranche in zip(plan, tranches)
    ]
    db.session.flush()
    return application.milestones


# ---- who is told -----------------------------------------------------------------------------------


def owner_ids(challenge: Challenge) -> list[int]:
    """The call's owner: active members of the publishing organisation who publish demands."""
    return list(
        db.session.scalars(
            select(User.id).where(
                User.organisation_id == challenge.demand.org_id,
                User.active.is_(True),
                User.role.in_(sorted(CREATOR_ROLES["demand"])),
            )
        )
    )


def team_ids(application: ChallengeApplication) -> list[int]:
    """The applicant organisation's active members (not government viewers)."""
    return list(
        db.session.scalars(
            select(User.id).where(
                User.organisation_id == application.org_id, User.active.is_(True), User.role != "viewer"
            )
        )
    )


def project_link(application: ChallengeApplication) -> str:
    return f"/challenges/applications/{application.id}/project"


# ---- reading ---------------------------------------------------------------------------------------


def is_overdue(milestone: ProjectMilestone, today: date | None = None) -> bool:
    """Due before today (Beijing), not accepted, and the team still at work."""
    return (
        milestone.status != "accepted"
        and milestone.due_on < (today or today_in_beijing())
        and milestone.application.status in ACTIVE_STATUSES
    )


@dataclass
class ReportView:
    report: ProgressReport
    documents: list

    def __getattr__(self, name):  # the report's own fields, for pages and schemas
        if name.startswith("_") or name == "report":
            raise AttributeError(name)
        return getattr(self.report, name)


@dataclass
class MilestoneView:
    milestone: ProjectMilestone
    overdue: bool
    paid_fen: int
    reports: list = field(default_factory=list)  # [ReportView], oldest first
    decision_documents: list = field(default_factory=list)

    def __getattr__(self, name):  # the milestone's own fields, for pages and schemas
        if name.startswith("_") or name == "milestone":
            raise AttributeError(name)
        return getattr(self.milestone, name)

    @property
    def remaining_fen(self) -> int:
        return self.milestone.tranche_fen - self.paid_fen


@dataclass
class ProjectView:
    application: ChallengeApplication
    milestones: list[MilestoneView]
    can_report: bool
    can_decide: bool
    can_pay: bool

    @property
    def challenge(self) -> Challenge:
        return self.application.challenge

    @property
    def committed_fen(self) -> int:
        return sum(view.milestone.tranche_fen for view in self.milestones)

    @property
    def paid_fen(self) -> int:
        return sum(view.paid_fen for view in self.milestones)

    @property
    def overdue_count(self) -> int:
        return sum(view.overdue for view in self.milestones)


def can_report(actor, application: ChallengeApplication) -> bool:
    return is_applicant(actor, application) and actor.is_verified and application.status in ACTIVE_STATUSES


def can_decide(actor, application: ChallengeApplication) -> bool:
    return can_manage_challenge(actor, application.challenge) and application.status in ACTIVE_STATUSES


def can_pay(actor, application: ChallengeApplication) -> bool:
    """The payer's side records payments, for an eliminated team's accepted milestones too."""
    return can_manage_challenge(actor, application.challenge)


def project(actor, application_id) -> ProjectView:
    """A team's project as the actor may see it: milestones with overdue flag, tranche and paid, reports and
    decisions with their documents, and what the actor may do."""
    application = get_project(actor, application_id)
    documents: dict = {}
    for document in db.session.scalars(
        select(ChallengeDocument)
        .where(
            ChallengeDocument.application_id == application.id, ChallengeDocument.milestone_id.is_not(None)
        )
        .order_by(ChallengeDocument.id)
    ):
        documents.setdefault((document.milestone_id, document.report_id), []).append(document)
    today = today_in_beijing()
    views = [
        MilestoneView(
            milestone=m,
            overdue=is_overdue(m, today),
            paid_fen=m.paid_fen,
            reports=[ReportView(r, documents.get((m.id, r.id), [])) for r in m.reports],
            decision_documents=documents.get((m.id, None), []),
        )
        for m in application.milestones
    ]
    return ProjectView(
        application,
        views,
        can_report(actor, application),
        can_decide(actor, application),
        can_pay(actor, application),
    )


def get_milestone(actor, milestone_id) -> ProjectMilestone:
    """A milestone of a project the actor may see (404 otherwise)."""
    row_id = parse_row_id(milestone_id)
    milestone = db.session.get(ProjectMilestone, row_id) if row_id else None
    if milestone is None or not can_view_project(actor, milestone.application):
        raise NotFound("该里程碑不存在")
    return milestone


def get_project_document(actor, application_id, document_id) -> tuple[ChallengeDocument, object]:
    """A report's or a decision's PDF, for those who may see the project, with the path of its file."""
    application = get_project(actor, application_id)
    row_id = parse_row_id(document_id)
    document = db.session.get(ChallengeDocument, row_id) if row_id else None
    if document is None or document.application_id != application.id or document.milestone_id is None:
        raise NotFound("该文件不存在")
    path = uploads.file_path(AREA, document.stored_name)
    if not path.is_file():
        raise NotFound("文件已丢失，请联系上传者重新上传")
    return document, path


# ---- overdue -----------------------------------------------------------------------------------------


@unit_of_work
def notify_overdue_milestones(today: date | None = None) -> int:
    """Flag every milestone that fell overdue (Beijing day) to the call's owner and the deal's broker, once
    per milestone; returns how many were flagged."""
    today = today or today_in_beijing()
    milestones = list(
        db.session.scalars(
            select(ProjectMilestone)
            .join(ChallengeApplication, ChallengeApplication.id == ProjectMilestone.application_id)
            .where(
                ProjectMilestone.due_on < today,
                ProjectMilestone.status != "accepted",
                ProjectMilestone.overdue_notified_on.is_(None),
                ChallengeApplication.status.in_(ACTIVE_STATUSES),
            )
            .order_by(ProjectMilestone.id)
        )
    )
    for milestone in milestones:
        application = milestone.application
        title = (
            f"揭榜项目里程碑逾期：{application.organisation.name}“{milestone.title}”"
            f"应于 {milestone.due_on.isoformat()} 完成"
        )
        key = f"challenge-overdue:{milestone.id}"
        add_notifications(
            owner_ids(application.challenge),
            "challenge",
            title,
            link=project_link(application),
            dedupe_key=key,
        )
        deal = application.deal
        if deal is not None and deal.broker_id:
            add_notifications([deal.broker_id], "challenge", title, link=f"/deals/{deal.id}", dedupe_key=key)
        milestone.overdue_notified_on = today
    return len(milestones)
