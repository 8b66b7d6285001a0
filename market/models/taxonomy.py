"""The technical-field taxonomy shared by every kind of listing."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from market.models.base import Base, TimestampMixin


class Field(TimestampMixin, Base):
    __tablename__ = "fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
