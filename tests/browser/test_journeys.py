"""What people do on the site, end to end in a real browser, on both database backends."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from market.clock import today_in_beijing
from market.services.codes import credit_code_with_check
from tests.browser.support import open_work_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads


def flash(page, text):
    return page.get_by_role("alert").filter(has_text=text)


def row(page, title):
    return page.get_by_role("row").filter(has_text=title)


def click_and_answer(page, button, accept: bool) -> str:
    """Click a button that asks first; accept or dismiss the confirm() and return its message."""
    page.once("dialog", lambda dialog: dialog.accept() if accept else dialog.dismiss())
    with page.expect_event("dialog") as asked:
        button.click()
    return asked.value.message


def test_university_registers_is_verified_publishes_and_visitor_finds_it(
    new_page, sign_in, make_user, make_listing
):
    make_listing("achievement", make_user("university"), title="另一项无关的科技成果")
    admin_email = make_user("admin").email
    org_name = "西北示范大学"
    title = "一种低成本固态电解质薄膜制备方法"

    uni = new_page()
    uni.goto("/register")
    uni.get_by_label("邮箱").fill("tto@nwu.example.cn")
    uni.get_by_label("姓名").fill("赵老师")
    uni.get_by_label("密码", exact=True).fill("abc12345xyz")
    uni.get_by_label("确认密码").fill("abc12345xyz")
    uni.get_by_label("注册身份").select_option(label="高校（发布科技成果、共享仪器）")
    uni.get_by_label("单位名称").fill(org_name)
    uni.get_by_label("统一社会信用代码").fill(credit_code_with_check("91610000MA7000001"))
    uni.get_by_label("所在区域").select_option("沣东")
    uni.get_by_role("button", name="注册", exact=True).click()
    expect(flash(uni, "注册成功")).to_contain_text("单位认证通过前")
    expect(uni.get_by_text("认证状态：待认证")).to_be_visible()

    admin = new_page()
    sign_in(admin, admin_email)
    open_work_page(admin, "管理后台")
    admin.get_by_role("link", name="单位认证").click()
    admin_row = row(admin, org_name)
    expect(admin_row).to_contain_text("高校")
    admin_row.get_by_role("button", name="通过认证").click()
    expect(flash(admin, f"{org_name}：已认证")).to_be_visible()
    expect(row(admin, org_name)).to_have_count(0)

    uni.reload()
    expect(uni.get_by_text("认证状态：已认证")).to_be_visible()
    uni.get_by_role("link", name="发布科技成果").click()
    expect(uni.get_by_role("heading", name="发布科技成果")).to_be_visible()
    uni.get_by_label("成果名称").fill(title)
    uni.get_by_label("成果简介").fill("采用溶液流延法制备硫化物固态电解质薄膜，厚度低于30微米。")
    uni.get_by_label("技术领域").select_option("新材料")
    uni.get_by_label("关键词").fill("固态电池、电解质")
    uni.get_by_label("成熟度", exact=True).select_option("中试")
    uni.get_by_label("成果形式").select_option("新工艺")
    uni.get_by_label("许可", exact=True).check()
    uni.get_by_label("意向价格", exact=True).fill("80")  # 万元, the switch's default
    uni.get_by_label("联系人").fill("赵老师")
    uni.get_by_label("联系电话").fill("029-87654321")
    uni.get_by_role("button", name="提交发布").click()
    expect(flash(uni, "已发布")).to_be_visible()
    expect(uni.get_by_role("heading", name="我的科技成果")).to_be_visible()
    expect(row(uni, title)).to_contain_text("已发布")

    visitor = new_page()
    visitor.goto("/achievements")
    expect(visitor.get_by_role("link", name="另一项无关的科技成果")).to_be_visible()
    visitor.get_by_label("关键词").fill("固态电解质")
    visitor.get_by_role("button", name="筛选").click()
    expect(visitor.get_by_text("共 1 条")).to_be_visible()
    expect(visitor.get_by_role("link", name="另一项无关的科技成果")).to_have_count(0)
    card = visitor.locator(".listing-card").filter(has_text=title)
    expect(card).to_contain_text(org_name)
    expect(card).to_contain_text("80万元")
    card.get_by_role("link", name=title).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(title)
    expect(visitor.get_by_text("中试")).to_be_visible()
    expect(visitor.get_by_test_id("contact-hidden")).to_be_visible()
    expect(visitor.locator("body")).not_to_contain_text("029-87654321")


def test_enterprise_fixes_a_bad_budget_and_publishes_a_demand(new_page, sign_in, make_user):
    user = make_user("enterprise")
    title = "寻求注塑件表面缺陷视觉检测方案"
    deadline = (today_in_beijing() + timedelta(days=400)).isoformat()  # within the 3 years a deadline may be
    description = "产线需要在线检测注塑件划痕、缩痕，节拍2秒以内。"

    page = new_page()
    sign_in(page, user.email)
    open_work_page(page, "我的工作台")
    page.get_by_role("link", name="发布技术需求").click()
    typed = {
        "需求名称": title,
        "需求描述": description,
        "预算下限": "五十万",
        "预算上限": "200",
        "截止日期": deadline,
        "联系人": "李经理",
        "联系电话": "13800000000",
    }
    for label, value in typed.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label("技术领域").select_option("人工智能")
    page.get_by_label("合作方式").select_option("委托开发")
    page.get_by_label("揭榜挂帅", exact=True).check()
    page.get_by_role("button", name="提交发布").click()

    expect(flash(page, "提交的内容有误")).to_be_visible()
    budget = page.get_by_label("预算下限", exact=True)
    expect(budget).to_have_class(re.compile(r"\bis-invalid\b"))
    error = page.locator(".mb-3").filter(has=budget).locator(".invalid-feedback")
    expect(error).to_be_visible()
    expect(error).to_have_text(re.compile(r"^预算下限：.+"))
    expect(page.locator(".invalid-feedback:visible")).to_have_count(1)
    for label, value in typed.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    expect(page.get_by_label("技术领域")).to_have_value("人工智能")
    expect(page.get_by_label("合作方式")).to_have_value("委托开发")
    expect(page.get_by_label("揭榜挂帅", exact=True)).to_be_checked()

    budget.fill("50")
    page.get_by_role("button", name="提交发布").click()
    expect(flash(page, "已发布")).to_be_visible()
    expect(page.get_by_role("heading", name="我的技术需求")).to_be_visible()
    expect(row(page, title)).to_contain_text("已发布")

    page.goto("/demands")
    card = page.locator(".listing-card").filter(has_text=title)
    expect(card).to_contain_text("揭榜挂帅")
    expect(card).to_contain_text("预算：50万元 – 200万元")
    expect(card).to_contain_text(f"截止 {deadline}")


def test_withdraw_and_delete_ask_first(new_page, sign_in, make_user, make_listing):
    user = make_user("university")
    title = make_listing("achievement", user, title="基于深度学习的轴承故障诊断系统").title
    page = new_page()
    sign_in(page, user.email)
    page.goto("/my/achievements")
    listing = row(page, title)
    expect(listing).to_contain_text("已发布")

    withdraw = "撤回后将不再公开显示，确定撤回吗？"
    assert click_and_answer(page, listing.get_by_role("button", name="撤回"), accept=False) == withdraw
    page.reload()
    expect(listing).to_contain_text("已发布")
    expect(flash(page, "已撤回")).to_have_count(0)

    assert click_and_answer(page, listing.get_by_role("button", name="撤回"), accept=True) == withdraw
    expect(flash(page, "已撤回")).to_be_visible()
    expect(listing).to_contain_text("已撤回")

    delete = f"删除后无法恢复，确定删除“{title}”吗？"
    assert click_and_answer(page, listing.get_by_role("button", name="删除"), accept=False) == delete
    page.reload()
    expect(listing).to_contain_text("已撤回")

    assert click_and_answer(page, listing.get_by_role("button", name="删除"), accept=True) == delete
    expect(flash(page, "已删除")).to_be_visible()
    expect(listing).to_have_count(0)
    expect(page.get_by_text("还没有科技成果")).to_be_visible()


def test_a_form_without_its_csrf_token_is_refused(new_page, sign_in, make_user):
    user = make_user("university")
    page = new_page()
    sign_in(page, user.email)
    page.goto("/my/achievements/new")
    page.get_by_label("成果名称").fill("没有令牌的提交")
    page.locator("main form input[name=csrf_token]").evaluate("input => input.remove()")
    page.get_by_role("button", name="提交发布").click()
    expect(flash(page, "页面已过期")).to_be_visible()
    page.goto("/my/achievements")
    expect(page.get_by_text("还没有科技成果")).to_be_visible()
