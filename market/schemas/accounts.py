"""Accounts and organisations: registration, password change and the admin's view of users and
organisations."""

from marshmallow import Schema, fields

from market.inputs.organisations import DecisionIn, OrganisationUpdateIn  # noqa: F401 (declared with its rules)
from market.schemas.core import BeijingDateTime, OrganisationBrief, OrganisationOut


class RegistrationIn(Schema):
    email = fields.String(required=True)
    password = fields.String(
        required=True, metadata={"description": "至少10位；不能是常见密码，不能包含邮箱名"}
    )
    display_name = fields.String(required=True, metadata={"description": "姓名"})
    role = fields.String(
        required=True,
        metadata={"description": "university（高校院所）/ enterprise（企业）/ broker（技术经纪人）"},
    )
    org_kind = fields.String(metadata={"description": "单位类型，须与身份相符；不填取该身份的默认类型"})
    org_name = fields.String(required=True, metadata={"description": "单位名称"})
    credit_code = fields.String(required=True, metadata={"description": "18位统一社会信用代码"})
    region = fields.String(
        required=True, metadata={"description": "所在区域：沣东/沣西/秦汉/空港/泾河/能源金贸区/其他"}
    )


class PasswordChangeIn(Schema):
    old_password = fields.String(required=True)
    new_password = fields.String(
        required=True, metadata={"description": "至少10位；不能是常见密码，不能包含邮箱名"}
    )


class PasswordResetRequestIn(Schema):
    email = fields.String(required=True, metadata={"description": "注册时使用的邮箱"})


class PasswordResetIn(Schema):
    new_password = fields.String(
        required=True, metadata={"description": "至少10位；不能是常见密码，不能包含邮箱名"}
    )


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


class UserUpdateIn(Schema):
    role = fields.String(metadata={"description": "university / enterprise / broker / admin"})
    active = fields.Boolean(metadata={"description": "false 停用（无法登录，令牌失效）"})


class OrganisationAdminOut(OrganisationOut):
    """An organisation with its verification details, for the admin."""

    credit_code = fields.String(allow_none=True)
    verification_note = fields.String(allow_none=True)
    verified_at = BeijingDateTime(allow_none=True)
    created_at = BeijingDateTime()
    updated_at = BeijingDateTime()
