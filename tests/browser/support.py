"""What the browser tests do the way a person does it."""

from playwright.sync_api import expect


def open_work_page(page, label: str) -> None:
    """Open one of the signed-in user's work pages from the top bar's 工作台 menu."""
    page.get_by_test_id("work-menu").click()
    link = page.locator(".dropdown-menu.show").get_by_role("link", name=label, exact=True)
    expect(link).to_be_visible()
    link.click()
