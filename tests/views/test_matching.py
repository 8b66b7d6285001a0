"""Matchmaking pages: suggestions on detail pages, the brokers' queue, the admins' precision table."""

import re

import pytest
from sqlalchemy import func, select

from market.models import BrokerProfile, Field, MatchDecision
from tests.matching_support import publish_catalogue

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def catalogue(make_user, make_listing):
    return publish_catalogue(make_user, make_listing)


def _section(html: str) -> str:
    """The 匹配推荐 section of a detail page ('' when it is not there)."""
    match = re.search(r'<section[^>]*data-testid="matches".*?</section>', html, re.S)
    return match.group(0) if match else ""


# ---- detail pages ----------------------------------------------------------------------------------


def test_the_demands_owner_sees_the_cathode_result_first_with_band_score_and_reasons(
    client, catalogue, login
):
    login(catalogue["enterprise"])
    section = _section(client.get(f"/demands/{catalogue['demand'].id}").get_data(as_text=True))
    assert "匹配推荐" in section
    battery, rice = catalogue["battery"], catalogue["rice"]
    assert f'href="/achievements/{battery.id}"' in section and battery.title in section
    if rice.title in section:
        assert section.index(battery.title) < section.index(rice.title)
    assert re.search(r"badge text-bg-(success|warning|secondary)[^>]*>[强中弱]<", section)
    assert "可能性 " in section and "共同关键词" in section


def test_a_demand_with_no_good_candidate_says_so_plainly_and_keeps_the_weak_ones_folded(
    client, make_user, make_listing, login
):
    from market.services.matching import backfill_vectors
    from tests.conftest import DEMAND
    from tests.matching_support import RICE

    owner = make_user("enterprise")
    demand = make_listing("demand", owner, **DEMAND)
    rice = make_listing("achievement", make_user("university"), **RICE)
    backfill_vectors()
    login(owner)
    section = _section(client.get(f"/demands/{demand.id}").get_data(as_text=True))
    assert "暂无把握较大的匹配" in section and 'data-testid="match"' not in section
    folded = re.search(r'<details[^>]*data-testid="weak-matches".*?</details>', section, re.S).group(0)
    assert "更多可能相关" in folded and rice.title in folded and ">弱<" in folded


def test_a_results_page_shows_its_university_the_demands_it_could_serve(client, catalogue, login):
    login(catalogue["lab"])
    section = _section(client.get(f"/achievements/{catalogue['battery'].id}").get_data(as_text=True))
    assert f'href="/demands/{catalogue["demand"].id}"' in section and catalogue["demand"].title in section


@pytest.mark.parametrize("role", ["broker", "admin"])
def test_brokers_and_admins_see_suggestions_on_any_published_demand(
    client, catalogue, make_user, login, role
):
    login(make_user(role))
    assert catalogue["battery"].title in _section(
        client.get(f"/demands/{catalogue['demand'].id}").get_data(as_text=True)
    )


@pytest.mark.parametrize("who", ["anonymous", "enterprise", "university"])
def test_other_visitors_get_no_suggestions_and_none_are_computed(
    client, catalogue, make_user, login, monkeypatch, who
):
    from market.services import matching

    def refuse(*args, **kwargs):
        raise AssertionError("matches computed for a visitor who may not see them")

    monkeypatch.setattr(matching.panels, "compute_matches", refuse)
    if who != "anonymous":
        login(make_user(who))
    for url in (f"/demands/{catalogue['demand'].id}", f"/achievements/{catalogue['battery'].id}"):
        page = client.get(url)
        assert page.status_code == 200
        assert "匹配推荐" not in page.get_data(as_text=True)


def test_a_demand_without_any_result_to_suggest_shows_the_empty_state(client, make_user, make_listing, login):
    owner = make_user("enterprise")
    demand = make_listing("demand", owner)
    login(owner)
    assert "暂无匹配推荐" in _section(client.get(f"/demands/{demand.id}").get_data(as_text=True))


