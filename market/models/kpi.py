"""The KPI table of the plans (考核指标) and the values people enter for those the data cannot compute."""

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin


class Kpi(TimestampMixin, Base):
    """One target of the plans: baseline, target, period, source; computed from data or entered by hand."""

    __tablename__ = "kpis"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    unit: Mapped[str] = mapped_column(String(20))
    # Decimal numbers as text: exact on both databases, without SQLite's float NUMERIC.
    baseline_value: Mapped[str | None] = mapped_column(String(30))
    baseline_year: Mapped[int | None]
    target_value: Mapped[str] = mapped_column(String(30))
    target_year: Mapped[int]
    start_year: Mapped[int]  # where the period measured against the target begins
    period_kind: Mapped[str] = mapped_column(String(20))  # annual | cumulative
    source: Mapped[str] = mapped_column(String(300))
    metric: Mapped[str | None] = mapped_column(String(40))  # computed from data; None: manual entries
    sort_order: Mapped[int] = mapped_column(default=0)

    entries = relationship(
        "KpiEntry",
        back_populates="kpi",
        cascade="all, delete-orphan",
        order_by="KpiEntry.as_of.desc(), KpiEntry.id.desc()",
    )


class KpiEntry(TimestampMixin, Base):
    """A value typed in by a person for a KPI the data cannot compute."""

    __tablename__ = "kpi_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kpi_id: Mapped[int] = mapped_column(ForeignKey("kpis.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(30))
    as_of: Mapped[date]
    note: Mapped[str] = mapped_column(String(300), default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    kpi = relationship("Kpi", back_populates="entries")
    entered_by = relationship("User")
