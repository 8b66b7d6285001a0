"""What matching keeps: listing vectors and brokers' decisions on suggestions."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime, utcnow


class ListingVector(Base):
    """A listing's sentence embeddings (float32 bytes), computed once per text version."""

    __tablename__ = "listing_vectors"
    # whether a process's vector matrix is stale: count and latest change of one kind, read from the index
    # alone
    __table_args__ = (Index("ix_listing_vectors_kind_updated_at", "kind", "updated_at"),)

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    object_id: Mapped[int] = mapped_column(primary_key=True)
    model: Mapped[str] = mapped_column(String(60))
    text_hash: Mapped[str] = mapped_column(String(64))
    as_query: Mapped[bytes] = mapped_column(LargeBinary)  # "query: " side, for ranking the other kind
    title_as_query: Mapped[bytes] = mapped_column(
        LargeBinary
    )  # the title alone: demands' texts are often company profiles
    as_passage: Mapped[bytes] = mapped_column(LargeBinary)  # "passage: " side, for being ranked
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class MatchDecision(TimestampMixin, Base):
    """A broker's accept or reject of one suggested demand–achievement pair: a label for learning."""

    __tablename__ = "match_decisions"
    __table_args__ = (UniqueConstraint("demand_id", "achievement_id", name="uq_match_decisions_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"), index=True)
    achievement_id: Mapped[int] = mapped_column(ForeignKey("achievements.id", ondelete="CASCADE"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    decision: Mapped[str] = mapped_column(String(10))  # accepted | rejected
    reason_code: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(String(500))
    score: Mapped[float | None]  # the suggestion's score when decided, for precision by band
    features: Mapped[dict | None] = mapped_column(
        JSON(none_as_null=True)
    )  # the pair's evidence when decided: what weights learn from

    decided_by = relationship("User")
    demand = relationship("Demand")
    achievement = relationship("Achievement")
