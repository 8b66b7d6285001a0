"""Organisations: universities, institutes, enterprises, intermediaries, the operator."""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime
from market.models.vocab import ORG_KINDS, VERIFICATION_STATES


class Organisation(TimestampMixin, Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120), unique=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    region: Mapped[str] = mapped_column(String(20), default="其他")
    verification_state: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # No foreign key: users reference organisations, and the audit log keeps who verified.
    verified_by_id: Mapped[int | None]
    verification_note: Mapped[str | None] = mapped_column(String(500))

    members = relationship("User", back_populates="organisation", foreign_keys="User.organisation_id")

    @property
    def is_verified(self) -> bool:
        return self.verification_state == "verified"

    @property
    def kind_label(self) -> str:
        return ORG_KINDS.get(self.kind, self.kind)

    @property
    def verification_label(self) -> str:
        return VERIFICATION_STATES.get(self.verification_state, self.verification_state)
