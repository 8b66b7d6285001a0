"""Work the worker owes after a commit: one row per (domain event, subscribed handler)."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from market.models.base import Base, UTCDateTime, utcnow

JOB_STATUSES = {"pending": "待处理", "done": "已完成", "parked": "已搁置"}


class EventJob(Base):
    """A handler's run for one event, written in the event's own transaction; retried with backoff, parked
    after too many failures with its last error."""

    __tablename__ = "event_jobs"
    __table_args__ = (
        Index("ix_event_jobs_status_run_after", "status", "run_after"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event: Mapped[str] = mapped_column(String(60))
    handler: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def status_label(self) -> str:
        return JOB_STATUSES.get(self.status, self.status)
