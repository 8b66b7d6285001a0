"""/orgs/<id>: the profile and badge, its listings by tab, contracts for members only, and organisation names
linking there from the pages that show them."""

import html
import re

from market.services import listings


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _org_href(org) -> str:
    return f'href="/orgs/{org.id}"'


def test_a_visitor_sees_the_profile_badge_and_published_results(client, make_user, make_listing):
    owner = make_user("university")
    org = owner.organisation
    make_listing("achievement", owner, title="固态电解质界面调控技术", contact_phone="029-12345678")
    make_listing("achievement", owner, title="尚未提交的成果", submit=False)
    page = _text(client.get(f"/orgs/{org.id}"))
    assert org.name in page and "已认证" in page and org.credit_code in page and "高校" in page
    assert "固态电解质界面调控技术" in page and "尚未提交的成果" not in page
    assert "029-12345678" not in page and "登录</a>并通过单位认证后可查看联系方式" in page
    assert "技术合同" not in page  # no contracts tab for the public


def test_tabs_show_each_kind_with_counts_and_page(client, make_user, make_listing, app):
    owner = make_user("enterprise")
    app.config["PER_PAGE"] = 2
    for n in range(3):
        make_listing("demand", owner, title=f"需求标题{n}")
    make_listing("equipment", owner, name="原子力显微镜")
    first = _text(client.get(f"/orgs/{owner.organisation_id}"))
    assert "需求标题2" in first and "需求标题0" not in first and "下一页" in first
    assert re.search(r"技术需求 <span[^>]*>3</span>", first)
    second = _text(client.get(f"/orgs/{owner.organisation_id}?tab=demands&page=2"))
    assert "需求标题0" in second and "需求标题2" not in second
    equipment = _text(client.get(f"/orgs/{owner.organisation_id}?tab=equipment"))
    assert "原子力显微镜" in equipment and "需求标题2" not in equipment


def test_verified_users_see_the_contacts_its_listings_give(client, make_user, make_listing, login):
    owner = make_user("university")
    make_listing("achievement", owner, contact_name="王老师", contact_phone="029-12345678")
    login(make_user("enterprise"))
    assert "029-12345678" in _text(client.get(f"/orgs/{owner.organisation_id}"))


def test_contracts_show_to_members_and_admins_only(client, make_user, make_contract, login):
    member = make_user("university")
    org = member.organisation
    make_contract(seller=org, status="registered", title="钠离子电池正极材料技术转让合同")
    path = f"/orgs/{org.id}?tab=contracts"
    assert "钠离子电池正极材料技术转让合同" not in _text(client.get(path))
    login(make_user("enterprise"))
    assert "钠离子电池正极材料技术转让合同" not in _text(client.get(path))
    client.post("/logout")
    login(member)
    page = _text(client.get(path))
    assert "钠离子电池正极材料技术转让合同" in page and 'data-testid="tab-contracts"' in page
    client.post("/logout")
    login(make_user("admin"))
    assert "钠离子电池正极材料技术转让合同" in _text(client.get(path))


def test_an_unverified_organisation_is_404_unless_it_published_or_you_belong_to_it(
    client, make_user, make_org, make_listing, login
):
    org = make_org(verification_state="rejected")
    member = make_user("university", org=org)
    response = client.get(f"/orgs/{org.id}")
    assert response.status_code == 404 and "不存在" in _text(response)
    login(member)
    page = _text(client.get(f"/orgs/{org.id}"))
    assert "未通过" in page and "尚未通过平台认证" in page
    listing = make_listing("achievement", member)
    listings.change_status(make_user("admin"), "achievement", listing.id, "approve")
    client.post("/logout")
    assert client.get(f"/orgs/{org.id}").status_code == 200
    assert client.get("/orgs/999999").status_code == 404


def test_organisation_names_link_to_their_page(client, make_user, make_listing, make_contract, login):
    owner = make_user("university")
    org = owner.organisation
    listing = make_listing("achievement", owner, title="高熵合金涂层")
    assert _org_href(org) in _text(client.get("/achievements"))
    assert _org_href(org) in _text(client.get(f"/achievements/{listing.id}"))
    assert _org_href(org) in _text(client.get("/search?q=高熵合金涂层"))
    contract = make_contract(seller=org, status="registered")
    login(owner)
    assert _org_href(org) in _text(client.get("/contracts/"))
    assert _org_href(contract.buyer) in _text(client.get(f"/contracts/{contract.id}"))
    assert _org_href(org) in _text(client.get("/"))  # the top bar's 本单位主页
    client.post("/logout")
    login(make_user("admin"))
    assert _org_href(org) in _text(client.get("/admin/organisations?state=verified"))
    assert _org_href(org) in _text(client.get("/admin/users"))


def test_an_unverified_brokers_organisation_is_named_without_a_dead_link(client, make_user, make_org, db):
    from market.models import BrokerProfile

    org = make_org(kind="intermediary", verification_state="pending")
    broker = make_user("broker", org=org)
    profile = BrokerProfile(user_id=broker.id)
    db.session.add(profile)
    db.session.commit()
    page = _text(client.get(f"/brokers/{profile.id}"))
    assert org.name in page and _org_href(org) not in page
