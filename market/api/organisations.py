"""An organisation's public page over JSON: its profile, live listings and (for members and admins) its
contracts. The same rules as /orgs/<id>: an unverified organisation that has published nothing is 404 to
everyone but its members and admins."""

from flask import jsonify

from market.api.blueprint import api_bp
from market.api.common import actor, page_envelope, paging, require_actor
from market.api.docs import PAGING, operation, page_of, query_params
from market.api.listings import COLLECTIONS, LISTING_COLLECTIONS, dump_listing
from market.schemas import ContractOut, OrganisationPageOut
from market.services import organisation_pages
from market.services.permissions import can_see_contact

ORG_ID = {"id": "单位编号"}


@api_bp.get("/orgs/<int:org_id>")
@operation(
    "单位主页：名称、类型、区域、认证状态、已发布内容数；联系方式仅对已认证单位的登录用户返回",
    responses={"200": "OrganisationPageOut"},
    errors=("404",),
    path_descriptions=ORG_ID,
)
def get_organisation(org_id):
    viewer = actor()
    result = organisation_pages.get_organisation_page(viewer, org_id)
    exclude = () if can_see_contact(viewer) else ("contacts",)
    return jsonify(OrganisationPageOut(exclude=exclude).dump(result))


@api_bp.get("/orgs/<int:org_id>/<any(achievements, demands, equipment):collection>")
@operation(
    query=query_params(*PAGING),
    errors=("404",),
    path_descriptions=ORG_ID,
    vary=lambda collection: {
        "summary": f"该单位已发布的{LISTING_COLLECTIONS[collection][2]}，新发布的在前",
        "responses": {"200": page_of(LISTING_COLLECTIONS[collection][0])},
    },
)
def list_organisation_listings(org_id, collection):
    viewer = actor()
    page, per_page = paging()
    result = organisation_pages.list_organisation_listings(
        viewer, org_id, COLLECTIONS[collection], page, per_page
    )
    return jsonify(page_envelope(result, lambda item: dump_listing(item, viewer, False)))


@api_bp.get("/orgs/<int:org_id>/contracts")
@operation(
    "该单位作为买方或卖方的技术合同（仅本单位成员和管理员），签订日期新的在前",
    secured=True,
    query=query_params(*PAGING),
    responses={"200": page_of("ContractOut")},
    errors=("401", "403", "404"),
    path_descriptions=ORG_ID,
)
def list_organisation_contracts(org_id):
    user = require_actor()
    page, per_page = paging()
    result = organisation_pages.list_organisation_contracts(user, org_id, page, per_page)
    return jsonify(page_envelope(result, ContractOut().dump))
