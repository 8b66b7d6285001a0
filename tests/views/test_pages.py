"""Every page renders for the people who may see it, in Chinese, with their data."""

import pytest

from market.models import Organisation


def test_home_shows_counts_and_latest_listings(client, make_user, make_listing):
    make_listing("achievement", make_user("university"), title="量子点显示材料")
    page = client.get("/").get_data(as_text=True)
    assert "秦创原科技大市场" in page and "量子点显示材料" in page


@pytest.mark.parametrize("path", ["/achievements", "/demands", "/equipment", "/policies", "/brokers"])
def test_empty_lists_show_an_empty_state(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "没有" in response.get_data(as_text=True) or "暂无" in response.get_data(as_text=True)


def test_list_filters_and_paginates(client, make_user, make_listing):
    owner = make_user("enterprise")
    for n in range(23):
        make_listing("demand", owner, title=f"需求{n:02d}", field="人工智能" if n % 2 else "新材料")
    first = client.get("/demands").get_data(as_text=True)
    assert "共 23 条" in first and "下一页" in first
    filtered = client.get("/demands?field=人工智能").get_data(as_text=True)
    assert "共 11 条" in filtered
    assert client.get("/demands?page=abc&budget_min=xyz").status_code == 200


def test_detail_hides_contact_from_visitors_and_unverified_users(client, make_user, make_listing, login):
    listing = make_listing("achievement", make_user("university"), contact_phone="029-12345678")
    assert "029-12345678" not in client.get(f"/achievements/{listing.id}").get_data(as_text=True)
    login(make_user("enterprise", verified=False))
    assert "029-12345678" not in client.get(f"/achievements/{listing.id}").get_data(as_text=True)


def test_detail_shows_contact_to_verified_users(client, make_user, make_listing, login):
    listing = make_listing("achievement", make_user("university"), contact_phone="029-12345678")
    login(make_user("enterprise"))
    assert "029-12345678" in client.get(f"/achievements/{listing.id}").get_data(as_text=True)


def test_draft_is_404_for_visitors(client, make_user, make_listing):
    listing = make_listing("demand", make_user("enterprise"), submit=False)
    response = client.get(f"/demands/{listing.id}")
    assert response.status_code == 404 and "不存在" in response.get_data(as_text=True)


def test_titles_are_escaped(client, make_user, make_listing, db):
    listing = make_listing("achievement", make_user("university"))
    listing.title = "<script>alert(1)</script>"
    db.session.commit()
    page = client.get(f"/achievements/{listing.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_register_creates_pending_organisation_and_keeps_input_on_error(client, db):
    form = {
        "email": "new@example.cn",
        "password": "abc12345xyz",
        "password_again": "abc12345xyz",
        "display_name": "张三",
        "identity": "enterprise:enterprise",
        "org_name": "西咸新区示例科技有限公司",
        "credit_code": "91610000MA6TXXXXX0",
        "region": "沣西",
    }
    response = client.post("/register", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "统一社会信用代码" in page and "西咸新区示例科技有限公司" in page
    from market.services.codes import credit_code_with_check

    response = client.post(
        "/register", data={**form, "credit_code": credit_code_with_check("91610000MA6T00001")}
    )
    assert response.status_code == 302
    org = db.session.query(Organisation).filter_by(name="西咸新区示例科技有限公司").one()
    assert org.verification_state == "pending"


def test_login_rejects_bad_password_and_unsafe_next(client, make_user):
    user = make_user("university")
    bad = client.post("/login", data={"email": user.email, "password": "wrong"})
    assert bad.status_code == 401 and "邮箱或密码不正确" in bad.get_data(as_text=True)
    ok = client.post(
        "/login", data={"email": user.email.upper(), "password": "Passw0rd!", "next": "//evil.example/x"}
    )
    assert ok.status_code == 302 and "evil.example" not in ok.headers["Location"]


def test_workspace_requires_login(client):
    response = client.get("/my/achievements")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_workspace_create_edit_withdraw_delete(client, make_user, login, db):
    login(make_user("university"))
    data = {
        "title": "一种柔性钙钛矿太阳能电池",
        "summary": "效率高、稳定性好。",
        "field": "新能源与节能",
        "maturity": "小试",
        "price_yuan": "",
        "submit_action": "submit",
    }
    response = client.post("/my/achievements/new", data=data)
    assert response.status_code == 302
    page = client.get("/my/achievements").get_data(as_text=True)
    assert "一种柔性钙钛矿太阳能电池" in page and "已发布" in page
    from market.models import Achievement

    listing = db.session.query(Achievement).one()
    edit = client.get(f"/my/achievements/{listing.id}/edit").get_data(as_text=True)
    assert "一种柔性钙钛矿太阳能电池" in edit
    assert client.post(f"/my/achievements/{listing.id}/edit", data={**data, "title": ""}).status_code == 422
    client.post(f"/my/achievements/{listing.id}/withdraw")
    client.post(f"/my/achievements/{listing.id}/delete")
    assert db.session.query(Achievement).count() == 0


def test_equipment_form_with_fee_rows(client, make_user, login, db):
    login(make_user("university"))
    data = {
        "name": "透射电子显微镜",
        "category": "分析测试",
        "open_for_booking": "y",
        "submit_action": "submit",
        "fee_items-0-label": "常规观察",
        "fee_items-0-unit": "元/小时",
        "fee_items-0-price_yuan": "800",
        "fee_items-0-internal_price_yuan": "400",
        "fee_items-1-label": "",
        "fee_items-1-unit": "",
    }
    assert client.post("/my/equipment/new", data=data).status_code == 302
    bad = client.post("/my/equipment/new", data={**data, "fee_items-0-price_yuan": "八百"})
    assert bad.status_code == 422 and "第1项" in bad.get_data(as_text=True)
    from market.models import Equipment

    item = db.session.query(Equipment).one()
    assert [(f.label, f.price_fen, f.internal_price_fen) for f in item.fee_items] == [
        ("常规观察", 80000, 40000)
    ]


def test_admin_pages_are_for_admins_only(client, make_user, login):
    login(make_user("enterprise"))
    assert client.get("/admin/").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/organisations",
        "/admin/review/achievements",
        "/admin/users",
        "/admin/fields",
        "/admin/settings",
        "/admin/policies",
        "/admin/policies/new",
        "/admin/audit",
    ],
)
def test_admin_pages_render(client, make_user, login, path):
    login(make_user("admin"))
    assert client.get(path).status_code == 200


def test_admin_verifies_organisation_and_approves_listing(client, make_user, make_listing, login, db):
    owner = make_user("university", verified=False)
    listing = make_listing("achievement", owner)
    login(make_user("admin"))
    assert listing.title in client.get("/admin/review/achievements").get_data(as_text=True)
    client.post(f"/admin/organisations/{owner.organisation_id}/verify", data={"note": ""})
    client.post(f"/admin/review/achievements/{listing.id}/approve", data={"note": ""})
    db.session.expire_all()
    assert owner.organisation.is_verified
    assert client.get(f"/achievements/{listing.id}").status_code == 200


def test_password_page_changes_the_password_and_says_the_api_tokens_are_revoked(
    client, make_user, login, api_token
):
    user = make_user()
    token = api_token(user)
    login(user)
    assert "修改密码" in client.get("/account/password").get_data(as_text=True)
    form = {"old_password": "Passw0rd!", "new_password": "NewPassw0rd", "new_password_again": "NewPassw0rd"}
    mismatch = client.post("/account/password", data={**form, "new_password_again": "OtherPassw0rd"})
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    assert client.get("/api/v1/me", headers=token).status_code == 200
    page = client.post("/account/password", data=form, follow_redirects=True).get_data(as_text=True)
    assert "原有的 1 个 API 令牌已作废" in page
    assert client.get("/api/v1/me", headers=token).status_code == 401


def test_the_admin_policy_and_field_forms_are_generated_from_their_inputs(client, make_user, login, db):
    from market.models import Policy

    login(make_user("admin"))
    page = client.get("/admin/policies/new").get_data(as_text=True)
    assert 'name="summary"' in page and 'rows="3"' in page and "用逗号分隔" in page and 'type="date"' in page
    policy = {
        "title": "科技成果转化若干措施",
        "issuer": "陕西省科技厅",
        "tags": "成果转化、 奖励",
        "link": "x",
    }
    refused = client.post("/admin/policies/new", data=policy)
    assert refused.status_code == 422
    assert "原文链接应为以 http:// 或 https:// 开头的网址" in refused.get_data(as_text=True)
    saved = client.post("/admin/policies/new", data={**policy, "link": "https://kjt.shaanxi.gov.cn/a.html"})
    assert saved.status_code == 302
    row = db.session.query(Policy).one()
    assert (row.tags, row.summary, row.body, row.doc_number) == (["成果转化", "奖励"], "", "", None)
    assert 'value="成果转化、奖励"' in client.get(f"/admin/policies/{row.id}/edit").get_data(as_text=True)

    refused = client.post("/admin/fields", data={"name": " ", "position": "第一"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请填写领域名称" in html and "排序必须是整数" in html
    assert "maxlength" not in html and 'inputmode="numeric"' in html  # a limit is a message, not a cut
