"""Following an organisation in a real browser: the button, /my/following, and the notification the worker
sends when the organisation publishes."""

import time

import pytest
from playwright.sync_api import expect

from tests.browser.support import open_work_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads


def wait_for_badge(page, text: str, seconds: float = 20) -> None:
    """Reload until the header's unread badge says `text`: the worker beside the server sends them."""
    deadline = time.monotonic() + seconds
    badge = page.get_by_test_id("unread-badge")
    while time.monotonic() < deadline:
        page.reload()
        if badge.count() and badge.inner_text().startswith(text):
            return
        time.sleep(0.3)
    expect(badge).to_contain_text(text)


def test_an_enterprise_follows_a_university_and_hears_of_its_new_result(
    new_page, sign_in, make_user, make_listing, tmp_path
):
    university = make_user("university")
    org = university.organisation
    make_listing("achievement", university, title="已有的一项科技成果")
    enterprise = make_user("enterprise")

    follower = sign_in(new_page(), enterprise.email)
    follower.goto(f"/orgs/{org.id}")
    button = follower.get_by_test_id("follow-button")
    expect(button).to_contain_text("关注")
    expect(follower.get_by_test_id("follower-count")).to_have_text("0")
    button.click()
    expect(follower.get_by_role("alert").filter(has_text="已关注")).to_be_visible()
    expect(follower.get_by_test_id("follow-button")).to_contain_text("已关注")
    expect(follower.get_by_test_id("follower-count")).to_have_text("1")

    open_work_page(follower, "我的关注")
    expect(follower.get_by_role("heading", name="我的关注")).to_be_visible()
    expect(follower.get_by_test_id("tab-organisation")).to_have_attribute("aria-current", "page")
    expect(follower.get_by_test_id("following-list")).to_contain_text(org.name)
    follower.get_by_test_id("tab-achievement").click()
    expect(follower.get_by_text("还没有收藏的科技成果")).to_be_visible()

    title = "钠离子电池硬碳负极低成本制备技术"
    publisher = sign_in(new_page(), university.email)
    publisher.goto("/my/achievements/new")
    publisher.get_by_label("成果名称").fill(title)
    publisher.get_by_label("成果简介").fill("以生物质为原料制备硬碳负极，首次库伦效率达到90%以上。")
    publisher.get_by_label("技术领域").select_option("新材料")
    publisher.get_by_label("成熟度", exact=True).select_option("中试")
    publisher.get_by_label("联系人").fill("赵老师")
    publisher.get_by_label("联系电话").fill("029-87654321")
    publisher.get_by_role("button", name="提交发布").click()
    expect(publisher.get_by_role("alert").filter(has_text="已发布")).to_be_visible()

    wait_for_badge(follower, "1")
    follower.get_by_test_id("notifications-link").click()
    notice = follower.get_by_test_id("notification").filter(has_text=title)
    expect(notice).to_contain_text("关注动态")
    expect(notice).to_contain_text(org.name)
    notice.get_by_role("button", name=f"{org.name}发布了新科技成果：{title}").click()
    expect(follower.get_by_role("heading", level=1)).to_contain_text(title)
    expect(follower.get_by_test_id("follow-button")).to_contain_text("收藏")
    follower.get_by_test_id("follow-button").click()
    expect(follower.get_by_test_id("follow-button")).to_contain_text("已收藏")
    open_work_page(follower, "我的关注")
    follower.get_by_test_id("tab-achievement").click()
    expect(follower.get_by_test_id("following-list")).to_contain_text(title)
    for width in (1366, 390):  # the tabs and the buttons fit a phone without sideways scrolling
        follower.set_viewport_size({"width": width, "height": 900})
        for path in ("/my/following?tab=achievement", f"/orgs/{org.id}"):
            follower.goto(path)
            assert not follower.evaluate(
                "document.documentElement.scrollWidth > document.documentElement.clientWidth"
            ), f"{path} 在 {width} px 宽时出现横向滚动"
            follower.screenshot(
                path=str(tmp_path / f"{'following' if 'following' in path else 'organisation'}-{width}.png")
            )
    print(f"screenshots: {tmp_path}")
