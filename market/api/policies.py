"""The policy library over JSON: everyone reads, admins write."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import json_body, page_envelope, paging, reject_unknown_fields, require_actor
from market.api.docs import ALL_ERRORS, PAGING, json_of, operation, page_of, query_params
from market.schemas import PolicyIn, PolicyOut
from market.services import policies


def _checked_body() -> dict:
    data = json_body()
    reject_unknown_fields(data, PolicyIn().fields)
    return data


@api_bp.get("/policies")
@operation(
    "政策列表",
    query=[
        {"name": name, "in": "query", "schema": {"type": "string"}, "required": False}
        for name in ("q", "issuer", "tag")
    ]
    + query_params(*PAGING),
    responses={"200": page_of("PolicyOut")},
)
def list_policies():
    page, per_page = paging()
    result = policies.list_policies(request.args, page, per_page)
    return jsonify(page_envelope(result, PolicyOut().dump))


@api_bp.post("/policies")
@operation(
    "新增政策（管理员）",
    secured=True,
    body="PolicyIn",
    responses={"201": json_of("PolicyOut", "已创建")},
    errors=ALL_ERRORS,
)
def create_policy():
    policy = policies.create_policy(require_actor(), _checked_body())
    return jsonify(PolicyOut().dump(policy)), 201


@api_bp.get("/policies/<int:policy_id>")
@operation("政策详情", responses={"200": "PolicyOut"}, errors=("404",))
def get_policy(policy_id):
    return jsonify(PolicyOut().dump(policies.get_policy(policy_id)))


@api_bp.route("/policies/<int:policy_id>", methods=["PATCH", "PUT"])
@operation(
    "修改政策（管理员）", secured=True, body="PolicyIn", responses={"200": "PolicyOut"}, errors=ALL_ERRORS
)
def update_policy(policy_id):
    user = require_actor()
    policy = policies.update_policy(user, policy_id, _checked_body(), partial=request.method == "PATCH")
    return jsonify(PolicyOut().dump(policy))


@api_bp.delete("/policies/<int:policy_id>")
@operation(
    "删除政策（管理员）", secured=True, responses={"204": {"description": "已删除"}}, errors=ALL_ERRORS
)
def delete_policy(policy_id):
    policies.delete_policy(require_actor(), policy_id)
    return "", 204
