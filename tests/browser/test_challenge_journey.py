"""揭榜挂帅 end to end in a real browser (issue 19), through the pages only: an enterprise publishes a
赛马制 call (weights that do not add up to 100 refused first), an admin approves it, three verified
universities apply with their plan PDFs, the window closes (a fourth application is refused), the owner seats
two brokers, both declare no conflict and score every application (one cannot see the other's scores before
submitting; a score outside the scale is refused), the ranking shows the exact totals, the owner races two
teams, eliminates one, the remaining team reports on its first milestone, the owner accepts it and records
the tranche, and the dashboard's 揭榜挂帅 section counts the call, the project and the money paid. Runs on
both database backends."""

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from market.clock import today_in_beijing
from market.extensions import db
from market.models import BrokerProfile
from market.models.challenge import Challenge
from market.models.challenge_application import ChallengeApplication
from tests.browser.support import open_work_page
from tests.file_samples import PDF

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads

TITLE = "揭榜挂帅：储能电站固态电解质赛马攻关"
CRITERIA = (("技术先进性", 40), ("实施方案可行性", 35), ("团队与前期基础", 25))
# Each reviewer's scores per team (in CRITERIA order); weighted = Σ weight × score / 100.
SCORES = {
    0: ((90, 80, 70), (80, 90, 60)),  # 81.5 and 78.5 → 80.00
    1: ((70, 70, 70), (85, 75, 65)),  # 70 and 76.5 → 73.25
    2: ((60, 50, 40), (50, 60, 70)),  # 51.5 and 58.5 → 55.00
}
TOTALS = ("80.00", "73.25", "55.00")


def flash(page, text):
    return page.get_by_role("alert").filter(has_text=text)


def answer_yes(page, button) -> None:
    """Click a button whose form asks first (data-confirm) and say yes."""
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()


def figure(page, testid: str) -> str:
    return page.get_by_test_id("challenge-figures").get_by_test_id(testid).inner_text().strip()


def wan(text: str) -> Decimal:
    """An amount as the dashboard writes it ("1,100.00万元") in 万元."""
    assert text.endswith("万元"), text
    return Decimal(text.removesuffix("万元").replace(",", ""))


def fill_call(page, weights, today) -> None:
    """The publish form as the enterprise fills it: a 赛马制 call of two teams, three criteria, two
    milestones."""
    page.get_by_label("榜单名称").fill(TITLE)
    page.get_by_label("需求描述（待解决的问题）").fill(
        "面向储能电站的固态电解质，室温离子电导率达到 1 mS/cm 以上。"
    )
    page.get_by_label("技术领域").select_option(label="新材料")
    page.get_by_label("榜额", exact=True).fill("300万")
    page.get_by_label("考核指标").fill("室温离子电导率 ≥ 1 mS/cm；循环 1000 次容量保持率 ≥ 90%")
    page.get_by_label("征集开始日期").fill(today.isoformat())
    page.get_by_label("征集截止日期").fill((today + timedelta(days=10)).isoformat())
    page.get_by_label("揭榜方式").select_option(label="赛马制")
    page.get_by_label("赛马团队数（2–10）").fill("2")
    for row, ((name, _), weight) in enumerate(zip(CRITERIA, weights, strict=True), start=1):
        page.get_by_label(f"评审标准（第{row}行）").fill(name)
        page.get_by_label(f"权重（第{row}行）").fill(str(weight))
    milestones = (("里程碑", "样机研制", 120, 40), ("验收", "项目验收", 360, 60))
    for row, (kind, title, days, percent) in enumerate(milestones, start=1):
        page.get_by_label(f"节点类型（第{row}行）").select_option(label=kind)
        page.get_by_label(f"节点名称（第{row}行）").fill(title)
        page.get_by_label(f"交付成果（第{row}行）").fill(f"{title}报告")
        page.get_by_label(f"完成日期（第{row}行）").fill((today + timedelta(days=days)).isoformat())
        page.get_by_label(f"拨付比例（第{row}行）").fill(str(percent))
    page.get_by_label("联系人").fill("李经理")
    page.get_by_label("联系电话").fill("13800000000")


