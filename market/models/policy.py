"""The policy library (政策库), kept by admins."""

from datetime import date

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from market.models.base import Base, TimestampMixin


class Policy(TimestampMixin, Base):
    __tablename__ = "policies"
    kind = "policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(120))
    doc_number: Mapped[str | None] = mapped_column(String(80))
    published_on: Mapped[date | None] = mapped_column(index=True)
    effective_on: Mapped[date | None]
    expires_on: Mapped[date | None]
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    link: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def is_in_force(self, today: date) -> bool:
        return not (self.expires_on and self.expires_on < today)
