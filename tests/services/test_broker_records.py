"""The broker directory's track record (成交): deals carried to 登记 and registered contract volume."""

from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from market.models import BrokerProfile, Field
from market.services import brokers, contracts, deals


def add_profile(db, user, field="新材料") -> BrokerProfile:
    profile = BrokerProfile(
        user_id=user.id,
        certification_level="intermediate",
        specialties=[db.session.scalar(select(Field).where(Field.name == field))],
    )
    db.session.add(profile)
    db.session.commit()
    return profile


def registered_deal(w, broker, result, amount=None):
    """A deal on the result that the broker carries to 登记 through its contract's registration."""
    deal, _ = deals.open_deal(w.buyer, {"achievement_id": result.id})
    deals.claim_deal(broker, deal.id)
    deals.move_stage(broker, deal.id, "negotiation")
    deals.move_stage(broker, deal.id, "signing")
    if amount:
        contracts.update_contract(broker, deal.contract_id, {"amount": amount})
    contracts.submit_contract(broker, deal.contract_id)
    contracts.register_contract(w.admin, deal.contract_id, {"recognised_amount": "100000"})
    return deal


@pytest.fixture
def w(db, make_user, make_listing, make_contract):
    """Broker A: two registered deals, a terminated one and contracts around them; B: nothing; C: one
    contract."""
    seller, buyer, admin = make_user("university"), make_user("enterprise"), make_user("admin")
    a, b, c = (make_user("broker", display_name=name) for name in ("甲经纪人", "乙经纪人", "丙经纪人"))
    profiles = [add_profile(db, user) for user in (a, b, c)]
    world = SimpleNamespace(seller=seller, buyer=buyer, admin=admin, a=a, b=b, c=c, profiles=profiles)
    results = [make_listing("achievement", seller, title=f"正极材料包覆技术{n}号") for n in range(3)]
    registered_deal(world, a, results[0], amount="1234567.89")
    registered_deal(world, a, results[1])  # the draft takes the result's price: 1500000.00
    dropped, _ = deals.open_deal(buyer, {"achievement_id": results[2].id})
    deals.claim_deal(a, dropped.id)
    deals.move_stage(a, dropped.id, "terminated", reason="price")
    orgs = {"seller": seller.organisation, "buyer": buyer.organisation}
    make_contract(**orgs, author=a, status="registered", broker_id=a.id, number="HT-9", amount="100000.11")
    make_contract(**orgs, author=a, status="submitted", broker_id=a.id, number="HT-10", amount="999999")
    make_contract(**orgs, author=seller, status="registered", broker_id=c.id, number="HT-11", amount="777777")
    return world


A_AMOUNT_FEN = 123_456_789 + 150_000_000 + 10_000_011  # 2,834,568.00 元


def test_track_records_count_registered_deals_and_contracts(w):
    records = brokers.track_records([w.a.id, w.b.id, w.c.id, w.seller.id])
    assert records[w.a.id] == brokers.TrackRecord(
        deals_closed=2, contracts=3, amount_fen=A_AMOUNT_FEN, contracts_via_deals=2
    )
    assert records[w.b.id] == brokers.TrackRecord(0, 0, 0, 0)
    assert records[w.c.id] == brokers.TrackRecord(
        deals_closed=0, contracts=1, amount_fen=77_777_700, contracts_via_deals=0
    )
    assert records[w.seller.id] == brokers.TrackRecord()
    assert brokers.track_records([]) == {}


def test_the_directory_and_profile_pages_show_the_record(client, w):
    html = client.get("/brokers").get_data(as_text=True)
    cards = {name: html[html.index(name) :] for name in ("甲经纪人", "乙经纪人", "丙经纪人")}
    assert (
        "成交：登记技术合同 3 项（其中经平台对接达成 2 项），合同金额 283.46万元"
        in cards["甲经纪人"].split("</div></div></div>")[0]
    )
    assert (
        "成交：登记技术合同 0 项（其中经平台对接达成 0 项），合同金额 0元"
        in cards["乙经纪人"].split("</div></div></div>")[0]
    )
    assert (
        "成交：登记技术合同 1 项（其中经平台对接达成 0 项），合同金额 77.78万元"
        in cards["丙经纪人"].split("</div></div></div>")[0]
    )
    page = client.get(f"/brokers/{w.profiles[0].id}").get_data(as_text=True)
    record = page[page.index('data-testid="track-record"') :]
    assert (
        '登记技术合同</dt><dd class="col-7">3 项<span class="text-muted">（其中经平台对接达成 2 项）'
        in record
    )
    assert "283.46万元" in record and "成交对接" not in page


