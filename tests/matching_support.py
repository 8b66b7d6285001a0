"""A small catalogue for the matchmaking tests: one battery demand, a fitting result and an unrelated one."""

from market.services.matching import backfill_vectors
from tests.conftest import ACHIEVEMENT, DEMAND

RICE = {
    "title": "耐盐碱水稻新品种选育技术",
    "summary": "利用分子标记辅助选择培育耐盐碱高产水稻品种，适合盐碱地种植。",
    "field": "现代农业",
    "keywords": ["水稻", "育种"],
    "maturity": "产业化",
    "price_yuan": "300000",
}
# For search by meaning: a result about cold batteries, and how an enterprise says it without one of its
# words.
LOW_TEMPERATURE = {
    "title": "低温型锂离子电池电解液添加剂",
    "keywords": ["锂离子电池", "电解液"],
    "field": "新能源与节能",
    "summary": "提升锂离子电池在零下30摄氏度的放电容量，改善电动汽车冬季续航里程。",
}
PLAIN_WORDS = "冬天手机一会儿就没电了"


def embed_published() -> None:
    """Vectors for what the test published (the after-commit path may not have computed them yet)."""
    backfill_vectors()


def publish_catalogue(make_user, make_listing) -> dict:
    """demand (enterprise), battery and rice (two universities); returns the listings and their owners."""
    enterprise, lab, farm = make_user("enterprise"), make_user("university"), make_user("university")
    catalogue = {
        "enterprise": enterprise,
        "lab": lab,
        "farm": farm,
        "demand": make_listing("demand", enterprise, **DEMAND),
        # the unrelated result first, so a tie in score cannot put the right one on top by its id
        "rice": make_listing("achievement", farm, **RICE),
        "battery": make_listing("achievement", lab, **ACHIEVEMENT),
    }
    assert {catalogue[k].status for k in ("demand", "battery", "rice")} == {"published"}
    embed_published()
    return catalogue
