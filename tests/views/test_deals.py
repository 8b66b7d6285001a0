"""The deal pages: 我要对接, the thread and its files, stages, NDA, the broker's lists and the 考核 page."""

import html
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from market.clock import today_in_beijing
from market.models import BrokerProfile, Field, Notification
from market.models.base import utcnow
from market.models.contract import Contract
from market.models.deal import Deal, DealMessage
from market.services import contracts

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _plain(response) -> str:
    """The page's visible text, tags removed."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def _deal(db, deal_id=None) -> Deal | None:
    db.session.expire_all()
    if deal_id is None:
        return db.session.scalar(select(Deal))
    return db.session.get(Deal, deal_id)


@pytest.fixture
def uni(make_user):
    return make_user("university")


@pytest.fixture
def ent(make_user):
    return make_user("enterprise")


@pytest.fixture
def result(make_listing, uni):
    return make_listing("achievement", uni)


@pytest.fixture
def make_broker(make_user, db):
    """A broker with a BrokerProfile in the given fields."""

    def make(*fields):
        broker = make_user("broker")
        specialties = list(db.session.scalars(select(Field).where(Field.name.in_(fields))))
        db.session.add(BrokerProfile(user_id=broker.id, specialties=specialties))
        db.session.commit()
        return broker

    return make


@pytest.fixture
def open_deal(client, login, ent, result, db):
    """The enterprise asks about the university's result through the page; returns the deal."""

    def do(user=ent, listing=result, message="我们想了解这项技术的转让条件", **extra):
        login(user)
        response = client.post(
            "/deals/", data={f"{listing.kind}_id": str(listing.id), "message": message, **extra}
        )
        assert response.status_code == 302, _text(response)[:800]
        client.post("/logout")
        return _deal(db, int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1]))

    return do


def _as(client, login, user):
    client.post("/logout")
    login(user)


# ---- 我要对接 ------------------------------------------------------------------------------------------


def test_enterprise_opens_a_deal_from_the_result_page(client, login, ent, uni, result, db):
    login(ent)
    page = _text(client.get(f"/achievements/{result.id}"))
    assert (
        'data-testid="open-deal-form"' in page
        and f'name="achievement_id" type="hidden" value="{result.id}"' in page
    )
    response = client.post(
        "/deals/", data={"achievement_id": str(result.id), "message": "请问能否独家许可？"}
    )
    assert response.status_code == 302
    deal = _deal(db)
    assert response.headers["Location"].endswith(f"/deals/{deal.id}")
    assert (deal.stage, deal.seller_org_id, deal.buyer_org_id) == (
        "intent",
        uni.organisation_id,
        ent.organisation_id,
    )
    page = _plain(client.get(f"/deals/{deal.id}"))
    assert "已发起对接" in page and "请问能否独家许可？" in page and "待认领" in page
    notes = list(db.session.scalars(select(Notification).where(Notification.category == "deal")))
    assert [n.user_id for n in notes] == [uni.id] and notes[0].link == f"/deals/{deal.id}"


def test_asking_twice_leads_to_the_same_deal(client, login, ent, result, db, open_deal):
    first = open_deal()
    login(ent)
    response = client.post(
        "/deals/", data={"achievement_id": str(result.id), "message": ""}, follow_redirects=True
    )
    assert "已有进行中的对接" in _text(response)
    assert db.session.scalar(select(db.func.count()).select_from(Deal)) == 1
    assert response.request.path == f"/deals/{first.id}"


def test_university_opens_a_deal_on_a_demand(client, login, make_listing, ent, uni, db):
    demand = make_listing("demand", ent)
    login(uni)
    page = _text(client.get(f"/demands/{demand.id}"))
    assert 'data-testid="open-deal-form"' in page
    response = client.post(
        "/deals/", data={"demand_id": str(demand.id), "message": "我校有相关成果"}, follow_redirects=True
    )
    assert "已发起对接" in _text(response)
    deal = _deal(db)
    assert (deal.seller_org_id, deal.buyer_org_id) == (uni.organisation_id, ent.organisation_id)
    assert deal.demand_id == demand.id and deal.achievement_id is None


