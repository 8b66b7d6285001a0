"""A small catalogue for the matchmaking tests: one battery demand, a fitting result and an unrelated one."""
from market.services.matching import backfill_vectors
from tests.conftest import ACHIEVEMENT, DEMAND

RICE = {"title": "耐盐碱水稻新品种选育技术", "summary": "利用分子标记辅助选择培育耐盐碱高产水稻品种，适合盐碱地种植。",
        "field": "现代农业", "keywords": ["水稻", "育种"], "maturity": "产业化", "price_yuan": "300000"}


def embed_published() -> None:
    """Vectors for what the test published (the after-commit path may not have computed them yet)."""
    backfill_vectors()


def publish_catalogue(make_user, make_listing) -> dict:
    """demand (enterprise), battery and rice (two universities); returns the listings and their owners."""
    enterprise, lab, farm = make_user("enterprise"), make_user("university"), make_user("university")
    catalogue = {"enterprise": enterprise, "lab": lab, "farm": farm,
                 "demand": make_listing("demand", enterprise, **DEMAND),
                 # the unrelated result first, so a tie in score cannot put the right one on top by its id
                 "rice": make_listing("achievement", farm, **RICE),
                 "battery": make_listing("achievement", lab, **ACHIEVEMENT)}
    assert {catalogue[k].status for k in ("demand", "battery", "rice")} == {"published"}
    embed_published()
    return catalogue
