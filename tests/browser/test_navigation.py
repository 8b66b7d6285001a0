"""The top bar is one line for every role on a laptop and a wide screen, and folds into a menu on a phone."""

import pytest
from playwright.sync_api import expect

from tests.browser.support import open_work_menu, open_work_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads

ONE_LINE_PX = 64  # Bootstrap's navbar with one row of links is 56 px high


def _bar(page) -> dict:
    return page.get_by_test_id("main-nav").evaluate(
        """nav => ({
            height: nav.getBoundingClientRect().height,
            tallest: Math.max(...[...nav.querySelectorAll('.nav-link, .navbar-brand')]
                .filter(a => a.offsetParent !== null).map(a => a.getBoundingClientRect().height)),
            scrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
        })"""
    )


@pytest.mark.parametrize("role", [None, "university", "enterprise", "broker", "viewer", "admin"])
def test_the_top_bar_is_one_line_at_1366_and_1920_px_for_every_role(role, new_page, sign_in, make_user):
    page = new_page()
    if role:
        sign_in(page, make_user(role, display_name="欧阳明月（技术转移中心主任）").email)
    for width in (1366, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/contracts/" if role else "/")
        bar = _bar(page)
        assert bar["height"] <= ONE_LINE_PX, (role, width, bar)
        assert bar["tallest"] <= 42, (role, width, bar)  # no label breaks over two lines
        assert not bar["scrolls"], (role, width, bar)


def test_the_work_menu_lists_what_the_role_may_open_and_marks_the_current_page(new_page, sign_in, make_user):
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, make_user("admin").email)
    open_work_menu(page)
    everything = [
        "我的工作台",
        "我的关注",
        "匹配工作台",
        "我的对接",
        "仪器预约",
        "我的揭榜",
        "技术合同",
        "交易额看板",
        "管理后台",
    ]
    expect(page.locator(".dropdown-menu.show .dropdown-item")).to_have_text(everything)
    page.get_by_role("link", name="技术合同", exact=True).click()
    expect(page).to_have_url("/contracts/")
    expect(page.get_by_test_id("work-menu")).to_have_class("nav-link dropdown-toggle active")

    viewer = new_page()
    sign_in(viewer, make_user("viewer").email)
    open_work_page(viewer, "交易额看板")
    open_work_menu(viewer)
    viewers_pages = ["我的工作台", "我的关注", "技术合同", "交易额看板"]
    expect(viewer.locator(".dropdown-menu.show .dropdown-item")).to_have_text(viewers_pages)


def test_on_a_phone_the_bar_folds_into_a_menu_and_nothing_scrolls_sideways(new_page, sign_in, make_user):
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, make_user("admin").email)
    page.goto("/")
    bar = _bar(page)
    assert bar["height"] <= ONE_LINE_PX and not bar["scrolls"], bar
    page.get_by_role("button", name="菜单").click()
    expect(page.locator("#nav.collapse.show")).to_be_visible()  # unfolded, not still sliding open
    open_work_page(page, "管理后台")
    expect(page).to_have_url("/admin/")


def _sub_nav(page) -> dict:
    return page.get_by_test_id("admin-nav").evaluate(
        """nav => {
            const items = [...nav.querySelectorAll('.nav-item')];
            const rows = new Set(items.map(li => Math.round(li.getBoundingClientRect().top)));
            const active = nav.querySelector('.nav-link.active').getBoundingClientRect();
            const box = nav.getBoundingClientRect();
            return {
                rows: rows.size,
                height: box.height,
                scrolls_itself: nav.scrollWidth > nav.clientWidth,
                body_scrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
                active_in_sight: active.left >= box.left - 1 && active.right <= box.right + 1,
            };
        }"""
    )


def test_the_admin_sub_navigation_is_one_row_on_a_phone_and_wraps_on_a_desktop(new_page, sign_in, make_user):
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, make_user("admin").email)
    for path in ("/admin/", "/admin/mail"):  # the first tab and the last one
        page.goto(path)
        nav = _sub_nav(page)
        assert nav["rows"] == 1 and nav["height"] <= 56, (path, nav)  # it stood in 4 rows, 160 px
        assert nav["scrolls_itself"] and not nav["body_scrolls"], (path, nav)
        assert nav["active_in_sight"], (path, nav)
    # The rest of the row is reached by scrolling it sideways.
    page.get_by_test_id("admin-nav").get_by_role("link", name="概览").scroll_into_view_if_needed()
    page.get_by_test_id("admin-nav").get_by_role("link", name="概览").click()
    expect(page).to_have_url("/admin/")

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/admin/")
    nav = _sub_nav(page)
    assert not nav["scrolls_itself"] and not nav["body_scrolls"], nav  # every tab shows, as before