def test_signed_out_visitor_is_sent_to_login(client, result, db):
    page = _text(client.get(f"/achievements/{result.id}"))
    assert "登录后对接" in page and f"/login?next=/achievements/{result.id}" in page
    assert 'data-testid="open-deal-form"' not in page
    response = client.post("/deals/", data={"achievement_id": str(result.id)})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _deal(db) is None


@pytest.mark.parametrize("who, hint", [("viewer", None), ("unverified", "认证后即可发起对接")])
def test_viewer_and_unverified_cannot_open(client, login, make_user, result, db, who, hint):
    user = make_user("viewer") if who == "viewer" else make_user("enterprise", verified=False)
    login(user)
    page = _text(client.get(f"/achievements/{result.id}"))
    assert 'data-testid="open-deal-form"' not in page
    assert (hint in page) if hint else 'data-testid="deal-entry"' not in page
    assert client.post("/deals/", data={"achievement_id": str(result.id)}).status_code == 403
    assert _deal(db) is None


def test_own_organisations_listing_offers_no_button_and_is_refused(client, login, make_listing, ent, db):
    own = make_listing("achievement", ent)
    login(ent)
    page = _text(client.get(f"/achievements/{own.id}"))
    assert 'data-testid="open-deal-form"' not in page and "这是本单位发布的" in page
    response = client.post("/deals/", data={"achievement_id": str(own.id), "message": "留言保留"})
    assert response.status_code == 422
    assert "不能与本单位对接" in _text(response) and "留言保留" in _text(response)
    assert _deal(db) is None


def test_requested_broker_sees_the_deal_as_claimable(client, login, make_broker, db, open_deal):
    broker = make_broker("人工智能")  # not the deal's field: being asked is enough
    deal = open_deal(requested_broker_id=str(broker.id))
    assert deal.requested_broker_id == broker.id
    login(broker)
    page = _plain(client.get("/deals/claimable"))
    assert deal.title in page and "对接方邀请您" in page


def test_open_form_lists_brokers_of_the_results_field(client, login, make_broker, ent, result):
    in_field, elsewhere = make_broker("新材料"), make_broker("人工智能")
    login(ent)
    page = _text(client.get(f"/achievements/{result.id}"))
    assert f'<option value="{in_field.id}">{in_field.display_name}' in page
    assert f'value="{elsewhere.id}"' not in page


# ---- brokers: claimable, claim ---------------------------------------------------------------------


def test_broker_of_the_field_claims_and_broker_of_another_field_does_not_see_it(
    client, login, make_broker, db, open_deal
):
    deal = open_deal()
    stranger = make_broker("人工智能")
    login(stranger)
    assert deal.title not in _plain(client.get("/deals/claimable"))
    assert client.post(f"/deals/{deal.id}/claim").status_code == 404
    assert client.get(f"/deals/{deal.id}").status_code == 404

    broker = make_broker("新材料")
    _as(client, login, broker)
    page = _plain(client.get("/deals/claimable"))
    assert deal.title in page and "认领" in page
    response = client.post(f"/deals/{deal.id}/claim", follow_redirects=True)
    assert response.request.path == f"/deals/{deal.id}"
    assert "已认领该对接" in _plain(response) and broker.display_name in _plain(response)
    assert _deal(db, deal.id).broker_id == broker.id
    assert deal.title not in _plain(client.get("/deals/claimable"))
    assert deal.title in _plain(client.get("/deals/"))


def test_claimable_page_is_for_brokers_only(client, login, ent):
    login(ent)
    assert client.get("/deals/claimable").status_code == 403


# ---- messages and files ----------------------------------------------------------------------------


