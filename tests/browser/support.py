"""What the browser tests do the way a person does it."""

from playwright.sync_api import expect


def open_work_menu(page) -> None:
    """Unfold the top bar's 工作台 menu once the page's scripts have run (a click before Bootstrap is loaded
    does nothing: a busy machine showed it)."""
    page.wait_for_load_state("load")
    page.get_by_test_id("work-menu").click()
    expect(page.locator(".dropdown-menu.show")).to_be_visible()


def open_work_page(page, label: str) -> None:
    """Open one of the signed-in user's work pages from the top bar's 工作台 menu."""
    open_work_menu(page)
    link = page.locator(".dropdown-menu.show").get_by_role("link", name=label, exact=True)
    expect(link).to_be_visible()
    link.click()
