"""攻关与验收 (deliver and accept): a selected team's milestones with due dates and payment tranches, its
progress reports, and the payments recorded against accepted milestones."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime
from market.models.challenge_vocab import MILESTONE_KINDS, MILESTONE_STATUSES


class ProjectMilestone(TimestampMixin, Base):
    """One milestone of one selected team's project, copied from the call's plan on selection; its tranche
    is the team's share of the 榜额 in fen (the shares' remainders go to the last tranche, so they add up
    exactly)."""

    __tablename__ = "project_milestones"
    __table_args__ = (
        UniqueConstraint("application_id", "position", name="uq_project_milestones_position"),
        CheckConstraint("tranche_fen >= 0", name="tranche_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("challenge_applications.id", ondelete="CASCADE"))
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20), default="milestone")  # MILESTONE_KINDS
    title: Mapped[str] = mapped_column(String(100))
    deliverable: Mapped[str | None] = mapped_column(String(500))
    due_on: Mapped[date] = mapped_column(index=True)
    tranche_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # MILESTONE_STATUSES
    decision_note: Mapped[str | None] = mapped_column(Text)  # the 验收 / 中期检查 conclusion
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when the broker and the owner were told it is overdue, so that they are told once.
    overdue_notified_on: Mapped[date | None]

    application = relationship("ChallengeApplication", back_populates="milestones")
    reports = relationship("ProgressReport", cascade="all, delete-orphan", order_by="ProgressReport.id")
    payments = relationship("TranchePayment", cascade="all, delete-orphan", order_by="TranchePayment.id")

    @property
    def kind_label(self) -> str:
        return MILESTONE_KINDS.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return MILESTONE_STATUSES.get(self.status, self.status)

    @property
    def paid_fen(self) -> int:
        return sum(payment.amount_fen for payment in self.payments)


class ProgressReport(TimestampMixin, Base):
    """The team's report on a milestone (text, with PDFs as ChallengeDocument rows)."""

    __tablename__ = "progress_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("project_milestones.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    submitted_by = relationship("User")


class TranchePayment(TimestampMixin, Base):
    """Money paid against an accepted milestone; a milestone's payments never exceed its tranche."""

    __tablename__ = "tranche_payments"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(
        ForeignKey("project_milestones.id", ondelete="CASCADE"), index=True
    )
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date]
    reference: Mapped[str | None] = mapped_column(String(100))  # the payer's voucher or transfer number
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    recorded_by = relationship("User")