def test_file_in_the_thread_downloads_for_parties_and_is_hidden_from_others(
    client, login, make_user, ent, uni, db, open_deal
):
    deal = open_deal()
    login(uni)
    response = client.post(
        f"/deals/{deal.id}/messages",
        data={"body": "附上技术说明书", "file": (io.BytesIO(PDF), "说明书.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = _plain(response)
    assert "留言已发送" in page and "附上技术说明书" in page and "说明书.pdf" in page
    message = db.session.scalar(select(DealMessage).where(DealMessage.filename == "说明书.pdf"))
    url = f"/deals/{deal.id}/messages/{message.id}/file"
    assert url in _text(response)
    for user in (uni, ent):
        _as(client, login, user)
        with client.get(url) as download:
            assert download.status_code == 200 and download.data == PDF
            assert "attachment" in download.headers["Content-Disposition"]
    _as(client, login, make_user("enterprise"))
    assert client.get(url).status_code == 404
    assert client.get(f"/deals/{deal.id}").status_code == 404


def test_a_file_that_is_not_what_it_claims_is_refused_and_the_text_kept(client, login, ent, db, open_deal):
    deal = open_deal()
    login(ent)
    response = client.post(
        f"/deals/{deal.id}/messages",
        data={"body": "请看附件", "file": (io.BytesIO(b"MZ\x90\x00evil"), "报价.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    page = _text(response)
    assert "文件内容与扩展名不符" in page and "请看附件" in page
    assert (
        db.session.scalar(
            select(db.func.count()).select_from(DealMessage).where(DealMessage.body == "请看附件")
        )
        == 0
    )


def test_broker_notes_are_not_shown_to_the_parties(client, login, make_broker, ent, uni, db, open_deal):
    deal = open_deal()
    broker = make_broker("新材料")
    login(broker)
    client.post(f"/deals/{deal.id}/claim")
    response = client.post(
        f"/deals/{deal.id}/notes", data={"kind": "call", "body": "对方报价底线80万"}, follow_redirects=True
    )
    page = _plain(response)
    assert "已记录：电话沟通" in page and "对方报价底线80万" in page and "内部记录 · 电话沟通" in page
    for party in (ent, uni):
        _as(client, login, party)
        page = _plain(client.get(f"/deals/{deal.id}"))
        assert "对方报价底线80万" not in page and 'data-testid="note-form"' not in _text(
            client.get(f"/deals/{deal.id}")
        )
        assert client.post(f"/deals/{deal.id}/notes", data={"kind": "call", "body": "x"}).status_code == 403


# ---- stages ----------------------------------------------------------------------------------------


def test_stages_move_one_at_a_time_and_termination_needs_a_reason(client, login, ent, db, open_deal):
    deal = open_deal()
    login(ent)
    page = _plain(client.get(f"/deals/{deal.id}"))
    assert "推进到下一阶段：对接洽谈" in page
    response = client.post(f"/deals/{deal.id}/stage", data={"to": "signing"}, follow_redirects=True)
    assert "对接处于“意向”阶段，不能变为“签约”" in _plain(response)
    assert _deal(db, deal.id).stage == "intent"

    response = client.post(f"/deals/{deal.id}/stage", data={"to": "negotiation"}, follow_redirects=True)
    assert "对接已进入“对接洽谈”阶段" in _plain(response) and _deal(db, deal.id).stage == "negotiation"

    response = client.post(
        f"/deals/{deal.id}/stage", data={"to": "terminated", "reason": "", "note": "对方不再回复"}
    )
    assert response.status_code == 422
    assert "请选择终止原因" in _plain(response) and "对方不再回复" in _text(response)
    assert _deal(db, deal.id).stage == "negotiation"

    response = client.post(
        f"/deals/{deal.id}/stage",
        data={"to": "terminated", "reason": "price", "note": "差距过大"},
        follow_redirects=True,
    )
    page = _plain(response)
    assert "对接已终止" in page and "价格未谈拢" in page and "差距过大" in page
    assert "推进到下一阶段" not in page and "终止对接" not in page
    moved = _deal(db, deal.id)
    assert (moved.stage, moved.termination_reason) == ("terminated", "price")
    response = client.post(f"/deals/{deal.id}/stage", data={"to": "negotiation"}, follow_redirects=True)
    assert "不能变为" in _plain(response) and _deal(db, deal.id).stage == "terminated"


def test_signing_opens_a_contract_draft_and_its_registration_reaches_登记(
    client, login, make_user, ent, uni, db, open_deal
):
    deal = open_deal()
    login(ent)
    client.post(f"/deals/{deal.id}/stage", data={"to": "negotiation"})
    response = client.post(f"/deals/{deal.id}/stage", data={"to": "signing"}, follow_redirects=True)
    page = _plain(response)
    assert "已生成合同草稿" in page and "管理员登记合同后，对接自动进入“登记”阶段" in page
    signed = _deal(db, deal.id)
    contract = db.session.get(Contract, signed.contract_id)
    assert signed.stage == "signing" and contract.status == "draft"
    assert (contract.seller_org_id, contract.buyer_org_id, contract.achievement_id) == (
        uni.organisation_id,
        ent.organisation_id,
        deal.achievement_id,
    )
    assert f'href="/contracts/{contract.id}"' in _text(response)
    assert "推进到下一阶段" not in page

    contracts.submit_contract(ent, contract.id)
    contracts.register_contract(make_user("admin"), contract.id, {"recognised_amount": "1500000"})
    page = _plain(client.get(f"/deals/{deal.id}"))
    assert _deal(db, deal.id).stage == "registered" and "合同已登记，对接完成" in page


# ---- NDA and confidential details ------------------------------------------------------------------


def test_nda_unlocks_the_confidential_details_for_that_party_only(
    client, login, make_user, make_broker, ent, result, db, open_deal
):
    result.confidential_details = "包覆层厚度 8–12 nm，前驱体配方见附件"
    db.session.commit()
    deal = open_deal()
    other = make_user("enterprise")
    open_deal(user=other)
    broker = make_broker("新材料")
    login(broker)
    client.post(f"/deals/{deal.id}/claim")

    _as(client, login, ent)
    page = _plain(client.get(f"/deals/{deal.id}"))
    assert "包覆层厚度" not in page and "签署保密协议后即可在此查看" in page and "同意并签署" in page
    response = client.post(f"/deals/{deal.id}/nda", follow_redirects=True)
    page = _plain(response)
    assert "已签署保密协议" in page and "包覆层厚度 8–12 nm" in page
    assert (
        f"{ent.organisation.name}：已签署" in page and ent.display_name in page and "同意并签署" not in page
    )

    _as(client, login, broker)
    assert "包覆层厚度" not in _plain(client.get(f"/deals/{deal.id}"))
    _as(client, login, other)
    other_deal = db.session.scalar(select(Deal).where(Deal.buyer_org_id == other.organisation_id))
    assert "包覆层厚度" not in _plain(client.get(f"/deals/{other_deal.id}"))


# ---- lists, board, stale ---------------------------------------------------------------------------


def test_list_and_board_highlight_stale_deals(
    client, login, make_user, make_listing, ent, uni, db, open_deal
):
    quiet = open_deal()
    fresh = open_deal(listing=make_listing("achievement", uni, title="柔性钙钛矿光伏组件封装技术"))
    db.session.get(Deal, quiet.id).last_activity_at = utcnow() - timedelta(days=20, hours=1)
    db.session.commit()
    login(ent)
    page = _plain(client.get("/deals/"))
    assert "20 天无进展" in page and fresh.title in page and page.count("天无进展") == 1
    page = _plain(client.get("/deals/?stale=1"))
    assert quiet.title in page and fresh.title not in page
    page = _plain(client.get("/deals/?stage=negotiation"))
    assert "没有符合筛选条件的对接" in page
    board = _text(client.get("/deals/board"))
    intent_column = board.split('data-testid="board-column-intent"')[1].split("board-column-negotiation")[0]
    assert quiet.title in intent_column and fresh.title in intent_column and "20 天无进展" in intent_column
    assert uni.organisation.name in intent_column  # the other party


def test_empty_list_explains_how_to_start(client, login, ent):
    login(ent)
    page = _plain(client.get("/deals/"))
    assert "还没有对接" in page and "我要对接" in page
    assert "还没有对接" in _plain(client.get("/deals/board"))


# ---- broker assignment and next action ------------------------------------------------------------


def test_party_asks_a_broker_and_admin_assigns_one(client, login, make_user, make_broker, ent, db, open_deal):
    deal = open_deal()
    asked, assigned = make_broker("新材料"), make_broker("人工智能")
    login(ent)
    response = client.post(
        f"/deals/{deal.id}/broker-request", data={"broker_id": str(asked.id)}, follow_redirects=True
    )
    assert "已邀请该技术经纪人" in _plain(response) and f"已邀请 {asked.display_name}" in _plain(response)
    assert client.post(f"/deals/{deal.id}/broker", data={"broker_id": str(assigned.id)}).status_code == 403

    _as(client, login, make_user("admin"))
    response = client.post(f"/deals/{deal.id}/broker", data={"broker_id": ""})
    assert response.status_code == 422 and "请选择技术经纪人" in _plain(response)
    response = client.post(
        f"/deals/{deal.id}/broker", data={"broker_id": str(assigned.id)}, follow_redirects=True
    )
    assert f"已指派技术经纪人：{assigned.display_name}" in _plain(response)
    assert _deal(db, deal.id).broker_id == assigned.id


def test_broker_sets_the_next_action_shown_on_the_list(client, login, make_broker, ent, db, open_deal):
    deal = open_deal()
    broker = make_broker("新材料")
    login(broker)
    client.post(f"/deals/{deal.id}/claim")
    response = client.post(
        f"/deals/{deal.id}/next-action",
        data={"next_action": "安排双方现场考察", "next_action_due": "2026-13-01"},
    )
    assert (
        response.status_code == 422
        and "截止日期格式应为" in _plain(response)
        and "安排双方现场考察" in _text(response)
    )
    far = client.post(
        f"/deals/{deal.id}/next-action",
        data={"next_action": "安排双方现场考察", "next_action_due": "2099-05-20"},
    )
    assert far.status_code == 422 and "最多3年后" in _plain(far)  # a typo for a year, not a plan
    due = (today_in_beijing() + timedelta(days=60)).isoformat()
    client.post(
        f"/deals/{deal.id}/next-action", data={"next_action": "安排双方现场考察", "next_action_due": due}
    )
    page = _plain(client.get("/deals/"))
    assert "下一步：安排双方现场考察" in page and due in page
    _as(client, login, ent)
    assert client.post(f"/deals/{deal.id}/next-action", data={"next_action": "x"}).status_code == 403


# ---- performance -----------------------------------------------------------------------------------


def test_performance_admin_sees_every_broker_broker_only_self(
    client, login, make_user, make_broker, ent, open_deal
):
    deal = open_deal()
    one, two = make_broker("新材料"), make_broker("人工智能")
    login(one)
    client.post(f"/deals/{deal.id}/claim")

    _as(client, login, make_user("admin"))
    page = _text(client.get("/deals/performance"))
    rows = page.count('data-testid="performance-row"')
    assert rows == 2 and one.display_name in page and two.display_name in page

    _as(client, login, one)
    response = client.get("/deals/performance")
    page = _text(response)
    assert response.status_code == 200 and page.count('data-testid="performance-row"') == 1
    assert one.display_name in page and two.display_name not in page
    row = page.split('data-testid="performance-row"')[1].split("</tr>")[0]
    assert re.search(r'<td class="text-end"[^>]*>1</td>', row)  # one deal assigned this year
    response = client.get("/deals/performance?from=2026-12-31&to=2026-01-01")
    assert response.status_code == 422 and "结束日期不能早于开始日期" in _plain(response)

    _as(client, login, ent)
    assert client.get("/deals/performance").status_code == 403


def test_match_queue_links_to_the_deal_a_decision_opened(client, login, make_broker, db, open_deal):
    deal = open_deal()
    login(make_broker("新材料"))
    page = _text(client.get(f"/my/matches?deal={deal.id}"))
    assert f'href="/deals/{deal.id}"' in page
