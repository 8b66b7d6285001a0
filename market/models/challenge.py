"""揭榜挂帅 calls (发榜): the call's rules beside its demand, its criteria and milestones, invitations and the
public history of decisions.

A call is a Demand with `open_call` set (so search, matching, follows and the home page keep seeing it) plus
one Challenge row holding what only a call has. The demand's status carries the admin review (pending →
published); the challenge's `phase` carries the lifecycle after that."""

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime
from market.models.challenge_vocab import CHALLENGE_PHASES, SELECTION_MODES


class Challenge(TimestampMixin, Base):
    __tablename__ = "challenges"
    __table_args__ = (
        CheckConstraint("applications_close_on >= applications_open_on", name="window_in_order"),
        CheckConstraint(
            "(selection_mode = 'single' AND race_teams IS NULL) OR "
            "(selection_mode = 'race' AND race_teams >= 2 AND race_teams <= 10)",
            name="race_teams_with_mode",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id"), unique=True)
    # The government programme or list the call belongs to, e.g. 西咸新区2026年第一批重大技术需求榜单.
    programme: Mapped[str | None] = mapped_column(String(100))
    indicators: Mapped[str] = mapped_column(Text)  # 考核指标: measurable targets the project must reach
    # Who pays the 榜额: [{"source": "发榜企业", "percent": 70}, {"source": "西咸新区财政", "percent": 30}],
    # percents add up to 100.
    funding_shares: Mapped[list] = mapped_column(JSON, default=list)
    # Eligibility: organisation kinds (ORG_KINDS codes) and regions (REGIONS) allowed; empty means any.
    eligible_org_kinds: Mapped[list] = mapped_column(JSON, default=list)
    eligible_regions: Mapped[list] = mapped_column(JSON, default=list)
    qualifications: Mapped[str | None] = mapped_column(Text)  # further requirements, in words
    # The application window, Beijing dates, both days included.
    applications_open_on: Mapped[date]
    applications_close_on: Mapped[date] = mapped_column(index=True)
    selection_mode: Mapped[str] = mapped_column(String(10), default="single")
    race_teams: Mapped[int | None]  # 赛马制: how many teams work in parallel
    phase: Mapped[str] = mapped_column(String(20), default="open", index=True)
    phase_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    demand = relationship("Demand", lazy="joined")
    created_by = relationship("User")
    criteria = relationship(
        "ChallengeCriterion",
        cascade="all, delete-orphan",
        order_by="ChallengeCriterion.position",
        back_populates="challenge",
    )
    milestones = relationship(
        "ChallengeMilestone",
        cascade="all, delete-orphan",
        order_by="ChallengeMilestone.position",
        back_populates="challenge",
    )

    @property
    def phase_label(self) -> str:
        return CHALLENGE_PHASES.get(self.phase, self.phase)

    @property
    def selection_mode_label(self) -> str:
        return SELECTION_MODES.get(self.selection_mode, self.selection_mode)


class ChallengeCriterion(Base):
    """One evaluation criterion (评审标准) with its weight in percent; a call's weights add up to 100."""

    __tablename__ = "challenge_criteria"
    __table_args__ = (
        UniqueConstraint("challenge_id", "position", name="uq_challenge_criteria_position"),
        CheckConstraint("weight > 0 AND weight <= 100", name="weight_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(60))
    weight: Mapped[int]
    description: Mapped[str | None] = mapped_column(String(300))

    challenge = relationship("Challenge", back_populates="criteria")


class ChallengeMilestone(Base):
    """A milestone the call asks for (the plan); each selected team's project copies it with its own due date
    and payment tranche (ProjectMilestone)."""

    __tablename__ = "challenge_milestones"
    __table_args__ = (
        UniqueConstraint("challenge_id", "position", name="uq_challenge_milestones_position"),
        CheckConstraint("tranche_percent >= 0 AND tranche_percent <= 100", name="tranche_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20), default="milestone")  # MILESTONE_KINDS
    title: Mapped[str] = mapped_column(String(100))
    deliverable: Mapped[str | None] = mapped_column(String(500))  # what is shown to pass it
    due_on: Mapped[date]
    # Share of the 榜额 paid when this milestone is accepted; a call's shares add up to at most 100.
    tranche_percent: Mapped[int] = mapped_column(default=0)

    challenge = relationship("Challenge", back_populates="milestones")


class ChallengeInvitation(TimestampMixin, Base):
    """The call's owner invites an organisation (suggested by the matcher, often for one of its results)."""

    __tablename__ = "challenge_invitations"
    __table_args__ = (UniqueConstraint("challenge_id", "org_id", name="uq_challenge_invitations_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    achievement_id: Mapped[int | None] = mapped_column(ForeignKey("achievements.id", ondelete="SET NULL"))
    message: Mapped[str | None] = mapped_column(String(500))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation = relationship("Organisation")
    achievement = relationship("Achievement")


class ChallengeEvent(Base):
    """One step of a call's history, as the public page shows it: what happened and when, never scores,
    plans or reasons that are confidential (those stay in the audit log)."""

    __tablename__ = "challenge_events"
    __table_args__ = (Index("ix_challenge_events_challenge", "challenge_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))  # e.g. published, window_closed, selected, accepted
    text: Mapped[str] = mapped_column(String(300))  # the public sentence, e.g. "西安交通大学揭榜"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
