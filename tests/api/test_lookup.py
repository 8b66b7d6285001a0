"""Pick by typing (issue 18, part 6): GET /api/v1/lookup and its page twin GET /lookup find a related result,
demand or deal by name or number, and only among what the person asking may see."""

from sqlalchemy import select

from market.models.contract import Contract
from market.services import deals
from tests.api.conftest import error_of, field_errors


def found(response) -> list[tuple]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return [(item["id"], item["title"], item["org"]) for item in response.get_json()["items"]]


def test_published_results_are_found_by_a_word_of_their_name_with_their_organisation(
    client, make_user, make_listing
):
    owner = make_user("university")
    wanted = make_listing("achievement", owner, title="高镍正极材料包覆技术")
    make_listing("achievement", owner, title="钙钛矿太阳能电池")
    draft = make_listing("achievement", make_user("university"), title="正极材料回收工艺", submit=False)
    items = found(client.get("/api/v1/lookup?kind=achievement&q=正极"))
    assert items == [(wanted.id, "高镍正极材料包覆技术", owner.organisation.name)]  # not another's draft
    assert draft.id not in [i[0] for i in found(client.get("/lookup?kind=achievement&q=正极"))]


def test_a_number_finds_its_row_first_and_owners_and_admins_see_their_drafts(
    client, make_user, make_listing, api_token
):
    owner = make_user("enterprise")
    draft = make_listing("demand", owner, title="寻求储能电池热管理方案", submit=False)
    assert found(client.get(f"/api/v1/lookup?kind=demand&q={draft.id}")) == []
    mine = found(client.get(f"/api/v1/lookup?kind=demand&q={draft.id}", headers=api_token(owner)))
    assert mine[0][0] == draft.id
    admin = found(client.get("/api/v1/lookup?kind=demand&q=热管理", headers=api_token(make_user("admin"))))
    assert [i[0] for i in admin] == [draft.id]


def test_deals_are_found_only_by_their_parties_broker_and_admins(
    client, make_user, make_listing, api_token, login
):
    result = make_listing("achievement", make_user("university"), title="工业机器人视觉定位")
    buyer = make_user("enterprise")
    deal, _ = deals.open_deal(buyer, {"achievement_id": result.id})
    url = "/api/v1/lookup?kind=deal&q=视觉定位"
    assert [i[0] for i in found(client.get(url, headers=api_token(buyer)))] == [deal.id]
    assert found(client.get(url, headers=api_token(make_user("enterprise")))) == []
    assert found(client.get(url)) == []
    login(buyer)
    assert [i[0] for i in found(client.get("/lookup?kind=deal&q=视觉定位"))] == [deal.id]


def test_a_wrong_kind_or_limit_is_refused_and_nothing_typed_finds_nothing(client):
    assert "kind" in field_errors(client.get("/api/v1/lookup?kind=policy&q=x"))
    error_of(client.get("/api/v1/lookup?kind=demand&q=x&limit=500"), 422)
    assert found(client.get("/api/v1/lookup?kind=demand&q=")) == []
    page = client.get("/lookup?kind=nothing&q=x")
    assert page.status_code == 422 and "kind" in page.get_json()["error"]["fields"]


def test_titles_come_back_as_text_for_the_page_to_escape(client, make_user, make_listing, db):
    listing = make_listing("achievement", make_user("university"), title="成果甲")
    listing.title = '<img src=x onerror="alert(1)">成果甲'
    db.session.commit()
    assert found(client.get("/lookup?kind=achievement&q=成果甲"))[0][1] == listing.title
    assert client.get("/lookup?kind=achievement&q=成果甲").headers["Content-Type"] == "application/json"


def test_organisations_and_brokers_are_found_by_name_with_no_contact_detail(
    client, make_org, make_user, api_token, login
):
    verified = make_org(kind="enterprise", name="陕西某新材料有限公司", region="空港")
    make_org(kind="enterprise", name="陕西某新材料待认证公司", verification_state="pending")
    firm = make_org(kind="intermediary", name="西咸新区技术转移中心")
    broker = make_user("broker", org=firm, display_name="李新材")
    asker = make_user("enterprise")

    response = client.get("/api/v1/lookup?kind=organisation&q=新材料", headers=api_token(asker))
    items = response.get_json()["items"]
    assert [(i["id"], i["title"], i["kind_label"], i["region"]) for i in items] == [
        (verified.id, "陕西某新材料有限公司", "企业", "空港")
    ]
    assert items[0]["label"] == "陕西某新材料有限公司（企业）"
    login(asker)
    assert [i["id"] for i in client.get("/lookup?kind=organisation&q=新材料").get_json()["items"]] == [
        verified.id
    ]
    brokers = client.get("/api/v1/lookup?kind=broker&q=技术转移中心").get_json()["items"]
    assert [(i["id"], i["title"], i["org"]) for i in brokers] == [
        (broker.id, "李新材", "西咸新区技术转移中心")
    ]
    text = str(items + brokers)
    assert broker.email not in text and "phone" not in text and "email" not in text


# ---- the contract form: the picked row by name; the number still works without JavaScript ------------------


def test_the_contract_form_names_the_picked_result_and_typing_its_number_still_works(
    client, make_user, make_listing, login, db
):
    author = login(make_user("university"))
    result = make_listing("achievement", author, title="高镍正极材料包覆技术")
    buyer = make_user("enterprise").organisation
    page = client.get(f"/contracts/new?achievement_id={result.id}").get_data(as_text=True)
    assert f'data-pick-shown="高镍正极材料包覆技术（{author.organisation.name}）"' in page
    assert "成果页面地址中的数字" not in page and 'data-pick="achievement"' in page
    from tests.conftest import CONTRACT

    data = {
        **CONTRACT,
        "seller_org_id": author.organisation_id,
        "buyer_org_id": buyer.id,
        "amount_unit": "元",
        "achievement_id": str(result.id),
    }
    assert client.post("/contracts/new", data=data).status_code == 302
    assert db.session.scalar(select(Contract.achievement_id)) == result.id
    wrong = client.post("/contracts/new", data={**data, "achievement_id": "高镍正极", "number": "HT-2"})
    assert wrong.status_code == 422 and "关联科技成果不存在" in wrong.get_data(as_text=True)
