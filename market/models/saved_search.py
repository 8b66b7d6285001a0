"""Saved searches: a user's query whose new published results become notifications."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from market.models.base import Base, TimestampMixin, UTCDateTime, utcnow


class SavedSearch(TimestampMixin, Base):
    """A user's saved query; new published results for it become notifications."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict] = mapped_column(JSON, default=dict)  # q, kind and filters as on /search
    notify: Mapped[bool] = mapped_column(default=True)
    last_checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
