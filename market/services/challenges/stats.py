"""The 揭榜挂帅 dashboard: for a Beijing calendar year, against the plan's yearly targets
(CHALLENGE_YEARLY_TARGETS: ≥10 calls, ≥30 projects), in three aggregate queries.

- calls published: open-call demands (揭榜挂帅) published in the year; the KPI metrics "open_calls" and
  "challenge_projects" (services/kpis.py) count calls and projects with these same functions.
- projects: teams selected or racing whose project started in the year (its milestones were copied on
  selection); a call is taken up in the year when one of its projects started then. A project is accepted
  when every one of its milestones is, under way otherwise. Eliminated and not selected teams are no
  projects.
- money committed: the tranches of those projects; paid: the payments recorded against them so far."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func, select

from market.clock import beijing_day_end, beijing_day_start, today_in_beijing
from market.errors import PermissionDenied
from market.extensions import db
from market.models import Demand
from market.models.challenge_application import ChallengeApplication
from market.models.challenge_project import ProjectMilestone, TranchePayment
from market.models.challenge_vocab import CHALLENGE_YEARLY_TARGETS
from market.services.permissions import is_admin, is_signed_in

PROJECT_STATUSES = ("selected", "racing")
FEN_PER_WAN = Decimal(1_000_000)


def wan_text(fen: int) -> str:
    """An exact amount in 万元, to the fen: 100000001 fen → "100.000001万元", 3亿 → "30,000.00万元"."""
    text = f"{Decimal(fen) / FEN_PER_WAN:,.6f}".rstrip("0")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}万元"


def calls_published(start: date, end: date) -> int:
    """Open calls published from start to end (Beijing days, both included)."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Demand)
            .where(
                Demand.open_call.is_(True),
                Demand.published_at >= beijing_day_start(start),
                Demand.published_at <= beijing_day_end(end),
            )
        )
        or 0
    )


@dataclass(frozen=True)
class ChallengeFigures:
    year: int
    calls_published: int
    calls_taken_up: int
    projects_running: int
    projects_accepted: int
    committed_fen: int
    paid_fen: int
    calls_target: int = CHALLENGE_YEARLY_TARGETS["calls"]
    projects_target: int = CHALLENGE_YEARLY_TARGETS["projects"]

    @property
    def projects(self) -> int:
        return self.projects_running + self.projects_accepted

    @property
    def calls_reached(self) -> bool:
        return self.calls_published >= self.calls_target

    @property
    def projects_reached(self) -> bool:
        return self.projects >= self.projects_target

    @property
    def committed_text(self) -> str:
        return wan_text(self.committed_fen)

    @property
    def paid_text(self) -> str:
        return wan_text(self.paid_fen)


def _projects_of(start: date, end: date):
    """Per project started from start to end: its call, milestones, accepted milestones and tranches."""
    per_project = (
        select(
            ProjectMilestone.application_id.label("application_id"),
            func.min(ProjectMilestone.created_at).label("started_at"),
            func.count().label("milestones"),
            func.sum(case((ProjectMilestone.status == "accepted", 1), else_=0)).label("accepted"),
            func.sum(ProjectMilestone.tranche_fen).label("committed"),
        )
        .group_by(ProjectMilestone.application_id)
        .subquery()
    )
    return (
        select(ChallengeApplication.id, ChallengeApplication.challenge_id, per_project)
        .join(per_project, per_project.c.application_id == ChallengeApplication.id)
        .where(
            ChallengeApplication.status.in_(PROJECT_STATUSES),
            per_project.c.started_at >= beijing_day_start(start),
            per_project.c.started_at <= beijing_day_end(end),
        )
        .subquery()
    )


def projects_started(start: date, end: date) -> int:
    """Projects (selected or racing teams) started from start to end: the dashboard's 启动的项目."""
    projects = _projects_of(start, end)
    return int(db.session.scalar(select(func.count()).select_from(projects)) or 0)


def challenge_figures(actor, year: int | None = None) -> ChallengeFigures:
    """The year's figures (this Beijing year by default), for admins and government viewers."""
    if not (is_admin(actor) or (is_signed_in(actor) and actor.role == "viewer")):
        raise PermissionDenied("仅管理员和政府观察员可以查看揭榜挂帅统计")
    year = year or today_in_beijing().year
    start, end = date(year, 1, 1), date(year, 12, 31)
    projects = _projects_of(start, end)
    taken_up, count, accepted, committed = db.session.execute(
        select(
            func.count(func.distinct(projects.c.challenge_id)),
            func.count(),
            func.coalesce(func.sum(case((projects.c.accepted == projects.c.milestones, 1), else_=0)), 0),
            func.coalesce(func.sum(projects.c.committed), 0),
        ).select_from(projects)
    ).one()
    paid = db.session.scalar(
        select(func.coalesce(func.sum(TranchePayment.amount_fen), 0))
        .join(ProjectMilestone, ProjectMilestone.id == TranchePayment.milestone_id)
        .where(ProjectMilestone.application_id.in_(select(projects.c.id)))
    )
    return ChallengeFigures(
        year=year,
        calls_published=calls_published(start, end),
        calls_taken_up=int(taken_up),
        projects_running=int(count) - int(accepted),
        projects_accepted=int(accepted),
        committed_fen=int(committed),
        paid_fen=int(paid),
    )
