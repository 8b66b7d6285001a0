"""Audit log: who changed what, when."""

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin
from market.models.vocab import AUDIT_ACTIONS, AUDIT_OBJECT_TYPES


class AuditEntry(TimestampMixin, Base):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[int | None]
    changes: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("User")

    @property
    def action_label(self) -> str:
        """The action's Chinese name; a code without one is shown as it is."""
        return AUDIT_ACTIONS.get(self.action, self.action)

    @property
    def object_type_label(self) -> str:
        return AUDIT_OBJECT_TYPES.get(self.object_type, self.object_type)
