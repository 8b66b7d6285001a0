"""The search outbox: an append-only log of objects whose index entry must be refreshed."""

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from market.models.base import Base, UTCDateTime, utcnow


class SearchOutboxEntry(Base):
    __tablename__ = "search_outbox"
    # AUTOINCREMENT: SQLite must never hand out a number again after rows are pruned.
    __table_args__ = {"sqlite_autoincrement": True}

    # BigInteger on PostgreSQL, INTEGER on SQLite (where only INTEGER PRIMARY KEY autoincrements).
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    object_id: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SearchIndexCursor(Base):
    """How far each index (one per host) has applied the outbox; rows below every cursor can go."""

    __tablename__ = "search_index_cursors"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
