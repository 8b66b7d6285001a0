"""The home page: this year's 交易额 against the plan, the month's new listings, the trend, fields, 揭榜挂帅
and featured results — and, with the figures cached, hardly any SQL per view."""

import html
import re
from datetime import date, timedelta

from sqlalchemy import event
from sqlalchemy.engine import Engine

from market.clock import today_in_beijing
from market.services import home


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _statements_of(run) -> list[str]:
    sent = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return sent


def test_the_home_page_shows_the_years_amount_against_the_plan_target(client, make_contract, default_kpis):
    today = today_in_beijing()
    make_contract(status="registered", signed_on=date(today.year, 1, 15).isoformat(), amount="25000000")
    page = _text(client.get("/"))
    assert f"{today.year}年技术合同交易额（已登记）" in page and "2,500万元" in page
    target = {2025: "230亿元", 2026: "500亿元"}.get(today.year)
    if target:  # the plans set annual targets for these years
        assert f"目标 {target}" in page
    assert re.search(r'data-testid="contract-count">1<', page)
    assert f"{today.year}年各月已登记技术合同交易额" in page and "<svg" in page


def test_new_listings_fields_open_calls_and_featured_results_show(client, make_user, make_listing):
    uni, ent = make_user("university"), make_user("enterprise")
    make_listing("achievement", uni, title="钙钛矿叠层电池效率提升", field="光子")
    deadline = (today_in_beijing() + timedelta(days=30)).isoformat()
    make_listing(
        "demand",
        ent,
        title="寻求氢燃料电池双极板方案",
        open_call=True,
        reward_yuan="1000000",
        deadline=deadline,
    )
    page = _text(client.get("/"))
    assert re.search(r'data-testid="new-achievement">1<', page)
    assert re.search(r'data-testid="new-demand">1<', page)
    assert re.search(r'data-testid="count-achievement">1<', page)
    assert "钙钛矿叠层电池效率提升" in page and uni.organisation.name in page  # 精选成果
    plain = re.sub(r"<[^>]+>", "", page)
    assert (
        "寻求氢燃料电池双极板方案" in plain
        and "揭榜奖励：100万元" in plain
        and f"截止日期：{deadline}" in plain
    )
    assert 'href="/search?field=%E5%85%89%E5%AD%90"' in page  # browse by 光子
    assert f'href="/orgs/{ent.organisation_id}"' in page


def test_an_empty_market_says_so(client):
    page = _text(client.get("/"))
    assert "暂无征集中的揭榜挂帅项目" in page and "年暂无已登记的技术合同" in page and "暂无成果" in page


def test_a_home_page_view_with_warm_figures_sends_almost_no_sql(
    client, make_user, make_listing, make_contract, default_kpis, login
):
    make_listing("achievement", make_user("university"))
    make_listing("demand", make_user("enterprise"), open_call=True, reward_yuan="500000")
    make_contract(status="registered")
    cold = _statements_of(lambda: client.get("/"))
    warm = _statements_of(lambda: client.get("/"))
    assert len(cold) <= 12, cold
    assert warm == []  # a visitor's view: everything from the cached figures

    login(make_user("enterprise"))
    signed_in = _statements_of(lambda: client.get("/"))
    assert len(signed_in) <= 3, signed_in  # the user and the unread-notification badge


def test_the_figures_refresh_after_their_minute(client, make_user, make_listing, monkeypatch):
    owner = make_user("university")
    make_listing("achievement", owner)
    assert re.search(r'data-testid="count-achievement">1<', _text(client.get("/")))
    make_listing("achievement", owner, title="又一项成果")
    assert re.search(r'data-testid="count-achievement">1<', _text(client.get("/")))  # cached
    later = home.time.monotonic() + home.FIGURES_TTL_SECONDS + 1
    monkeypatch.setattr(home.time, "monotonic", lambda: later)
    assert re.search(r'data-testid="count-achievement">2<', _text(client.get("/")))
