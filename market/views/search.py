"""The one search box: /search with tabs per kind, facets, sorting and highlighted snippets."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from market.errors import ValidationFailed
from market.models.vocab import LISTING_STATUSES, MATURITY_STAGES, REGIONS
from market.services import follows
from market.services.saved_searches import QUERY_KEYS, SAVED_KINDS, describe_query
from market.services.search import search_catalogue
from market.services.taxonomy import field_names, find_field

bp = Blueprint("search", __name__)

TABS = (
    ("", "全部"),
    ("achievement", "成果"),
    ("demand", "需求"),
    ("equipment", "设备"),
    ("policy", "政策"),
    ("broker", "经纪人"),
)
DETAIL_ENDPOINTS = {
    "achievement": ("public.show_achievement", "listing_id"),
    "demand": ("public.show_demand", "listing_id"),
    "equipment": ("public.show_equipment", "listing_id"),
    "policy": ("public.show_policy", "policy_id"),
    "broker": ("public.show_broker", "profile_id"),
}


@bp.get("/search")
def show_results():
    params = request.args
    errors, result = {}, None
    try:
        result = search_catalogue(current_user, params)
    except ValidationFailed as exc:
        errors = exc.fields
    save_query = {key: params[key] for key in QUERY_KEYS if params.get(key, "").strip()}
    can_save = (
        current_user.is_authenticated
        and not errors
        and result is not None
        and save_query.get("kind", SAVED_KINDS[0]) in SAVED_KINDS
    )
    field = find_field(params["field"].strip()) if params.get("field", "").strip() else None
    return render_template(
        "search/results.html",
        result=result,
        errors=errors,
        params=params,
        tabs=TABS,
        details=DETAIL_ENDPOINTS,
        fields=field_names(),
        maturities=MATURITY_STAGES,
        regions=REGIONS,
        statuses=LISTING_STATUSES,
        save_query=save_query if can_save else None,
        save_name=describe_query(save_query),
        followed_field=field,
        field_follow=follows.follow_state(current_user, "field", field.id) if field else None,
    ), 422 if errors else 200
