"""Monthly totals of registered contracts (the dashboard's rollup), kept in step with `contracts` by every
flush that changes a registered contract (services/contract_rollup) and rebuilt from it by a command."""

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from market.models.base import Base


class ContractMonthlyTotal(Base):
    """Registered contracts signed in one month, per type, field, seller region, seller kind and buyer
    region (省内 in / 省外 out): the dimensions the dashboard groups by. An empty cell has no row."""

    __tablename__ = "contract_monthly_totals"
    __table_args__ = {
        "sqlite_with_rowid": False
    }  # stored in key order: a period's months are read in one run

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first day of the month signed in
    contract_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    seller_region: Mapped[str] = mapped_column(String(20), primary_key=True)
    seller_kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    buyer_region: Mapped[str] = mapped_column(String(3), primary_key=True)  # in | out (of 陕西省)
    count: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    recognised_fen: Mapped[int] = mapped_column(BigInteger)


class ContractPartyMonthlyTotal(Base):
    """Registered contracts signed in one month per seller, buyer or broker: the dashboard's top-ten lists."""

    __tablename__ = "contract_party_monthly_totals"
    __table_args__ = {"sqlite_with_rowid": False}

    role: Mapped[str] = mapped_column(String(10), primary_key=True)  # seller | buyer | broker
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    party_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # organisations.id, or users.id (broker)
    count: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    recognised_fen: Mapped[int] = mapped_column(BigInteger)
