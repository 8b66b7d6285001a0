"""Shared large instruments (大型科研仪器) and their fee schedules."""

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base
from market.models.listing import ListingMixin


class Equipment(ListingMixin, Base):
    __tablename__ = "equipment"
    kind = "equipment"
    TITLE_FIELD = "name"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    model: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(20), index=True)
    field_id: Mapped[int | None] = mapped_column(ForeignKey("fields.id"), index=True)
    location: Mapped[str | None] = mapped_column(String(200))
    open_for_booking: Mapped[bool] = mapped_column(default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Booking rules: weekly opening hours {"0": [["09:00", "17:00"]], …} (Monday = "0", Beijing time),
    # whether users need training first, which samples are accepted, and until when a booking may be
    # cancelled.
    opening_hours: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    training_required: Mapped[bool] = mapped_column(default=False, server_default=false())
    sample_types: Mapped[str] = mapped_column(String(300), default="", server_default="")
    booking_rules: Mapped[str] = mapped_column(Text, default="", server_default="")
    cancel_hours: Mapped[int] = mapped_column(default=24, server_default="24")

    field = relationship("Field", lazy="joined")
    fee_items = relationship(
        "EquipmentFee",
        back_populates="equipment",
        cascade="all, delete-orphan",
        order_by="EquipmentFee.position",
        lazy="selectin",
    )

    @property
    def title(self) -> str:
        return self.name


class EquipmentFee(Base):
    __tablename__ = "equipment_fees"

    id: Mapped[int] = mapped_column(primary_key=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("equipment.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(10))
    price_fen: Mapped[int | None] = mapped_column(BigInteger)  # external / default tier
    internal_price_fen: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(200))

    equipment = relationship("Equipment", back_populates="fee_items")
