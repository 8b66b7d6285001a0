"""Tokens, password resets and the signed-in user."""

from flask import current_app, jsonify

from market.api.blueprint import api_bp
from market.api.common import json_body, reject_unknown_fields, require_actor
from market.errors import ValidationFailed
from market.schemas import MeOut
from market.security import client, limiter, rate
from market.services import accounts, password_resets


@api_bp.post("/tokens")
@limiter.limit(rate("RATE_LIMIT_SIGN_IN"))
def create_token():
    data = json_body()
    reject_unknown_fields(data, ("email", "password"))
    missing = {
        name: f"请填写{label}"
        for name, label in (("email", "邮箱"), ("password", "密码"))
        if not isinstance(data.get(name), str) or not data[name]
    }
    if missing:
        raise ValidationFailed(missing)
    token = accounts.issue_api_token(
        data["email"], data["password"], current_app.config["API_TOKEN_DAYS"], client()
    )
    return jsonify({"token": token, "expires_in_days": current_app.config["API_TOKEN_DAYS"]}), 201


@api_bp.post("/password-resets")
@limiter.limit(rate("RATE_LIMIT_PASSWORD_RESET"))
def request_password_reset():
    data = json_body()
    reject_unknown_fields(data, ("email",))
    if not isinstance(data.get("email"), str) or not data["email"].strip():
        raise ValidationFailed({"email": "请填写注册时使用的邮箱"})
    password_resets.request_reset(
        data["email"], current_app.config["PUBLIC_URL"]
    )  # the same answer whether or not the address is registered
    return jsonify({"message": "如果该邮箱已注册，我们已发出重置密码的邮件，链接 60 分钟内有效"}), 202


@api_bp.post("/password-resets/<token>")
@limiter.limit(rate("RATE_LIMIT_PASSWORD_RESET"))
def reset_password(token):
    data = json_body()
    reject_unknown_fields(data, ("new_password",))
    password_resets.reset_password(token, data.get("new_password"))
    return "", 204


@api_bp.get("/me")
def get_me():
    return jsonify(MeOut().dump(require_actor()))
