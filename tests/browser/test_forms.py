"""Forms people do not fight, in a real browser (issue 18, part 6): the contract form's buyer and related
result are picked by typing part of their names, and its amount is typed in 万元 with a 元/万元 switch that
previews it in 元."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads


def test_a_member_picks_the_buyer_and_the_result_by_typing_and_types_the_amount_in_wan_yuan(
    new_page, sign_in, make_user, make_org, make_listing
):
    author = make_user("university")
    result = make_listing("achievement", author, title="高镍正极材料包覆技术")
    make_listing("achievement", author, title="钙钛矿太阳能电池")
    buyer = make_org(kind="enterprise", name="陕西秦川精密机床有限公司", region="空港")
    make_org(kind="enterprise", name="秦川物流有限公司")
    make_org(kind="enterprise", name="秦川精密待认证公司", verification_state="pending")

    page = new_page()
    sign_in(page, author.email)
    page.goto("/contracts/new")
    page.get_by_label("合同编号").fill("HT-2026-088")
    page.get_by_label("合同名称").fill("高镍正极材料包覆技术转让合同")
    page.get_by_label("合同类型").select_option(label="技术转让")
    page.get_by_label("转让/许可标的").select_option(index=1)

    # The buyer: part of its name typed, the verified organisation that has it offered with kind and region.
    buyer_box = page.get_by_label("买方（技术需求方）")
    expect(buyer_box).to_have_attribute("role", "combobox")
    buyer_box.fill("秦川精密")
    offered = page.locator("#buyer_org_id-options").get_by_role("option")
    expect(offered).to_have_count(1)
    expect(offered.first).to_contain_text("陕西秦川精密机床有限公司")
    expect(offered.first).to_contain_text("企业 · 空港")
    offered.first.click()
    expect(buyer_box).to_have_value("陕西秦川精密机床有限公司（企业）")
    expect(page.locator('input[name="buyer_org_id"]')).to_have_value(str(buyer.id))

    # The related result: typed by name, offered, chosen; the form carries its number.
    picker = page.get_by_label("关联科技成果")
    expect(picker).to_have_attribute("role", "combobox")
    picker.fill("正极")
    options = page.locator("#achievement_id-options").get_by_role("option")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("高镍正极材料包覆技术")
    expect(options.first).to_contain_text(author.organisation.name)
    options.first.click()
    expect(picker).to_have_value(f"高镍正极材料包覆技术（{author.organisation.name}）")
    expect(page.locator('input[name="achievement_id"]')).to_have_value(str(result.id))

    # The amount: 万元 by default, previewed in 元; the switch changes how it reads.
    amount = page.get_by_label("合同金额", exact=True)
    unit = page.get_by_label("合同金额的单位")
    expect(unit).to_have_value("万元")
    amount.fill("12.5")
    preview = page.locator("#amount-preview")
    expect(preview).to_have_text("即 125,000.00 元")
    unit.select_option("元")
    expect(preview).to_have_text("即 12.50 元")
    unit.select_option("万元")
    expect(preview).to_have_text("即 125,000.00 元")

    page.get_by_label("支付方式").select_option(index=1)
    page.get_by_label("签订日期").fill("2026-03-15")
    page.get_by_label("技术领域").select_option("新材料")
    page.get_by_role("button", name="保存草稿").click()

    expect(page.get_by_role("alert").filter(has_text="草稿已保存")).to_be_visible()
    expect(page.get_by_test_id("amount")).to_contain_text("12.5万元")
    expect(page.get_by_test_id("amount")).to_contain_text("125,000.00 元")
    expect(page.get_by_role("link", name="高镍正极材料包覆技术")).to_be_visible()
    expect(page.get_by_role("link", name="陕西秦川精密机床有限公司")).to_be_visible()

    # Editing shows the picked result by name and the amount in 万元.
    page.get_by_test_id("contract-actions").get_by_role("link", name="编辑").click()
    expect(page.get_by_label("关联科技成果")).to_have_value(re.compile("^高镍正极材料包覆技术（"))
    expect(page.get_by_label("买方（技术需求方）")).to_have_value("陕西秦川精密机床有限公司（企业）")
    expect(page.locator('input[name="buyer_org_id"]')).to_have_value(str(buyer.id))
    expect(page.get_by_label("合同金额", exact=True)).to_have_value("12.5")
