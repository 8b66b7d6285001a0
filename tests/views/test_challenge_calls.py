"""发榜 through the pages: the form (fixed rows, no JavaScript needed), the admin's review of calls in the
demand review, the public list with status and countdown, the call page and its public history, and the
links from the demand page, the home page and search."""

from datetime import timedelta

from market.clock import today_in_beijing
from market.extensions import db
from market.models.challenge import Challenge
from tests.challenge_support import notices

TODAY = today_in_beijing()


def _form(**overrides) -> dict:
    """What the call form posts when filled in by hand: two criteria rows, one milestone, the rest empty."""
    data = {
        "title": "揭榜挂帅：氢燃料电池膜电极国产化",
        "description": "膜电极铂载量降低 30%，寿命达到 10000 小时。",
        "field": "氢能",
        "reward_yuan": "500",
        "reward_yuan_unit": "万元",
        "indicators": "铂载量 ≤ 0.3 g/kW；寿命 ≥ 10000 h",
        "funding_shares-0-source": "发榜企业",
        "funding_shares-0-percent": "100",
        "eligible_org_kinds": ["university", "institute"],
        "applications_open_on": TODAY.isoformat(),
        "applications_close_on": (TODAY + timedelta(days=10)).isoformat(),
        "criteria-0-name": "技术先进性",
        "criteria-0-weight": "60",
        "criteria-1-name": "团队基础",
        "criteria-1-weight": "40",
        "criteria-2-name": "",
        "criteria-2-weight": "",
        "milestones-0-kind": "final",
        "milestones-0-title": "项目验收",
        "milestones-0-due_on": (TODAY + timedelta(days=200)).isoformat(),
        "milestones-0-tranche_percent": "100",
        "milestones-1-kind": "milestone",
        "milestones-1-title": "",
        "selection_mode": "race",
        "race_teams": "3",
    }
    data.update(overrides)
    return data


def test_an_enterprise_publishes_through_the_form_and_the_admin_approves_it_as_a_call(
    client, login, make_user
):
    owner = login(make_user("enterprise"))
    response = client.post("/challenges/new", data=_form())
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    challenge = db.session.scalar(db.select(Challenge))
    assert (challenge.demand.reward_fen, challenge.race_teams, len(challenge.criteria)) == (500_000_000, 3, 2)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "榜单等待平台审核" in page and 'data-testid="owner-panel"' in page
    client.post("/logout")

    login(make_user("admin"))
    queue = client.get("/admin/review/demands").get_data(as_text=True)
    assert 'data-testid="call-label"' in queue and f'href="/challenges/{challenge.id}"' in queue
    approved = client.post(f"/admin/review/demands/{challenge.demand_id}/approve")
    assert approved.status_code == 302
    client.post("/logout")
    assert notices(owner)[-1] == "揭榜挂帅榜单《揭榜挂帅：氢燃料电池膜电极国产化》已通过审核并发布"
    public = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert "榜单通过平台审核，正式发布" in public and "赛马制（3 个团队并行）" in public
    assert "10 天后截止" in public and "登录后揭榜" in public


def test_the_form_reports_every_mistake_on_its_rows_and_keeps_what_was_typed(client, login, make_user):
    login(make_user("enterprise"))
    response = client.post(
        "/challenges/new",
        data=_form(
            **{
                "criteria-1-weight": "30",
                "applications_close_on": (TODAY - timedelta(days=1)).isoformat(),
                "funding_shares-0-percent": "80",
            }
        ),
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in (
        "评审标准的权重合计应为100（现为90）",
        "征集截止日期不能早于今天",
        "出资比例合计应为100%（现为80%）",
    ):
        assert message in page
    assert 'value="技术先进性"' in page and 'value="团队基础"' in page
    assert db.session.scalar(db.select(db.func.count()).select_from(Challenge)) == 0


def test_who_opens_the_publish_form(client, login, make_user):
    assert client.get("/challenges/new").status_code == 302  # to the login page
    for role, status in (
        ("university", 403),
        ("broker", 403),
        ("viewer", 403),
        ("enterprise", 200),
        ("admin", 200),
    ):
        login(make_user(role))
        assert client.get("/challenges/new").status_code == status, role
        client.post("/logout")
    login(make_user("enterprise", verified=False))
    refused = client.get("/challenges/new")
    assert refused.status_code == 403 and "单位通过平台认证后才能发布揭榜挂帅榜单" in refused.get_data(
        as_text=True
    )


def test_the_owner_changes_the_call_and_it_goes_back_to_review(client, login, publish_call, make_user):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    login(owner)
    form = client.get(f"/challenges/{challenge.id}/edit").get_data(as_text=True)
    assert 'value="技术先进性"' in form and 'name="criteria-3-name"' in form  # three stored rows and spares
    response = client.post(f"/challenges/{challenge.id}/edit", data=_form(title="揭榜挂帅：改后的榜单"))
    assert response.status_code == 302
    assert challenge.demand.status == "pending" and challenge.demand.title == "揭榜挂帅：改后的榜单"


def test_the_public_list_shows_status_reward_and_countdown_and_filters(client, publish_call, make_challenge):
    publish_call()
    make_challenge(open_on=TODAY - timedelta(days=20), close_on=TODAY - timedelta(days=2))
    page = client.get("/challenges").get_data(as_text=True)
    assert page.count('data-testid="call-card"') == 2
    assert "征集中" in page and "评审中" in page and "30 天后截止" in page and "300万元" in page
    collecting = client.get("/challenges?status=collecting").get_data(as_text=True)
    assert collecting.count('data-testid="call-card"') == 1
    empty = client.get("/challenges?status=accepted").get_data(as_text=True)
    assert "没有符合条件的揭榜挂帅榜单" in empty
    assert 'href="/challenges"' in client.get("/").get_data(as_text=True)  # the top bar and the home block


def test_a_cancelled_call_keeps_its_public_history_without_the_reason_or_applications(
    client, login, publish_call, make_user, make_application
):
    owner = make_user("enterprise")
    challenge = publish_call(owner=owner)
    application = make_application(challenge, plan="秘密技术路线：硫银锗矿型电解质")
    login(owner)
    response = client.post(f"/challenges/{challenge.id}/cancel", data={"reason": "内部原因：预算冻结"})
    assert response.status_code == 302 and challenge.phase == "cancelled"
    client.post("/logout")
    page = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert "已终止" in page and "发榜单位终止了本榜单" in page
    for secret in ("预算冻结", "秘密技术路线", application.organisation.name, "250万元"):
        assert secret not in page
    assert 'data-testid="apply"' not in page


def test_the_demand_page_home_and_search_link_to_the_call(client, publish_call):
    challenge = publish_call()
    link = f'href="/challenges/{challenge.id}"'
    assert link in client.get(f"/demands/{challenge.demand_id}").get_data(as_text=True)
    assert link in client.get("/").get_data(as_text=True)
    assert link in client.get("/search?q=固态电解质").get_data(as_text=True)
