"""The dashboard, its exports and the stats API show the same figures whether whole months are read from the
monthly rollup (the default) or every figure from the contracts (CONTRACT_STATS_ROLLUP off)."""

import re

import pytest

from market.services import contracts
from tests.services.test_contract_stats import write

PERIOD_QUERIES = [
    "period=year&year=2025",
    "period=year&year=2026",
    "period=quarter&year=2025&quarter=4",
    "period=month&year=2024&month=2",
    "period=custom&from=2024-01-01&to=2026-06-30",  # whole months
    "period=custom&from=2024-02-10&to=2025-12-20",  # whole months and the days around them
    "period=custom&from=2025-12-02&to=2025-12-30",  # days only
]
GROUPS = ("type", "field", "region", "month", "seller_kind", "buyer_region", "seller", "buyer", "broker")


@pytest.fixture
def register(make_user, make_org):
    """Contracts on both sides of month ends and year ends, one corrected into another month, one returned."""
    admin = make_user("admin")
    uni = make_org(kind="university", region="沣东", name="西北工业大学")
    inst = make_org(kind="institute", region="秦汉", name="西安光机所")
    firm = make_org(kind="enterprise", region="空港", name="陕西某新材料公司")
    broker = make_user("broker", display_name="王经纪")
    for n, (day, seller, buyer, amount) in enumerate(
        [
            ("2024-02-09", uni, firm, 1_000_001),
            ("2024-02-29", inst, firm, 2_000_003),
            ("2024-03-01", firm, uni, 5),
            ("2024-12-31", uni, inst, 70_000_000_007),
            ("2025-01-01", inst, uni, 333),
            ("2025-10-01", uni, firm, 12_345_678_901),
            ("2025-12-01", firm, inst, 99),
            ("2025-12-21", inst, firm, 4_444),
            ("2025-12-31", uni, firm, 1),
            ("2026-06-30", firm, uni, 600_000),
        ]
    ):
        write(
            admin,
            seller,
            buyer,
            amount_fen=amount,
            recognised_fen=amount // 3,
            signed_on=day,
            field=("新材料", "光子", "人工智能")[n % 3],
            contract_type=("service", "development")[n % 2],
            subtype="",
            buyer_province=("陕西省", "北京市")[n % 2],
            broker_id=broker.id if n % 3 == 0 else "",
        )
    moved = write(admin, uni, inst, amount_fen=808, signed_on="2025-06-15")
    contracts.correct_contract(admin, moved.id, {"signed_on": "2025-12-20", "amount": "8.09"}, "日期有误")
    write(admin, uni, inst, "returned", 999_999, signed_on="2025-12-10")
    return admin


def _both_ways(app, fetch) -> tuple:
    app.config["CONTRACT_STATS_ROLLUP"] = True
    fast = fetch()
    app.config["CONTRACT_STATS_ROLLUP"] = False
    try:
        slow = fetch()
    finally:
        app.config["CONTRACT_STATS_ROLLUP"] = True
    return fast, slow


def _main(response) -> str:
    assert response.status_code == 200
    return re.search(r"<main.*</main>", response.get_data(as_text=True), re.S).group(0)


def test_the_page_is_the_same_from_the_rollup_and_from_the_contracts(app, client, login, register):
    login(register)
    client.get("/dashboard/")  # shows the welcome message once
    for query in PERIOD_QUERIES:
        fast, slow = _both_ways(app, lambda query=query: _main(client.get(f"/dashboard/?{query}")))
        assert fast == slow, query
    page = _main(client.get("/dashboard/?period=custom&from=2025-12-02&to=2025-12-30"))
    assert 'data-testid="total-count">2<' in page  # the 21st and the corrected 20th (the 10th: returned)


def test_exports_are_the_same_from_the_rollup_and_from_the_contracts(app, client, login, register):
    login(register)
    for query in PERIOD_QUERIES[:2] + PERIOD_QUERIES[5:]:
        for group in GROUPS:
            fast, slow = _both_ways(
                app, lambda: client.get(f"/dashboard/export/{group}.csv?{query}").get_data(as_text=True)
            )
            assert fast == slow, (query, group)


def test_the_stats_api_is_the_same_from_the_rollup_and_from_the_contracts(app, client, api_token, register):
    headers = api_token(register)

    def get(url):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    for query in PERIOD_QUERIES:
        fast, slow = _both_ways(app, lambda: get(f"/api/v1/stats/contracts?{query}"))
        assert fast == slow, query
        for group in GROUPS:
            for limit in ("", "&limit=2"):
                url = f"/api/v1/stats/contracts?{query}&group_by={group}{limit}"
                fast, slow = _both_ways(app, lambda url=url: get(url))
                assert fast == slow, url
    year = get("/api/v1/stats/contracts?period=year&year=2025&group_by=month")
    assert [(i["key"], i["count"], i["amount_fen"]) for i in year["items"]] == [
        ("2025-01", 1, 333),
        ("2025-10", 1, 12_345_678_901),
        ("2025-12", 4, 99 + 809 + 4_444 + 1),
    ]