def test_a_demands_page_names_brokers_of_its_field(client, db, catalogue, make_user, login):
    broker = make_user("broker", display_name="张经纪")
    db.session.add(
        BrokerProfile(
            user=broker, specialties=[db.session.scalar(select(Field).where(Field.name == "新材料"))]
        )
    )
    db.session.add(
        BrokerProfile(
            user=make_user("broker", display_name="李农经"),
            specialties=[db.session.scalar(select(Field).where(Field.name == "现代农业"))],
        )
    )
    db.session.commit()
    login(catalogue["enterprise"])
    section = _section(client.get(f"/demands/{catalogue['demand'].id}").get_data(as_text=True))
    assert "张经纪" in section and "李农经" not in section


def test_a_demands_page_suggests_instruments_that_fit_it(client, catalogue, make_user, make_listing, login):
    lab = catalogue["lab"]
    make_listing(
        "equipment", lab, name="锂电池正极材料循环寿命测试系统", description="电池充放电循环寿命测试。"
    )
    make_listing("equipment", lab, name="水稻表型分析平台", description="作物株型与产量性状测量。")
    login(catalogue["enterprise"])
    section = _section(client.get(f"/demands/{catalogue['demand'].id}").get_data(as_text=True))
    assert "可能用得上的共享仪器" in section and "锂电池正极材料循环寿命测试系统" in section
    assert "水稻表型分析平台" not in section


def test_suggested_titles_are_escaped(client, make_user, make_listing, login):
    from market.services.matching import backfill_vectors

    owner = make_user("enterprise")
    demand = make_listing("demand", owner)
    make_listing("achievement", make_user("university"), title='正极材料包覆技术 "A<1 & B>2"')
    backfill_vectors()
    login(owner)
    section = _section(client.get(f"/demands/{demand.id}").get_data(as_text=True))
    assert "A<1" not in section and "&#34;A&lt;1 &amp; B&gt;2&#34;" in section


# ---- the brokers' queue ----------------------------------------------------------------------------


def _decide(client, catalogue, achievement="battery", **fields):
    body = {
        "demand_id": catalogue["demand"].id,
        "achievement_id": catalogue[achievement].id,
        "score": "0.5",
        **fields,
    }
    return client.post("/my/matches/decide", data=body)


def test_the_queue_lists_demands_with_their_suggestions_and_decision_forms(
    client, catalogue, make_user, login
):
    login(make_user("broker"))
    html = client.get("/my/matches").get_data(as_text=True)
    assert "匹配工作台" in html and catalogue["demand"].title in html and catalogue["battery"].title in html
    assert "接受" in html and "拒绝" in html and "领域不符" in html and "成熟度不够" in html
    forms = re.findall(r"<form method=\"post\".*?</form>", html, re.S)
    assert forms and all('name="csrf_token"' in form for form in forms)


def test_the_navbar_links_brokers_to_the_queue(client, make_user, login):
    login(make_user("broker"))
    assert 'href="/my/matches"' in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login(make_user("enterprise"))
    assert 'href="/my/matches"' not in client.get("/").get_data(as_text=True)


def test_accepting_a_suggestion_stores_it_and_removes_it_from_the_queue(
    client, db, catalogue, make_user, login
):
    broker = login(make_user("broker"))
    response = _decide(client, catalogue, decision="accepted")
    assert response.status_code == 302 and "/my/matches?page=1" in response.headers["Location"]
    html = client.get("/my/matches").get_data(as_text=True)
    assert "已接受" in html  # the flash
    row = db.session.scalar(select(MatchDecision))
    assert (row.decision, row.decided_by_id, row.achievement_id, row.score) == (
        "accepted",
        broker.id,
        catalogue["battery"].id,
        0.5,
    )
    assert f'name="achievement_id" value="{catalogue["battery"].id}"' not in html


def test_rejecting_without_a_reason_is_refused_in_chinese(client, db, catalogue, make_user, login):
    login(make_user("broker"))
    _decide(client, catalogue, achievement="rice", decision="rejected")
    html = client.get("/my/matches").get_data(as_text=True)
    assert "拒绝时请选择原因" in html
    assert db.session.scalar(select(MatchDecision)) is None


