"""The deal pipeline end to end in a real browser (issue 6): an enterprise asks about a result, a broker
claims the deal, both write in its thread, the broker carries it to 签约, the contract draft is completed and
registered, and the admin's dashboard total grows by the recognised amount. Runs on both database backends."""

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from market.clock import today_in_beijing
from market.extensions import db
from market.models import BrokerProfile
from market.money import format_fen
from tests.browser.support import open_work_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads

UNITS = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}


def flash(page, text):
    return page.get_by_role("alert").filter(has_text=text)


def click_and_answer(page, button, accept: bool) -> str:
    """Click a button that asks first; accept or dismiss the confirm() and return its message."""
    page.once("dialog", lambda dialog: dialog.accept() if accept else dialog.dismiss())
    with page.expect_event("dialog") as asked:
        button.click()
    return asked.value.message


def shown_fen(text: str) -> int:
    """An amount as the |yuan filter shows it (0元, 75万元, 1.2亿元) in fen."""
    match = re.fullmatch(r"\s*([\d,.]+)(元|万元|亿元)\s*", text)
    assert match, f"不是金额：{text!r}"
    return int(Decimal(match.group(1).replace(",", "")) * UNITS[match.group(2)] * 100)


def reload_until(page, url: str, done, seconds: float = 10.0) -> None:
    """Open url again until done() (what the worker does after a commit takes a moment, as for a user)."""
    deadline = time.monotonic() + seconds
    page.goto(url)
    while not done() and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        page.goto(url)


def current_stage(page):
    return page.get_by_role("list", name="对接阶段").locator("[aria-current=step]")


