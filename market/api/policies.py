"""The policy library over JSON: everyone reads, admins write."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, page_envelope, paging, reject_unknown_fields, require_actor
from market.schemas import PolicyIn, PolicyOut
from market.services import policies


def _checked_body() -> dict:
    data = json_body()
    reject_unknown_fields(data, PolicyIn().fields)
    return data


@api_bp.get("/policies")
def list_policies():
    page, per_page = paging()
    result = policies.list_policies(request.args, page, per_page)
    return jsonify(page_envelope(result, PolicyOut().dump))


@api_bp.post("/policies")
def create_policy():
    policy = policies.create_policy(require_actor(), _checked_body())
    return jsonify(PolicyOut().dump(policy)), 201


@api_bp.get("/policies/<int:policy_id>")
def get_policy(policy_id):
    return jsonify(PolicyOut().dump(policies.get_policy(policy_id)))


@api_bp.route("/policies/<int:policy_id>", methods=["PATCH", "PUT"])
def update_policy(policy_id):
    user = require_actor()
    policy = policies.update_policy(user, policy_id, _checked_body(), partial=request.method == "PATCH")
    return jsonify(PolicyOut().dump(policy))


@api_bp.delete("/policies/<int:policy_id>")
def delete_policy(policy_id):
    policies.delete_policy(require_actor(), policy_id)
    return "", 204
