"""Self-service accounts over JSON: registration and password change."""

from flask import jsonify

from market.api.blueprint import api_bp
from market.api.common import json_body, reject_unknown_fields, require_actor
from market.api.docs import json_of, operation
from market.schemas import MeOut, PasswordChangeIn, RegistrationIn
from market.security import limiter, rate
from market.services import accounts


@api_bp.post("/registrations")
@operation(
    "注册账号和单位（单位待管理员认证；不返回令牌，请再调用 POST /tokens）",
    body="RegistrationIn",
    responses={"201": json_of("MeOut", "已创建")},
    errors=("422", "429"),
)
@limiter.limit(rate("RATE_LIMIT_REGISTRATION"))
def create_registration():
    data = json_body()
    reject_unknown_fields(data, RegistrationIn().fields)
    # No token here: the client asks POST /tokens with the same email and password, as with any sign-in.
    return jsonify(MeOut().dump(accounts.register_account(data))), 201


@api_bp.post("/me/password")
@operation(
    "修改自己的密码（本人全部 API 令牌随之作废，请用新密码再调用 POST /tokens）",
    secured=True,
    body="PasswordChangeIn",
    responses={"204": {"description": "已修改，原有令牌已作废"}},
    errors=("422",),
)
def change_password():
    user = require_actor()
    data = json_body()
    reject_unknown_fields(data, PasswordChangeIn().fields)
    accounts.change_password(user, data.get("old_password"), data.get("new_password"))
    return "", 204
