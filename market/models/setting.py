"""Admin-editable platform settings (key/value)."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from market.models.base import Base, TimestampMixin


class Setting(TimestampMixin, Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
