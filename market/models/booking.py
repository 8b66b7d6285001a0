"""Instrument bookings (仪器预约): requests, maintenance blocks, and the slot rows that keep them from
overlapping."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime
from market.models.vocab import BOOKING_KINDS, BOOKING_STATUSES


class Booking(TimestampMixin, Base):
    """A request for time on an instrument (slot) or for a sample-test job (samples), and what became of
    it."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_equipment_starts", "equipment_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id", ondelete="CASCADE"))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    requester_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="slot")  # slot | samples
    purpose: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    samples: Mapped[int | None]
    fee_item_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_fees.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="requested", index=True)
    proposed_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    proposed_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))  # why rejected, proposed or cancelled
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actual_minutes: Mapped[int | None]
    actual_samples: Mapped[int | None]
    tier: Mapped[str | None] = mapped_column(String(10))  # internal | external, when the fee was computed
    fee_fen: Mapped[int | None] = mapped_column(BigInteger)

    equipment = relationship("Equipment")
    requester = relationship("User", foreign_keys=[requester_id])
    requester_org = relationship("Organisation")
    fee_item = relationship("EquipmentFee")

    @property
    def status_label(self) -> str:
        return BOOKING_STATUSES.get(self.status, self.status)

    @property
    def kind_label(self) -> str:
        return BOOKING_KINDS.get(self.kind, self.kind)


class EquipmentBlock(TimestampMixin, Base):
    """A period the owner closes an instrument (maintenance, calibration)."""

    __tablename__ = "equipment_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class BookingSlot(Base):
    """One 30-minute slot of one instrument held by a booking or a block.

    The unique constraint is what makes double booking impossible: two transactions that want the same slot
    cannot both commit, on SQLite or PostgreSQL, whatever the Python code above them does.
    """

    __tablename__ = "booking_slots"
    __table_args__ = (
        UniqueConstraint("equipment_id", "slot_start", name="uq_booking_slots_equipment_slot"),
        CheckConstraint("(booking_id IS NULL) != (block_id IS NULL)", name="one_holder"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id", ondelete="CASCADE"))
    slot_start: Mapped[datetime] = mapped_column(UTCDateTime())
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"), index=True)
    block_id: Mapped[int | None] = mapped_column(
        ForeignKey("equipment_blocks.id", ondelete="CASCADE"), index=True
    )
