"""The home page's numbers over JSON: the libraries' latest listings (/summary) and the figures (/home)."""

from flask import jsonify

from market.api.blueprint import api_bp
from market.api.common import actor
from market.api.docs import operation
from market.schemas import HomeOut, SummaryOut
from market.services import home, listings
from market.services.permissions import can_see_contact

CONTACTS = ("achievements.latest.contact", "demands.latest.contact", "equipment.latest.contact")


@api_bp.get("/summary")
@operation("首页概况：各库已发布数量和最新内容", responses={"200": "SummaryOut"})
def get_summary():
    exclude = () if can_see_contact(actor()) else CONTACTS
    return jsonify(SummaryOut(exclude=exclude).dump(listings.home_summary()))


@api_bp.get("/home")
@operation(
    "首页数据：本年已登记技术合同交易额与规划目标、各月交易额、各库数量、本月新增、技术领域、揭榜挂帅、精选成果"
    "（最多缓存 60 秒）",
    responses={"200": "HomeOut"},
)
def get_home():
    return jsonify(HomeOut().dump(home.home_figures()))
