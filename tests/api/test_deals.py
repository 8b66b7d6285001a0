"""Deals over JSON: who may see and do what (the same rules as the pages), the stage machine up to the
registered contract, claiming, the thread with its files and the brokers' private notes, the NDA, and the
brokers' figures."""

from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from market.clock import today_in_beijing
from market.extensions import db
from market.models import BrokerProfile, Field
from market.models.base import utcnow
from market.models.contract import Contract
from market.models.deal import Deal, DealMessage, DealNda
from market.services import contracts as contract_service
from market.services import deals as deal_service
from tests.api.conftest import CHINESE, error_of, field_errors
from tests.conftest import ACHIEVEMENT, DEMAND

API = "/api/v1/deals"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 17
TODAY = today_in_beijing()


def _field(name: str) -> Field:
    return db.session.scalar(select(Field).where(Field.name == name))


@pytest.fixture
def world(make_user, make_org):
    """A seller (university) and a buyer (enterprise) with one member each, the deal's broker (specialty
    新材料, the field of the result), a broker in another field, an outside enterprise, a government viewer,
    an admin."""
    seller = make_org(kind="university", region="沣西")
    buyer = make_org(kind="enterprise", region="秦汉")
    users = {
        "seller": make_user("university", org=seller),
        "buyer": make_user("enterprise", org=buyer),
        "broker": make_user("broker"),
        "other_broker": make_user("broker"),
        "other": make_user("enterprise"),
        "viewer": make_user("viewer"),
        "admin": make_user("admin"),
    }
    db.session.add_all(
        [
            BrokerProfile(user_id=users["broker"].id, specialties=[_field("新材料")]),
            BrokerProfile(user_id=users["other_broker"].id, specialties=[_field("人工智能")]),
        ]
    )
    db.session.commit()
    return {"seller_org": seller, "buyer_org": buyer, **users}


def _register(world, contract_id, recognised="1200000.00"):
    contract_service.submit_contract(world["seller"], contract_id)
    contract_service.register_contract(world["admin"], contract_id, {"recognised_amount": recognised})


@pytest.fixture
def deal_in(world, make_listing):
    """A fresh deal: the buyer asked about a new result of the seller (with a first message); the broker
    assigned by the admin unless broker=False; then carried to the stage asked for by the broker (or the
    seller)."""

    def make(stage="intent", broker=True, **listing):
        achievement = make_listing("achievement", world["seller"], **listing)
        deal, _ = deal_service.open_deal(
            world["buyer"], {"achievement_id": achievement.id, "message": "您好，我们希望洽谈许可事宜。"}
        )
        mover = world["broker"] if broker else world["seller"]
        if broker:
            deal_service.assign_broker(world["admin"], deal.id, world["broker"].id)
        steps = {
            "intent": [],
            "negotiation": ["negotiation"],
            "signing": ["negotiation", "signing"],
            "registered": ["negotiation", "signing"],
            "terminated": [],
        }[stage]
        for step in steps:
            deal_service.move_stage(mover, deal.id, step)
        if stage == "terminated":
            deal_service.move_stage(mover, deal.id, "terminated", reason="price")
        if stage == "registered":
            _register(world, db.session.get(Deal, deal.id).contract_id)
        return db.session.get(Deal, deal.id)

    return make


def snapshot(deal_id) -> tuple:
    """What a request could change in a deal: stage, brokers, next action, messages and NDAs."""
    db.session.expire_all()
    deal = db.session.get(Deal, deal_id)
    messages = db.session.scalar(
        select(func.count()).select_from(DealMessage).where(DealMessage.deal_id == deal_id)
    )
    ndas = db.session.scalar(select(func.count()).select_from(DealNda).where(DealNda.deal_id == deal_id))
    return deal.stage, deal.broker_id, deal.requested_broker_id, deal.next_action, messages, ndas


def upload(client, url, headers, content=PDF, filename="技术方案.pdf", body="方案见附件"):
    data = {"file": (BytesIO(content), filename)} if content is not None else {}
    if body is not None:
        data["body"] = body
    return client.post(f"{url}/messages", data=data, headers=headers, content_type="multipart/form-data")


def download(client, url, headers):
    """GET a file, read it, and close the file behind the response."""
    with client.get(url, headers=headers) as response:
        response.get_data()
    return response


# ---- opening a deal and what it looks like ----------------------------------------------------------


