"""Research results (科技成果)."""

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base
from market.models.listing import ListingMixin


class Achievement(ListingMixin, Base):
    __tablename__ = "achievements"
    kind = "achievement"
    BODY_FIELD = "summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id"), index=True)
    keywords: Mapped[list] = mapped_column(JSON, default=list)
    trl: Mapped[int | None]
    maturity: Mapped[str | None] = mapped_column(String(20), index=True)
    form: Mapped[str | None] = mapped_column(String(20))
    patent_numbers: Mapped[list] = mapped_column(JSON, default=list)
    transfer_modes: Mapped[list] = mapped_column(JSON, default=list)
    price_fen: Mapped[int | None] = mapped_column(BigInteger)  # None means 面议
    # Shown only to the owner, admins, and parties of a deal on this result who accepted its NDA.
    confidential_details: Mapped[str] = mapped_column(Text, default="", server_default="")

    field = relationship("Field", lazy="joined")
