"""Public pages: home, the four libraries and the broker directory (organisations' pages:
views/organisations)."""

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from market import charts
from market.errors import ValidationFailed
from market.models.vocab import EQUIPMENT_CATEGORIES, MATURITY_STAGES, REGIONS
from market.money import format_fen
from market.services import (
    brokers,
    deals,
    follows,
    home,
    listing_gallery,
    listings,
    lookup,
    matching,
    policies,
)
from market.services.filters import listing_filters
from market.services.permissions import can_manage, can_see_contact
from market.services.taxonomy import field_names, find_field
from market.views.common import COLLECTIONS, KIND_NAMES, page_args

bp = Blueprint("public", __name__)


@bp.get("/")
def show_home():
    figures = home.home_figures()
    return render_template("public/home.html", figures=figures, trend=_trend_chart(figures.contracts))


def _trend_chart(year) -> str:
    """This year's registered 交易额 per month as a small line (drawn from the cached figures, no query)."""
    return charts.line_chart(
        [(m.label, m.amount_fen, format_fen(m.amount_fen)) for m in year.months],
        f"{year.year}年各月已登记技术合同交易额",
        empty_text=f"{year.year}年暂无已登记的技术合同",
        tick_text=lambda value: format_fen(int(value)),
        axis=charts.month_axis([m.key for m in year.months]),
    )


def list_listings(kind: str):
    filters = listing_filters(request.args)
    result = listings.list_public_listings(kind, filters, *page_args())
    field = find_field(filters["field"]) if filters.get("field") else None
    return render_template(
        "public/listings.html",
        kind=kind,
        kind_name=KIND_NAMES[kind],
        page=result,
        covers=listing_gallery.covers(kind, [item.id for item in result.items]),
        filters=filters,
        fields=field_names(),
        maturities=MATURITY_STAGES,
        regions=REGIONS,
        categories=EQUIPMENT_CATEGORIES,
        followed_field=field,
        field_follow=follows.follow_state(current_user, "field", field.id) if field else None,
    )


MATCHES_SHOWN = 5


def show_listing(kind: str, listing_id: int):
    listing = listings.get_listing(current_user, kind, listing_id)
    return render_template(
        f"public/{kind}.html",
        listing=listing,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        show_contact=can_see_contact(current_user),
        can_manage=can_manage(current_user, listing),
        show_confidential=_shows_confidential(listing),
        follow=follows.follow_state(current_user, kind, listing.id) if listing.is_public else None,
        files=listing_gallery.files_of(kind, listing.id),
        **_match_panel(listing),
    )


def _shows_confidential(listing) -> bool:
    """Whether this reader sees the result's confidential details (asked only when it has some)."""
    return (
        listing.kind == "achievement"
        and bool(listing.confidential_details)
        and deals.can_see_confidential(current_user, listing)
    )


def _match_panel(listing) -> dict:
    """Suggestions (and brokers of the demand's field) for the few who may see them; nothing computed for
    others."""
    if listing.kind not in matching.MATCHED or not matching.can_see_matches(current_user, listing):
        return {"matches": None}
    _listing, suggestions = matching.suggestions_for(
        current_user, listing.kind, listing.id, MATCHES_SHOWN, "弱"
    )
    field_brokers, instruments = [], []
    if listing.kind == "demand":
        instruments = matching.instruments_for(current_user, listing)
        if listing.field is not None:
            field_brokers = brokers.list_brokers({"field": listing.field.name}, 1, MATCHES_SHOWN).items
    return {
        "matches": matching.at_least(suggestions, "中"),
        "weak_matches": [m for m in suggestions if m[1].band == "弱"],
        "field_brokers": field_brokers,
        "instruments": instruments,
    }


for _collection, _kind in COLLECTIONS.items():
    bp.add_url_rule(f"/{_collection}", f"list_{_collection}", list_listings, defaults={"kind": _kind})
    bp.add_url_rule(
        f"/{_collection}/<int:listing_id>", f"show_{_kind}", show_listing, defaults={"kind": _kind}
    )


@bp.get("/policies")
def list_policies():
    filters = {k: request.args.get(k, "") for k in ("q", "tag", "issuer")}
    return render_template(
        "public/policies.html", page=policies.list_policies(filters, *page_args()), filters=filters
    )


@bp.get("/policies/<int:policy_id>")
def show_policy(policy_id):
    return render_template("public/policy.html", policy=policies.get_policy(policy_id))


@bp.get("/brokers")
def list_brokers():
    filters = {"field": request.args.get("field", ""), "q": request.args.get("q", "")}
    return render_template(
        "public/brokers.html",
        page=brokers.list_brokers(filters, *page_args()),
        filters=filters,
        fields=field_names(),
    )


@bp.get("/brokers/<int:profile_id>")
def show_broker(profile_id):
    profile = brokers.get_broker(profile_id)
    return render_template("public/broker.html", profile=profile, show_contact=can_see_contact(current_user))


@bp.get("/lookup")
def lookup_rows():
    """Search-as-you-type for the forms' pickers (static/js/market.js): JSON for the signed-in session, the
    page-side twin of GET /api/v1/lookup."""
    try:
        items = lookup.lookup(current_user, request.args.get("kind"), request.args.get("q"), 10)
    except ValidationFailed as exc:
        return jsonify(
            {"error": {"code": "validation_failed", "message": exc.message, "fields": exc.fields}}
        ), 422
    response = jsonify({"items": items})
    response.headers["Cache-Control"] = "private, no-store"
    return response