def test_an_enterprise_asks_about_a_result_and_gets_one_deal_with_the_thread(
    client, world, tokens, make_listing
):
    achievement = make_listing("achievement", world["seller"])
    body = {
        "achievement_id": achievement.id,
        "message": "您好，我们想了解许可条件。",
        "requested_broker_id": world["broker"].id,
    }
    created = client.post(API, json=body, headers=tokens("buyer"))
    assert created.status_code == 201, created.get_json()
    deal = created.get_json()
    assert deal["title"] == f"对接：{ACHIEVEMENT['title']}"
    assert (deal["stage"], deal["stage_label"], deal["stale"]) == ("intent", "意向", False)
    assert deal["seller"] == {
        "id": world["seller_org"].id,
        "name": world["seller_org"].name,
        "kind": "university",
    }
    assert deal["buyer"] == {
        "id": world["buyer_org"].id,
        "name": world["buyer_org"].name,
        "kind": "enterprise",
    }
    assert deal["achievement"] == {
        "id": achievement.id,
        "title": ACHIEVEMENT["title"],
        "confidential_details": None,
    }
    assert (deal["demand"], deal["field"], deal["broker"]) == (None, "新材料", None)
    assert deal["requested_broker"] == {"id": world["broker"].id, "name": world["broker"].display_name}
    assert (deal["next_action"], deal["next_action_due"], deal["contract_id"]) == (None, None, None)
    assert (deal["termination_reason"], deal["termination_reason_label"], deal["termination_note"]) == (
        None,
        None,
        None,
    )
    assert deal["links"] == {
        "self": f"{API}/{deal['id']}",
        "messages": f"{API}/{deal['id']}/messages",
        "page": f"/deals/{deal['id']}",
    }
    assert deal["nda"] == {
        "text": deal_service.NDA_TEXT,
        "version": deal_service.NDA_VERSION,
        "accepted_by_my_org": False,
        "accepted": [],
    }
    assert deal["created_at"] and deal["last_activity_at"]

    again = client.post(API, json={"achievement_id": achievement.id}, headers=tokens("buyer"))
    assert (
        again.status_code == 200 and again.get_json()["id"] == deal["id"]
    )  # the open deal, not a second one
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 1

    seen = client.get(f"{API}/{deal['id']}", headers=tokens("seller"))
    assert seen.status_code == 200 and seen.get_json()["buyer"]["id"] == world["buyer_org"].id
    thread = client.get(deal["links"]["messages"], headers=tokens("seller")).get_json()["items"]
    assert [(m["kind"], m["kind_label"], m["body"], m["author"]["id"], m["file"]) for m in thread] == [
        ("message", "留言", "您好，我们想了解许可条件。", world["buyer"].id, None)
    ]
    # The invited broker finds it among the deals they may claim.
    claimable = client.get(f"{API}/claimable", headers=tokens("broker")).get_json()["items"]
    assert [d["id"] for d in claimable] == [deal["id"]]


def test_a_university_answers_a_demand_and_a_broker_pairs_both(client, world, tokens, make_listing):
    demand = make_listing("demand", world["buyer"])
    answered = client.post(API, json={"demand_id": demand.id}, headers=tokens("seller"))
    assert answered.status_code == 201, answered.get_json()
    deal = answered.get_json()
    assert (deal["seller"]["id"], deal["buyer"]["id"]) == (world["seller_org"].id, world["buyer_org"].id)
    assert deal["demand"] == {"id": demand.id, "title": DEMAND["title"]} and deal["achievement"] is None

    achievement = make_listing("achievement", world["seller"])
    paired = client.post(
        API, json={"achievement_id": achievement.id, "demand_id": demand.id}, headers=tokens("broker")
    )
    assert paired.status_code == 201, paired.get_json()
    assert paired.get_json()["broker"] == {"id": world["broker"].id, "name": world["broker"].display_name}
    assert paired.get_json()["title"] == f"{ACHIEVEMENT['title']} × {DEMAND['title']}"


def test_opening_a_deal_is_refused_with_reasons(client, world, tokens, make_listing, make_user, api_token):
    achievement = make_listing("achievement", world["seller"])
    draft = make_listing("achievement", world["seller"], submit=False)
    buyer = tokens("buyer")
    assert "achievement_id" in field_errors(client.post(API, json={}, headers=buyer))
    assert "achievement_id" in field_errors(
        client.post(API, json={"achievement_id": draft.id}, headers=buyer)
    )
    assert "achievement_id" in field_errors(client.post(API, json={"achievement_id": 999999}, headers=buyer))
    assert "achievement_id" in field_errors(
        client.post(API, json={"achievement_id": achievement.id}, headers=tokens("seller"))
    )  # its own result
    assert "colour" in field_errors(
        client.post(API, json={"achievement_id": achievement.id, "colour": "红"}, headers=buyer)
    )
    assert "requested_broker_id" in field_errors(
        client.post(
            API,
            json={"achievement_id": achievement.id, "requested_broker_id": world["buyer"].id},
            headers=buyer,
        )
    )
    assert "message" in field_errors(
        client.post(
            API,
            json={"achievement_id": achievement.id, "message": "<script>alert(1)</script>"},
            headers=buyer,
        )
    )
    assert "_body" in field_errors(client.post(API, json=["achievement_id"], headers=buyer))
    error_of(client.post(API, json={"achievement_id": achievement.id}, headers=tokens("viewer")), 403)
    unverified = make_user("enterprise", verified=False)
    error_of(client.post(API, json={"achievement_id": achievement.id}, headers=api_token(unverified)), 403)
    error_of(client.post(API, json={"achievement_id": achievement.id}), 401)
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 0


# ---- who may do what ------------------------------------------------------------------------------------

