"""Follows: a user's saved listings (收藏) and followed organisations and technical fields (关注)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from market.models.base import Base, UTCDateTime, utcnow


class Follow(Base):
    """One user following one thing (target_kind: one of vocab.FOLLOW_KINDS). The target has no foreign key
    (it is one of several tables): a target that is gone or no longer visible is left out when follows are
    read."""

    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "target_kind", "target_id", name="uq_follows_user_target"),
        Index("ix_follows_target", "target_kind", "target_id"),  # a target's followers: counts, fan-out
    )
