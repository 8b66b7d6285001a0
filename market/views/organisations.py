"""An organisation's page, /orgs/<id>: its profile, live listings and (for its members and admins) its
contracts. Routes of the public blueprint (market/views/public.py)."""

from flask import render_template, request
from flask_login import current_user

from market.services import follows, listing_gallery, organisation_pages
from market.views.common import KIND_COLLECTIONS, KIND_NAMES, page_args
from market.views.public import bp

# tab → what the page calls it; a tab's value in the URL is the collection's name, as in the listing URLs
TABS = {collection: KIND_NAMES[kind] for kind, collection in KIND_COLLECTIONS.items()} | {
    "contracts": "技术合同"
}
TAB_KINDS = {collection: kind for kind, collection in KIND_COLLECTIONS.items()}


@bp.get("/orgs/<int:org_id>")
def show_organisation(org_id):
    tab = request.args.get("tab", "")
    result = organisation_pages.organisation_page(current_user, org_id, TAB_KINDS.get(tab, tab), *page_args())
    return render_template(
        "public/organisation.html",
        org_page=result,
        org=result.organisation,
        items=result.items,
        tab=KIND_COLLECTIONS.get(result.tab, result.tab),
        tabs=TABS,
        kinds=TAB_KINDS,
        follow=follows.follow_state(current_user, "organisation", result.organisation.id),
        covers=_covers(result),
    )


def _covers(result) -> dict:
    """The cover pictures of the listing cards on this tab (none for contracts)."""
    if result.tab not in KIND_COLLECTIONS or result.items is None:
        return {}
    return listing_gallery.covers(result.tab, [item.id for item in result.items.items])
