"""CRUD and lifecycle for achievements, demands and equipment; one set of handlers for all three."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import (
    actor,
    json_body,
    optional_json_body,
    page_envelope,
    paging,
    reject_unknown_fields,
    require_actor,
)
from market.api.docs import ALL_ERRORS, LIST_PARAMS, items_of, json_of, operation, page_of, query_params
from market.errors import ValidationFailed
from market.schemas import INPUT_SCHEMAS, OUTPUT_SCHEMAS, FeeItemIn, FieldOut
from market.services import deals, listings
from market.services.filters import listing_filters
from market.services.permissions import can_manage, can_see_contact
from market.services.taxonomy import list_all_fields, list_fields

COLLECTIONS = {"achievements": "achievement", "demands": "demand", "equipment": "equipment"}
# collection → (output schema, input schema, what the document calls it)
LISTING_COLLECTIONS = {
    "achievements": ("AchievementOut", "AchievementIn", "科技成果"),
    "demands": ("DemandOut", "DemandIn", "技术需求"),
    "equipment": ("EquipmentOut", "EquipmentIn", "仪器设备"),
}
ACTIONS = {  # action → how the document names it
    "submit": "提交",
    "withdraw": "撤回",
    "reopen": "重新编辑",
    "approve": "审核通过（管理员）",
    "reject": "退回（管理员，需 note）",
}


def _documented(collection: str, summary: str, status="200", description="成功", body=False) -> dict:
    """The documented fields of an operation on one collection: the summary with {label} filled in, the
    listing as the response and, with body, the listing's input schema as the JSON body."""
    out, inp, label = LISTING_COLLECTIONS[collection]
    fields = {"summary": summary.format(label=label), "responses": {status: json_of(out, description)}}
    return fields | ({"body": inp} if body else {})


def dump_listing(listing, viewer, confidential: bool | None = None) -> dict:
    """confidential: whether the reader sees a result's confidential details (None: only its owner and
    admins)."""
    exclude = () if can_see_contact(viewer) else ("contact",)
    out = OUTPUT_SCHEMAS[listing.kind](exclude=exclude).dump(listing)
    if listing.kind == "achievement" and (
        can_manage(viewer, listing) if confidential is None else confidential
    ):
        out["confidential_details"] = listing.confidential_details or ""
    return out


def check_known_fields(kind: str, data: dict) -> None:
    """Refuse fields the API does not know, including inside fee items, instead of silently dropping them."""
    reject_unknown_fields(data, INPUT_SCHEMAS[kind]().fields)
    if kind == "equipment" and isinstance(data.get("fee_items"), list):
        known = FeeItemIn().fields
        for number, item in enumerate(data["fee_items"], start=1):
            unknown = sorted(set(item) - set(known)) if isinstance(item, dict) else []
            if unknown:
                raise ValidationFailed(
                    {"fee_items": f"第{number}项：未知字段 {', '.join(unknown)}"},
                    f"未知字段：{', '.join(unknown)}",
                )


def draft_flag(data: dict) -> bool:
    draft = data.get("draft", False)
    if not isinstance(draft, bool):
        raise ValidationFailed({"draft": "draft（只存草稿）必须是 true 或 false"})
    return draft


def _kind(collection: str) -> str:
    from werkzeug.exceptions import NotFound

    if collection not in COLLECTIONS:
        raise NotFound()
    return COLLECTIONS[collection]


@api_bp.get("/<any(achievements, demands, equipment):collection>")
@operation(
    query=LIST_PARAMS,
    vary=lambda collection: {
        "summary": f"{LISTING_COLLECTIONS[collection][2]}列表",
        "responses": {"200": page_of(LISTING_COLLECTIONS[collection][0])},
    },
)
def list_listings(collection):
    kind, viewer = _kind(collection), actor()
    filters = listing_filters(request.args)
    page, per_page = paging()
    if request.args.get("mine") in ("1", "true") and require_actor():
        result = listings.list_managed_listings(viewer, kind, filters, page, per_page)
        confidential = None  # the organisation's own listings
    else:
        result = listings.list_public_listings(kind, filters, page, per_page)
        confidential = False  # never in a public list
    return jsonify(page_envelope(result, lambda item: dump_listing(item, viewer, confidential)))


