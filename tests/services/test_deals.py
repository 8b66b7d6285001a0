"""Deals: the stage machine, who may do what, opening, claiming, files, notes, NDA, stale deals and 考核
figures."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select, update

from market.clock import BEIJING
from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.models import BrokerProfile, Field, Notification
from market.models.base import utcnow
from market.models.contract import Contract
from market.models.deal import Deal, DealEvent, DealMessage, DealNda
from market.services import contracts, deals
from market.services.settings import DEAL_STALE_DAYS
from market.storage import attachment_dir

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"
ZIP = b"PK\x03\x04" + b"\x00" * 40
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def field_named(db, name="新材料") -> Field:
    return db.session.scalar(select(Field).where(Field.name == name))


def add_profile(db, broker, *field_names) -> None:
    db.session.add(BrokerProfile(user_id=broker.id, specialties=[field_named(db, n) for n in field_names]))
    db.session.commit()


@pytest.fixture
def w(make_user, make_listing, db):
    """A result of a university, a demand of an enterprise, a broker in 新材料 and everyone around them."""
    seller = make_user("university")
    buyer = make_user("enterprise")
    broker = make_user("broker")
    add_profile(db, broker, "新材料")
    world = SimpleNamespace(
        seller=seller,
        buyer=buyer,
        broker=broker,
        seller_colleague=make_user("university", org=seller.organisation),
        buyer_colleague=make_user("enterprise", org=buyer.organisation),
        other_broker=make_user("broker"),
        other_org=make_user("enterprise"),
        viewer=make_user("viewer"),
        admin=make_user("admin"),
        anonymous=AnonymousUserMixin(),
        result=make_listing("achievement", seller),
        demand=make_listing("demand", buyer),
    )
    assert world.result.status == "published" and world.demand.status == "published"
    return world


def row(db, deal_id) -> dict:
    """The deal as the database has it now (not the session's copy)."""
    table = Deal.__table__
    return dict(db.session.execute(select(table).where(table.c.id == deal_id)).mappings().one())


def events(db, deal_id) -> list[tuple]:
    return [
        (e.kind, e.from_stage, e.to_stage)
        for e in db.session.scalars(
            select(DealEvent).where(DealEvent.deal_id == deal_id).order_by(DealEvent.id)
        )
    ]


def count(db, model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def ask(w, **extra):
    """The enterprise asks about the university's result (我要对接)."""
    deal, is_new = deals.open_deal(w.buyer, {"achievement_id": w.result.id, **extra})
    assert is_new
    return deal


def with_broker(w):
    deal = ask(w)
    deals.claim_deal(w.broker, deal.id)
    return deal


def register(w, deal) -> Contract:
    contracts.submit_contract(w.seller, deal.contract_id)
    return contracts.register_contract(w.admin, deal.contract_id, {"recognised_amount": "1000000"})


def deal_at(w, stage: str) -> Deal:
    deal = with_broker(w)
    if stage == "terminated":
        return deals.move_stage(w.broker, deal.id, "terminated", reason="price")
    steps = {
        "intent": [],
        "negotiation": ["negotiation"],
        "signing": ["negotiation", "signing"],
        "registered": ["negotiation", "signing"],
    }[stage]
    for step in steps:
        deals.move_stage(w.broker, deal.id, step)
    if stage == "registered":
        register(w, deal)
    return deal


# ---- the stage machine ---------------------------------------------------------------------------------


def test_deal_walks_every_stage_to_registered_with_an_event_each(w, db):
    deal = with_broker(w)
    assert row(db, deal.id)["stage"] == "intent"
    deals.move_stage(w.seller, deal.id, "negotiation")
    assert row(db, deal.id)["stage"] == "negotiation"
    deals.move_stage(w.broker, deal.id, "signing")
    stored = row(db, deal.id)
    assert stored["stage"] == "signing" and stored["contract_id"] is not None
    register(w, deal)
    assert row(db, deal.id)["stage"] == "registered"
    assert events(db, deal.id) == [
        ("opened", None, "intent"),
        ("broker", None, None),
        ("stage", "intent", "negotiation"),
        ("stage", "negotiation", "signing"),
        ("stage", "signing", "registered"),
    ]
    last = db.session.scalars(
        select(DealEvent).where(DealEvent.deal_id == deal.id).order_by(DealEvent.id.desc())
    ).first()
    assert last.actor_id == w.admin.id


@pytest.mark.parametrize("stage", ["intent", "negotiation", "signing"])
def test_an_open_deal_can_be_terminated_with_a_reason(w, db, stage):
    deal = deal_at(w, stage)
    deals.move_stage(w.buyer, deal.id, "terminated", reason="价格未谈拢", note="  报价差距太大  ")
    stored = row(db, deal.id)
    assert (stored["stage"], stored["termination_reason"], stored["termination_note"]) == (
        "terminated",
        "price",
        "报价差距太大",
    )
    assert events(db, deal.id)[-1] == ("stage", stage, "terminated")


ILLEGAL = [
    ("intent", "signing"),
    ("intent", "registered"),
    ("intent", "intent"),
    ("negotiation", "intent"),
    ("negotiation", "registered"),
    ("negotiation", "negotiation"),
    ("signing", "negotiation"),
    ("signing", "intent"),
    ("signing", "registered"),
    ("signing", "signing"),
] + [
    (closed, to)
    for closed in ("registered", "terminated")
    for to in ("intent", "negotiation", "signing", "registered", "terminated")
]


@pytest.mark.parametrize("start,to", ILLEGAL)
def test_illegal_moves_are_refused_and_change_nothing(w, db, start, to):
    deal = deal_at(w, start)
    before, trail = row(db, deal.id), events(db, deal.id)
    contracts_before = count(db, Contract)
    with pytest.raises(InvalidTransition) as exc:
        deals.move_stage(w.admin, deal.id, to, reason="price")
    assert exc.value.status == 409 and exc.value.message
    assert row(db, deal.id) == before
    assert events(db, deal.id) == trail
    assert count(db, Contract) == contracts_before


def test_registered_cannot_be_set_by_hand(w, db):
    deal = deal_at(w, "signing")
    with pytest.raises(InvalidTransition) as exc:
        deals.move_stage(w.broker, deal.id, "registered")
    assert "合同登记后" in exc.value.message
    assert row(db, deal.id)["stage"] == "signing"


@pytest.mark.parametrize("to", ["done", "", None, ["negotiation"], {"stage": "negotiation"}, 3])
def test_an_unknown_stage_is_a_validation_error(w, db, to):
    deal = with_broker(w)
    with pytest.raises(ValidationFailed) as exc:
        deals.move_stage(w.broker, deal.id, to)
    assert "阶段" in exc.value.fields["stage"]
    assert row(db, deal.id)["stage"] == "intent"


@pytest.mark.parametrize("reason", [None, "", "bored", ["price"]])
def test_terminating_needs_a_known_reason(w, db, reason):
    deal = with_broker(w)
    with pytest.raises(ValidationFailed) as exc:
        deals.move_stage(w.broker, deal.id, "terminated", reason=reason)
    assert "终止原因" in exc.value.fields["reason"]
    stored = row(db, deal.id)
    assert stored["stage"] == "intent" and stored["termination_reason"] is None


def test_signing_opens_a_prefilled_contract_draft(w, db):
    deal = with_broker(w)
    deals.move_stage(w.broker, deal.id, "negotiation")
    deals.move_stage(w.buyer, deal.id, "signing")
    contract = db.session.get(Contract, row(db, deal.id)["contract_id"])
    assert contract.status == "draft"
    assert (contract.seller_org_id, contract.buyer_org_id) == (
        w.seller.organisation_id,
        w.buyer.organisation_id,
    )
    assert contract.broker_id == w.broker.id
    assert contract.achievement_id == w.result.id and contract.demand_id is None
    assert contract.field == "新材料"
    assert contract.amount_fen == w.result.price_fen == 150_000_000
    assert (contract.contract_type, contract.subtype) == ("transfer", "patent")
    assert contract.title == deal.title
    # the parties see and edit it in the register
    assert contracts.get_contract(w.seller, contract.id).id == contract.id
    contracts.update_contract(w.seller, contract.id, {"amount": "1200000"})


def test_the_draft_amount_is_the_price_to_the_fen(w, db, make_listing):
    result = make_listing("achievement", w.seller, title="另一项成果", price_yuan="987654321.07")
    deal = ask_about(w.buyer, result)
    deals.move_stage(w.buyer, deal.id, "negotiation")
    deals.move_stage(w.buyer, deal.id, "signing")
    assert db.session.get(Contract, row(db, deal.id)["contract_id"]).amount_fen == 98_765_432_107


def test_a_pair_deal_links_both_listings_in_its_contract(w, db):
    deal, _ = deals.open_deal(w.broker, {"achievement_id": w.result.id, "demand_id": w.demand.id})
    deals.move_stage(w.broker, deal.id, "negotiation")
    deals.move_stage(w.broker, deal.id, "signing")
    contract = db.session.get(Contract, row(db, deal.id)["contract_id"])
    assert (contract.achievement_id, contract.demand_id, contract.broker_id) == (
        w.result.id,
        w.demand.id,
        w.broker.id,
    )


def test_registering_the_deals_contract_moves_the_deal_to_registered(w, db):
    deal = deal_at(w, "signing")
    contract_id = row(db, deal.id)["contract_id"]
    contracts.submit_contract(w.seller, contract_id)
    assert row(db, deal.id)["stage"] == "signing"  # submitting is not registering
    contracts.register_contract(w.admin, contract_id, {"recognised_amount": "1000000"})
    assert row(db, deal.id)["stage"] == "registered"
    assert events(db, deal.id)[-1] == ("stage", "signing", "registered")
    titles = set(db.session.scalars(select(Notification.title).where(Notification.user_id == w.broker.id)))
    assert any("已登记" in t for t in titles)


def test_registering_an_unrelated_contract_leaves_deals_alone(w, db, make_contract):
    deal = deal_at(w, "signing")
    make_contract(
        seller=w.seller.organisation, buyer=w.buyer.organisation, author=w.seller, status="registered"
    )
    assert row(db, deal.id)["stage"] == "signing"


def test_a_terminated_deals_contract_registered_later_does_not_reopen_it(w, db):
    deal = deal_at(w, "signing")
    contract_id = row(db, deal.id)["contract_id"]
    deals.move_stage(w.broker, deal.id, "terminated", reason="other")
    contracts.submit_contract(w.seller, contract_id)
    contracts.register_contract(w.admin, contract_id, {"recognised_amount": "1000000"})
    assert row(db, deal.id)["stage"] == "terminated"


# ---- permissions ---------------------------------------------------------------------------------------

ACTORS = ("seller", "buyer", "broker", "other_broker", "other_org", "viewer", "admin", "anonymous")
PARTIES_BROKER_ADMIN = {"seller": None, "buyer": None, "broker": None, "admin": None}


OPERATIONS = {
    # name: (call, expected outcome for the actors that may act; everyone else gets NotFound)
    "get": (lambda d, a: deals.get_deal(a, d.id), PARTIES_BROKER_ADMIN),
    "thread": (lambda d, a: deals.thread(a, d.id), PARTIES_BROKER_ADMIN),
    "move": (lambda d, a: deals.move_stage(a, d.id, "negotiation"), PARTIES_BROKER_ADMIN),
    "post": (lambda d, a: deals.post_message(a, d.id, "您好，想进一步了解"), PARTIES_BROKER_ADMIN),
    "note": (
        lambda d, a: deals.add_note(a, d.id, "call", "电话沟通了报价"),
        {"seller": PermissionDenied, "buyer": PermissionDenied, "broker": None, "admin": None},
    ),
    "next_action": (
        lambda d, a: deals.set_next_action(
            a, d.id, {"next_action": "约见面", "next_action_due": "2027-01-10"}
        ),
        {"seller": PermissionDenied, "buyer": PermissionDenied, "broker": None, "admin": None},
    ),
    "nda": (
        lambda d, a: deals.accept_nda(a, d.id),
        {"seller": None, "buyer": None, "broker": PermissionDenied, "admin": PermissionDenied},
    ),
    # a broker is requested while none is assigned: "broker" here is a broker not (yet) on the deal
    "request": (
        lambda d, a: deals.request_broker(a, d.id, d._spare_broker_id),
        {"seller": None, "buyer": None, "admin": None},
    ),
}


def _state(db, deal_id) -> tuple:
    return (
        row(db, deal_id),
        events(db, deal_id),
        count(db, DealMessage, deal_id=deal_id),
        count(db, DealNda, deal_id=deal_id),
    )


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_permission_grid(w, db, make_user, operation, actor):
    call, allowed = OPERATIONS[operation]
    deal = ask(w)
    if operation != "request":
        deals.claim_deal(w.broker, deal.id)
    deal._spare_broker_id = make_user("broker").id
    person = getattr(w, actor)
    expected = allowed.get(actor, NotFound)
    before = _state(db, deal.id)
    if expected is None:
        call(deal, person)
        return
    with pytest.raises(expected):
        call(deal, person)
    assert _state(db, deal.id) == before


@pytest.mark.parametrize("actor", ["seller", "buyer", "other_org", "viewer", "anonymous"])
def test_only_brokers_claim(w, db, actor):
    deal = ask(w)
    with pytest.raises(PermissionDenied):
        deals.claim_deal(getattr(w, actor), deal.id)
    assert row(db, deal.id)["broker_id"] is None


@pytest.mark.parametrize("actor", ["seller", "buyer", "broker", "other_org", "viewer", "anonymous"])
def test_only_admins_assign_brokers(w, db, actor):
    deal = ask(w)
    with pytest.raises(PermissionDenied):
        deals.assign_broker(getattr(w, actor), deal.id, w.broker.id)
    assert row(db, deal.id)["broker_id"] is None


def test_admin_assigns_and_changes_the_broker(w, db):
    deal = with_broker(w)
    deals.assign_broker(w.admin, deal.id, w.other_broker.id)
    stored = row(db, deal.id)
    assert stored["broker_id"] == w.other_broker.id and stored["broker_assigned_at"] is not None
    # the new broker now sees the deal; the old one no longer does
    assert deals.get_deal(w.other_broker, deal.id).id == deal.id
    with pytest.raises(NotFound):
        deals.get_deal(w.broker, deal.id)
    with pytest.raises(ValidationFailed) as exc:
        deals.assign_broker(w.admin, deal.id, w.buyer.id)
    assert exc.value.fields["broker_id"] == "技术经纪人不存在"
    deals.move_stage(w.admin, deal.id, "terminated", reason="ip")
    with pytest.raises(InvalidTransition):
        deals.assign_broker(w.admin, deal.id, w.broker.id)
    assert row(db, deal.id)["broker_id"] == w.other_broker.id


def test_a_party_requests_a_broker_who_is_notified_and_can_claim(w, db):
    deal = ask(w)
    deals.request_broker(w.buyer, deal.id, w.other_broker.id)  # no specialty in 新材料
    assert row(db, deal.id)["requested_broker_id"] == w.other_broker.id
    assert count(db, Notification, user_id=w.other_broker.id) == 1
    assert [d.id for d in deals.claimable_deals(w.other_broker).items] == [deal.id]
    deals.claim_deal(w.other_broker, deal.id)
    with pytest.raises(InvalidTransition):
        deals.request_broker(w.buyer, deal.id, w.broker.id)  # it has one now


# ---- opening -------------------------------------------------------------------------------------------


def test_an_enterprise_asks_about_a_result(w, db):
    deal, is_new = deals.open_deal(
        w.buyer, {"achievement_id": str(w.result.id), "message": "  想了解中试数据  "}
    )
    stored = row(db, deal.id)
    assert is_new
    assert (stored["seller_org_id"], stored["buyer_org_id"]) == (
        w.seller.organisation_id,
        w.buyer.organisation_id,
    )
    assert (stored["stage"], stored["broker_id"], stored["opened_by_id"]) == ("intent", None, w.buyer.id)
    assert stored["field_id"] == w.result.field_id
    assert events(db, deal.id) == [("opened", None, "intent")]
    assert [m.body for m in deals.thread(w.seller, deal.id)] == ["想了解中试数据"]
    # the seller's people hear of it; the asker does not notify themself
    assert count(db, Notification, user_id=w.seller.id, category="deal") == 1
    assert count(db, Notification, user_id=w.buyer.id, category="deal") == 0


def test_a_university_offers_on_a_demand(w, db):
    deal, is_new = deals.open_deal(w.seller, {"demand_id": w.demand.id})
    stored = row(db, deal.id)
    assert is_new and (stored["seller_org_id"], stored["buyer_org_id"]) == (
        w.seller.organisation_id,
        w.buyer.organisation_id,
    )
    assert stored["demand_id"] == w.demand.id and stored["achievement_id"] is None


def test_a_broker_opens_a_pair_and_carries_it(w, db):
    deal, is_new = deals.open_deal(w.broker, {"achievement_id": w.result.id, "demand_id": w.demand.id})
    stored = row(db, deal.id)
    assert is_new and stored["broker_id"] == w.broker.id and stored["broker_assigned_at"] is not None
    assert (stored["seller_org_id"], stored["buyer_org_id"]) == (
        w.seller.organisation_id,
        w.buyer.organisation_id,
    )
    with pytest.raises(ValidationFailed) as exc:
        deals.open_deal(w.broker, {"achievement_id": w.result.id})
    assert "同时指明" in exc.value.fields["demand_id"]


def test_asking_about_an_own_listing_is_refused(w, db, make_listing):
    with pytest.raises(ValidationFailed) as exc:
        deals.open_deal(w.seller, {"achievement_id": w.result.id})
    assert exc.value.fields["achievement_id"] == "不能与本单位对接"
    with pytest.raises(ValidationFailed):
        deals.open_deal(w.buyer, {"demand_id": w.demand.id})
    own_result = make_listing("achievement", w.buyer)
    with pytest.raises(ValidationFailed):
        deals.open_deal(w.buyer_colleague, {"achievement_id": own_result.id})
    assert count(db, Deal) == 0


@pytest.mark.parametrize("raw", ["unpublished", "missing", "garbage", "huge"])
def test_only_published_listings_can_be_asked_about(w, db, make_listing, raw):
    draft = make_listing("achievement", w.seller, submit=False)
    assert draft.status == "draft"
    value = {"unpublished": draft.id, "missing": 999999, "garbage": "abc", "huge": 2**40}[raw]
    with pytest.raises(ValidationFailed) as exc:
        deals.open_deal(w.buyer, {"achievement_id": value})
    assert exc.value.fields["achievement_id"] == "该科技成果不存在或未发布"
    assert count(db, Deal) == 0


def test_a_listing_must_be_named(w, db):
    with pytest.raises(ValidationFailed) as exc:
        deals.open_deal(w.buyer, {})
    assert "请指明" in exc.value.fields["achievement_id"]


@pytest.mark.parametrize("who", ["viewer", "unverified", "anonymous", "none"])
def test_viewers_unverified_and_anonymous_users_cannot_open_deals(w, db, make_user, who):
    actor = {
        "viewer": w.viewer,
        "anonymous": w.anonymous,
        "none": None,
        "unverified": make_user("enterprise", verified=False) if who == "unverified" else None,
    }[who]
    with pytest.raises(PermissionDenied):
        deals.open_deal(actor, {"achievement_id": w.result.id})
    assert count(db, Deal) == 0


def test_asking_twice_leads_to_the_open_deal(w, db):
    deal = ask(w)
    again, is_new = deals.open_deal(w.buyer_colleague, {"achievement_id": w.result.id})
    assert again.id == deal.id and not is_new
    assert count(db, Deal) == 1 and events(db, deal.id) == [("opened", None, "intent")]
    # what was written with the second question is not lost: it goes into the open deal's thread
    deals.open_deal(w.buyer_colleague, {"achievement_id": w.result.id, "message": "再问一次：能否许可？"})
    assert [m.body for m in deals.thread(w.seller, deal.id)] == ["再问一次：能否许可？"]
    assert events(db, deal.id)[-1] == ("message", None, None)
    assert count(db, Deal) == 1
    # another organisation asking about the same result gets its own deal
    other, is_new = deals.open_deal(w.other_org, {"achievement_id": w.result.id})
    assert is_new and other.id != deal.id
    # once the deal is closed, asking again opens a new one
    deals.move_stage(w.buyer, deal.id, "terminated", reason="need_changed")
    fresh, is_new = deals.open_deal(w.buyer, {"achievement_id": w.result.id})
    assert is_new and fresh.id not in (deal.id, other.id)


def test_open_deal_checks_the_message_and_the_requested_broker(w, db):
    with pytest.raises(ValidationFailed) as exc:
        deals.open_deal(
            w.buyer,
            {"achievement_id": w.result.id, "message": "长" * 5001, "requested_broker_id": w.seller.id},
        )
    assert set(exc.value.fields) == {"message", "requested_broker_id"}
    deal, _ = deals.open_deal(
        w.buyer, {"achievement_id": w.result.id, "requested_broker_id": w.other_broker.id}
    )
    assert row(db, deal.id)["requested_broker_id"] == w.other_broker.id
    assert count(db, Notification, user_id=w.other_broker.id) == 1


def test_a_broker_pairing_a_deal_another_broker_carries_changes_nothing(w, db):
    deal, is_new = deals.open_deal(w.other_broker, {"achievement_id": w.result.id, "demand_id": w.demand.id})
    with pytest.raises(InvalidTransition) as exc:
        deals.open_deal(
            w.broker, {"achievement_id": w.result.id, "demand_id": w.demand.id, "message": "我来跟进"}
        )
    assert "其他技术经纪人" in exc.value.message
    assert row(db, deal.id)["broker_id"] == w.other_broker.id
    assert count(db, DealMessage, deal_id=deal.id) == 0  # an outsider cannot write in it this way
    with pytest.raises(NotFound):
        deals.get_deal(w.broker, deal.id)


def test_a_broker_accepting_a_pair_someone_already_asked_about_becomes_its_broker(w, db):
    deal, _ = deals.open_deal(w.buyer, {"achievement_id": w.result.id, "demand_id": w.demand.id})
    assert row(db, deal.id)["broker_id"] is None
    again, is_new = deals.open_deal(
        w.broker, {"achievement_id": w.result.id, "demand_id": w.demand.id, "message": "双方好，我来协助对接"}
    )
    assert again.id == deal.id and not is_new
    stored = row(db, deal.id)
    assert stored["broker_id"] == w.broker.id and stored["broker_assigned_at"] is not None
    assert deals.get_deal(w.broker, deal.id).id == deal.id
    assert [m.body for m in deals.thread(w.buyer, deal.id)] == ["双方好，我来协助对接"]
    assert [e[0] for e in events(db, deal.id)] == ["opened", "broker", "message"]


# ---- claiming ------------------------------------------------------------------------------------------


def test_claimable_deals_match_field_or_request_and_not_yet_assigned(w, db, make_user, make_listing):
    deal = ask(w)
    elsewhere = make_user("broker")
    add_profile(db, elsewhere, "人工智能")
    ai_result = make_listing("achievement", w.seller, title="工业视觉缺陷检测算法", field="人工智能")
    ai_deal = ask_about(w.buyer, ai_result)
    assert [d.id for d in deals.claimable_deals(w.broker).items] == [deal.id]
    assert [d.id for d in deals.claimable_deals(elsewhere).items] == [ai_deal.id]
    assert deals.claimable_deals(w.other_broker).items == []  # no profile, not asked
    with pytest.raises(NotFound):
        deals.claim_deal(w.other_broker, deal.id)
    with pytest.raises(NotFound):
        deals.claim_deal(elsewhere, deal.id)

    deals.claim_deal(w.broker, deal.id)
    stored = row(db, deal.id)
    assert stored["broker_id"] == w.broker.id and stored["broker_assigned_at"] is not None
    assert events(db, deal.id)[-1] == ("broker", None, None)
    assert deals.claimable_deals(w.broker).items == []
    # the parties are told who took it
    assert count(db, Notification, user_id=w.buyer.id, category="deal") >= 1

    rival = make_user("broker")
    add_profile(db, rival, "新材料")
    assert deals.claimable_deals(rival).items == []
    with pytest.raises(InvalidTransition) as exc:
        deals.claim_deal(rival, deal.id)
    assert exc.value.message == "该对接已有技术经纪人"
    with pytest.raises(InvalidTransition):
        deals.claim_deal(w.broker, deal.id)
    assert row(db, deal.id)["broker_id"] == w.broker.id


def ask_about(actor, result):
    deal, _ = deals.open_deal(actor, {"achievement_id": result.id})
    return deal


def test_closed_deals_are_not_claimable(w, db):
    deal = ask(w)
    deals.move_stage(w.buyer, deal.id, "terminated", reason="need_changed")
    assert deals.claimable_deals(w.broker).items == []
    with pytest.raises(InvalidTransition):
        deals.claim_deal(w.broker, deal.id)
    assert row(db, deal.id)["broker_id"] is None


def test_claimable_deals_are_paginated(w, db, make_user, make_listing):
    for n in range(3):
        ask_about(w.buyer, make_listing("achievement", w.seller, title=f"正极材料包覆技术第{n}代"))
    page = deals.claimable_deals(w.broker, page=2, per_page=2)
    assert page.total == 3 and len(page.items) == 1 and page.pages == 2


# ---- messages and files --------------------------------------------------------------------------------


def deal_files(app=None) -> list:
    folder = attachment_dir("deals")
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize(
    "name,content",
    [
        ("方案.pdf", PDF),
        ("图.png", PNG),
        ("照片.JPG", JPG),
        ("合同.docx", ZIP),
        ("报价.xlsx", ZIP),
        ("介绍.pptx", ZIP),
        ("说明.txt", "纯文本说明".encode()),
    ],
)
def test_files_of_the_accepted_types_are_stored_and_served_to_the_thread(w, db, name, content):
    deal = with_broker(w)
    message = deals.post_message(w.buyer, deal.id, "", filename=f"C:\\docs\\{name}", content=content)
    assert message.filename == name and message.size == len(content)
    for reader in (w.seller, w.broker, w.admin):
        found, path = deals.message_file(reader, deal.id, message.id)
        assert found.id == message.id and path.read_bytes() == content
    for outsider in (w.other_org, w.other_broker, w.viewer, w.anonymous):
        with pytest.raises(NotFound):
            deals.message_file(outsider, deal.id, message.id)
    assert count(db, Notification, user_id=w.seller.id, category="deal") >= 1


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("方案.pdf", PNG, "文件内容与扩展名不符"),
        ("图.png", PDF, "文件内容与扩展名不符"),
        ("合同.docx", PDF, "文件内容与扩展名不符"),
        ("说明.txt", b"MZ\x90\x00\x03", "文件内容与扩展名不符"),
        ("setup.exe", b"MZ\x90\x00", "附件只接受"),
        ("无扩展名", PDF, "附件只接受"),
        ("方案.pdf.html", PDF, "附件只接受"),
        ("大文件.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "不能超过 10 MB"),
    ],
)
def test_files_are_checked_by_type_first_bytes_and_size(w, db, name, content, message):
    deal = with_broker(w)
    with pytest.raises(ValidationFailed) as exc:
        deals.post_message(w.buyer, deal.id, "附件见", filename=name, content=content)
    assert message in exc.value.fields["file"]
    assert count(db, DealMessage) == 0 and deal_files() == []


def test_a_file_of_exactly_ten_megabytes_is_accepted(w, db):
    deal = with_broker(w)
    content = b"%PDF-" + b"0" * (10 * 1024 * 1024 - 5)
    deals.post_message(w.buyer, deal.id, "", filename="a.pdf", content=content)
    assert len(deal_files()) == 1


def test_a_failure_after_the_file_is_written_leaves_no_file(w, db, monkeypatch):
    deal = with_broker(w)

    def broken(*args, **kwargs):
        assert len(deal_files()) == 1  # the file was written before the failure
        raise RuntimeError("notifications are down")

    monkeypatch.setattr(deals.messages, "_announce", broken)
    with pytest.raises(RuntimeError):
        deals.post_message(w.buyer, deal.id, "附件", filename="方案.pdf", content=PDF)
    assert deal_files() == []
    assert count(db, DealMessage) == 0 and events(db, deal.id)[-1][0] == "broker"


def test_a_write_that_fails_halfway_leaves_no_file(w, db, monkeypatch):
    from pathlib import Path

    deal = with_broker(w)
    real = Path.write_bytes

    def half(self, data):
        real(self, data[: len(data) // 2])
        raise OSError("No space left on device")

    monkeypatch.setattr(Path, "write_bytes", half)
    with pytest.raises(OSError):
        deals.post_message(w.buyer, deal.id, "附件", filename="方案.pdf", content=PDF)
    assert deal_files() == [] and count(db, DealMessage) == 0


def test_an_empty_message_is_refused(w, db):
    deal = with_broker(w)
    with pytest.raises(ValidationFailed) as exc:
        deals.post_message(w.buyer, deal.id, "   ")
    assert exc.value.fields["body"] == "请填写留言或选择附件"
    with pytest.raises(ValidationFailed) as exc:
        deals.post_message(w.buyer, deal.id, "<script>alert(1)</script>")
    assert "HTML" in exc.value.fields["body"]
    assert count(db, DealMessage) == 0


def test_a_message_updates_activity_and_notifies_the_others(w, db):
    deal = with_broker(w)
    db.session.execute(
        update(Deal).where(Deal.id == deal.id).values(last_activity_at=utcnow() - timedelta(days=30))
    )
    db.session.commit()
    deals.post_message(w.seller, deal.id, "可以提供中试报告")
    assert row(db, deal.id)["last_activity_at"] > utcnow() - timedelta(minutes=5)
    assert events(db, deal.id)[-1] == ("message", None, None)
    notified = {
        n.user_id
        for n in db.session.scalars(select(Notification).where(Notification.title.contains("新留言")))
    }
    assert notified == {w.buyer.id, w.buyer_colleague.id, w.seller_colleague.id, w.broker.id}


# ---- notes and the thread ------------------------------------------------------------------------------


def test_broker_notes_are_hidden_from_the_parties(w, db):
    deal = with_broker(w)
    deals.post_message(w.buyer, deal.id, "请问价格可谈吗")
    note = deals.add_note(w.broker, deal.id, "会面", "")
    deals.add_note(w.broker, deal.id, "call", "买方预算约100万")
    assert note.kind == "meeting" and note.body == "会面"
    for party in (w.seller, w.buyer):
        assert [m.body for m in deals.thread(party, deal.id)] == ["请问价格可谈吗"]
    for insider in (w.broker, w.admin):
        assert [m.kind for m in deals.thread(insider, deal.id)] == ["message", "meeting", "call"]
    with pytest.raises(ValidationFailed) as exc:
        deals.add_note(w.broker, deal.id, "email", "x")
    assert "记录类型" in exc.value.fields["kind"]
    assert events(db, deal.id)[-2:] == [("note", None, None), ("note", None, None)]


def test_next_action_is_stored_and_validated(w, db):
    deal = with_broker(w)
    deals.set_next_action(w.broker, deal.id, {"next_action": "安排双方见面", "next_action_due": "2027-01-10"})
    stored = row(db, deal.id)
    assert (stored["next_action"], stored["next_action_due"]) == ("安排双方见面", date(2027, 1, 10))
    with pytest.raises(ValidationFailed) as exc:
        deals.set_next_action(w.broker, deal.id, {"next_action": "x", "next_action_due": "明天"})
    assert "年-月-日" in exc.value.fields["next_action_due"]
    assert row(db, deal.id)["next_action"] == "安排双方见面"


# ---- NDA and confidential details ----------------------------------------------------------------------


def test_nda_is_accepted_once_per_organisation(w, db):
    deal = with_broker(w)
    first = deals.accept_nda(w.buyer, deal.id)
    again = deals.accept_nda(w.buyer_colleague, deal.id)
    assert again.id == first.id and again.user_id == w.buyer.id and first.text_version == deals.NDA_VERSION
    assert first.accepted_at is not None
    assert count(db, DealNda, deal_id=deal.id) == 1
    assert [e for e in events(db, deal.id) if e[0] == "nda"] == [("nda", None, None)]
    assert deals.nda_accepted(deal, w.buyer.organisation_id).id == first.id
    assert deals.nda_accepted(deal, w.seller.organisation_id) is None
    deals.accept_nda(w.seller, deal.id)
    assert count(db, DealNda, deal_id=deal.id) == 2


def test_no_nda_is_signed_in_a_closed_deal(w, db):
    deal = with_broker(w)
    deals.accept_nda(w.seller, deal.id)
    deals.move_stage(w.seller, deal.id, "terminated", reason="other_partner")
    with pytest.raises(InvalidTransition):
        deals.accept_nda(w.buyer, deal.id)
    assert not deals.can_see_confidential(w.buyer, w.result)
    assert deals.accept_nda(w.seller_colleague, deal.id).user_id == w.seller.id  # the one signed before stays


def test_confidential_details_need_an_nda_in_a_deal_on_that_result(w, db, make_listing, make_user):
    deal = with_broker(w)
    other_result = make_listing("achievement", w.seller, title="另一项成果：固态电解质")
    other_deal, _ = deals.open_deal(w.other_org, {"achievement_id": other_result.id})
    deals.accept_nda(w.other_org, other_deal.id)  # an NDA, but about another result
    for who in (w.seller, w.seller_colleague, w.admin):
        assert deals.can_see_confidential(who, w.result)
    for who in (w.buyer, w.broker, w.other_org, w.other_broker, w.viewer, w.anonymous, None):
        assert not deals.can_see_confidential(who, w.result)
    deals.accept_nda(w.buyer, deal.id)
    assert deals.can_see_confidential(w.buyer, w.result)
    assert deals.can_see_confidential(w.buyer_colleague, w.result)  # the agreement binds the organisation
    assert not deals.can_see_confidential(w.other_org, w.result)
    assert deals.can_see_confidential(w.other_org, other_result)
    government_viewer = make_user("viewer", org=w.buyer.organisation)  # a read-only account is never a party
    assert not deals.can_see_confidential(government_viewer, w.result)


# ---- stale deals ---------------------------------------------------------------------------------------


def quiet(db, deal, days: float) -> None:
    db.session.execute(
        update(Deal).where(Deal.id == deal.id).values(last_activity_at=utcnow() - timedelta(days=days))
    )
    db.session.commit()
    db.session.expire_all()


def stale_notes(db, user_id) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.dedupe_key.like("deal-stale:%"))
    )


def test_stale_means_open_and_quiet_for_the_configured_days(w, db):
    from market.models import Setting

    deal = with_broker(w)
    assert deals.stale_days() == 14
    quiet(db, deal, 13)
    assert not deals.is_stale(db.session.get(Deal, deal.id))
    quiet(db, deal, 15)
    assert deals.is_stale(db.session.get(Deal, deal.id))
    assert [d.id for d in deals.list_deals(w.broker, {"stale": "1"}).items] == [deal.id]
    db.session.add(Setting(key=DEAL_STALE_DAYS, value="30"))
    db.session.commit()
    assert not deals.is_stale(db.session.get(Deal, deal.id))
    assert deals.list_deals(w.broker, {"stale": "1"}).items == []
    deals.move_stage(w.broker, deal.id, "terminated", reason="no_response")
    quiet(db, deal, 100)
    assert not deals.is_stale(db.session.get(Deal, deal.id))


def test_stale_deals_are_notified_once_per_quiet_spell(w, db):
    deal = with_broker(w)
    without_broker = ask_about(w.other_org, w.result)
    quiet(db, deal, 20)
    quiet(db, without_broker, 20)
    deals.notify_stale_deals()
    assert stale_notes(db, w.broker.id) == 1
    # without a broker, the parties hear of it
    assert stale_notes(db, w.other_org.id) == 1 and stale_notes(db, w.seller.id) == 1
    assert stale_notes(db, w.buyer.id) == 0
    assert deals.notify_stale_deals() == 0
    assert stale_notes(db, w.broker.id) == 1
    # activity, then another quiet spell: a new reminder
    deals.post_message(w.buyer, deal.id, "还在考虑")
    assert deals.notify_stale_deals() == 0
    quiet(db, deal, 40)
    deals.notify_stale_deals()
    assert stale_notes(db, w.broker.id) == 2


# ---- broker figures (考核) -----------------------------------------------------------------------------


def at(text: str) -> datetime:
    """A moment written in Beijing time, as people in the market read the clock."""
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def timeline(db, deal, assigned: str, times: list[str]) -> None:
    """Put the deal's assignment and its events (in the order they happened) at the given moments."""
    db.session.execute(
        update(Deal)
        .where(Deal.id == deal.id)
        .values(broker_assigned_at=at(assigned), created_at=at(assigned))
    )
    ids = list(
        db.session.scalars(select(DealEvent.id).where(DealEvent.deal_id == deal.id).order_by(DealEvent.id))
    )
    assert len(ids) == len(times), events(db, deal.id)
    for event_id, moment in zip(ids, times):
        db.session.execute(update(DealEvent).where(DealEvent.id == event_id).values(created_at=at(moment)))
    db.session.commit()


@pytest.fixture
def figures_world(w, db, make_listing, make_contract):
    """Three deals of the broker in Q1 2025, one outside it, and contracts around them."""
    results = [make_listing("achievement", w.seller, title=f"成果{n}号：正极材料") for n in range(4)]

    def pair(n):
        deal, _ = deals.open_deal(w.broker, {"achievement_id": results[n].id, "demand_id": w.demand.id})
        return deal

    # 1: replied after 6 h; 2 days in 意向, 10 in 洽谈, 7 in 签约, registered
    first = pair(0)
    deals.post_message(w.broker, first.id, "您好，我来跟进")
    deals.move_stage(w.broker, first.id, "negotiation")
    deals.move_stage(w.broker, first.id, "signing")
    contracts.update_contract(
        w.broker, first.contract_id, {"signed_on": "2025-02-15", "amount": "1234567.89"}
    )
    contracts.submit_contract(w.broker, first.contract_id)
    contracts.register_contract(w.admin, first.contract_id, {"recognised_amount": "1000000"})
    timeline(
        db,
        first,
        "2025-02-01T00:00",
        ["2025-02-01T00:00", "2025-02-01T06:00", "2025-02-03T00:00", "2025-02-13T00:00", "2025-02-20T00:00"],
    )
    # 2: a note after 24 h; 4 days in 意向, 6 in 洽谈, then terminated
    second = pair(1)
    deals.add_note(w.broker, second.id, "call", "电话沟通")
    deals.move_stage(w.broker, second.id, "negotiation")
    deals.move_stage(w.broker, second.id, "terminated", reason="price")
    timeline(
        db,
        second,
        "2025-02-10T00:00",
        ["2025-02-10T00:00", "2025-02-11T00:00", "2025-02-14T00:00", "2025-02-20T00:00"],
    )
    # 3: a party wrote, the broker never did; still 意向
    third = pair(2)
    deals.post_message(w.buyer, third.id, "有人吗")
    timeline(db, third, "2025-03-31T23:00", ["2025-03-31T23:00", "2025-03-31T23:30"])
    # 4: assigned after the period
    fourth = pair(3)
    deals.move_stage(w.broker, fourth.id, "negotiation")
    timeline(db, fourth, "2025-04-01T00:00", ["2025-04-01T00:00", "2025-04-02T00:00"])
    # contracts: another of the broker's registered in the period, one outside, a draft, someone else's
    seller, buyer = w.seller.organisation, w.buyer.organisation
    make_contract(
        seller=seller,
        buyer=buyer,
        author=w.broker,
        status="registered",
        broker_id=w.broker.id,
        number="HT-2",
        amount="100000.11",
        signed_on="2025-03-31",
    )
    make_contract(
        seller=seller,
        buyer=buyer,
        author=w.broker,
        status="registered",
        broker_id=w.broker.id,
        number="HT-3",
        amount="999999",
        signed_on="2024-12-31",
    )
    make_contract(
        seller=seller,
        buyer=buyer,
        author=w.broker,
        status="submitted",
        broker_id=w.broker.id,
        number="HT-4",
        amount="888888",
        signed_on="2025-03-01",
    )
    make_contract(
        seller=seller,
        buyer=buyer,
        author=w.seller,
        status="registered",
        broker_id=w.other_broker.id,
        number="HT-5",
        amount="777777",
        signed_on="2025-03-01",
    )
    return w


def test_broker_figures_for_a_period(figures_world):
    w = figures_world
    figures = deals.broker_figures(w.broker.id, date(2025, 1, 1), date(2025, 3, 31))
    assert figures["opened"] == 3
    assert figures["reached"] == {
        "intent": 3,
        "negotiation": 2,
        "signing": 1,
        "registered": 1,
        "terminated": 1,
    }
    assert figures["conversion"] == pytest.approx(
        {"negotiation": 2 / 3, "signing": 1 / 3, "registered": 1 / 3}
    )
    assert figures["median_days"] == pytest.approx({"intent": 3.0, "negotiation": 8.0, "signing": 7.0})
    assert figures["median_first_reply_hours"] == pytest.approx(15.0)
    assert figures["contracts"] == 2
    assert figures["contract_amount_fen"] == 123_456_789 + 10_000_011


def test_broker_figures_of_an_empty_period_are_empty_not_errors(figures_world):
    figures = deals.broker_figures(figures_world.broker.id, date(2023, 1, 1), date(2023, 12, 31))
    assert figures["opened"] == 0 and figures["contracts"] == 0 and figures["contract_amount_fen"] == 0
    assert figures["conversion"] == {"negotiation": None, "signing": None, "registered": None}
    assert figures["median_days"] == {"intent": None, "negotiation": None, "signing": None}
    assert figures["median_first_reply_hours"] is None


def test_broker_performance_admin_sees_all_brokers_a_broker_only_self(figures_world, make_user):
    w = figures_world
    start, end = date(2025, 1, 1), date(2025, 3, 31)
    everyone = deals.broker_performance(w.admin, start, end)
    assert {r["broker"].id for r in everyone} == {w.broker.id, w.other_broker.id}
    mine = next(r for r in everyone if r["broker"].id == w.broker.id)
    assert mine["opened"] == 3 and mine["contract_amount_fen"] == 133_456_800
    theirs = next(r for r in everyone if r["broker"].id == w.other_broker.id)
    assert theirs["opened"] == 0 and theirs["contract_amount_fen"] == 77_777_700
    only = deals.broker_performance(w.admin, start, end, broker_id=str(w.other_broker.id))
    assert [r["broker"].id for r in only] == [w.other_broker.id]

    own = deals.broker_performance(w.broker, start, end)
    assert [r["broker"].id for r in own] == [w.broker.id] and own[0]["opened"] == 3
    assert (
        deals.broker_performance(w.broker, start, end, broker_id=w.broker.id)[0]["broker"].id == w.broker.id
    )
    with pytest.raises(PermissionDenied):
        deals.broker_performance(w.broker, start, end, broker_id=w.other_broker.id)
    for outsider in (w.seller, w.buyer, w.viewer, w.anonymous, None):
        with pytest.raises(PermissionDenied):
            deals.broker_performance(outsider, start, end)
    with pytest.raises(ValidationFailed):
        deals.broker_performance(w.admin, end, start)


# ---- lists ---------------------------------------------------------------------------------------------


def test_each_side_lists_only_its_own_deals(w, db, make_listing):
    mine = with_broker(w)
    theirs = ask_about(w.other_org, make_listing("achievement", w.seller, title="另一项成果"))
    assert {d.id for d in deals.list_deals(w.buyer, {}).items} == {mine.id}
    assert {d.id for d in deals.list_deals(w.seller, {}).items} == {mine.id, theirs.id}
    assert {d.id for d in deals.list_deals(w.broker, {}).items} == {mine.id}
    assert {d.id for d in deals.list_deals(w.admin, {}).items} == {mine.id, theirs.id}
    for nobody in (w.viewer, w.anonymous, w.other_broker):
        assert deals.list_deals(nobody, {}).items == []
    board = deals.board(w.seller)
    assert {d.id for d in board["intent"]} == {mine.id, theirs.id} and board["negotiation"] == []
    deals.move_stage(w.broker, mine.id, "negotiation")
    board = deals.board(w.seller)
    assert [d.id for d in board["negotiation"]] == [mine.id] and [d.id for d in board["intent"]] == [
        theirs.id
    ]
    assert [d.id for d in deals.list_deals(w.seller, {"stage": "negotiation"}).items] == [mine.id]


# ---- the index worker reminds about stale deals about once an hour --------------------------------------


def test_the_worker_reminds_about_stale_deals_hourly(w, db):
    from market import worker

    deal = with_broker(w)
    quiet(db, deal, 20)
    stale = next(task for task in worker.default_tasks() if task.name == "stale_deals")
    calls = []
    real = stale.run
    stale.run = lambda: calls.append(1) or real()
    reminded = [worker.run_task(stale, now) for now in (1_000.0, 2_000.0, 4_500.0, 4_700.0, 9_000.0)]
    assert len(calls) == 3 and reminded == [1, 0, 0, 0, 0]  # at start, then once an hour has passed, twice
    assert stale_notes(db, w.broker.id) == 1  # three checks, one reminder for this quiet spell


def test_admins_assign_brokers_but_do_not_open_deals_as_a_party(w, db):
    with pytest.raises(PermissionDenied):
        deals.open_deal(w.admin, {"achievement_id": w.result.id})
    assert count(db, Deal) == 0


def test_another_brokers_deal_is_not_revealed_by_asking_about_the_same_pair(w, db):
    deal, _ = deals.open_deal(w.broker, {"achievement_id": w.result.id, "demand_id": w.demand.id})
    with pytest.raises(InvalidTransition) as exc:
        deals.open_deal(w.other_broker, {"achievement_id": w.result.id, "demand_id": w.demand.id})
    assert "其他技术经纪人" in exc.value.message
    assert row(db, deal.id)["broker_id"] == w.broker.id


def test_the_contract_a_deal_opened_at_signing_cannot_be_deleted(w, db):
    deal = deal_at(w, "signing")
    with pytest.raises(InvalidTransition) as exc:
        contracts.delete_contract(w.seller, row(db, deal.id)["contract_id"])
    assert "终止" in exc.value.message
    assert count(db, Contract) == 1


def test_signing_with_a_party_no_longer_verified_says_why(w, db):
    deal = with_broker(w)
    deals.move_stage(w.broker, deal.id, "negotiation")
    w.buyer.organisation.verification_state = "rejected"
    db.session.commit()
    with pytest.raises(InvalidTransition) as exc:
        deals.move_stage(w.broker, deal.id, "signing")
    assert exc.value.message.startswith("无法生成合同草稿：") and "认证" in exc.value.message
    assert row(db, deal.id)["stage"] == "negotiation" and count(db, Contract) == 0
