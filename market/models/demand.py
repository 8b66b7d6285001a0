"""Enterprise technology demands (技术需求), including open calls (揭榜挂帅)."""

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base
from market.models.listing import ListingMixin


class Demand(ListingMixin, Base):
    __tablename__ = "demands"
    kind = "demand"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id"), index=True)
    budget_min_fen: Mapped[int | None] = mapped_column(BigInteger)
    budget_max_fen: Mapped[int | None] = mapped_column(BigInteger)
    deadline: Mapped[date | None] = mapped_column(index=True)
    cooperation_mode: Mapped[str | None] = mapped_column(String(20))
    open_call: Mapped[bool] = mapped_column(default=False, index=True)
    reward_fen: Mapped[int | None] = mapped_column(BigInteger)

    field = relationship("Field", lazy="joined")
