"""On a phone (390 px), every page each demo role can open fits the screen: nothing scrolls sideways and no
text stands one character per line (a contract table printed seller names that way, 8,677 px tall).

The pages are those of tests/browser/pages.py (the app's URL map, plus one page per kind of object), on the
demo data, each role signed in once in a page of its own.
"""

from urllib.parse import urlsplit

import pytest
from werkzeug.security import generate_password_hash

from market.services import accounts
from seed import load_demo_data
from tests.browser.conftest import serve
from tests.browser.pages import ACCOUNTS, PASSWORD, ROLES, pages_for
from tests.conftest import BACKENDS

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads

PHONE = {"width": 390, "height": 844}

# What a person would see as broken: the page wider than the screen; any run of text (a table cell, a label, a
# name, a button) laid out one or two characters per line: more than 4 lines in a box under 3 em wide, or one
# character per line at all (a button reading 保 / 存); a list table shown as cards that still needs sideways
# scrolling inside its box.
LAYOUT = """() => {
    const vertical = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent.trim();
        if (text.length < 2 || !node.parentElement || !node.parentElement.checkVisibility()) continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        const box = range.getBoundingClientRect();
        const em = parseFloat(getComputedStyle(node.parentElement).fontSize);
        if ((lines.size > 4 && box.width < 3 * em) || (lines.size > 1 && box.width < 1.6 * em)) {
            const cell = node.parentElement.closest('td, th, button, a');
            const where = cell ? cell.tagName.toLowerCase() + ' ' : '';
            vertical.push(`${where}“${text.slice(0, 30)}” ${lines.size} 行 × ${Math.round(box.width)} px`);
        }
    }
    const cards = [...document.querySelectorAll('.table-responsive')].filter(
        box => box.querySelector('.table-stack') && box.scrollWidth > box.clientWidth + 1
    ).map(box => `${box.scrollWidth} px > ${box.clientWidth} px`);
    return {width: document.scrollingElement.scrollWidth, vertical: vertical.slice(0, 5), cards};
}"""


@pytest.fixture
def demo_data(app, monkeypatch):
    """The demo data of `flask --app wsgi market seed` (cheap password hashes: the demo password still
    works)."""
    monkeypatch.setattr(
        accounts,
        "generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )
    app.config["INLINE_WORKER"] = False  # the live server's worker indexes and notifies, as beside `make run`
    assert load_demo_data(progress=lambda text: None) > 100


@pytest.fixture
def live_server(app, demo_data):
    """The app on the demo data; its worker leaves the matching vectors out (a minute of CPU, and no page
    needs them to be laid out)."""
    with serve(app, embeds=False) as url:
        yield url


# Layout does not depend on the database (the pages' data is checked on both by the view tests): one backend
# keeps ~190 page visits to two minutes of the suite.
@pytest.mark.parametrize("backend", ["sqlite" if "sqlite" in BACKENDS else BACKENDS[0]])
def test_every_page_of_every_role_fits_a_phone_screen(app, new_page, sign_in):
    problems, visited = [], {}
    for role in ROLES:
        pages = pages_for(app, role)
        page = new_page()
        page.set_viewport_size(PHONE)
        if ACCOUNTS[role]:
            sign_in(page, ACCOUNTS[role], PASSWORD)
        for target in pages:
            response = page.goto(target.path)
            if response.status != 200 or urlsplit(page.url).path != target.path:
                problems.append(f"{role} {target.path}: HTTP {response.status}，到了 {page.url}")
                continue
            layout = page.evaluate(LAYOUT)
            if layout["width"] > PHONE["width"]:
                problems.append(f"{role} {target.path}: 页面宽 {layout['width']} px，横向滚动")
            for text in layout["vertical"]:
                problems.append(f"{role} {target.path}: 文字一字一行 {text}")
            for overflow in layout["cards"]:
                problems.append(f"{role} {target.path}: 卡片式表格仍需横向滚动（{overflow}）")
        visited[role] = len(pages)
    assert not problems, "手机宽度（390 px）下：\n" + "\n".join(problems)
    # Every role saw its share of the site: the lists and the pages of its own objects.
    assert visited["visitor"] >= 15 and visited["admin"] >= 45, visited
    assert all(visited[role] >= 25 for role in ROLES if role != "visitor"), visited
