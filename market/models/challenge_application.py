"""揭榜 (apply): one organisation's application to one call, and the PDF documents of the whole programme
(plans, progress reports, acceptance material), each reached only through its application."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime
from market.models.challenge_vocab import APPLICATION_STATUSES


class ChallengeApplication(TimestampMixin, Base):
    """An organisation's 揭榜方案. One per organisation and call; editable until the window closes. When the
    team is selected it becomes the project: its deal, contract and milestones hang from it."""

    __tablename__ = "challenge_applications"
    __table_args__ = (
        UniqueConstraint("challenge_id", "org_id", name="uq_challenge_applications_org"),
        CheckConstraint("budget_fen > 0", name="budget_positive"),
        Index("ix_challenge_applications_challenge_status", "challenge_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    plan: Mapped[str] = mapped_column(Text)  # the 揭榜方案: approach, how the 考核指标 will be met
    budget_fen: Mapped[int] = mapped_column(BigInteger)  # the team's budget, exact
    # [{"name": "张三", "title": "教授", "role": "项目负责人"}, ...]
    team: Mapped[list] = mapped_column(JSON, default=list)
    # Against the call's milestones: [{"milestone_id": 3, "planned_on": "2027-03-31", "note": "..."}, ...]
    schedule: Mapped[list] = mapped_column(JSON, default=list)
    # Ids of the applicant's published results (成果库) it builds on.
    prior_achievement_ids: Mapped[list] = mapped_column(JSON, default=list)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # 路演答辩 slot for a shortlisted team.
    defense_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    defense_place: Mapped[str | None] = mapped_column(String(200))
    # The owner's or admin's decision (定榜, 淘汰): why, by whom, when. Seen by the owner and admins only.
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Opened on selection: the deal that carries the project and the draft 技术开发 contract.
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id", ondelete="SET NULL"))

    challenge = relationship("Challenge")
    organisation = relationship("Organisation", lazy="joined")
    created_by = relationship("User", foreign_keys=[created_by_id])
    deal = relationship("Deal")
    contract = relationship("Contract")
    milestones = relationship(
        "ProjectMilestone",
        cascade="all, delete-orphan",
        order_by="ProjectMilestone.position",
        back_populates="application",
    )

    @property
    def status_label(self) -> str:
        return APPLICATION_STATUSES.get(self.status, self.status)


class ChallengeDocument(TimestampMixin, Base):
    """A PDF of the programme: an application's plan, a progress report's file or acceptance material. The
    file lives under the instance folder; who may fetch it follows the application."""

    __tablename__ = "challenge_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_applications.id", ondelete="CASCADE"), index=True
    )
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("project_milestones.id", ondelete="CASCADE"), index=True
    )
    report_id: Mapped[int | None] = mapped_column(ForeignKey("progress_reports.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(20))  # CHALLENGE_DOCUMENT_PURPOSES
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, for display only
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    uploaded_by = relationship("User")
