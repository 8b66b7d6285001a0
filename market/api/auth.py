"""Tokens and the signed-in user."""
from flask import current_app, jsonify

from market.api.blueprint import api_bp
from market.api.common import json_body, reject_unknown_fields, require_actor
from market.errors import ValidationFailed
from market.schemas import MeOut
from market.services import accounts


@api_bp.post("/tokens")
def create_token():
    data = json_body()
    reject_unknown_fields(data, ("email", "password"))
    missing = {name: f"请填写{label}" for name, label in (("email", "邮箱"), ("password", "密码"))
               if not isinstance(data.get(name), str) or not data[name]}
    if missing:
        raise ValidationFailed(missing)
    token = accounts.issue_api_token(data["email"], data["password"], current_app.config["API_TOKEN_DAYS"])
    return jsonify({"token": token, "expires_in_days": current_app.config["API_TOKEN_DAYS"]}), 201


@api_bp.get("/me")
def get_me():
    return jsonify(MeOut().dump(require_actor()))
