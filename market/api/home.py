"""The home page's numbers over JSON."""

from flask import jsonify

from market.api.blueprint import api_bp
from market.api.common import actor
from market.api.docs import operation
from market.schemas import SummaryOut
from market.services import listings
from market.services.permissions import can_see_contact

CONTACTS = ("achievements.latest.contact", "demands.latest.contact", "equipment.latest.contact")


@api_bp.get("/summary")
@operation("首页概况：各库已发布数量和最新内容", responses={"200": "SummaryOut"})
def get_summary():
    exclude = () if can_see_contact(actor()) else CONTACTS
    return jsonify(SummaryOut(exclude=exclude).dump(listings.home_summary()))
