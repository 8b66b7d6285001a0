"""Tokens, password resets and the signed-in user."""

from flask import current_app, jsonify

from market.api.blueprint import api_bp
from market.api.common import json_body, reject_unknown_fields, require_actor
from market.api.docs import json_of, operation
from market.schemas import MeOut, PasswordResetIn, PasswordResetRequestIn, TokenIn
from market.security import client, limiter, rate
from market.services import accounts, password_resets


@api_bp.post("/tokens")
@operation(
    "用邮箱和密码换取令牌（同一账号连续失败 5 次后需等待，等待时间逐次加倍）",
    body="TokenIn",
    responses={"201": json_of("TokenOut", "已创建")},
    errors=("401", "422", "429"),
)
@limiter.limit(rate("RATE_LIMIT_SIGN_IN"))
def create_token():
    data = json_body()
    reject_unknown_fields(data, TokenIn().fields)
    token = accounts.issue_api_token(
        data.get("email"), data.get("password"), current_app.config["API_TOKEN_DAYS"], client()
    )
    return jsonify({"token": token, "expires_in_days": current_app.config["API_TOKEN_DAYS"]}), 201


@api_bp.post("/password-resets")
@operation(
    "忘记密码：向该邮箱发送 60 分钟内有效、只能用一次的重置链接（是否注册，答复都相同）",
    body="PasswordResetRequestIn",
    responses={"202": json_of("PasswordResetRequestedOut", "已受理")},
    errors=("422", "429"),
)
@limiter.limit(rate("RATE_LIMIT_PASSWORD_RESET"))
def request_password_reset():
    data = json_body()
    reject_unknown_fields(data, PasswordResetRequestIn().fields)
    password_resets.request_reset(
        data["email"], current_app.config["PUBLIC_URL"]
    )  # the same answer whether or not the address is registered
    return jsonify({"message": "如果该邮箱已注册，我们已发出重置密码的邮件，链接 60 分钟内有效"}), 202


@api_bp.post("/password-resets/<token>")
@operation(
    "用重置链接设置新密码（全部登录会话和 API 令牌随之失效）",
    body="PasswordResetIn",
    responses={"204": {"description": "已重置"}},
    errors=("422", "429"),
    path_descriptions={"id": "邮件链接中的令牌"},
)
@limiter.limit(rate("RATE_LIMIT_PASSWORD_RESET"))
def reset_password(token):
    data = json_body()
    reject_unknown_fields(data, PasswordResetIn().fields)
    password_resets.reset_password(token, data.get("new_password"))
    return "", 204


@api_bp.get("/me")
@operation("当前令牌的用户", secured=True, responses={"200": "MeOut"}, errors=("401",))
def get_me():
    return jsonify(MeOut().dump(require_actor()))
