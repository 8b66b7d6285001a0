"""Accounts and organisations: registration, password change and the admin's view of users and
organisations."""

from marshmallow import Schema, fields

from market.inputs.accounts import (  # noqa: F401 (declared with their rules)
    PasswordChangeIn,
    PasswordResetIn,
    PasswordResetRequestIn,
    RegistrationIn,
    UserUpdateIn,
)
from market.inputs.organisations import DecisionIn, OrganisationUpdateIn  # noqa: F401 (declared with its rules)
from market.schemas.core import BeijingDateTime, OrganisationBrief, OrganisationOut


class PasswordResetRequestedOut(Schema):
    message = fields.String(required=True, metadata={"description": "无论该邮箱是否注册，答复都相同"})


class KeptMailOut(Schema):
    """A mail kept in the instance folder because no SMTP server is configured."""

    name = fields.String(required=True, metadata={"description": "文件名，GET /admin/mail/{name} 用"})
    to = fields.String(required=True)
    subject = fields.String(required=True)
    body = fields.String(required=True)
    sent_at = fields.String(
        required=True, allow_none=True, metadata={"description": "发送时间（ISO 8601，含时区）"}
    )


class UserOut(Schema):
    """A user as the admin sees them (never the password hash)."""

    id = fields.Integer()
    email = fields.String()
    display_name = fields.String()
    role = fields.String()
    active = fields.Boolean()
    verified = fields.Boolean(attribute="is_verified")
    organisation = fields.Nested(OrganisationBrief, allow_none=True)
    last_login_at = BeijingDateTime(allow_none=True)
    created_at = BeijingDateTime()


class OrganisationAdminOut(OrganisationOut):
    """An organisation with its verification details, for the admin."""

    credit_code = fields.String(allow_none=True)
    verification_note = fields.String(allow_none=True)
    verified_at = BeijingDateTime(allow_none=True)
    created_at = BeijingDateTime()
    updated_at = BeijingDateTime()