ROLES = ("anonymous", "seller", "buyer", "broker", "other_broker", "other", "viewer", "admin")
# (deal, what is tried) → the status each role gets, in ROLES order. A deal is "intent" with its broker
# assigned, "unassigned" without a broker, or in the stage named.
GRID = {
    ("intent", "get"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("intent", "messages"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("intent", "post_message"): (401, 201, 201, 201, 404, 404, 404, 201),
    ("intent", "file"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("intent", "advance"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("negotiation", "terminate"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("registered", "terminate"): (401, 409, 409, 409, 404, 404, 404, 409),
    ("intent", "note"): (401, 403, 403, 201, 404, 404, 404, 201),
    ("intent", "next_action"): (401, 403, 403, 200, 404, 404, 404, 200),
    ("intent", "nda"): (401, 200, 200, 403, 404, 404, 404, 403),
    ("intent", "assign"): (401, 403, 403, 403, 403, 403, 403, 200),
    ("unassigned", "request_broker"): (401, 200, 200, 404, 404, 404, 404, 200),
    ("intent", "request_broker"): (401, 409, 409, 403, 404, 404, 404, 409),
    ("unassigned", "claim"): (401, 403, 403, 200, 404, 403, 403, 403),
    ("intent", "claim"): (401, 403, 403, 409, 404, 403, 403, 403),
}


def _request(action, world):
    """action → (method, path suffix, JSON body)"""
    return {
        "get": ("get", "", None),
        "messages": ("get", "/messages", None),
        "file": ("get", "/messages/{message_id}/file", None),
        "post_message": ("post", "/messages", {"body": "请问许可费用如何支付？"}),
        "advance": ("post", "/stage", {"stage": "negotiation"}),
        "terminate": (
            "post",
            "/stage",
            {"stage": "terminated", "reason": "technology", "note": "技术路线不一致"},
        ),
        "note": ("post", "/notes", {"kind": "call", "body": "与双方电话沟通"}),
        "next_action": (
            "put",
            "/next-action",
            {"next_action": "约双方面谈", "next_action_due": "2026-12-20"},
        ),
        "nda": ("post", "/nda", None),
        "assign": ("post", "/assign", {"broker_id": world["other_broker"].id}),
        "request_broker": ("post", "/request-broker", {"broker_id": world["other_broker"].id}),
        "claim": ("post", "/claim", None),
    }[action]


@pytest.mark.parametrize("state, action", sorted(GRID))
def test_each_role_gets_what_the_rules_promise(client, world, tokens, deal_in, state, action):
    method, suffix, body = _request(action, world)
    for role, expected in zip(ROLES, GRID[state, action]):
        if state == "unassigned":
            deal = deal_in(broker=False)
        else:
            deal = deal_in(stage=state)
        url = f"{API}/{deal.id}{suffix}"
        if action == "file":
            message = deal_service.post_message(world["seller"], deal.id, "方案见附件", "技术方案.pdf", PDF)
            url = url.format(message_id=message.id)
        before = snapshot(deal.id)
        response = getattr(client, method)(url, json=body, headers=tokens(role))
        response.get_data()
        response.close()  # a file download holds the file open until closed
        assert response.status_code == expected, (role, response.get_data(as_text=True)[:300])
        if expected >= 400:
            error_of(response, expected)
            assert snapshot(deal.id) == before, role  # a refusal changes nothing
        elif method != "get":
            assert snapshot(deal.id) != before, role  # and a success does change the deal


def test_nobody_else_learns_that_a_deal_exists(client, world, tokens, deal_in, make_user, api_token):
    deal = deal_in()
    viewer_in_seller = api_token(make_user("viewer", org=world["seller_org"]))  # a viewer is never a party
    for headers in (tokens("other"), tokens("other_broker"), tokens("viewer"), viewer_in_seller):
        missing = error_of(client.get(f"{API}/{deal.id}", headers=headers), 404)
        unknown = error_of(client.get(f"{API}/999999", headers=headers), 404)
        assert missing == unknown  # the same answer as for a deal that does not exist
        assert client.get(API, headers=headers).get_json()["meta"]["total"] == 0
    error_of(client.get(f"{API}/999999", headers=tokens("admin")), 404)
    error_of(client.get(f"{API}/abc", headers=tokens("admin")), 404)


def test_a_bad_or_missing_token_is_401_everywhere(client, deal_in):
    deal = deal_in()
    url = f"{API}/{deal.id}"
    for method, path in (
        ("get", API),
        ("post", API),
        ("get", url),
        ("get", f"{API}/claimable"),
        ("post", f"{url}/claim"),
        ("post", f"{url}/assign"),
        ("post", f"{url}/request-broker"),
        ("post", f"{url}/stage"),
        ("put", f"{url}/next-action"),
        ("get", f"{url}/messages"),
        ("post", f"{url}/messages"),
        ("get", f"{url}/messages/1/file"),
        ("post", f"{url}/notes"),
        ("post", f"{url}/nda"),
        ("get", "/api/v1/brokers/performance"),
    ):
        error_of(getattr(client, method)(path), 401)
        error_of(getattr(client, method)(path, headers={"Authorization": "Bearer made-up"}), 401)


def test_each_user_lists_their_own_deals_filtered_and_paged(
    client, world, tokens, deal_in, make_listing, make_user
):
    deal_in()
    deal_in(stage="negotiation")
    deal_in(stage="terminated")
    quiet = deal_in(stage="negotiation")
    # Another pair of organisations: neither side of the world sees it, the admin does.
    deal_service.open_deal(
        world["other"], {"achievement_id": make_listing("achievement", make_user("university")).id}
    )
    db.session.get(Deal, quiet.id).last_activity_at = utcnow() - timedelta(days=deal_service.stale_days() + 1)
    db.session.commit()

    def listed(query="", role="buyer"):
        return client.get(f"{API}?{query}", headers=tokens(role)).get_json()

    everything = listed()
    assert everything["meta"] == {"page": 1, "per_page": 20, "total": 4}
    assert everything["items"][-1]["id"] == quiet.id  # latest activity first
    assert listed(role="seller")["meta"]["total"] == 4 and listed(role="broker")["meta"]["total"] == 4
    assert listed(role="admin")["meta"]["total"] == 5 and listed(role="other")["meta"]["total"] == 1
    assert listed(role="other_broker")["meta"]["total"] == 0 and listed(role="viewer")["meta"]["total"] == 0
    assert [d["stage"] for d in listed("stage=negotiation")["items"]] == ["negotiation", "negotiation"]
    assert listed("stage=open")["meta"]["total"] == 3
    assert listed("stage=terminated")["items"][0]["termination_reason_label"] == "价格未谈拢"
    stale = listed("stale=1")["items"]
    assert [(d["id"], d["stale"]) for d in stale] == [(quiet.id, True)]
    assert [d["stale"] for d in everything["items"]].count(True) == 1
    second = listed("per_page=3&page=2")
    assert second["meta"] == {"page": 2, "per_page": 3, "total": 4} and len(second["items"]) == 1
    assert listed("stage=nonsense")["meta"]["total"] == 4
    assert set(field_errors(client.get(f"{API}?stale=maybe", headers=tokens("buyer")))) == {"stale"}


# ---- the stage machine ----------------------------------------------------------------------------------


def test_a_deal_moves_one_stage_at_a_time_and_reaches_registered_only_through_its_contract(
    client, world, tokens, deal_in
):
    deal = deal_in()
    url, broker = f"{API}/{deal.id}", tokens("broker")

    def move(stage, headers=broker, **extra):
        return client.post(f"{url}/stage", json={"stage": stage, **extra}, headers=headers)

    skipped = error_of(move("signing"), 409)
    assert "意向" in skipped["message"] and "签约" in skipped["message"]
    assert "合同登记" in error_of(move("registered"), 409)["message"]
    assert "stage" in field_errors(move("won"))
    assert "stage" in field_errors(move(["negotiation"]))
    assert "stage" in field_errors(client.post(f"{url}/stage", json={}, headers=broker))
    assert "colour" in field_errors(move("negotiation", colour="红"))
    assert snapshot(deal.id)[0] == "intent"

    talking = move("negotiation", headers=tokens("buyer"))
    assert talking.status_code == 200 and (
        talking.get_json()["stage"],
        talking.get_json()["stage_label"],
    ) == ("negotiation", "对接洽谈")
    error_of(move("intent"), 409)  # no going back
    signing = move("signing")
    assert signing.status_code == 200, signing.get_json()
    body = signing.get_json()
    assert (body["stage"], body["stage_label"]) == ("signing", "签约") and body["contract_id"]

    # 签约 opened a prefilled contract draft the parties can see in the register.
    contract_url = f"/api/v1/contracts/{body['contract_id']}"
    contract = client.get(contract_url, headers=tokens("seller")).get_json()
    assert (contract["status"], contract["seller"]["id"], contract["buyer"]["id"]) == (
        "draft",
        world["seller_org"].id,
        world["buyer_org"].id,
    )
    assert (contract["broker"]["id"], contract["achievement_id"], contract["field"]) == (
        world["broker"].id,
        deal.achievement_id,
        "新材料",
    )
    assert (contract["amount"], contract["amount_fen"]) == ("1500000.00", 150_000_000)  # the result's price

    assert "合同登记" in error_of(move("registered"), 409)["message"]  # not by hand
    error_of(move("registered", headers=tokens("admin")), 409)
    assert client.get(url, headers=broker).get_json()["stage"] == "signing"

    assert client.post(f"{contract_url}/submit", headers=tokens("seller")).status_code == 200
    registered = client.post(
        f"{contract_url}/register", json={"recognised_amount": "1200000.00"}, headers=tokens("admin")
    )
    assert registered.status_code == 200, registered.get_json()
    after = client.get(url, headers=tokens("buyer")).get_json()
    assert (after["stage"], after["stage_label"], after["stale"]) == ("registered", "登记", False)

    for stage, extra in (("terminated", {"reason": "price"}), ("negotiation", {}), ("signing", {})):
        error_of(move(stage, headers=tokens("admin"), **extra), 409)  # a registered deal never moves
    assert snapshot(deal.id)[0] == "registered"


def test_ending_a_deal_needs_a_reason_and_an_ended_deal_never_moves(client, world, tokens, deal_in):
    deal = deal_in(stage="negotiation")
    url, seller = f"{API}/{deal.id}", tokens("seller")
    refused = field_errors(client.post(f"{url}/stage", json={"stage": "terminated"}, headers=seller))
    assert CHINESE.search(refused["reason"]) and "终止原因" in refused["reason"]
    assert "reason" in field_errors(
        client.post(f"{url}/stage", json={"stage": "terminated", "reason": "boredom"}, headers=seller)
    )
    assert snapshot(deal.id)[0] == "negotiation"

    ended = client.post(
        f"{url}/stage",
        json={"stage": "terminated", "reason": "价格未谈拢", "note": "报价差距较大"},
        headers=seller,
    )
    assert ended.status_code == 200, ended.get_json()
    body = ended.get_json()
    assert (body["stage"], body["stage_label"]) == ("terminated", "终止")
    assert (body["termination_reason"], body["termination_reason_label"], body["termination_note"]) == (
        "price",
        "价格未谈拢",
        "报价差距较大",
    )
    for stage in ("negotiation", "signing", "intent"):
        error_of(client.post(f"{url}/stage", json={"stage": stage}, headers=tokens("admin")), 409)
    error_of(
        client.post(
            f"{url}/stage", json={"stage": "terminated", "reason": "other"}, headers=tokens("broker")
        ),
        409,
    )
    error_of(
        client.post(f"{url}/assign", json={"broker_id": world["other_broker"].id}, headers=tokens("admin")),
        409,
    )
    assert client.get(url, headers=seller).get_json()["termination_reason"] == "price"


# ---- brokers: claiming, assigning, requesting, next actions --------------------------------------------


def test_brokers_claim_unassigned_deals_in_their_fields_or_when_asked(client, world, tokens, deal_in):
    deal = deal_in(broker=False)
    url = f"{API}/{deal.id}"
    broker, other_broker = tokens("broker"), tokens("other_broker")
    assert [d["id"] for d in client.get(f"{API}/claimable", headers=broker).get_json()["items"]] == [deal.id]
    assert (
        client.get(f"{API}/claimable", headers=other_broker).get_json()["meta"]["total"] == 0
    )  # another field
    error_of(client.get(f"{API}/claimable", headers=tokens("seller")), 403)
    error_of(client.get(url, headers=broker), 404)  # not theirs until claimed
    error_of(client.post(f"{url}/claim", headers=other_broker), 404)

    # A party asks the other broker: now that broker may take it too, but the first to claim gets it.
    asked = client.post(
        f"{url}/request-broker", json={"broker_id": world["other_broker"].id}, headers=tokens("buyer")
    )
    assert asked.status_code == 200 and asked.get_json()["requested_broker"]["id"] == world["other_broker"].id
    assert [d["id"] for d in client.get(f"{API}/claimable", headers=other_broker).get_json()["items"]] == [
        deal.id
    ]
    claimed = client.post(f"{url}/claim", headers=broker)
    assert claimed.status_code == 200, claimed.get_json()
    assert claimed.get_json()["broker"] == {"id": world["broker"].id, "name": world["broker"].display_name}
    assert "已有技术经纪人" in error_of(client.post(f"{url}/claim", headers=other_broker), 409)["message"]
    assert "您已是" in error_of(client.post(f"{url}/claim", json={}, headers=broker), 409)["message"]
    assert client.get(url, headers=broker).status_code == 200
    assert client.get(f"{API}/claimable", headers=broker).get_json()["meta"]["total"] == 0
    error_of(
        client.post(
            f"{url}/request-broker", json={"broker_id": world["other_broker"].id}, headers=tokens("seller")
        ),
        409,
    )  # it has a broker now

    asked_only = deal_in(broker=False)
    deal_service.request_broker(world["seller"], asked_only.id, world["other_broker"].id)
    assert (
        client.post(f"{API}/{asked_only.id}/claim", headers=other_broker).status_code == 200
    )  # asked, other field

    ended = deal_in(stage="terminated", broker=False)
    assert ended.id not in [
        d["id"] for d in client.get(f"{API}/claimable", headers=broker).get_json()["items"]
    ]
    assert "结束" in error_of(client.post(f"{API}/{ended.id}/claim", headers=broker), 409)["message"]
    assert "_body" in field_errors(client.post(f"{API}/{ended.id}/claim", json=[1], headers=broker))


def test_an_admin_assigns_a_broker_and_the_broker_plans_the_next_step(
    client, world, tokens, deal_in, make_user
):
    deal = deal_in()
    url, admin = f"{API}/{deal.id}", tokens("admin")
    assert "broker_id" in field_errors(
        client.post(f"{url}/assign", json={"broker_id": world["buyer"].id}, headers=admin)
    )
    assert "broker_id" in field_errors(client.post(f"{url}/assign", json={}, headers=admin))
    assigned = client.post(f"{url}/assign", json={"broker_id": world["other_broker"].id}, headers=admin)
    assert assigned.status_code == 200 and assigned.get_json()["broker"]["id"] == world["other_broker"].id
    error_of(client.get(url, headers=tokens("broker")), 404)  # the former broker no longer sees it
    assert client.get(url, headers=tokens("other_broker")).status_code == 200

    planned = client.put(
        f"{url}/next-action",
        json={"next_action": "约双方面谈", "next_action_due": "2026-12-20"},
        headers=tokens("other_broker"),
    )
    assert planned.status_code == 200, planned.get_json()
    assert (planned.get_json()["next_action"], planned.get_json()["next_action_due"]) == (
        "约双方面谈",
        "2026-12-20",
    )
    assert "next_action_due" in field_errors(
        client.put(f"{url}/next-action", json={"next_action_due": "下周"}, headers=tokens("other_broker"))
    )
    assert "due" in field_errors(client.put(f"{url}/next-action", json={"due": "2026-12-20"}, headers=admin))
    error_of(client.put(f"{url}/next-action", json={"next_action": "x"}, headers=tokens("seller")), 403)
    cleared = client.put(f"{url}/next-action", json={}, headers=admin).get_json()
    assert (cleared["next_action"], cleared["next_action_due"]) == (None, None)


# ---- the thread: messages, files, the brokers' notes ----------------------------------------------------


def test_broker_notes_are_hidden_from_the_parties(client, world, tokens, deal_in):
    deal = deal_in()
    url = f"{API}/{deal.id}"
    note = client.post(
        f"{url}/notes", json={"kind": "call", "body": "买方可接受200万以内"}, headers=tokens("broker")
    )
    assert note.status_code == 201, note.get_json()
    assert {k: note.get_json()[k] for k in ("kind", "kind_label", "body")} == {
        "kind": "call",
        "kind_label": "电话沟通",
        "body": "买方可接受200万以内",
    }
    meeting = client.post(f"{url}/notes", json={"kind": "会面"}, headers=tokens("admin")).get_json()
    assert (meeting["kind"], meeting["body"]) == ("meeting", "会面")
    assert "kind" in field_errors(
        client.post(f"{url}/notes", json={"kind": "lunch", "body": "x"}, headers=tokens("broker"))
    )
    reply = client.post(f"{url}/messages", json={"body": "我方同意下周面谈"}, headers=tokens("seller"))
    assert reply.status_code == 201 and reply.get_json()["author"] == {
        "id": world["seller"].id,
        "name": world["seller"].display_name,
    }

    def bodies(role):
        return [m["body"] for m in client.get(f"{url}/messages", headers=tokens(role)).get_json()["items"]]

    for role in ("seller", "buyer"):
        assert bodies(role) == ["您好，我们希望洽谈许可事宜。", "我方同意下周面谈"]
    for role in ("broker", "admin"):
        assert bodies(role) == [
            "您好，我们希望洽谈许可事宜。",
            "买方可接受200万以内",
            "会面",
            "我方同意下周面谈",
        ]


def test_files_are_checked_by_their_content_and_served_only_to_the_deal(
    app, client, world, tokens, deal_in, monkeypatch
):
    deal = deal_in()
    url, buyer = f"{API}/{deal.id}", tokens("buyer")
    fake = field_errors(upload(client, url, buyer, content=b"MZ\x90\x00 not a pdf", filename="报价.pdf"))
    assert "不符" in fake["file"]
    assert "file" in field_errors(upload(client, url, buyer, content=b"PK\x03\x04", filename="tool.exe"))
    assert "file" in field_errors(upload(client, url, buyer, content=b"hello\x00world", filename="notes.txt"))
    assert "file" in field_errors(upload(client, url, buyer, content=PDF, filename="方案.png"))
    assert "body" in field_errors(client.post(f"{url}/messages", json={}, headers=buyer))
    assert "body" in field_errors(client.post(f"{url}/messages", json={"body": "   "}, headers=buyer))
    assert "text" in field_errors(client.post(f"{url}/messages", json={"text": "x"}, headers=buyer))
    assert "extra" in field_errors(
        client.post(
            f"{url}/messages",
            data={"body": "x", "extra": "y"},
            headers=buyer,
            content_type="multipart/form-data",
        )
    )
    monkeypatch.setattr(deal_service.messages, "MAX_FILE_BYTES", 1024)
    assert "MB" in field_errors(upload(client, url, buyer, content=PDF + b"0" * 1024))["file"]
    monkeypatch.undo()
    assert snapshot(deal.id)[4] == 1  # only the opening message

    posted = upload(client, url, buyer, content=PNG, filename="样品照片.png", body=None)
    assert posted.status_code == 201, posted.get_json()
    message = posted.get_json()
    assert (message["body"], message["file"]["filename"], message["file"]["size"]) == (
        "",
        "样品照片.png",
        len(PNG),
    )
    assert message["file"]["url"] == f"{url}/messages/{message['id']}/file"
    text_only = upload(client, url, buyer, content=None, body="附件稍后补充")
    assert text_only.status_code == 201 and text_only.get_json()["file"] is None

    stored = db.session.get(DealMessage, message["id"]).stored_name
    on_disk = next(Path(app.instance_path).rglob(stored))
    assert on_disk.read_bytes() == PNG and "static" not in on_disk.parts
    got = download(client, message["file"]["url"], tokens("seller"))
    assert got.status_code == 200 and got.data == PNG and got.mimetype == "image/png"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    error_of(client.get(f"{url}/messages/{text_only.get_json()['id']}/file", headers=tokens("seller")), 404)
    other_deal = deal_in()
    error_of(
        client.get(f"{API}/{other_deal.id}/messages/{message['id']}/file", headers=tokens("seller")), 404
    )


# ---- the confidentiality agreement ----------------------------------------------------------------------


def test_the_nda_is_accepted_per_organisation_and_unlocks_the_confidential_details(
    client, world, tokens, deal_in
):
    deal = deal_in()
    deal.achievement.confidential_details = "关键工艺参数：包覆层厚度 2–5 nm"
    db.session.commit()
    url = f"{API}/{deal.id}"

    def seen(role):
        return client.get(url, headers=tokens(role)).get_json()

    assert seen("buyer")["achievement"]["confidential_details"] is None
    assert seen("broker")["achievement"]["confidential_details"] is None
    assert (
        seen("seller")["achievement"]["confidential_details"] == "关键工艺参数：包覆层厚度 2–5 nm"
    )  # the owner
    assert seen("admin")["achievement"]["confidential_details"] == "关键工艺参数：包覆层厚度 2–5 nm"

    accepted = client.post(f"{url}/nda", headers=tokens("buyer"))
    assert accepted.status_code == 200, accepted.get_json()
    nda = accepted.get_json()
    assert nda["org"] == {"id": world["buyer_org"].id, "name": world["buyer_org"].name, "kind": "enterprise"}
    assert nda["user"] == {"id": world["buyer"].id, "name": world["buyer"].display_name}
    assert nda["version"] == deal_service.NDA_VERSION and nda["accepted_at"]
    assert (
        client.post(f"{url}/nda", json={}, headers=tokens("buyer")).get_json() == nda
    )  # once per organisation
    assert "x" in field_errors(client.post(f"{url}/nda", json={"x": 1}, headers=tokens("buyer")))

    buyer_view = seen("buyer")
    assert buyer_view["nda"]["accepted_by_my_org"] is True
    assert buyer_view["nda"]["accepted"] == [{"org": nda["org"], "at": nda["accepted_at"]}]
    assert buyer_view["achievement"]["confidential_details"] == "关键工艺参数：包覆层厚度 2–5 nm"
    assert seen("seller")["nda"]["accepted_by_my_org"] is False
    assert seen("broker")["achievement"]["confidential_details"] is None


# ---- broker performance (考核) --------------------------------------------------------------------------


def test_broker_figures_count_deals_conversion_and_registered_volume_for_the_right_people(
    client, world, tokens, deal_in
):
    deal_in(stage="registered")  # 1500000.00, the result's price, registered
    deal_in(stage="terminated")
    deal = deal_in(stage="negotiation")
    deal_service.post_message(world["broker"], deal.id, "已约双方周五面谈")
    deal_service.assign_broker(world["admin"], deal_in().id, world["other_broker"].id)
    period = f"from={(TODAY - timedelta(days=30)).isoformat()}&to={TODAY.isoformat()}"
    perf = "/api/v1/brokers/performance"

    everyone = client.get(f"{perf}?{period}", headers=tokens("admin"))
    assert everyone.status_code == 200, everyone.get_json()
    assert everyone.get_json()["meta"] == {
        "from": (TODAY - timedelta(days=30)).isoformat(),
        "to": TODAY.isoformat(),
    }
    rows = {row["broker"]["id"]: row for row in everyone.get_json()["items"]}
    assert set(rows) == {world["broker"].id, world["other_broker"].id}
    mine = rows[world["broker"].id]
    assert mine["broker"] == {"id": world["broker"].id, "name": world["broker"].display_name}
    assert mine["opened"] == 3
    assert mine["reached"] == {"intent": 3, "negotiation": 2, "signing": 1, "registered": 1, "terminated": 1}
    assert mine["conversion"] == {
        "negotiation": pytest.approx(2 / 3),
        "signing": pytest.approx(1 / 3),
        "registered": pytest.approx(1 / 3),
    }
    assert (mine["contracts"], mine["contract_amount"], mine["contract_amount_fen"]) == (
        1,
        "1500000.00",
        150_000_000,
    )
    assert mine["median_first_reply_hours"] is not None and mine["median_first_reply_hours"] >= 0
    assert set(mine["median_days"]) == {"intent", "negotiation", "signing"}
    theirs = rows[world["other_broker"].id]
    assert (theirs["opened"], theirs["contracts"], theirs["contract_amount"]) == (1, 0, "0.00")
    assert theirs["conversion"]["registered"] == 0 and theirs["median_first_reply_hours"] is None

    one = client.get(
        f"{perf}?{period}&broker_id={world['other_broker'].id}", headers=tokens("admin")
    ).get_json()
    assert [row["broker"]["id"] for row in one["items"]] == [world["other_broker"].id]
    own = client.get(f"{perf}?{period}", headers=tokens("broker")).get_json()["items"]
    assert own == [mine]  # a broker sees their own figures only
    assert (
        client.get(f"{perf}?{period}&broker_id={world['broker'].id}", headers=tokens("broker")).get_json()[
            "items"
        ]
        == own
    )
    error_of(
        client.get(f"{perf}?{period}&broker_id={world['other_broker'].id}", headers=tokens("broker")), 403
    )
    for role in ("seller", "buyer", "other", "viewer"):
        error_of(client.get(f"{perf}?{period}", headers=tokens(role)), 403)
    error_of(client.get(f"{perf}?{period}"), 401)

    last_year = client.get(f"{perf}?from=2025-01-01&to=2025-12-31", headers=tokens("broker")).get_json()[
        "items"
    ][0]
    assert (last_year["opened"], last_year["contracts"], last_year["contract_amount_fen"]) == (0, 0, 0)
    assert last_year["conversion"] == {"negotiation": None, "signing": None, "registered": None}
    assert "to" in field_errors(client.get(f"{perf}?from=2026-12-01&to=2026-01-01", headers=tokens("admin")))
    assert "from" in field_errors(client.get(f"{perf}?from=昨天", headers=tokens("admin")))


# ---- the OpenAPI document describes these responses -----------------------------------------------------


def test_deal_responses_match_the_spec(client, world, tokens, deal_in, make_listing, validate):  # noqa: F811
    buyer, seller, broker, admin = tokens("buyer"), tokens("seller"), tokens("broker"), tokens("admin")
    achievement = make_listing("achievement", world["seller"])
    created = client.post(API, json={"achievement_id": achievement.id, "message": "您好"}, headers=buyer)
    validate("/deals", "post", created, 201)
    validate("/deals", "post", client.post(API, json={"achievement_id": achievement.id}, headers=buyer), 200)
    validate("/deals", "post", client.post(API, json={}, headers=buyer), 422)
    validate(
        "/deals",
        "post",
        client.post(API, json={"achievement_id": achievement.id}, headers=tokens("viewer")),
        403,
    )
    validate("/deals", "get", client.get(f"{API}?stage=open", headers=buyer), 200)
    validate("/deals", "get", client.get(API), 401)
    deal_id = created.get_json()["id"]
    item, url = "/deals/{id}", f"{API}/{deal_id}"
    validate(item, "get", client.get(url, headers=seller), 200)
    validate(item, "get", client.get(url, headers=tokens("other")), 404)
    validate("/deals/claimable", "get", client.get(f"{API}/claimable", headers=broker), 200)
    validate("/deals/claimable", "get", client.get(f"{API}/claimable", headers=seller), 403)
    validate(
        "/deals/{id}/request-broker",
        "post",
        client.post(f"{url}/request-broker", json={"broker_id": "x"}, headers=seller),
        422,
    )
    validate(
        "/deals/{id}/request-broker",
        "post",
        client.post(f"{url}/request-broker", json={"broker_id": world["broker"].id}, headers=seller),
        200,
    )
    validate("/deals/{id}/claim", "post", client.post(f"{url}/claim", headers=tokens("other_broker")), 404)
    validate("/deals/{id}/claim", "post", client.post(f"{url}/claim", headers=seller), 403)
    validate("/deals/{id}/claim", "post", client.post(f"{url}/claim", headers=broker), 200)
    validate("/deals/{id}/claim", "post", client.post(f"{url}/claim", headers=broker), 409)
    validate(
        "/deals/{id}/assign",
        "post",
        client.post(f"{url}/assign", json={"broker_id": world["other_broker"].id}, headers=admin),
        200,
    )
    validate(
        "/deals/{id}/assign", "post", client.post(f"{url}/assign", json={"broker_id": 1}, headers=seller), 403
    )
    validate(
        "/deals/{id}/next-action",
        "put",
        client.put(f"{url}/next-action", json={"next_action": "电话回访"}, headers=admin),
        200,
    )
    validate(
        "/deals/{id}/next-action",
        "put",
        client.put(f"{url}/next-action", json={"next_action": "x"}, headers=seller),
        403,
    )
    messages = "/deals/{id}/messages"
    validate(
        messages, "post", client.post(f"{url}/messages", json={"body": "请提供检测报告"}, headers=seller), 201
    )
    validate(messages, "post", upload(client, url, buyer), 201)
    validate(messages, "post", upload(client, url, buyer, content=b"not a pdf"), 422)
    validate(
        messages, "post", client.post(f"{url}/messages", json={"body": "x"}, headers=tokens("other")), 404
    )
    validate(
        "/deals/{id}/notes",
        "post",
        client.post(f"{url}/notes", json={"kind": "meeting", "body": "现场考察"}, headers=admin),
        201,
    )
    validate(
        "/deals/{id}/notes", "post", client.post(f"{url}/notes", json={"kind": "call"}, headers=seller), 403
    )
    validate(messages, "get", client.get(f"{url}/messages", headers=admin), 200)
    validate(messages, "get", client.get(f"{url}/messages", headers=buyer), 200)
    file_path = "/deals/{id}/messages/{message_id}/file"
    validate(file_path, "get", client.get(f"{url}/messages/999999/file", headers=buyer), 404)
    validate("/deals/{id}/nda", "post", client.post(f"{url}/nda", headers=buyer), 200)
    validate("/deals/{id}/nda", "post", client.post(f"{url}/nda", headers=admin), 403)
    validate(
        item, "get", client.get(url, headers=buyer), 200
    )  # with an accepted NDA and confidential details
    stage = "/deals/{id}/stage"
    validate(stage, "post", client.post(f"{url}/stage", json={"stage": "signing"}, headers=buyer), 409)
    validate(stage, "post", client.post(f"{url}/stage", json={"stage": "terminated"}, headers=buyer), 422)
    validate(stage, "post", client.post(f"{url}/stage", json={"stage": "negotiation"}, headers=buyer), 200)
    validate(stage, "post", client.post(f"{url}/stage", json={"stage": "signing"}, headers=buyer), 200)
    validate(
        stage,
        "post",
        client.post(
            f"{url}/stage",
            json={"stage": "terminated", "reason": "ip", "note": "专利权属争议"},
            headers=buyer,
        ),
        200,
    )
    validate(item, "get", client.get(url, headers=buyer), 200)  # terminated: reason, label and note
    validate(stage, "post", client.post(f"{url}/stage", json={"stage": "negotiation"}, headers=buyer), 409)
    perf = "/brokers/performance"
    validate(perf, "get", client.get(f"/api/v1{perf}", headers=admin), 200)
    validate(perf, "get", client.get(f"/api/v1{perf}", headers=broker), 200)
    validate(perf, "get", client.get(f"/api/v1{perf}", headers=seller), 403)
    validate(perf, "get", client.get(f"/api/v1{perf}?to=2020-01-01", headers=admin), 422)
    registered = deal_in(stage="registered")
    validate(item, "get", client.get(f"{API}/{registered.id}", headers=seller), 200)
    assert db.session.get(Contract, registered.contract_id).status == "registered"
