"""The broker directory over JSON: everyone reads, a broker (or an admin) edits the profile."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import actor, json_body, page_envelope, paging, reject_unknown_fields, require_actor
from market.api.docs import PAGING, operation, page_of, query_params
from market.schemas import BrokerOut, BrokerProfileIn
from market.services import brokers
from market.services.permissions import can_see_contact


def dump_broker(profile, viewer) -> dict:
    return BrokerOut(exclude=() if can_see_contact(viewer) else ("contact",)).dump(profile)


@api_bp.get("/brokers")
@operation(
    "技术经纪人名录",
    query=query_params(
        ("field", "string", "擅长的技术领域"), ("q", "string", "姓名、单位或简介中的词"), *PAGING
    ),
    responses={"200": page_of("BrokerOut")},
)
def list_brokers():
    viewer = actor()
    result = brokers.list_brokers(
        {"field": request.args.get("field", ""), "q": request.args.get("q", "")}, *paging()
    )
    return jsonify(page_envelope(result, lambda profile: dump_broker(profile, viewer)))


@api_bp.get("/brokers/<int:profile_id>")
@operation("经纪人详情（id 为经纪人资料编号）", responses={"200": "BrokerOut"}, errors=("404",))
def get_broker(profile_id):
    return jsonify(dump_broker(brokers.get_broker(profile_id), actor()))


@api_bp.patch("/brokers/<int:profile_id>")
@operation(
    "修改经纪人资料（本人或管理员；认证等级仅管理员）",
    secured=True,
    body="BrokerProfileIn",
    responses={"200": "BrokerOut"},
    errors=("403", "404", "422"),
)
def update_broker(profile_id):
    user = require_actor()
    data = json_body()
    reject_unknown_fields(data, BrokerProfileIn().fields)
    return jsonify(dump_broker(brokers.update_broker(user, profile_id, data), user))