@api_bp.post("/<any(achievements, demands, equipment):collection>")
@operation(
    secured=True,
    errors=ALL_ERRORS,
    vary=lambda collection: _documented(
        collection, "发布{label}（已认证单位直接发布，否则进入审核）", "201", "已创建", body=True
    ),
)
def create_listing(collection):
    kind, user = _kind(collection), require_actor()
    data = json_body()
    check_known_fields(kind, data)
    listing = listings.create_listing(user, kind, data, submit=not draft_flag(data))
    return jsonify(dump_listing(listing, user)), 201


@api_bp.get("/<any(achievements, demands, equipment):collection>/<int:listing_id>")
@operation(errors=("404",), vary=lambda collection: _documented(collection, "{label}详情"))
def get_listing(collection, listing_id):
    viewer = actor()
    listing = listings.get_listing(viewer, _kind(collection), listing_id)
    confidential = deals.can_see_confidential(viewer, listing) if listing.kind == "achievement" else False
    return jsonify(dump_listing(listing, viewer, confidential))


@api_bp.route(
    "/<any(achievements, demands, equipment):collection>/<int:listing_id>", methods=["PATCH", "PUT"]
)
@operation(
    method="patch",
    secured=True,
    errors=ALL_ERRORS,
    vary=lambda collection: _documented(collection, "修改{label}（部分字段）", body=True),
)
@operation(
    method="put",
    secured=True,
    errors=ALL_ERRORS,
    vary=lambda collection: _documented(collection, "修改{label}（全部字段）", body=True),
)
def update_listing(collection, listing_id):
    kind, user = _kind(collection), require_actor()
    data = json_body()
    check_known_fields(kind, data)
    draft_flag(data)
    data.pop("draft", None)
    listing = listings.update_listing(user, kind, listing_id, data, partial=request.method == "PATCH")
    return jsonify(dump_listing(listing, user))


@api_bp.delete("/<any(achievements, demands, equipment):collection>/<int:listing_id>")
@operation(
    secured=True,
    responses={"204": {"description": "已删除"}},
    errors=ALL_ERRORS,
    vary=lambda collection: {"summary": f"删除{LISTING_COLLECTIONS[collection][2]}（仅草稿或已撤回）"},
)
def delete_listing(collection, listing_id):
    listings.delete_listing(require_actor(), _kind(collection), listing_id)
    return "", 204


@api_bp.post(
    "/<any(achievements, demands, equipment):collection>/<int:listing_id>/<any(submit, withdraw, reopen, "
    "approve, reject):action>"
)
@operation(
    secured=True,
    body={"application/json": {"type": "object", "properties": {"note": {"type": "string"}}}},
    body_required=False,
    errors=ALL_ERRORS,
    vary=lambda collection, action: _documented(collection, ACTIONS[action] + "{label}"),
)
def change_listing_status(collection, listing_id, action):
    user = require_actor()
    data = optional_json_body()
    reject_unknown_fields(data, ("note",))
    listing = listings.change_status(user, _kind(collection), listing_id, action, data.get("note"))
    return jsonify(dump_listing(listing, user))


@api_bp.get("/fields")
@operation(
    "技术领域列表",
    query=query_params(("all", "boolean", "含已停用的领域（仅管理员，需令牌）")),
    responses={"200": items_of("FieldOut")},
    errors=("403",),
)
def list_technical_fields():
    retired_too = request.args.get("all") in ("1", "true")
    fields = list_all_fields(require_actor()) if retired_too else list_fields()
    return jsonify({"items": FieldOut(many=True).dump(fields)})
