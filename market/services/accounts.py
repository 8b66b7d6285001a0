"""Accounts: registration, sign-in, sessions, passwords, API tokens and user administration."""

import gzip
import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import cache

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from market.config import PROJECT_ROOT
from market.errors import AuthenticationFailed, NotFound, PermissionDenied, TooManyAttempts, ValidationFailed
from market.extensions import db
from market.inputs.accounts import (
    PasswordChangeIn,
    RegistrationIn,
    TokenIn,
    UserUpdateIn,
)
from market.inputs.fields import email_error
from market.models import ApiToken, BrokerProfile, Organisation, User
from market.models.base import utcnow
from market.models.vocab import ORG_KINDS, ROLE_ORG_KINDS, ROLES
from market.services import audit, throttle
from market.services.base import Page, paginate, parse_row_id, unit_of_work
from market.services.filters import query_text
from market.services.permissions import require_admin

_shared_hashes: ContextVar[dict | None] = ContextVar("shared_password_hashes", default=None)


@contextmanager
def one_hash_per_password() -> Iterator[None]:
    """Inside the block, accounts created with the same password share one salted scrypt hash: the demo
    seed's 28 accounts all use the published demo password, and hashing it 28 times was a third of the seed's
    time."""
    token = _shared_hashes.set({})
    try:
        yield
    finally:
        _shared_hashes.reset(token)


def _new_password_hash(password: str) -> str:
    shared = _shared_hashes.get()
    if shared is None:
        return generate_password_hash(password)
    if password not in shared:
        shared[password] = generate_password_hash(password)
    return shared[password]


def normalise_email(email) -> str:
    return (email or "").strip().lower() if isinstance(email, str) else ""


def _email_error(email: str) -> str | None:
    return email_error(email) if email else "请填写邮箱"


MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = PROJECT_ROOT / "market" / "data" / "common-passwords.txt.gz"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of the most used passwords (lower-cased) long enough to pass the length rule."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if not line.startswith("#") and line.strip())


def password_error(password, email: str = "") -> str | None:
    """Why a new password is too weak, or None: too short or long, one of the most common passwords, or built
    on the e-mail's name."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少{MIN_PASSWORD_LENGTH}位"
    if len(password) > 128:
        return "密码不能超过128位"
    if password.lower() in common_passwords() or len(set(password)) <= 2:
        return "该密码过于常见，容易被猜中，请换一个"
    name = normalise_email(email).partition("@")[0]
    if len(name) >= 3 and name in password.lower():
        return "密码不能包含邮箱名"
    return None


def _email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email)) is not None


def _confirmed(password, again, field: str, errors: dict, message: str = "两次输入的密码不一致") -> None:
    """A page asks for a new password twice: a mismatch is one more message among the others (None: not
    asked, as in the API)."""
    if again is not None and again != (password or ""):
        errors.setdefault(field, message)


@unit_of_work
def register_account(data: dict, *, password_again: str | None = None) -> User:
    """Create a user and their organisation; the organisation waits for admin verification. Every wrong
    field is reported at once, a page's password typed again (`password_again`) included."""
    errors: dict = {}
    values = RegistrationIn.clean(data, errors=errors)
    _confirmed((data or {}).get("password"), password_again, "password_again", errors)
    email, role = values.get("email"), values.get("role")
    if email and _email_taken(email):
        errors["email"] = "该邮箱已注册，请直接登录"
    if message := password_error(values.get("password"), normalise_email((data or {}).get("email"))):
        errors.setdefault("password", message)
    kinds = ROLE_ORG_KINDS.get(role, ())
    unknown_kind = errors.pop("org_kind", None)
    org_kind = values.get("org_kind") or (kinds[0] if kinds else None)
    if role and (unknown_kind or org_kind not in kinds):
        errors["org_kind"] = f"该身份对应的单位类型应为：{'、'.join(ORG_KINDS[k] for k in kinds)}"
    credit_code = values.get("credit_code")
    if credit_code and db.session.scalar(
        select(Organisation.id).where(Organisation.credit_code == credit_code)
    ):
        errors["credit_code"] = "该统一社会信用代码已注册，请联系本单位已注册的同事或平台管理员"
    name = values.get("org_name")
    if name and db.session.scalar(select(Organisation.id).where(Organisation.name == name)):
        errors["org_name"] = "该单位已注册，请联系本单位已注册的同事或平台管理员"
    if errors:
        raise ValidationFailed(errors)
    org = Organisation(
        kind=org_kind, name=values["org_name"], credit_code=credit_code, region=values["region"]
    )
    user = User(
        email=email,
        password_hash=_new_password_hash(values["password"]),
        display_name=values["display_name"],
        role=role,
        organisation=org,
    )
    db.session.add_all([org, user])
    if role == "broker":
        db.session.add(BrokerProfile(user=user))
    db.session.flush()
    audit.record(user, "account.register", "user", user.id, {"organisation": org.name, "role": role})
    return user


