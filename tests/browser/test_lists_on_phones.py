"""Lists on a phone: the search page shows the results first and the facets below them (beside them on a
laptop); a library (成果、需求、仪器) starts with its results, its conditions folded behind 更多条件."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serve

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads


@pytest.fixture
def live_server(app):
    """Search by words is enough here: the worker leaves the matching vectors out."""
    with serve(app, embeds=False) as url:
        yield url


def _boxes(page) -> dict:
    return page.evaluate(
        """() => {
            const box = el => el.getBoundingClientRect().toJSON();
            const hits = [...document.querySelectorAll('[data-testid=hit]')].map(box);
            return {facets: box(document.querySelector('[data-testid=facets]')), first: hits[0],
                    last: hits[hits.length - 1], width: document.scrollingElement.scrollWidth};
        }"""
    )


def _search_until_found(page, path: str, count: int) -> None:
    """The worker indexes a new listing within a second or so: search again until it did."""
    deadline = time.monotonic() + 20
    while True:
        page.goto(path)
        if page.get_by_test_id("hit").count() >= count or time.monotonic() > deadline:
            break
        page.wait_for_timeout(300)
    expect(page.get_by_test_id("hit")).to_have_count(count)


def test_on_a_phone_the_facets_come_below_the_results_and_beside_them_on_a_laptop(
    new_page, make_user, make_listing
):
    owner = make_user("university")
    make_listing("achievement", owner, title="高镍正极材料表面包覆技术", field="新材料")
    make_listing("achievement", owner, title="废旧电池正极材料回收工艺", field="环境保护")
    page = new_page()

    page.set_viewport_size({"width": 390, "height": 844})
    _search_until_found(page, "/search?q=正极材料", 2)
    expect(page.get_by_test_id("facets")).to_contain_text("环境保护")
    phone = _boxes(page)
    assert phone["facets"]["top"] >= phone["last"]["bottom"], phone  # below the last result
    assert phone["width"] <= 390, phone
    page.get_by_test_id("to-facets").click()  # the link under the count jumps to them
    expect(page.get_by_test_id("facets")).to_be_in_viewport()

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/search?q=正极材料")
    expect(page.get_by_test_id("to-facets")).to_be_hidden()
    laptop = _boxes(page)
    assert laptop["facets"]["left"] >= laptop["first"]["right"], laptop  # to the right of the results
    assert laptop["facets"]["top"] < laptop["first"]["bottom"], laptop  # at the same height, not below


def test_on_a_phone_a_library_starts_with_its_results_and_folds_the_other_conditions(
    new_page, make_user, make_listing
):
    make_listing("demand", make_user("enterprise"))
    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/demands")
    first_card = page.locator(".listing-card").first.bounding_box()
    assert first_card["y"] < 844 / 2, first_card  # the first demand on the first screen, under the keyword
    region = page.get_by_label("区域")
    expect(region).to_be_hidden()
    page.get_by_test_id("more-filters").click()
    expect(region).to_be_visible()
    region.select_option("沣东")
    page.get_by_role("button", name="筛选", exact=True).click()
    expect(page).to_have_url(re.compile(r"/demands\?.*region=%E6%B2%A3%E4%B8%9C"))  # 沣东
    expect(page.get_by_test_id("more-filters")).to_have_text("更多条件（1）")
    expect(region).to_be_visible()  # a condition in force stays in sight

    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto("/demands")
    expect(page.get_by_test_id("more-filters")).to_be_hidden()
    expect(page.get_by_label("区域")).to_be_visible()  # every condition in one row on a laptop
