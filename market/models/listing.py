"""Columns and behaviour shared by achievements, demands and equipment."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from market.models.base import TimestampMixin, UTCDateTime
from market.models.vocab import LISTING_STATUSES


class ListingMixin(TimestampMixin):
    """Owner organisation, author, contact, the publication state machine, and one way to read any listing's
    text."""

    TITLE_FIELD = "title"  # the column (and form field) holding the listing's name
    BODY_FIELD = "description"  # the column (and form field) holding its main text

    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    review_note: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(60))
    contact_phone: Mapped[str | None] = mapped_column(String(30))
    contact_email: Mapped[str | None] = mapped_column(String(254))

    @declared_attr
    def org_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("organisations.id"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @declared_attr
    def organisation(cls):
        return relationship("Organisation", foreign_keys=[cls.org_id], lazy="joined")

    @declared_attr
    def created_by(cls):
        return relationship("User", foreign_keys=[cls.created_by_id])

    @property
    def body(self) -> str:
        """The listing's main text: a result's summary, a demand's or an instrument's description."""
        return getattr(self, self.BODY_FIELD) or ""

    @property
    def keyword_list(self) -> list[str]:
        """Its keywords (only results have them)."""
        return list(getattr(self, "keywords", None) or [])

    @property
    def status_label(self) -> str:
        return LISTING_STATUSES.get(self.status, self.status)

    @property
    def is_public(self) -> bool:
        return self.status in ("published", "expired")
