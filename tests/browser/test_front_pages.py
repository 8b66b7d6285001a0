"""The home page and an organisation's page as an anonymous visitor sees them, on a laptop and on a phone:
everything renders and nothing scrolls sideways."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from market.clock import today_in_beijing

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads

WIDTHS = (1366, 390)


def _scrolls_sideways(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth")


def test_home_and_organisation_pages_render_for_a_visitor_without_sideways_scrolling(
    new_page, make_user, make_listing, make_contract, default_kpis, tmp_path_factory
):
    today = today_in_beijing()
    university = make_user("university")
    university.organisation.name = "西北某某大学前沿材料与先进制造技术研究院（国家级技术转移示范机构）"
    enterprise = make_user("enterprise")
    make_listing(
        "achievement",
        university,
        title="一种用于高镍三元正极材料的原子层沉积氧化铝包覆与梯度掺杂协同改性方法",
        field="新材料",
    )
    make_listing("equipment", university)
    make_listing(
        "demand",
        enterprise,
        title="揭榜挂帅：动力电池退役梯次利用快速分选与健康状态评估",
        open_call=True,
        reward_yuan="5000000",
        deadline=(today_in_beijing() + timedelta(days=90)).isoformat(),
    )
    make_contract(
        seller=university.organisation,
        buyer=enterprise.organisation,
        status="registered",
        signed_on=date(today.year, 1, 15).isoformat(),
        amount="32000000",
    )
    shots = tmp_path_factory.mktemp("front-pages")

    page = new_page()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/")
        expect(page.get_by_test_id("contract-amount")).to_contain_text("3,200万元")
        expect(page.get_by_test_id("contract-amount")).to_contain_text("目标")
        expect(page.get_by_test_id("trend").locator("svg")).to_be_visible()
        expect(page.get_by_test_id("open-calls")).to_contain_text("500万元")
        expect(page.get_by_test_id("featured")).to_contain_text("原子层沉积")
        assert not _scrolls_sideways(page), f"首页在 {width} px 宽时出现横向滚动"
        page.screenshot(path=str(shots / f"home-{width}.png"), full_page=True)

        page.get_by_test_id("featured").get_by_role("link", name=university.organisation.name).click()
        expect(page).to_have_url(f"/orgs/{university.organisation_id}")
        expect(page.get_by_role("heading", level=1)).to_contain_text("前沿材料")
        expect(page.get_by_test_id("verification")).to_have_text("已认证")
        expect(page.get_by_test_id("org-listings")).to_contain_text("原子层沉积")
        expect(page.get_by_test_id("contact-hidden")).to_be_visible()
        expect(page.get_by_test_id("tab-contracts")).to_have_count(0)
        assert not _scrolls_sideways(page), f"单位主页在 {width} px 宽时出现横向滚动"
        page.screenshot(path=str(shots / f"organisation-{width}.png"), full_page=True)
    print(f"screenshots: {shots}")