def test_enterprise_asks_broker_claims_signs_and_the_registered_contract_counts(
    new_page, sign_in, make_user, make_listing
):
    university = make_user("university")
    achievement = make_listing("achievement", university)
    enterprise_user = make_user("enterprise")
    broker_user = make_user("broker")
    db.session.add(BrokerProfile(user_id=broker_user.id, specialties=[achievement.field]))
    db.session.commit()
    admin_user = make_user("admin")
    seller_name, buyer_name = university.organisation.name, enterprise_user.organisation.name
    deal_title = f"对接：{achievement.title}"
    year = today_in_beijing().year
    amount_fen, recognised_fen = 800_000 * 100, 750_000 * 100

    # 1. the admin notes this year's totals on the dashboard
    admin = new_page()
    sign_in(admin, admin_user.email)
    open_work_page(admin, "交易额看板")
    expect(admin.get_by_test_id("period-label")).to_have_text(f"{year}年")
    before_amount = shown_fen(admin.get_by_test_id("total-amount").inner_text())
    before_recognised = shown_fen(admin.get_by_test_id("total-recognised").inner_text())
    before_count = int(admin.get_by_test_id("total-count").inner_text())

    # 2. the enterprise asks about the result: 我要对接
    enterprise = new_page()
    sign_in(enterprise, enterprise_user.email)
    enterprise.goto(f"/achievements/{achievement.id}")
    expect(enterprise.get_by_role("heading", level=1)).to_have_text(achievement.title)
    entry = enterprise.get_by_test_id("deal-entry")
    entry.get_by_label("留言（可不填）").fill("我公司有意许可使用该包覆技术，希望了解中试数据。")
    entry.get_by_role("button", name="我要对接").click()
    expect(flash(enterprise, "已发起对接")).to_be_visible()
    expect(enterprise.get_by_role("heading", level=1)).to_have_text(deal_title)
    expect(current_stage(enterprise)).to_have_text("意向")
    expect(enterprise.get_by_test_id("deal-broker")).to_contain_text("待认领")
    expect(enterprise.get_by_test_id("message").filter(has_text="希望了解中试数据")).to_be_visible()
    deal_url = enterprise.url

    # 3. the broker claims it from 待认领 and writes in the thread; the enterprise sees the message
    broker = new_page()
    sign_in(broker, broker_user.email)
    open_work_page(broker, "我的对接")
    broker.get_by_role("link", name="待认领").click()
    claimable = broker.get_by_test_id("claimable-deal").filter(has_text=deal_title)
    expect(claimable).to_contain_text(f"{seller_name}（技术方） ↔ {buyer_name}（需求方）")
    expect(claimable).to_contain_text(achievement.field.name)
    claimable.get_by_role("button", name="认领").click()
    expect(flash(broker, "已认领该对接")).to_be_visible()
    expect(broker.get_by_role("heading", level=1)).to_have_text(deal_title)
    expect(broker.get_by_test_id("deal-broker")).to_have_text(broker_user.display_name)
    expect(broker.get_by_test_id("message").filter(has_text="希望了解中试数据")).to_be_visible()
    broker_says = "您好，我是本对接的技术经纪人，已约成果方下周二提供中试数据。"
    broker.get_by_label("留言", exact=True).fill(broker_says)
    broker.get_by_role("button", name="发送", exact=True).click()
    expect(flash(broker, "留言已发送")).to_be_visible()

    enterprise.reload()
    said = enterprise.get_by_test_id("message").filter(has_text=broker_says)
    expect(said).to_contain_text(broker_user.display_name)
    expect(said).to_contain_text("技术经纪人")
    expect(enterprise.get_by_test_id("deal-broker")).to_have_text(broker_user.display_name)

    # 4. the broker moves the deal 意向 → 对接洽谈 → 签约; 签约 asks first and links to the contract draft
    broker.get_by_role("button", name="推进到下一阶段：对接洽谈").click()
    expect(flash(broker, "对接已进入“对接洽谈”阶段")).to_be_visible()
    expect(current_stage(broker)).to_have_text("对接洽谈")
    to_signing = broker.get_by_role("button", name="推进到下一阶段：签约")
    asked = "进入签约阶段将在合同登记中生成合同草稿，确定推进吗？"
    assert click_and_answer(broker, to_signing, accept=False) == asked
    expect(current_stage(broker)).to_have_text("对接洽谈")
    assert click_and_answer(broker, to_signing, accept=True) == asked
    expect(flash(broker, "对接已进入“签约”阶段，已生成合同草稿")).to_be_visible()
    expect(current_stage(broker)).to_have_text("签约")
    expect(broker.get_by_role("button", name=re.compile("推进到下一阶段"))).to_have_count(0)
    contract_link = broker.get_by_role("link", name="查看技术合同（草稿）")
    expect(contract_link).to_be_visible()

    # 5. the broker completes the draft (amount 80万元) and submits it for registration
    contract_link.click()
    expect(broker.get_by_role("heading", level=1)).to_have_text(deal_title)
    expect(broker.get_by_test_id("contract-status")).to_have_text("草稿")
    expect(broker.locator("main")).to_contain_text(f"卖方{seller_name}")
    expect(broker.locator("main")).to_contain_text(f"买方{buyer_name}")
    broker.get_by_test_id("contract-actions").get_by_role("link", name="编辑").click()
    amount = broker.get_by_label("合同金额", exact=True)
    expect(amount).to_have_value("150")  # prefilled from the result's asking price, in 万元 as pages show it
    expect(broker.get_by_label("签订日期")).to_have_value(today_in_beijing().isoformat())
    amount.fill(str(amount_fen // 1_000_000))  # 80 (万元: fen / 100 / 10000)
    broker.get_by_role("button", name="保存", exact=True).click()
    expect(flash(broker, "合同已保存")).to_be_visible()
    expect(broker.get_by_test_id("amount")).to_contain_text("80万元")
    expect(broker.get_by_test_id("amount")).to_contain_text("800,000.00 元")
    submit = broker.get_by_role("button", name="提交登记")
    assert click_and_answer(broker, submit, accept=True) == "提交后在管理员审核期间不能修改，确定提交登记吗？"
    expect(flash(broker, "已提交登记，等待管理员审核")).to_be_visible()
    expect(broker.get_by_test_id("contract-status")).to_have_text("待登记")
    expect(broker.get_by_test_id("contract-actions")).to_have_count(0)

    # 6. the admin registers it with a recognised amount of 75万元; the deal reaches 登记
    open_work_page(admin, "技术合同")
    listed = admin.get_by_role("row").filter(has_text=deal_title)
    expect(listed).to_contain_text("待登记")
    expect(listed).to_contain_text("80万元")
    listed.get_by_role("link", name=deal_title).click()
    expect(admin.get_by_test_id("contract-status")).to_have_text("待登记")
    recognised = admin.get_by_label("核定技术交易额", exact=True)
    expect(recognised).to_have_value("80")
    admin.get_by_label("核定技术交易额的单位").select_option("元")
    recognised.fill(str(recognised_fen // 100))  # 750000, typed in 元 after switching
    admin.get_by_role("button", name="登记", exact=True).click()
    expect(flash(admin, "合同已登记，登记编号")).to_be_visible()
    expect(admin.get_by_test_id("contract-status")).to_have_text("已登记")
    expect(admin.get_by_test_id("recognised")).to_contain_text("75万元")
    expect(admin.get_by_test_id("registration-number")).to_have_text(re.compile(rf"^{year}611100\d{{8}}$"))

    for page in (broker, enterprise):
        reload_until(
            page, deal_url, lambda: current_stage(page).inner_text().strip() == "登记"
        )  # the worker's step
        expect(current_stage(page)).to_have_text("登记")
        expect(page.get_by_text("合同已登记，对接完成。")).to_be_visible()
        expect(page.get_by_role("link", name="查看技术合同（已登记）")).to_be_visible()
        expect(page.get_by_role("button", name="终止对接")).to_have_count(0)

    # 7. this year's dashboard totals grew by the contract: 成交额 by 80万元, 核定技术交易额 by 75万元
    open_work_page(admin, "交易额看板")
    admin.get_by_role("link", name=f"{year}年", exact=True).click()
    expect(admin.get_by_test_id("period-label")).to_have_text(f"{year}年")
    expect(admin.get_by_test_id("total-recognised")).to_have_text(
        format_fen(before_recognised + recognised_fen)
    )
    expect(admin.get_by_test_id("total-amount")).to_have_text(format_fen(before_amount + amount_fen))
    expect(admin.get_by_test_id("total-count")).to_have_text(str(before_count + 1))
    assert (
        shown_fen(admin.get_by_test_id("total-recognised").inner_text()) - before_recognised == recognised_fen
    )
    by_broker = (
        admin.get_by_test_id("breakdown-broker").get_by_role("row").filter(has_text=broker_user.display_name)
    )
    expect(by_broker).to_contain_text("80万元")
    expect(by_broker).to_contain_text("75万元")
