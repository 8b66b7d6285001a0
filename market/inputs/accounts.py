"""Accounts: registering, signing in for a token, passwords, and what an admin changes in a user."""

from market.inputs.fields import Boolean, Choice, CreditCode, Email, InputSchema, Password, Text
from market.models.vocab import ORG_KINDS, REGIONS, ROLES

SELF_SERVICE_ROLES = ("university", "enterprise", "broker")
NEW_PASSWORD = "至少10位；不能是常见密码，不能包含邮箱名"


def _new_password(label: str) -> Password:
    """A new password: documented as required, yet judged by the service even when missing (密码至少10位)."""
    return Password(label, required=True, may_be_empty=True, description=NEW_PASSWORD)


class RegistrationIn(InputSchema):
    """A new account and its organisation; the e-mail, name and credit code must not be registered yet, the
    organisation's kind must fit the role (the service checks)."""

    email = Email("邮箱", required=True)
    password = _new_password("密码")
    display_name = Text("姓名", required=True, max_len=60)
    role = Choice(
        "身份",
        SELF_SERVICE_ROLES,
        required=True,
        description="university（高校院所）/ enterprise（企业）/ broker（技术经纪人）",
    )
    org_kind = Choice(
        "单位类型",
        tuple(ORG_KINDS),
        allow_none=False,
        description="单位类型，须与身份相符；不填取该身份的默认类型",
    )
    org_name = Text("单位名称", required=True, max_len=120)
    credit_code = CreditCode("统一社会信用代码", required=True)
    region = Choice("所在区域", REGIONS, required=True)


class TokenIn(InputSchema):
    email = Email("邮箱", required=True, checked=False)
    password = Password("密码", required=True)


class PasswordChangeIn(InputSchema):
    old_password = Password("当前密码", required=True, may_be_empty=True)
    new_password = _new_password("新密码")


class PasswordResetRequestIn(InputSchema):
    email = Email("注册时使用的邮箱", required=True, checked=False, description="注册时使用的邮箱")


class PasswordResetIn(InputSchema):
    new_password = _new_password("新密码")


class UserUpdateIn(InputSchema):
    """What an admin changes in another user; only the fields sent change."""

    updates = True

    role = Choice("身份", tuple(ROLES), required=True, description="university / enterprise / broker / admin")
    active = Boolean("账号状态", allow_none=False, description="false 停用（无法登录，令牌失效）")
