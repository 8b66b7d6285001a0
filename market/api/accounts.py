"""Self-service accounts over JSON: registration and password change."""

from flask import jsonify

from market.api.blueprint import api_bp
from market.api.common import json_body, reject_unknown_fields, require_actor
from market.schemas import MeOut, PasswordChangeIn, RegistrationIn
from market.security import limiter, rate
from market.services import accounts


@api_bp.post("/registrations")
@limiter.limit(rate("RATE_LIMIT_REGISTRATION"))
def create_registration():
    data = json_body()
    reject_unknown_fields(data, RegistrationIn().fields)
    # No token here: the client asks POST /tokens with the same email and password, as with any sign-in.
    return jsonify(MeOut().dump(accounts.register_account(data))), 201


@api_bp.post("/me/password")
def change_password():
    user = require_actor()
    data = json_body()
    reject_unknown_fields(data, PasswordChangeIn().fields)
    accounts.change_password(user, data.get("old_password"), data.get("new_password"))
    return "", 204
