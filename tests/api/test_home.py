"""GET /api/v1/home: the home page's figures over JSON."""

from datetime import date

from market.clock import today_in_beijing


def test_home_gives_the_years_amount_against_the_target_and_the_newest_calls(
    client, make_user, make_listing, make_contract, default_kpis, validate
):
    today = today_in_beijing()
    make_contract(status="registered", signed_on=date(today.year, 1, 10).isoformat(), amount="1234567.89")
    make_listing(
        "demand", make_user("enterprise"), title="揭榜挂帅：电池回收", open_call=True, reward_yuan="300000"
    )
    response = client.get("/api/v1/home")
    validate("/home", "get", response, 200)
    body = response.get_json()
    contracts = body["contracts"]
    assert (contracts["year"], contracts["count"], contracts["amount_yuan"]) == (today.year, 1, "1234567.89")
    assert contracts["months"][0] == {"month": f"{today.year}-01", "count": 1, "amount_yuan": "1234567.89"}
    assert len(contracts["months"]) == today.month
    assert body["open_calls"][0]["title"] == "揭榜挂帅：电池回收"
    assert body["open_calls"][0]["reward_yuan"] == "300000.00"
    assert body["counts"]["demands"] == 1 and body["new_this_month"]["demands"] == 1
    assert body["computed_at"].endswith("+08:00")
