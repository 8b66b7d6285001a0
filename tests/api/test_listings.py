"""Achievements, demands and equipment over JSON: CRUD, lifecycle, lists, money and contact details."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from market.extensions import db
from market.models import LISTING_MODELS, Achievement, Demand, EquipmentFee
from market.services import settings
from market.services.listings import today
from tests.api.conftest import COLLECTION_OF, PAYLOADS, TITLE_KEY, error_of, field_errors, row_counts

KINDS = sorted(COLLECTION_OF)
CREATOR = {"achievement": "university", "demand": "enterprise", "equipment": "university"}


@pytest.fixture
def owner(make_user):
    def make(kind, verified=True):
        return make_user(CREATOR[kind], verified=verified)

    return make


def _url(kind, listing_id=None, action=None):
    url = f"/api/v1/{COLLECTION_OF[kind]}"
    if listing_id is not None:
        url += f"/{listing_id}"
    return f"{url}/{action}" if action else url


# ---- CRUD -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_create_returns_201_with_id_and_status_and_reads_back(client, owner, api_token, kind):
    headers = api_token(owner(kind))
    response = client.post(_url(kind), json=PAYLOADS[kind], headers=headers)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    assert isinstance(created["id"], int) and created["status"] == "published"
    assert created[TITLE_KEY[kind]] == PAYLOADS[kind][TITLE_KEY[kind]]
    assert client.get(_url(kind, created["id"]), headers=headers).get_json() == created


def test_achievement_fields_round_trip(client, owner, api_token):
    headers = api_token(owner("achievement"))
    sent = {
        "title": "低温等离子体灭菌装置",
        "summary": "一种常温常压下的灭菌装置。",
        "field": "高端装备",
        "keywords": ["等离子体", "灭菌"],
        "maturity": "中试阶段",
        "form": "新装备",
        "transfer_modes": ["技术许可", "作价入股"],
        "patent_numbers": ["ZL 2019 1 0123456.7", "CN112345678A"],
        "price_yuan": "800000",
    }
    got = client.post("/api/v1/achievements", json=sent, headers=headers).get_json()
    assert {k: got[k] for k in ("title", "summary", "field", "keywords", "form")} == {
        k: sent[k] for k in ("title", "summary", "field", "keywords", "form")
    }
    assert got["maturity"] == "中试" and got["transfer_modes"] == ["许可", "作价入股"]
    assert got["patent_numbers"] == ["ZL201910123456.7", "CN112345678A"]
    assert got["price_yuan"] == "800000.00"


def test_demand_fields_round_trip(client, owner, api_token):
    headers = api_token(owner("demand"))
    deadline = (today() + timedelta(days=60)).isoformat()
    sent = {
        "title": "揭榜：氢燃料电池低铂催化剂",
        "description": "寻求铂载量低于0.1g/kW的催化剂方案。",
        "field": "氢能",
        "budget_min_yuan": "3000000",
        "budget_max_yuan": "5000000.50",
        "deadline": deadline,
        "open_call": True,
        "reward_yuan": "1000000",
        "cooperation_mode": "合作开发",
    }
    got = client.post("/api/v1/demands", json=sent, headers=headers).get_json()
    assert (got["budget_min_yuan"], got["budget_max_yuan"], got["reward_yuan"]) == (
        "3000000.00",
        "5000000.50",
        "1000000.00",
    )
    assert (got["deadline"], got["open_call"], got["cooperation_mode"]) == (deadline, True, "合作开发")


def test_equipment_fee_items_round_trip(client, owner, api_token):
    headers = api_token(owner("equipment"))
    sent = {
        **PAYLOADS["equipment"],
        "fee_items": [
            {"label": "形貌观察", "unit": "元/小时", "price_yuan": "300", "internal_price_yuan": "150.5"},
            {"label": "能谱分析", "unit": "面议", "note": "按样品复杂程度"},
        ],
    }
    got = client.post("/api/v1/equipment", json=sent, headers=headers).get_json()
    ids = [item["id"] for item in got["fee_items"]]
    assert got["fee_items"] == [
        {
            "id": ids[0],
            "label": "形貌观察",
            "unit": "元/小时",
            "price_yuan": "300.00",
            "internal_price_yuan": "150.50",
            "note": None,
        },
        {
            "id": ids[1],
            "label": "能谱分析",
            "unit": "面议",
            "price_yuan": None,
            "internal_price_yuan": None,
            "note": "按样品复杂程度",
        },
    ]
    assert all(isinstance(n, int) for n in ids) and ids[0] != ids[1]
    # What a client read it may send back as it is: the ids are accepted (and ignored), not refused as
    # unknown.
    url = f"/api/v1/equipment/{got['id']}"
    back = client.patch(url, json={"fee_items": got["fee_items"]}, headers=headers)
    assert back.status_code == 200, back.get_json()
    assert [{k: v for k, v in item.items() if k != "id"} for item in back.get_json()["fee_items"]] == [
        {k: v for k, v in item.items() if k != "id"} for item in got["fee_items"]
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_patch_changes_only_the_fields_sent(client, owner, api_token, make_listing, kind):
    user = owner(kind)
    listing = make_listing(kind, user)
    before = client.get(_url(kind, listing.id), headers=api_token(user)).get_json()
    response = client.patch(
        _url(kind, listing.id), json={TITLE_KEY[kind]: "新的名称"}, headers=api_token(user)
    )
    assert response.status_code == 200, response.get_json()
    after = response.get_json()
    assert after[TITLE_KEY[kind]] == "新的名称"
    changed = {k for k in after if after[k] != before[k]}
    assert changed <= {TITLE_KEY[kind], "title", "updated_at"}


def test_put_replaces_the_whole_listing(client, owner, api_token, make_listing):
    user = owner("achievement")
    listing = make_listing("achievement", user)
    body = {"title": "替换后的成果", "summary": "全新的简介", "field": "光子"}
    got = client.put(_url("achievement", listing.id), json=body, headers=api_token(user)).get_json()
    assert (got["title"], got["field"], got["price_yuan"], got["keywords"], got["patent_numbers"]) == (
        "替换后的成果",
        "光子",
        None,
        [],
        [],
    )


def test_put_without_required_fields_is_422(client, owner, api_token, make_listing):
    user = owner("achievement")
    listing = make_listing("achievement", user)
    fields = field_errors(
        client.put(_url("achievement", listing.id), json={"title": "只有标题"}, headers=api_token(user))
    )
    assert set(fields) == {"summary", "field"}


@pytest.mark.parametrize("kind", KINDS)
def test_published_listing_must_be_withdrawn_before_delete(client, owner, api_token, make_listing, kind):
    user = owner(kind)
    headers = api_token(user)
    listing_id = make_listing(kind, user).id
    assert (
        error_of(client.delete(_url(kind, listing_id), headers=headers), 409)["code"] == "invalid_transition"
    )
    assert (
        client.post(_url(kind, listing_id, "withdraw"), headers=headers).get_json()["status"] == "withdrawn"
    )
    response = client.delete(_url(kind, listing_id), headers=headers)
    assert response.status_code == 204 and response.data == b""
    error_of(client.get(_url(kind, listing_id), headers=headers), 404)
    assert db.session.get(LISTING_MODELS[kind], listing_id) is None


# ---- lifecycle ------------------------------------------------------------------------------------


def test_draft_is_private_until_submitted(client, owner, api_token):
    user = owner("achievement")
    headers = api_token(user)
    draft = client.post(
        "/api/v1/achievements", json={**PAYLOADS["achievement"], "draft": True}, headers=headers
    ).get_json()
    assert draft["status"] == "draft" and draft["published_at"] is None
    error_of(client.get(_url("achievement", draft["id"])), 404)
    assert client.get("/api/v1/achievements").get_json()["meta"]["total"] == 0
    assert [
        i["id"] for i in client.get("/api/v1/achievements?mine=1", headers=headers).get_json()["items"]
    ] == [draft["id"]]

    submitted = client.post(_url("achievement", draft["id"], "submit"), headers=headers).get_json()
    assert submitted["status"] == "published" and submitted["published_at"]
    assert client.get(_url("achievement", draft["id"])).status_code == 200


def test_others_cannot_see_unpublished_listings_by_id_or_by_status_filter(
    client, owner, make_user, make_listing, api_token
):
    user = owner("achievement", verified=False)
    pending = make_listing("achievement", user, title="待审核的成果")
    draft = make_listing("achievement", user, title="草稿成果", submit=False)
    stranger = api_token(make_user("enterprise"))
    for listing in (pending, draft):
        error_of(client.get(_url("achievement", listing.id), headers=stranger), 404)
    for status in ("draft", "pending", "withdrawn", ""):
        for headers in ({}, stranger, api_token(user)):
            assert (
                client.get(f"/api/v1/achievements?status={status}", headers=headers).get_json()["items"] == []
            )
    assert (
        client.get(_url("achievement", pending.id), headers=api_token(user)).get_json()["status"] == "pending"
    )


def test_mine_needs_a_token(client):
    error_of(client.get("/api/v1/demands?mine=1"), 401)


def test_withdraw_hides_and_reopen_returns_to_draft(client, owner, api_token, make_listing):
    user = owner("demand")
    headers = api_token(user)
    listing_id = make_listing("demand", user).id
    assert (
        client.post(_url("demand", listing_id, "withdraw"), headers=headers).get_json()["status"]
        == "withdrawn"
    )
    assert client.get("/api/v1/demands").get_json()["meta"]["total"] == 0
    error_of(client.get(_url("demand", listing_id)), 404)
    assert client.post(_url("demand", listing_id, "reopen"), headers=headers).get_json()["status"] == "draft"


def test_unverified_organisation_waits_for_admin_approval(client, owner, make_user, api_token):
    user, admin = owner("equipment", verified=False), make_user("admin")
    created = client.post("/api/v1/equipment", json=PAYLOADS["equipment"], headers=api_token(user)).get_json()
    assert created["status"] == "pending"
    error_of(client.get(_url("equipment", created["id"])), 404)
    approved = client.post(_url("equipment", created["id"], "approve"), headers=api_token(admin))
    assert approved.status_code == 200 and approved.get_json()["status"] == "published"
    assert client.get(_url("equipment", created["id"])).status_code == 200


def test_reject_needs_a_reason_and_the_owner_sees_it(client, owner, make_user, api_token):
    user, admin = owner("achievement", verified=False), make_user("admin")
    created = client.post(
        "/api/v1/achievements", json=PAYLOADS["achievement"], headers=api_token(user)
    ).get_json()
    assert field_errors(
        client.post(_url("achievement", created["id"], "reject"), headers=api_token(admin))
    ) == {"note": "请填写退回原因"}
    rejected = client.post(
        _url("achievement", created["id"], "reject"),
        json={"note": "请补充专利证书"},
        headers=api_token(admin),
    ).get_json()
    assert (rejected["status"], rejected["review_note"]) == ("draft", "请补充专利证书")
    assert (
        client.get(_url("achievement", created["id"]), headers=api_token(user)).get_json()["review_note"]
        == "请补充专利证书"
    )


def test_admin_can_turn_off_auto_publishing(client, owner, make_user, api_token):
    settings.set_auto_publish_verified(make_user("admin"), False)
    created = client.post(
        "/api/v1/demands", json=PAYLOADS["demand"], headers=api_token(owner("demand"))
    ).get_json()
    assert created["status"] == "pending"


def test_editing_a_published_listing_of_an_unverified_org_sends_it_back_to_review(
    client, owner, make_user, api_token
):
    user, admin = owner("achievement", verified=False), make_user("admin")
    created = client.post(
        "/api/v1/achievements", json=PAYLOADS["achievement"], headers=api_token(user)
    ).get_json()
    client.post(_url("achievement", created["id"], "approve"), headers=api_token(admin))
    edited = client.patch(
        _url("achievement", created["id"]), json={"title": "改名"}, headers=api_token(user)
    ).get_json()
    assert edited["status"] == "pending"


@pytest.mark.parametrize("action", ["withdraw", "reopen", "approve"])
def test_illegal_transition_is_409_and_changes_nothing(client, make_user, make_listing, api_token, action):
    admin = make_user("admin")
    listing = make_listing("achievement", make_user("university"), submit=False)
    error = error_of(client.post(_url("achievement", listing.id, action), headers=api_token(admin)), 409)
    assert "草稿" in error["message"]
    assert db.session.get(Achievement, listing.id).status == "draft"


def test_publishing_a_demand_past_its_deadline_is_refused(client, owner, api_token, make_listing):
    user = owner("demand")
    listing = make_listing("demand", user, submit=False, deadline=(today() + timedelta(days=1)).isoformat())
    db.session.get(Demand, listing.id).deadline = today() - timedelta(days=1)
    db.session.commit()
    assert "deadline" in field_errors(
        client.post(_url("demand", listing.id, "submit"), headers=api_token(user))
    )


# ---- lists: pagination and filters ----------------------------------------------------------------


def test_pagination_walks_every_item_once(client, owner, make_listing):
    user = owner("demand")
    for n in range(25):
        make_listing("demand", user, title=f"需求{n:02d}")
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/demands?page={page}&per_page=10").get_json()
        assert body["meta"] == {"page": page, "per_page": 10, "total": 25}
        seen += [item["title"] for item in body["items"]]
    assert sorted(seen) == [f"需求{n:02d}" for n in range(25)]
    assert client.get("/api/v1/demands?page=4&per_page=10").get_json()["items"] == []


def test_bad_paging_values_are_refused_and_big_pages_capped(client):
    response = client.get("/api/v1/achievements?page=abc&per_page=-3")
    assert set(field_errors(response)) == {"page", "per_page"}
    for query in ("per_page=null", "page=0", "page=1.5", "page=1&page=2", "per_page="):
        assert client.get(f"/api/v1/achievements?{query}").status_code == 422, query
    assert client.get("/api/v1/achievements?per_page=5000").get_json()["meta"]["per_page"] == 100


def _titles(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["meta"]["total"] == len(body["items"])
    return sorted(item.get("title") for item in body["items"])


def test_achievement_filters(client, make_user, make_org, make_listing):
    uni = make_user("university", org=make_org(kind="university", region="沣西"))
    make_listing("achievement", uni, title="甲", field="光子", maturity="实验室", price_yuan="100000")
    make_listing("achievement", uni, title="乙", field="光子", maturity="中试", price_yuan="2000000")
    make_listing(
        "achievement", make_user("university"), title="丙", field="氢能", maturity="中试", price_yuan=None
    )
    assert _titles(client, "/api/v1/achievements?field=光子") == ["乙", "甲"]
    assert _titles(client, "/api/v1/achievements?maturity=中试") == ["丙", "乙"]
    assert _titles(client, "/api/v1/achievements?region=沣西") == ["乙", "甲"]
    assert _titles(client, "/api/v1/achievements?price_max=100000.00") == ["甲"]
    assert _titles(client, "/api/v1/achievements?q=丙") == ["丙"]
    assert _titles(client, "/api/v1/achievements?field=光子&maturity=中试") == ["乙"]


def test_demand_budget_filters_find_overlapping_ranges(client, owner, make_listing):
    user = owner("demand")
    make_listing("demand", user, title="小", budget_min_yuan="10000", budget_max_yuan="50000")
    make_listing("demand", user, title="中", budget_min_yuan="500000", budget_max_yuan="2000000")
    make_listing("demand", user, title="大", budget_min_yuan="5000000", budget_max_yuan=None)
    make_listing("demand", user, title="面议", budget_min_yuan=None, budget_max_yuan=None)
    assert _titles(client, "/api/v1/demands?budget_min=1000000") == ["中", "大", "面议"]
    assert _titles(client, "/api/v1/demands?budget_max=100000") == ["小", "面议"]
    assert _titles(client, "/api/v1/demands?budget_min=600000&budget_max=3000000") == ["中", "面议"]


def test_demand_open_call_and_expired_filters(client, owner, make_listing):
    user = owner("demand")
    make_listing("demand", user, title="揭榜", open_call=True)
    make_listing("demand", user, title="普通")
    late = make_listing("demand", user, title="过期", deadline=(today() + timedelta(days=1)).isoformat())
    db.session.get(Demand, late.id).deadline = today() - timedelta(days=1)
    db.session.commit()
    assert _titles(client, "/api/v1/demands?open_call=true") == ["揭榜"]
    assert _titles(client, "/api/v1/demands") == ["揭榜", "普通"]
    assert _titles(client, "/api/v1/demands?status=expired") == ["过期"]


def test_equipment_category_and_text_filters(client, owner, make_listing):
    user = owner("equipment")
    make_listing("equipment", user, name="透射电子显微镜", category="分析测试")
    make_listing("equipment", user, name="激光共聚焦显微镜", category="光学仪器")
    assert _titles(client, "/api/v1/equipment?category=光学仪器") == ["激光共聚焦显微镜"]
    assert _titles(client, "/api/v1/equipment?q=电子") == ["透射电子显微镜"]


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "field=%E5%85%89%00",
        "category=%00%01",
        "budget_min=abc&price_max=1e999",
        "region=%00",
        "status=%00",
    ],
)
def test_garbage_filters_never_break_the_list(client, owner, make_listing, query):
    make_listing("achievement", owner("achievement"))
    for collection in ("achievements", "demands", "equipment"):
        response = client.get(f"/api/v1/{collection}?{query}")
        assert response.status_code == 200, response.get_json()


# ---- money ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent, shown, fen",
    [
        ("1234567.89", "1234567.89", 123456789),
        (1234567.89, "1234567.89", 123456789),
        ("0.1", "0.10", 10),
        (0.3, "0.30", 30),
        ("999999999999.99", "999999999999.99", 99999999999999),
        ("1,500,000", "1500000.00", 150000000),
        (150000, "150000.00", 15000000),
    ],
)
def test_money_is_exact(client, owner, api_token, sent, shown, fen):
    response = client.post(
        "/api/v1/achievements",
        json={**PAYLOADS["achievement"], "price_yuan": sent},
        headers=api_token(owner("achievement")),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["price_yuan"] == shown
    assert client.get(f"/api/v1/achievements/{response.get_json()['id']}").get_json()["price_yuan"] == shown
    assert db.session.scalar(select(Achievement.price_fen)) == fen


@pytest.mark.parametrize("sent", [0.1 + 0.2, "1.234", "0.001", 1e-7])
def test_money_with_more_than_two_decimals_is_refused(client, owner, api_token, sent):
    before = row_counts()
    response = client.post(
        "/api/v1/demands",
        json={**PAYLOADS["demand"], "budget_min_yuan": sent},
        headers=api_token(owner("demand")),
    )
    assert "两位小数" in field_errors(response)["budget_min_yuan"]
    assert row_counts() == before


def test_fee_item_amounts_add_up_to_the_fen(client, owner, api_token):
    prices = ["0.10", "0.20", "1234567.89", "0.01", "99.99"]
    sent = {
        **PAYLOADS["equipment"],
        "fee_items": [{"label": f"项目{n}", "unit": "元/次", "price_yuan": p} for n, p in enumerate(prices)],
    }
    got = client.post("/api/v1/equipment", json=sent, headers=api_token(owner("equipment"))).get_json()
    assert [item["price_yuan"] for item in got["fee_items"]] == prices
    total = db.session.scalar(select(func.sum(EquipmentFee.price_fen)))
    assert total == sum(int(Decimal(p) * 100) for p in prices) == 123466819


# ---- contact details ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "viewer, sees_contact",
    [
        ("anonymous", False),
        ("unverified", False),
        ("verified_other_org", True),
        ("admin", True),
        ("owner", True),
    ],
)
def test_contact_only_for_verified_users_and_admins(
    client, owner, make_user, make_listing, api_token, viewer, sees_contact
):
    publisher = owner("achievement")
    listing = make_listing("achievement", publisher, contact_name="王老师", contact_phone="029-88880000")
    user = {
        "anonymous": None,
        "unverified": make_user("enterprise", verified=False),
        "verified_other_org": make_user("enterprise"),
        "admin": make_user("admin"),
        "owner": publisher,
    }[viewer]
    headers = api_token(user) if user else {}
    detail = client.get(f"/api/v1/achievements/{listing.id}", headers=headers).get_json()
    listed = client.get("/api/v1/achievements", headers=headers).get_json()["items"][0]
    for body in (detail, listed):
        assert ("contact" in body) is sees_contact
        assert ("029-88880000" in str(body)) is sees_contact
    if sees_contact:
        assert detail["contact"] == {"name": "王老师", "phone": "029-88880000", "email": None}


def test_unverified_publisher_does_not_get_contacts_back_either(client, owner, api_token):
    response = client.post(
        "/api/v1/achievements",
        json=PAYLOADS["achievement"],
        headers=api_token(owner("achievement", verified=False)),
    )
    assert response.status_code == 201 and "contact" not in response.get_json()