def test_the_api_gives_the_record_with_exact_amounts(client, w, api_token):
    items = {item["display_name"]: item for item in client.get("/api/v1/brokers").get_json()["items"]}
    assert items["甲经纪人"]["track_record"] == {
        "deals_closed": 2,
        "contracts_registered": 3,
        "contract_amount_fen": A_AMOUNT_FEN,
        "contract_amount_yuan": "2834568.00",
        "contracts_via_deals": 2,
    }
    assert items["乙经纪人"]["track_record"] == {
        "deals_closed": 0,
        "contracts_registered": 0,
        "contract_amount_fen": 0,
        "contract_amount_yuan": "0.00",
        "contracts_via_deals": 0,
    }
    one = client.get(f"/api/v1/brokers/{w.profiles[2].id}").get_json()
    assert one["track_record"]["contract_amount_yuan"] == "777777.00"
    assert one["track_record"]["contracts_registered"] == 1
    changed = client.patch(
        f"/api/v1/brokers/{w.profiles[0].id}", json={"bio": "专注新材料成果转化"}, headers=api_token(w.a)
    )
    assert changed.status_code == 200 and changed.get_json()["track_record"]["deals_closed"] == 2


def test_the_field_filter_keeps_the_records(client, w, db, make_user):
    other = make_user("broker", display_name="丁经纪人")
    add_profile(db, other, field="人工智能")
    items = client.get("/api/v1/brokers", query_string={"field": "人工智能"}).get_json()["items"]
    assert [(i["display_name"], i["track_record"]["deals_closed"]) for i in items] == [("丁经纪人", 0)]


def count_queries(db, call) -> int:
    statements = []

    def remember(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", remember)
    try:
        call()
    finally:
        event.remove(db.engine, "before_cursor_execute", remember)
    return len(statements)


def test_a_page_of_brokers_costs_the_same_queries_however_many_brokers(w, db, make_user, client):
    db.session.expire_all()
    few = count_queries(db, lambda: client.get("/brokers"))
    for n in range(6):
        add_profile(db, make_user("broker"))
    db.session.expire_all()
    many = count_queries(db, lambda: client.get("/brokers"))
    assert many == few
    db.session.expire_all()
    page = brokers.list_brokers({}, 1, 20)
    assert len(page.items) == 9 and all(hasattr(p, "track_record") for p in page.items)


def test_the_directory_finds_brokers_by_name_organisation_or_bio(client, w, db, make_user):
    other = make_user("broker", display_name="孙经纪")
    db.session.add(BrokerProfile(user_id=other.id, bio="专注生物医药技术转移"))
    db.session.commit()
    names = lambda q: [p.user.display_name for p in brokers.list_brokers({"q": q}).items]  # noqa: E731
    assert names("孙经纪") == ["孙经纪"] and names("生物医药") == ["孙经纪"]
    assert names(other.organisation.name) == ["孙经纪"]
    assert names("100%") == []  # a literal, not a pattern
    page = client.get("/brokers?q=生物医药").get_data(as_text=True)
    assert "孙经纪" in page and 'value="生物医药"' in page
    assert [b["display_name"] for b in client.get("/api/v1/brokers?q=孙经纪").get_json()["items"]] == [
        "孙经纪"
    ]


def test_a_broker_whose_contracts_were_registered_without_a_deal_reads_one_consistent_record(
    client, make_user, make_contract, db
):
    """The demo's broker page read "成交对接（已登记）0 项" beside "登记技术合同 13 项": its contracts were
    registered straight into the register, not through a deal. The page now counts the contracts once and says
    how many of them came through a deal."""
    broker = make_user("broker", display_name="戊经纪人")
    profile = add_profile(db, broker)
    seller, buyer = make_user("university").organisation, make_user("enterprise").organisation
    for n in range(13):
        make_contract(seller=seller, buyer=buyer, status="registered", broker_id=broker.id, number=f"HT-D{n}")
    page = client.get(f"/brokers/{profile.id}").get_data(as_text=True)
    record = page[page.index('data-testid="track-record"') :]
    assert "13 项" in record and "（其中经平台对接达成 0 项）" in record and "成交对接" not in page
    assert brokers.get_broker(profile.id).track_record.contracts_via_deals <= 13