def test_rejecting_with_a_reason_and_note_is_stored(client, db, catalogue, make_user, login):
    login(make_user("admin"))
    _decide(
        client, catalogue, achievement="rice", decision="rejected", reason_code="field", note="农业与电池无关"
    )
    assert "已拒绝（领域不符）" in client.get("/my/matches").get_data(as_text=True)
    row = db.session.scalar(select(MatchDecision))
    assert (row.decision, row.reason_code, row.note) == ("rejected", "field", "农业与电池无关")


def test_a_tampered_score_is_refused(client, db, catalogue, make_user, login):
    login(make_user("broker"))
    _decide(client, catalogue, decision="accepted", score="9")
    assert db.session.scalar(select(MatchDecision)) is None


@pytest.mark.parametrize("role", ["enterprise", "university"])
def test_only_brokers_and_admins_reach_the_queue(client, catalogue, make_user, login, role):
    login(make_user(role))
    assert client.get("/my/matches").status_code == 403
    assert _decide(client, catalogue, decision="accepted").status_code == 403


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/my/matches")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_empty_queue_says_so(client, make_user, login):
    login(make_user("broker"))
    assert "暂无待匹配的需求" in client.get("/my/matches").get_data(as_text=True)


def test_the_queue_pages_by_demand(client, make_user, make_listing, login):
    owner = make_user("enterprise")
    for n in range(11):
        make_listing("demand", owner, title=f"寻求第{n:02d}号检测方案")
    login(make_user("broker"))
    first = client.get("/my/matches").get_data(as_text=True)
    assert first.count('data-testid="queue-demand"') == 10 and "下一页" in first
    assert client.get("/my/matches?page=2").get_data(as_text=True).count('data-testid="queue-demand"') == 1


# ---- precision -------------------------------------------------------------------------------------


def test_admins_see_precision_per_week(client, catalogue, make_user, make_listing, login):
    other = make_listing("demand", make_user("enterprise"), title="寻求耐盐碱水稻品种")
    login(make_user("admin"))
    assert "暂无处理记录" in client.get("/admin/matching").get_data(as_text=True)
    _decide(client, catalogue, decision="accepted")
    _decide(client, catalogue, achievement="rice", decision="rejected", reason_code="field")
    client.post(
        "/my/matches/decide",
        data={"demand_id": other.id, "achievement_id": catalogue["rice"].id, "decision": "accepted"},
    )
    html = client.get("/admin/matching").get_data(as_text=True)
    table = re.search(r'data-testid="precision".*?</table>', html, re.S).group(0)
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", table)]
    assert cells[1:] == ["3", "2", "66.7%"] and re.match(r"\d{4}-W\d{2}", cells[0])
    assert 'href="/admin/matching"' in html  # in the admin navigation
    weights = re.search(r'data-testid="weights".*?</table>', html, re.S).group(0)
    assert "全文语义排名" in weights and "使用提交的模型" in html  # 3 decisions are too few to refit from


@pytest.mark.parametrize("role", ["broker", "enterprise"])
def test_only_admins_see_precision(client, make_user, login, role):
    login(make_user(role))
    assert client.get("/admin/matching").status_code == 403


def test_a_broker_accepting_a_suggestion_opens_a_deal_between_the_two_organisations(
    client, catalogue, make_user, login, db
):
    from market.models import Deal

    broker = login(make_user("broker"))
    response = _decide(client, catalogue, decision="accepted")
    deal = db.session.scalar(select(Deal))
    assert deal is not None and f"deal={deal.id}" in response.headers["Location"]
    assert (deal.seller_org_id, deal.buyer_org_id, deal.broker_id) == (
        catalogue["lab"].organisation_id,
        catalogue["enterprise"].organisation_id,
        broker.id,
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/deals/{deal.id}"' in page
    _decide(client, catalogue, achievement="rice", decision="rejected", reason_code="field")
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 1  # a rejection opens nothing