@cache
def _decoy_hash() -> str:
    """A hash made like a real one: an unknown e-mail costs the same check as a known one."""
    return generate_password_hash(secrets.token_hex(16))


def authenticate(email, password) -> User:
    """The active user with these credentials, or AuthenticationFailed; as slow for unknown e-mails as for
    known ones, so that timing does not tell which accounts exist."""
    email = normalise_email(email)
    # A NUL byte cannot be in a stored address (and PostgreSQL refuses it even in a query).
    user = db.session.scalar(select(User).where(User.email == email)) if "\x00" not in email else None
    password = password if isinstance(password, str) else ""
    if not check_password_hash(user.password_hash if user else _decoy_hash(), password) or user is None:
        raise AuthenticationFailed("邮箱或密码不正确")
    if not user.active:
        raise AuthenticationFailed("该账号已被停用，请联系平台管理员")
    return user


def sign_in(email, password, client: throttle.Client, channel: str = "page") -> User:
    """authenticate() behind the throttle: while the account or the client's address must wait, refuse without
    checking the password (TooManyAttempts); count a failure; a success clears the account's failures."""
    key = normalise_email(email).replace("\x00", "")
    throttle.check(key, client)
    try:
        user = authenticate(email, password)
    except AuthenticationFailed:
        if wait := throttle.record_failure(key, client, channel):
            raise TooManyAttempts(wait.total_seconds()) from None
        raise
    throttle.forget_account(key)
    return user


@unit_of_work
def record_login(user_id: int) -> None:
    """Remember when a user last signed in."""
    user = db.session.get(User, user_id)
    if user:
        user.last_login_at = utcnow()


def _end_sessions(user: User) -> None:
    """Every session cookie signed in before stops working (its user id carries the old version)."""
    db.session.execute(
        update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
    )
    db.session.refresh(user, ["session_version"])


@unit_of_work
def sign_out(actor) -> None:
    """Logout: ends every session of the user, on this browser and every other."""
    _end_sessions(db.session.get(User, actor.id))


@unit_of_work
def sign_out_everywhere(actor, user_id) -> User:
    """An admin ends every session of a user and revokes their API tokens (a lost laptop, a leaked
    password)."""
    require_admin(actor)
    row_id = parse_row_id(user_id)
    user = db.session.get(User, row_id) if row_id else None
    if user is None:
        raise NotFound("该用户不存在")
    _end_sessions(user)
    revoked = db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount or 0
    audit.record(actor, "user.sign_out_everywhere", "user", user.id, {"api_tokens_revoked": revoked})
    return user


@unit_of_work
def change_password(actor, old_password, new_password, *, new_password_again: str | None = None) -> int:
    """Change the actor's own password after checking the old one, end every session signed in with the old
    one and revoke every API token it gave out (someone who learnt it may hold one); returns how many were
    revoked. Every wrong field is reported at once (a page's new password typed again included)."""
    values = PasswordChangeIn.clean({"old_password": old_password, "new_password": new_password})
    old_password, new_password = values["old_password"], values["new_password"]
    errors = {}
    if old_password is None or not check_password_hash(actor.password_hash, old_password):
        errors["old_password"] = "当前密码不正确"
    if message := password_error(new_password, actor.email):
        errors["new_password"] = message
    _confirmed(new_password, new_password_again, "new_password_again", errors, "两次输入的新密码不一致")
    if errors:
        raise ValidationFailed(errors)
    user = db.session.get(User, actor.id)
    user.password_hash = generate_password_hash(new_password)
    _end_sessions(user)
    revoked = db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id)).rowcount or 0
    audit.record(actor, "account.change_password", "user", user.id, {"api_tokens_revoked": revoked})
    return revoked


