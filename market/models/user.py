"""Users, their API tokens, password-reset tokens and sign-in throttles."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from market.models.base import Base, TimestampMixin, UTCDateTime, utcnow
from market.models.vocab import ROLES


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(20), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of every session cookie's user id: raising it (logout, password change, deactivation, an admin's
    # "sign out everywhere") ends every session signed in before.
    session_version: Mapped[int] = mapped_column(default=1, server_default="1")

    organisation = relationship("Organisation", back_populates="members", foreign_keys=[organisation_id])
    broker_profile = relationship("BrokerProfile", back_populates="user", uselist=False)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What the session cookie keeps: the id and the session version it was signed in under."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_verified(self) -> bool:
        """A user counts as verified when an admin has verified their organisation."""
        return self.is_admin or bool(self.organisation and self.organisation.is_verified)

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)


class ApiToken(TimestampMixin, Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")


class PasswordReset(Base):
    """A single-use, time-limited password-reset token; only its hash is stored."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SignInThrottle(Base):
    """Failed attempts by one account or one client address, shared by every web worker through the
    database."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_sign_in_throttles_scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(
        String(20)
    )  # "account" (the e-mail typed) or "address" (the client's IP)
    key: Mapped[str] = mapped_column(String(254))
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
