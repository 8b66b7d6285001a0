"""Forgotten passwords: a single-use, time-limited link by e-mail. The request answers the same whether or not
the address has an account; the worker writes the token and sends the mail, so the request never waits on
SMTP."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from werkzeug.security import generate_password_hash

from market import events, mail
from market.errors import ValidationFailed
from market.extensions import db
from market.inputs.accounts import PasswordResetIn, PasswordResetRequestIn
from market.models import ApiToken, PasswordReset, User
from market.models.base import utcnow
from market.services import audit, throttle
from market.services.accounts import _end_sessions, password_error
from market.services.base import unit_of_work

VALID_FOR = timedelta(minutes=60)
MAILS_PER_HOUR = 3  # per account: a stranger cannot flood someone's inbox
INVALID_LINK = "重置链接无效或已过期，请重新申请"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@unit_of_work
def request_reset(email, site_url: str) -> None:
    """Queue a reset mail for an active account with this address; nothing (and no difference) otherwise,
    once an address is given (PasswordResetRequestIn).
    `site_url` is the configured public address, never the request's Host header (which a stranger can
    set)."""
    email = PasswordResetRequestIn.clean({"email": email})["email"].replace("\x00", "")
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    if user is None or not user.active:
        return
    recent = db.session.scalar(
        select(func.count(PasswordReset.id)).where(
            PasswordReset.user_id == user.id, PasswordReset.created_at > utcnow() - timedelta(hours=1)
        )
    )
    if recent >= MAILS_PER_HOUR:
        return
    events.record("account.password_reset_requested", user_id=user.id, site_url=site_url.rstrip("/"))


@events.subscribe("account.password_reset_requested")
def send_reset_mail(payload: dict) -> None:
    """Make a token and mail its link (run by the worker; run twice, it sends a second valid link)."""
    user = db.session.get(User, payload["user_id"])
    if user is None or not user.active:
        return
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_digest(token), expires_at=utcnow() + VALID_FOR))
    db.session.flush()  # committed with the job's completion
    link = f"{payload['site_url']}/password/reset/{token}"
    mail.send(
        user.email,
        "秦创原科技大市场：重置密码",
        (
            f"{user.display_name}，您好：\n\n"
            f"有人（希望是您）申请重置秦创原科技大市场账号 {user.email} 的密码。"
            f"请在 {int(VALID_FOR.total_seconds() // 60)} 分钟内打开下面的链接设置新密码，"
            f"链接只能使用一次：\n\n{link}\n\n"
            "如果不是您本人申请，请忽略本邮件，您的密码不会改变。\n"
        ),
    )


def _valid(token) -> PasswordReset | None:
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    row = db.session.scalar(select(PasswordReset).where(PasswordReset.token_hash == _digest(token)))
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row


def check_token(token) -> None:
    """Refuse an unknown, used or expired link before the user types a new password."""
    if _valid(token) is None:
        raise ValidationFailed({"token": INVALID_LINK}, INVALID_LINK)


@unit_of_work
def reset_password(token, new_password, *, new_password_again: str | None = None) -> User:
    """Set a new password with a valid link: the link and every other one of the user is spent, every session
    and API token ends, the account's failed sign-ins are forgotten. A page's new password typed again
    (`new_password_again`) must match; both messages come at once."""
    row = _valid(token)
    if row is None:
        raise ValidationFailed({"token": INVALID_LINK}, INVALID_LINK)
    user = db.session.get(User, row.user_id)
    new_password = PasswordResetIn.clean({"new_password": new_password})["new_password"]
    errors = {}
    if message := password_error(new_password, user.email):
        errors["new_password"] = message
    if new_password_again is not None and new_password_again != (new_password or ""):
        errors["new_password_again"] = "两次输入的新密码不一致"
    if errors:
        raise ValidationFailed(errors)
    now = utcnow()
    spent = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    ).rowcount
    if not spent:  # a second tab used the same link a moment ago
        raise ValidationFailed({"token": INVALID_LINK}, INVALID_LINK)
    db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
    )
    user.password_hash = generate_password_hash(new_password)
    _end_sessions(user)
    revoked = db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount or 0
    throttle.forget_account(user.email)
    audit.record(user, "account.reset_password", "user", user.id, {"api_tokens_revoked": revoked})
    return user
