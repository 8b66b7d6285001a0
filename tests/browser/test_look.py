"""The pages look right: local Bootstrap is applied, nothing comes from a CDN, and screenshots for a human to
check."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads


def test_home_and_achievement_form_render_with_local_bootstrap(
    new_page, sign_in, make_user, make_listing, tmp_path_factory
):
    owner = make_user("university")
    make_listing("achievement", owner)
    make_listing("demand", make_user("enterprise"))
    shots = tmp_path_factory.mktemp("screenshots")

    page = new_page()
    page.goto("/")
    expect(page).to_have_title("秦创原科技大市场")
    expect(page.get_by_role("heading", name="秦创原科技大市场")).to_be_visible()
    expect(page.get_by_test_id("count-achievement")).to_have_text("1")
    stylesheets = page.eval_on_selector_all(
        "link[rel=stylesheet]", "links => links.map(l => l.getAttribute('href'))"
    )
    assert any(href.startswith("/bootstrap/static/") for href in stylesheets), stylesheets
    assert all(href.startswith("/") and not href.startswith("//") for href in stylesheets), stylesheets
    # Bootstrap's .bg-primary really applies: the stylesheet loaded and parsed.
    expect(page.locator("nav.navbar")).to_have_css("background-color", "rgb(13, 110, 253)")
    page.screenshot(path=str(shots / "home.png"), full_page=True)

    sign_in(page, owner.email)
    page.goto("/my/achievements/new")
    expect(page.get_by_role("heading", name="发布科技成果")).to_be_visible()
    expect(page.get_by_label("技术领域")).to_have_class("form-select")
    page.screenshot(path=str(shots / "achievement_form.png"), full_page=True)
    print(f"screenshots: {shots}")
