"""Requests already carried out, by the key their client sent, so that a retry writes nothing twice."""

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from market.models.base import Base, UTCDateTime, utcnow


class IdempotencyKey(Base):
    """Claimed in the transaction of the write it guards; the response is added once it is sent."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(
        String(40)
    )  # "user:<id>", or "anonymous" for a form sent before signing in
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str | None] = mapped_column(
        String(80)
    )  # "deals:12": what the write made, for a lost response
    status_code: Mapped[int | None]
    location: Mapped[str | None] = mapped_column(String(500))
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
