"""Tokens and the signed-in user."""
from flask import current_app, jsonify

from market.api import api_bp
from market.api.common import json_body, require_actor
from market.services import accounts


@api_bp.post("/tokens")
def create_token():
    data = json_body()
    token = accounts.issue_api_token(data.get("email"), data.get("password"), current_app.config["API_TOKEN_DAYS"])
    return jsonify({"token": token, "expires_in_days": current_app.config["API_TOKEN_DAYS"]}), 201


@api_bp.get("/me")
def get_me():
    user = require_actor()
    org = user.organisation
    return jsonify({
        "id": user.id, "email": user.email, "display_name": user.display_name, "role": user.role,
        "verified": user.is_verified,
        "organisation": {"id": org.id, "name": org.name, "kind": org.kind, "region": org.region,
                         "verification_state": org.verification_state} if org else None,
    })