@unit_of_work
def create_user(email, password, role, org_name, display_name=None) -> User:
    """Create a user in a verified organisation of the kind the role implies (reused if it exists)."""
    errors = {}
    email = normalise_email(email)
    if message := _email_error(email):
        errors["email"] = message
    elif _email_taken(email):
        errors["email"] = "该邮箱已注册"
    if message := password_error(password, email):
        errors["password"] = message
    if role not in ROLES:
        errors["role"] = f"身份应为 {'/'.join(ROLES)}"
    if not (org_name or "").strip():
        errors["org"] = "请填写单位名称"
    if errors:
        raise ValidationFailed(errors)
    org = db.session.scalar(select(Organisation).where(Organisation.name == org_name.strip()))
    if org is None:
        org = Organisation(kind=ROLE_ORG_KINDS[role][0], name=org_name.strip(), region="其他")
        db.session.add(org)
    if org.verification_state != "verified":
        org.verification_state, org.verified_at = "verified", utcnow()
    user = User(
        email=email,
        password_hash=_new_password_hash(password),
        display_name=display_name or email.split("@")[0],
        role=role,
        organisation=org,
    )
    db.session.add(user)
    if role == "broker":
        db.session.add(BrokerProfile(user=user))
    db.session.flush()
    audit.record(None, "account.create_user", "user", user.id, {"role": role, "organisation": org.name})
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_api_token(email, password, days: int = 30, client: throttle.Client = throttle.Client()) -> str:
    """A new bearer token for valid credentials (throttled like a sign-in); only its hash is stored."""
    values = TokenIn.clean({"email": email, "password": password})
    return _store_token(sign_in(values["email"], values["password"], client, "api"), days)


@unit_of_work
def _store_token(user: User, days: int) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(user_id=user.id, token_hash=_token_digest(token), expires_at=utcnow() + timedelta(days=days))
    )
    return token


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, if it is valid and not expired."""
    if not token:
        return None
    row = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.user))  # one query on every API call
        .where(ApiToken.token_hash == _token_digest(token))
    )
    if row is None or row.expires_at < utcnow() or not row.user.active:
        return None
    return row.user


def load_user(session_id) -> User | None:
    """The user a session cookie names ("id:version"), unless their sessions were ended since it was
    signed."""
    user_id, _, version = str(session_id).partition(":")
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and version == str(user.session_version) else None


def list_users(actor, q: str = "", role: str = "", page=1, per_page=20) -> Page:
    """Users for the admin, newest first, filtered by text and role."""
    require_admin(actor)
    query = select(User).order_by(User.id.desc())
    if q := query_text(q)[:100]:
        like = f"%{q}%"
        query = query.join(User.organisation, isouter=True).where(
            or_(User.email.ilike(like), User.display_name.ilike(like), Organisation.name.ilike(like))
        )
    if role in ROLES:
        query = query.where(User.role == role)
    return paginate(query, page, per_page)


@unit_of_work
def update_user(actor, user_id: int, data: dict) -> User:
    """Admin changes a user's role or active flag (never their own, to avoid locking out)."""
    require_admin(actor)
    row_id = parse_row_id(user_id)
    user = db.session.get(User, row_id) if row_id else None
    if user is None:
        raise NotFound("该用户不存在")
    if user.id == actor.id:
        raise PermissionDenied("不能修改自己的角色或状态")
    errors = {}
    if "active" in data and data["active"] is None:
        errors["active"] = "请选择账号状态（true 正常，false 停用）"
    changes = UserUpdateIn.clean(data, errors=errors)
    if errors:
        raise ValidationFailed(errors)
    audit.record(actor, "user.update", "user", user.id, audit.diff(user, changes))
    for key, value in changes.items():
        setattr(user, key, value)
    if changes.get("active") is False:
        _end_sessions(user)
    if user.role == "broker" and user.broker_profile is None:
        db.session.add(BrokerProfile(user=user))
    return user
