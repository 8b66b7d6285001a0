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
from market.errors import ValidationFailed
from market.schemas import INPUT_SCHEMAS, OUTPUT_SCHEMAS, FeeItemIn, FieldOut
from market.services import deals, listings
from market.services.filters import listing_filters
from market.services.permissions import can_manage, can_see_contact
from market.services.taxonomy import list_all_fields, list_fields

COLLECTIONS = {"achievements": "achievement", "demands": "demand", "equipment": "equipment"}
ACTIONS = ("submit", "withdraw", "reopen", "approve", "reject")


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
def create_listing(collection):
    kind, user = _kind(collection), require_actor()
    data = json_body()
    check_known_fields(kind, data)
    listing = listings.create_listing(user, kind, data, submit=not draft_flag(data))
    return jsonify(dump_listing(listing, user)), 201


@api_bp.get("/<any(achievements, demands, equipment):collection>/<int:listing_id>")
def get_listing(collection, listing_id):
    viewer = actor()
    listing = listings.get_listing(viewer, _kind(collection), listing_id)
    confidential = deals.can_see_confidential(viewer, listing) if listing.kind == "achievement" else False
    return jsonify(dump_listing(listing, viewer, confidential))


@api_bp.route(
    "/<any(achievements, demands, equipment):collection>/<int:listing_id>", methods=["PATCH", "PUT"]
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
def delete_listing(collection, listing_id):
    listings.delete_listing(require_actor(), _kind(collection), listing_id)
    return "", 204


@api_bp.post(
    "/<any(achievements, demands, equipment):collection>/<int:listing_id>/<any(submit, withdraw, reopen, "
    "approve, reject):action>"
)
def change_listing_status(collection, listing_id, action):
    user = require_actor()
    data = optional_json_body()
    reject_unknown_fields(data, ("note",))
    listing = listings.change_status(user, _kind(collection), listing_id, action, data.get("note"))
    return jsonify(dump_listing(listing, user))


@api_bp.get("/fields")
def list_technical_fields():
    retired_too = request.args.get("all") in ("1", "true")
    fields = list_all_fields(require_actor()) if retired_too else list_fields()
    return jsonify({"items": FieldOut(many=True).dump(fields)})