def fill_application(page, team: str, budget: str, today) -> None:
    page.get_by_label("揭榜方案", exact=True).fill(
        f"{team}：采用硫化物固态电解质路线，分两阶段完成样机与验收。"
    )
    page.get_by_label("揭榜方案 PDF").set_input_files(
        {"name": "揭榜方案.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_label("项目预算", exact=True).fill(budget)
    page.get_by_label("姓名（第1行）").fill("张教授")
    page.get_by_label("职称（第1行）").fill("教授")
    page.get_by_label("分工（第1行）").fill("项目负责人")
    page.get_by_label("计划完成日期：样机研制").fill((today + timedelta(days=110)).isoformat())
    page.get_by_label("计划完成日期：项目验收").fill((today + timedelta(days=350)).isoformat())


def score(page, org_name: str, values, comment: str) -> None:
    """A reviewer scores one application from the queue, sees the summary and confirms."""
    page.get_by_test_id("queue-item").filter(has_text=org_name).get_by_role("link", name="评分").click()
    for (name, _), value in zip(CRITERIA, values, strict=True):
        page.locator("fieldset").filter(has_text=name).get_by_label("评分（0–100）").fill(str(value))
    page.get_by_label("总体评语（选填）").fill(comment)
    page.get_by_role("button", name="提交评分…").click()
    expect(page.get_by_role("heading", name="请确认提交评分")).to_be_visible()
    answer_yes(page, page.get_by_test_id("confirm-submit"))
    expect(flash(page, "评分已提交，不能再修改")).to_be_visible()
    expect(page.get_by_test_id("review-state")).to_have_text("已提交")


def test_a_race_call_is_published_applied_for_reviewed_raced_delivered_paid_and_counted(
    new_page, sign_in, make_user
):
    today = today_in_beijing()
    owner_user, admin_user = make_user("enterprise"), make_user("admin")
    teams = [make_user("university") for _ in range(3)]
    names = [team.organisation.name for team in teams]
    late = make_user("university")
    reviewers = [make_user("broker"), make_user("broker")]
    db.session.add_all(BrokerProfile(user_id=r.id, specialties=[]) for r in reviewers)
    db.session.commit()

    # 0. the admin notes this year's 揭榜挂帅 figures
    admin = new_page()
    sign_in(admin, admin_user.email)
    open_work_page(admin, "交易额看板")
    before = {key: int(figure(admin, key).split()[0]) for key in ("calls-published", "projects")}
    paid_before = wan(figure(admin, "paid"))

    # 1. the enterprise publishes a 赛马制 call; weights adding up to 95 are refused, in Chinese
    owner = new_page()
    sign_in(owner, owner_user.email)
    owner.goto("/challenges")
    owner.get_by_role("link", name="发布榜单").click()
    fill_call(owner, (40, 35, 20), today)
    owner.get_by_role("button", name="提交审核").click()
    expect(owner.get_by_role("alert").filter(has_text="评审标准的权重合计应为100（现为95）")).to_be_visible()
    owner.get_by_label("权重（第3行）").fill("25")
    owner.get_by_role("button", name="提交审核").click()
    expect(flash(owner, "榜单已提交平台审核")).to_be_visible()
    expect(owner.get_by_test_id("review-pending")).to_be_visible()
    call_url = owner.url
    challenge_id = int(call_url.rstrip("/").rsplit("/", 1)[1])

    # 2. the admin approves it from the review queue
    admin.goto("/admin/review/demands")
    card = admin.locator(".card").filter(has_text=TITLE)
    expect(card.get_by_test_id("call-label")).to_be_visible()
    card.get_by_role("button", name="审核通过").click()
    expect(flash(admin, f"《{TITLE}》已发布")).to_be_visible()

    # 3. three verified universities apply with their plan PDF; a fourth opens the form and waits
    budgets = ("250万", "200万", "180万")
    team_pages = []
    for team, budget in zip(teams, budgets, strict=True):
        page = new_page()
        sign_in(page, team.email)
        page.goto(call_url)
        expect(page.get_by_test_id("call-status")).to_have_text("征集中")
        page.get_by_test_id("apply").click()
        fill_application(page, team.organisation.name, budget, today)
        page.get_by_test_id("submit-application").click()
        expect(flash(page, "揭榜方案已提交，发榜单位会收到通知")).to_be_visible()
        expect(page.get_by_text("揭榜方案.pdf")).to_be_visible()
        team_pages.append(page)
    latecomer = new_page()
    sign_in(latecomer, late.email)
    latecomer.goto(call_url)
    latecomer.get_by_test_id("apply").click()
    fill_application(latecomer, late.organisation.name, "150万", today)

    # 4. the window closes. Time cannot pass in a test, so the call's window is moved back by the same
    # ten days (opened ten days ago, closed yesterday), as if the applications above had come in then:
    # everything after this line sees a call whose deadline has passed, exactly as it would eleven days on.
    challenge = db.session.get(Challenge, challenge_id)
    challenge.applications_open_on = today - timedelta(days=10)
    challenge.applications_close_on = today - timedelta(days=1)
    challenge.demand.deadline = challenge.applications_close_on  # as publishing set it: the demand follows
    db.session.commit()
    latecomer.get_by_test_id("submit-application").click()
    expect(flash(latecomer, f"揭榜征集已于 {today - timedelta(days=1)} 截止")).to_be_visible()
    expect(latecomer.get_by_test_id("apply")).to_have_count(0)
    assert (
        db.session.scalar(
            db.select(db.func.count()).where(ChallengeApplication.org_id == late.organisation_id)
        )
        == 0
    )
    owner.goto(call_url)
    expect(owner.get_by_test_id("call-status")).to_have_text("评审中")

    # 5. the owner seats two brokers on the panel
    owner.get_by_test_id("owner-panel").get_by_role("link", name="评审专家组").click()
    for reviewer, expertise in zip(reviewers, ("固态电池材料", "储能系统"), strict=True):
        owner.get_by_label("技术经纪人").select_option(value=str(reviewer.id))
        owner.get_by_label("专业方向").fill(expertise)
        owner.get_by_role("button", name="加入专家组").click()
        expect(flash(owner, f"已将{reviewer.display_name}加入评审专家组")).to_be_visible()
    expect(owner.get_by_test_id("panel-member")).to_have_count(2)

    # 6. each reviewer finds the call on the workspace, declares no conflict and scores; the first one's
    # scores stay out of the second one's sight until the second submits
    panel = []
    for reviewer in reviewers:
        page = new_page()
        sign_in(page, reviewer.email)
        open_work_page(page, "我的工作台")
        todo = page.get_by_test_id("review-todo")
        expect(todo).to_contain_text("待声明利益冲突（3 份方案）")
        todo.get_by_role("link", name=TITLE).click()
        for name in names:
            page.get_by_test_id("declaration").get_by_role("row").filter(has_text=name).get_by_label(
                "无冲突"
            ).check()
        answer_yes(page, page.get_by_role("button", name="提交利益冲突声明"))
        expect(flash(page, "利益冲突声明已提交")).to_be_visible()
        expect(page.get_by_test_id("queue-item")).to_have_count(3)
        panel.append(page)

    first, second = panel
    # a score outside 0–100 is refused, nothing is kept of it
    first.get_by_test_id("queue-item").filter(has_text=names[0]).get_by_role("link", name="评分").click()
    first.locator("fieldset").filter(has_text=CRITERIA[0][0]).get_by_label("评分（0–100）").fill("101")
    first.get_by_role("button", name="提交评分…").click()
    expect(first.get_by_test_id("review-errors")).to_contain_text("100")
    expect(first.get_by_test_id("review-state")).to_have_count(0)  # not even a draft was saved
    first.get_by_role("link", name="我的评审").click()
    for team in range(3):
        score(first, names[team], SCORES[team][0], f"第一位专家对{names[team]}的意见")
        first.get_by_role("link", name="我的评审").click()

    second.get_by_test_id("queue-item").filter(has_text=names[0]).get_by_role("link", name="评分").click()
    expect(second.get_by_test_id("score-form")).to_be_visible()
    expect(second.get_by_test_id("all-scores")).to_have_count(0)
    expect(second.get_by_text("第一位专家")).to_have_count(0)
    second.goto(f"/challenges/{challenge_id}/ranking")
    expect(second.get_by_text("您还没有提交任何方案的评分")).to_be_visible()
    second.goto(f"/challenges/{challenge_id}/review")
    for team in range(3):
        score(second, names[team], SCORES[team][1], f"第二位专家对{names[team]}的意见")
        # once submitted, both reviewers' scores of this application are visible to the second
        expect(second.get_by_test_id("all-scores").get_by_test_id("total")).to_have_text(TOTALS[team])
        second.get_by_role("link", name="我的评审").click()

    # 7. the owner's ranking shows every team's exact mean, best first, all scores in
    owner.goto(f"/challenges/{challenge_id}/ranking")
    expect(owner.get_by_test_id("complete")).to_have_text("评分已全部提交")
    rows = owner.get_by_test_id("ranking-row")
    expect(rows).to_have_count(3)
    for position, (name, total) in enumerate(zip(names, TOTALS, strict=True)):
        expect(rows.nth(position)).to_contain_text(name)
        expect(rows.nth(position).get_by_test_id("total")).to_have_text(total)
        expect(rows.nth(position)).to_contain_text("2 / 2")

    # 8. the owner races the two best teams: the page asks to confirm first
    owner.goto(f"/challenges/{challenge_id}/selection")
    for name in names[:2]:
        owner.get_by_test_id("selection-form").get_by_label(name).check()
    owner.get_by_label("定榜理由").fill("前两名方案技术路线不同，均具备样机条件，进入赛马攻关。")
    owner.get_by_role("button", name="下一步：确认").click()
    expect(owner.get_by_test_id("chosen")).to_contain_text(names[0])
    expect(owner.get_by_test_id("chosen")).to_contain_text(names[1])
    expect(owner.get_by_test_id("others")).to_contain_text(names[2])
    owner.get_by_role("button", name="确认入围").click()
    expect(flash(owner, "已确定赛马团队")).to_be_visible()
    expect(owner.get_by_test_id("racing-team")).to_have_count(2)

    # 9. … and eliminates the second one at the sample stage
    racing = owner.get_by_test_id("racing-team").filter(has_text=names[1])
    racing.get_by_text("淘汰该团队").click()
    racing.get_by_label("阶段（可不填）").fill("样机评估")
    racing.get_by_label("淘汰理由").fill("样机离子电导率未达到阶段指标。")
    racing.get_by_role("button", name="下一步：确认淘汰").click()
    expect(owner.get_by_role("heading", name=f"确认淘汰：{names[1]}")).to_be_visible()
    owner.get_by_role("button", name="确认淘汰").click()
    expect(flash(owner, f"已淘汰{names[1]}")).to_be_visible()
    expect(owner.get_by_test_id("racing-team")).to_have_count(1)
    expect(owner.get_by_test_id("racing-team")).to_contain_text(names[0])

    # 10. the remaining team reports on its first milestone from its application's page
    leader = team_pages[0]
    leader.reload()
    leader.get_by_role("link", name="项目攻关与验收").click()
    expect(leader.get_by_test_id("team-status")).to_have_text("赛马中")
    milestone = leader.get_by_test_id("milestone").filter(has_text="样机研制")
    milestone.get_by_text("提交进展报告", exact=True).click()
    milestone.get_by_label("进展报告").fill("样机已完成，室温离子电导率 1.2 mS/cm，检测报告见附件。")
    milestone.get_by_label("附件（可不选）").set_input_files(
        {"name": "检测报告.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    milestone.get_by_role("button", name="提交报告").click()
    expect(flash(leader, "进展报告已提交")).to_be_visible()
    project_url = leader.url.split("#")[0]

    # 11. the owner accepts the milestone and records its tranche (40 % of the team's 250万元 = 100万元)
    owner.goto(project_url)
    milestone = owner.get_by_test_id("milestone").filter(has_text="样机研制")
    expect(milestone.get_by_test_id("report")).to_contain_text("1.2 mS/cm")
    milestone.get_by_label("结论").select_option(label="通过")
    milestone.get_by_label("检查意见").fill("样机指标达到要求，同意通过。")
    answer_yes(owner, milestone.get_by_role("button", name="提交结论"))
    expect(flash(owner, "结论已记录")).to_be_visible()
    milestone = owner.get_by_test_id("milestone").filter(has_text="样机研制")
    milestone.locator("summary").filter(has_text="登记拨付（尚未拨付 1,000,000.00 元）").click()
    milestone.get_by_label("拨付金额", exact=True).fill("100万")
    milestone.get_by_label("拨付凭证号").fill("XX2026-001")
    answer_yes(owner, milestone.get_by_role("button", name="登记拨付"))
    expect(flash(owner, "拨付已登记")).to_be_visible()
    expect(owner.get_by_test_id("paid")).to_have_text("100万元")

    # 12. the dashboard's 揭榜挂帅 section counts the call, the one project left and the money paid
    open_work_page(admin, "交易额看板")
    expect(admin.get_by_test_id("challenge-figures")).to_be_visible()
    assert int(figure(admin, "calls-published").split()[0]) == before["calls-published"] + 1
    assert int(figure(admin, "projects").split()[0]) == before["projects"] + 1
    assert wan(figure(admin, "paid")) - paid_before == Decimal(100)
