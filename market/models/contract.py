"""Technology contracts (技术合同) and their registration and attachments."""

from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime
from market.models.vocab import CONTRACT_STATUSES, CONTRACT_SUBTYPES, CONTRACT_TYPES, PAYMENT_MODES


class Contract(TimestampMixin, Base):
    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
        CheckConstraint(
            "recognised_fen IS NULL OR (recognised_fen >= 0 AND recognised_fen <= amount_fen)",
            name="recognised_within_amount",
        ),
        # The dashboard sums registered contracts over a signing period, grouped by one column.
        Index("ix_contracts_status_signed_on", "status", "signed_on", "amount_fen", "recognised_fen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(60))  # the parties' own contract number
    title: Mapped[str] = mapped_column(String(200))
    contract_type: Mapped[str] = mapped_column(String(20))
    subtype: Mapped[str | None] = mapped_column(String(30))  # 转让/许可 only
    seller_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    buyer_org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    achievement_id: Mapped[int | None] = mapped_column(ForeignKey("achievements.id", ondelete="SET NULL"))
    demand_id: Mapped[int | None] = mapped_column(ForeignKey("demands.id", ondelete="SET NULL"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    recognised_fen: Mapped[int | None] = mapped_column(BigInteger)  # 核定技术交易额, set at registration
    payment_mode: Mapped[str] = mapped_column(String(20))
    signed_on: Mapped[date] = mapped_column()
    term_start: Mapped[date | None]
    term_end: Mapped[date | None]
    field: Mapped[str] = mapped_column(String(40))
    # Copied from the organisations when the contract is written, so that later edits to an
    # organisation do not rewrite past statistics.
    seller_region: Mapped[str] = mapped_column(String(20))
    seller_kind: Mapped[str] = mapped_column(String(20))
    buyer_province: Mapped[str] = mapped_column(String(20), default="陕西省")
    note: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    registration_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    return_reason: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    seller = relationship("Organisation", foreign_keys=[seller_org_id])
    buyer = relationship("Organisation", foreign_keys=[buyer_org_id])
    broker = relationship("User", foreign_keys=[broker_id])
    achievement = relationship("Achievement")
    demand = relationship("Demand")
    attachments = relationship(
        "ContractAttachment",
        back_populates="contract",
        cascade="all, delete-orphan",
        order_by="ContractAttachment.id",
    )

    @property
    def type_label(self) -> str:
        return CONTRACT_TYPES.get(self.contract_type, self.contract_type)

    @property
    def subtype_label(self) -> str | None:
        return CONTRACT_SUBTYPES.get(self.subtype, self.subtype) if self.subtype else None

    @property
    def payment_label(self) -> str:
        return PAYMENT_MODES.get(self.payment_mode, self.payment_mode)

    @property
    def status_label(self) -> str:
        return CONTRACT_STATUSES.get(self.status, self.status)

    @property
    def buyer_in_province(self) -> bool:
        return self.buyer_province == "陕西省"


class ContractAttachment(TimestampMixin, Base):
    """A PDF scan; the file lives under the instance folder, never under static/."""

    __tablename__ = "contract_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded, for display only
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when an admin added the file to a registered contract (更正): why; who and when are the upload's
    # own.
    correction_reason: Mapped[str | None] = mapped_column(String(500))

    contract = relationship("Contract", back_populates="attachments")
    uploaded_by = relationship("User")
