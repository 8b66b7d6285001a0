"""Deals (对接): from an introduction to a registered technology contract, carried by a broker."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime, utcnow
from market.models.vocab import DEAL_STAGES, DEAL_TERMINATION_REASONS

OPEN_DEAL_STAGES = ("intent", "negotiation", "signing")
OPEN_SQL = "('intent', 'negotiation', 'signing')"


class Deal(TimestampMixin, Base):
    __tablename__ = "deals"
    __table_args__ = (
        Index("ix_deals_stage_last_activity", "stage", "last_activity_at"),
        # One open deal per pair of parties and listing(s): concurrent "我要对接" clicks meet here, on both
        # databases.
        Index(
            "uq_deals_open_achievement",
            "seller_org_id",
            "buyer_org_id",
            "achievement_id",
            unique=True,
            postgresql_where=text(f"stage IN {OPEN_SQL} AND demand_id IS NULL"),
            sqlite_where=text(f"stage IN {OPEN_SQL} AND demand_id IS NULL"),
        ),
        Index(
            "uq_deals_open_demand",
            "seller_org_id",
            "buyer_org_id",
            "demand_id",
            unique=True,
            postgresql_where=text(f"stage IN {OPEN_SQL} AND achievement_id IS NULL"),
            sqlite_where=text(f"stage IN {OPEN_SQL} AND achievement_id IS NULL"),
        ),
        Index(
            "uq_deals_open_pair",
            "seller_org_id",
            "buyer_org_id",
            "achievement_id",
            "demand_id",
            unique=True,
            postgresql_where=text(f"stage IN {OPEN_SQL}"),
            sqlite_where=text(f"stage IN {OPEN_SQL}"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    achievement_id: Mapped[int | None] = mapped_column(
        ForeignKey("achievements.id", ondelete="SET NULL"), index=True
    )
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id", ondelete="SET NULL"), index=True)
    seller_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"), index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    requested_broker_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    broker_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stage: Mapped[str] = mapped_column(String(20), default="intent")
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    termination_reason: Mapped[str | None] = mapped_column(String(20))
    termination_note: Mapped[str | None] = mapped_column(String(500))
    next_action: Mapped[str | None] = mapped_column(String(200))
    next_action_due: Mapped[date | None]
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    contract_id: Mapped[int | None] = mapped_column(
        ForeignKey("contracts.id", ondelete="SET NULL"), unique=True
    )

    achievement = relationship("Achievement")
    demand = relationship("Demand")
    seller = relationship("Organisation", foreign_keys=[seller_org_id])
    buyer = relationship("Organisation", foreign_keys=[buyer_org_id])
    field = relationship("Field")
    broker = relationship("User", foreign_keys=[broker_id])
    requested_broker = relationship("User", foreign_keys=[requested_broker_id])
    opened_by = relationship("User", foreign_keys=[opened_by_id])
    contract = relationship("Contract")

    @property
    def stage_label(self) -> str:
        return DEAL_STAGES.get(self.stage, self.stage)

    @property
    def termination_label(self) -> str | None:
        return DEAL_TERMINATION_REASONS.get(self.termination_reason) if self.termination_reason else None

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_DEAL_STAGES


class DealEvent(Base):
    """What happened in a deal and when: stage moves, broker changes, first replies (for 考核 figures)."""

    __tablename__ = "deal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # opened | stage | broker | message | note | nda
    from_stage: Mapped[str | None] = mapped_column(String(20))
    to_stage: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class DealMessage(Base):
    """A message in a deal's thread (both parties and the broker), or a broker's note of a call or meeting."""

    __tablename__ = "deal_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="message")  # message | call | meeting | note
    body: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str | None] = mapped_column(String(200))
    stored_name: Mapped[str | None] = mapped_column(String(80), unique=True)
    size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    author = relationship("User")


class DealNda(Base):
    """A party's click-through confidentiality agreement in a deal: unlocks the result's confidential
    details."""

    __tablename__ = "deal_ndas"
    __table_args__ = (UniqueConstraint("deal_id", "org_id", name="uq_deal_ndas_deal_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text_version: Mapped[str] = mapped_column(String(20))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user = relationship("User")
    org = relationship("Organisation")
