"""Broker profiles (技术经纪人 / 技术经理人)."""

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin
from market.models.vocab import CERTIFICATION_LEVELS

broker_specialties = Table(
    "broker_specialties",
    Base.metadata,
    Column("broker_profile_id", ForeignKey("broker_profiles.id", ondelete="CASCADE"), primary_key=True),
    Column("field_id", ForeignKey("fields.id", ondelete="CASCADE"), primary_key=True),
)


class BrokerProfile(TimestampMixin, Base):
    __tablename__ = "broker_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    certification_level: Mapped[str] = mapped_column(String(20), default="junior")
    bio: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User", back_populates="broker_profile")
    specialties = relationship("Field", secondary=broker_specialties, order_by="Field.position")

    @property
    def certification_label(self) -> str:
        return CERTIFICATION_LEVELS.get(self.certification_level, self.certification_level)
