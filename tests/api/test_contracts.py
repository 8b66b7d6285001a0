"""The contract register over JSON: the registration workflow, who may do what, validation, exact money,
corrections with their history, and PDF attachments."""

import hashlib
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from market.extensions import db
from market.models.contract import Contract, ContractAttachment
from market.services import contracts as contract_service
from tests.api.conftest import error_of, field_errors
from tests.conftest import CONTRACT

API = "/api/v1/contracts"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def contract_body(seller, buyer, **overrides) -> dict:
    return {**CONTRACT, "seller_org_id": seller.id, "buyer_org_id": buyer.id, **overrides}


def contract_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Contract))


@pytest.fixture
def world(make_user, make_org):
    """A seller and a buyer with one member each, the contract's broker, and outsiders."""
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
    return {"seller_org": seller, "buyer_org": buyer, **users}


@pytest.fixture
def contract_in(world, make_contract):
    """A contract between the world's seller and buyer, with its broker, in the given state."""

    def make(status="draft", **overrides):
        return make_contract(
            seller=world["seller_org"],
            buyer=world["buyer_org"],
            author=world["seller"],
            status=status,
            broker_id=world["broker"].id,
            **overrides,
        )

    return make


# ---- the workflow -------------------------------------------------------------------------------------


def test_a_contract_goes_from_draft_through_return_to_registration_and_counts_in_the_totals(
    client, world, tokens
):
    seller, admin = tokens("seller"), tokens("admin")
    created = client.post(
        API,
        json=contract_body(world["seller_org"], world["buyer_org"], broker_id=world["broker"].id),
        headers=seller,
    )
    assert created.status_code == 201, created.get_json()
    contract = created.get_json()
    assert {
        k: contract[k]
        for k in ("number", "title", "contract_type", "subtype", "payment_mode", "signed_on", "field")
    } == {
        k: CONTRACT[k]
        for k in ("number", "title", "contract_type", "subtype", "payment_mode", "signed_on", "field")
    }
    assert (contract["contract_type_label"], contract["subtype_label"], contract["payment_mode_label"]) == (
        "技术转让",
        "专利权",
        "分期支付",
    )
    assert (contract["status"], contract["status_label"]) == ("draft", "草稿")
    assert (contract["amount"], contract["amount_fen"]) == ("1500000.00", 150_000_000)
    assert (contract["recognised_amount"], contract["recognised_fen"], contract["registration_number"]) == (
        None,
        None,
        None,
    )
    assert contract["seller"] == {
        "id": world["seller_org"].id,
        "name": world["seller_org"].name,
        "kind": "university",
    }
    assert contract["buyer"] == {
        "id": world["buyer_org"].id,
        "name": world["buyer_org"].name,
        "kind": "enterprise",
    }
    assert contract["broker"] == {"id": world["broker"].id, "name": world["broker"].display_name}
    assert (contract["seller_region"], contract["seller_kind"], contract["buyer_province"]) == (
        "沣西",
        "university",
        "陕西省",
    )
    assert contract["attachments"] == [] and contract["submitted_at"] is None
    url = f"{API}/{contract['id']}"

    stats = "/api/v1/stats/contracts?from=2026-01-01&to=2026-12-31"
    assert client.get(stats, headers=admin).get_json()["meta"]["count"] == 0  # a draft does not count

    submitted = client.post(f"{url}/submit", headers=seller).get_json()
    assert (submitted["status"], submitted["status_label"]) == ("submitted", "待登记") and submitted[
        "submitted_at"
    ]
    error_of(client.post(f"{url}/submit", headers=seller), 409)  # not twice
    assert client.get(stats, headers=admin).get_json()["meta"]["count"] == 0  # nor a submitted one

    returned = client.post(f"{url}/return", json={"reason": "请补充合同扫描件"}, headers=admin).get_json()
    assert (returned["status"], returned["return_reason"]) == ("returned", "请补充合同扫描件")
    fixed = client.patch(url, json={"title": "高镍正极材料包覆技术转让合同（修订）"}, headers=tokens("buyer"))
    assert fixed.status_code == 200 and fixed.get_json()["title"].endswith("（修订）")
    resubmitted = client.post(f"{url}/submit", json={}, headers=tokens("broker")).get_json()
    assert (resubmitted["status"], resubmitted["return_reason"]) == ("submitted", None)

    registered = client.post(
        f"{url}/register", json={"recognised_amount": "1200000.00"}, headers=admin
    ).get_json()
    assert (registered["status"], registered["status_label"]) == ("registered", "已登记")
    assert (registered["recognised_amount"], registered["recognised_fen"]) == ("1200000.00", 120_000_000)
    assert registered["registration_number"].startswith("2026611100") and registered["registered_at"]
    assert client.get(url, headers=seller).get_json() == registered

    meta = client.get(stats, headers=admin).get_json()["meta"]
    assert (meta["count"], meta["amount"], meta["amount_fen"]) == (1, "1500000.00", 150_000_000)
    assert (meta["recognised_amount"], meta["recognised_fen"]) == ("1200000.00", 120_000_000)

    history = client.get(f"{url}/history", headers=seller).get_json()["items"]
    assert [e["action"] for e in history] == [
        "contract.register",
        "contract.submit",
        "contract.update",
        "contract.return",
        "contract.submit",
        "contract.create",
    ]
    assert [e["actor"] for e in history] == [
        world[r].display_name for r in ("admin", "broker", "buyer", "admin", "seller", "seller")
    ]
    assert history[3]["changes"] == {"reason": "请补充合同扫描件"} and history[3]["action_label"] == "退回"
    assert history[0]["changes"]["recognised_fen"] == 120_000_000 and history[0]["at"]


def test_the_list_shows_only_the_actors_contracts_and_filters_and_pages(
    client, world, tokens, contract_in, make_contract
):
    contract_in(title="储能电池热管理技术开发合同", contract_type="development", subtype=None, field="新能源")
    contract_in(status="registered", number="HT-2026-777")
    for _ in range(3):
        contract_in(status="submitted", signed_on="2025-06-01")
    make_contract()  # between two other organisations
    seller = tokens("seller")
    everything = client.get(API, headers=seller).get_json()
    assert everything["meta"] == {"page": 1, "per_page": 20, "total": 5}
    assert [c["signed_on"] for c in everything["items"]][-3:] == ["2025-06-01"] * 3  # newest signing first
    assert client.get(API, headers=tokens("admin")).get_json()["meta"]["total"] == 6
    assert client.get(API, headers=tokens("other")).get_json()["meta"]["total"] == 0

    def titles(query, role="seller"):
        return [c["title"] for c in client.get(f"{API}?{query}", headers=tokens(role)).get_json()["items"]]

    assert titles("type=development") == ["储能电池热管理技术开发合同"]
    assert titles("field=新能源") == ["储能电池热管理技术开发合同"]
    assert titles("q=储能") == ["储能电池热管理技术开发合同"]
    assert len(titles("q=777")) == 1 and len(titles("status=submitted")) == 3
    assert len(titles("from=2026-01-01&to=2026-12-31")) == 2
    assert len(titles("to=2025-12-31")) == 3
    assert len(titles("", role="viewer")) == 1  # viewers see the registered one only
    second = client.get(f"{API}?per_page=2&page=2", headers=seller).get_json()
    assert second["meta"] == {"page": 2, "per_page": 2, "total": 5} and len(second["items"]) == 2
    assert (
        client.get(f"{API}?status=nonsense&type=%00&from=明天", headers=seller).get_json()["meta"]["total"]
        == 5
    )


# ---- permissions --------------------------------------------------------------------------------------

ROLES = ("anonymous", "seller", "buyer", "broker", "other_broker", "other", "viewer", "admin")
# (state the contract is in, what is tried) → the status each role gets, in ROLES order.
GRID = {
    ("draft", "get"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("registered", "get"): (401, 200, 200, 200, 404, 404, 200, 200),
    ("draft", "patch"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("registered", "patch"): (401, 409, 409, 409, 404, 404, 403, 409),
    ("draft", "delete"): (401, 204, 204, 204, 404, 404, 404, 204),
    ("submitted", "delete"): (401, 409, 409, 409, 404, 404, 404, 409),
    ("draft", "submit"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("returned", "submit"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("submitted", "register"): (401, 403, 403, 403, 403, 403, 403, 200),
    ("draft", "register"): (401, 403, 403, 403, 403, 403, 403, 409),
    ("submitted", "return"): (401, 403, 403, 403, 403, 403, 403, 200),
    ("registered", "correct"): (401, 403, 403, 403, 403, 403, 403, 200),
    ("submitted", "correct"): (401, 403, 403, 403, 403, 403, 403, 409),
    ("draft", "history"): (401, 200, 200, 200, 404, 404, 404, 200),
    ("registered", "history"): (401, 200, 200, 200, 404, 404, 200, 200),
}
REQUESTS = {  # action → (method, path suffix, body)
    "get": ("get", "", None),
    "patch": ("patch", "", {"note": "补充说明"}),
    "delete": ("delete", "", None),
    "submit": ("post", "/submit", None),
    "register": ("post", "/register", {"recognised_amount": "1000000"}),
    "return": ("post", "/return", {"reason": "金额与扫描件不符"}),
    "correct": ("post", "/correct", {"reason": "合同编号录入有误", "number": "HT-2026-001-A"}),
    "history": ("get", "/history", None),
}


@pytest.mark.parametrize("state, action", sorted(GRID))
def test_each_role_gets_what_the_rules_promise(client, tokens, contract_in, state, action):
    method, suffix, body = REQUESTS[action]
    for role, expected in zip(ROLES, GRID[state, action]):
        contract = contract_in(status=state)  # a fresh one each time: a successful action changes it
        before = contract.status
        response = getattr(client, method)(f"{API}/{contract.id}{suffix}", json=body, headers=tokens(role))
        assert response.status_code == expected, (role, response.get_json())
        if expected >= 400:
            error_of(response, expected)
            db.session.expire_all()
            assert db.session.get(Contract, contract.id).status == before  # a refusal changes nothing


def test_who_may_write_contracts(client, world, tokens, make_user, api_token):
    body = contract_body(world["seller_org"], world["buyer_org"])
    error_of(client.post(API, json=body), 401)
    for role in ("viewer", "other"):
        before = contract_count()
        expected = 403 if role == "viewer" else 422  # an outsider must be one of the parties
        error_of(client.post(API, json=body, headers=tokens(role)), expected)
        assert contract_count() == before
    unverified = make_user("university", verified=False)
    error_of(
        client.post(
            API,
            json=contract_body(unverified.organisation, world["buyer_org"]),
            headers=api_token(unverified),
        ),
        403,
    )

    # A broker writes contracts they broker (themselves by default), not on others' behalf.
    brokered = client.post(API, json=body, headers=tokens("broker"))
    assert brokered.status_code == 201 and brokered.get_json()["broker"]["id"] == world["broker"].id
    assert "broker_id" in field_errors(
        client.post(API, json={**body, "broker_id": world["other_broker"].id}, headers=tokens("broker"))
    )
    for role in ("seller", "buyer", "admin"):
        assert client.post(API, json=body, headers=tokens(role)).status_code == 201


def test_a_bad_or_missing_token_is_401_everywhere(client, contract_in):
    contract = contract_in(status="registered")
    for method, path in (
        ("get", API),
        ("post", API),
        ("get", f"{API}/{contract.id}"),
        ("patch", f"{API}/{contract.id}"),
        ("post", f"{API}/{contract.id}/submit"),
        ("get", f"{API}/{contract.id}/history"),
        ("post", f"{API}/{contract.id}/attachments"),
    ):
        error_of(getattr(client, method)(path), 401)
        error_of(getattr(client, method)(path, headers={"Authorization": "Bearer made-up"}), 401)


# ---- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        ({"amount": "abc"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"amount": None}, "amount"),
        ({"amount": True}, "amount"),
        ({"status": "registered"}, "status"),
        ({"recognised_amount": "1"}, "recognised_amount"),
        ({"subtype": None}, "subtype"),
        ({"contract_type": "gift"}, "contract_type"),
        ({"payment_mode": "barter"}, "payment_mode"),
        ({"signed_on": "2099-01-01"}, "signed_on"),
        ({"signed_on": "昨天"}, "signed_on"),
        ({"term_start": "2026-06-01", "term_end": "2026-01-01"}, "term_end"),
        ({"buyer_province": "火星"}, "buyer_province"),
        ({"title": "<script>alert(1)</script>"}, "title"),
        ({"seller_org_id": 999999}, "seller_org_id"),
        ({"broker_id": 999999}, "broker_id"),
    ],
)
def test_bad_contract_input_is_refused_on_the_field_at_fault(client, world, tokens, change, field):
    before = contract_count()
    fields = field_errors(
        client.post(
            API,
            json=contract_body(world["seller_org"], world["buyer_org"], **change),
            headers=tokens("seller"),
        )
    )
    assert field in fields, fields
    assert contract_count() == before


def test_same_seller_and_buyer_and_non_object_bodies_are_refused(client, world, tokens):
    seller = tokens("seller")
    assert "buyer_org_id" in field_errors(
        client.post(API, json=contract_body(world["seller_org"], world["seller_org"]), headers=seller)
    )
    assert "_body" in field_errors(client.post(API, json=["not", "an", "object"], headers=seller))
    assert "_body" in field_errors(client.post(API, data="amount=1", headers=seller))


def test_workflow_input_is_checked(client, tokens, contract_in):
    admin = tokens("admin")
    contract = contract_in(status="submitted", amount="100.00")
    url = f"{API}/{contract.id}"
    assert "recognised_amount" in field_errors(
        client.post(f"{url}/register", json={"recognised_amount": "100.01"}, headers=admin)
    )
    assert "recognised_amount" in field_errors(client.post(f"{url}/register", json={}, headers=admin))
    assert "recognised_amount" in field_errors(
        client.post(f"{url}/register", json={"recognised_amount": "abc"}, headers=admin)
    )
    assert "colour" in field_errors(
        client.post(f"{url}/register", json={"recognised_amount": "1", "colour": "红"}, headers=admin)
    )
    assert "reason" in field_errors(client.post(f"{url}/return", json={"reason": "  "}, headers=admin))
    assert "note" in field_errors(client.post(f"{url}/submit", json={"note": "x"}, headers=tokens("seller")))
    other = contract_in(status="registered")
    taken = db.session.get(Contract, other.id).registration_number
    assert "registration_number" in field_errors(
        client.post(
            f"{url}/register", json={"recognised_amount": "1", "registration_number": taken}, headers=admin
        )
    )
    db.session.expire_all()
    assert db.session.get(Contract, contract.id).status == "submitted"


def test_a_transfer_needs_a_subtype_and_other_types_drop_it(client, world, tokens):
    seller = tokens("seller")
    body = contract_body(world["seller_org"], world["buyer_org"])
    assert "subtype" in field_errors(client.post(API, json={**body, "subtype": ""}, headers=seller))
    assert "subtype" in field_errors(
        client.post(API, json={**body, "contract_type": "licence", "subtype": None}, headers=seller)
    )
    consulting = client.post(API, json={**body, "contract_type": "技术咨询"}, headers=seller).get_json()
    assert (consulting["contract_type"], consulting["subtype"], consulting["subtype_label"]) == (
        "consulting",
        None,
        None,
    )
    url = f"{API}/{consulting['id']}"
    assert "subtype" in field_errors(client.patch(url, json={"contract_type": "transfer"}, headers=seller))
    changed = client.patch(
        url, json={"contract_type": "transfer", "subtype": "know_how"}, headers=seller
    ).get_json()
    assert (changed["contract_type_label"], changed["subtype_label"]) == ("技术转让", "技术秘密")


# ---- money --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent, shown, fen",
    [
        ("0.01", "0.01", 1),
        ("12345678.91", "12345678.91", 1_234_567_891),
        ("1,500,000", "1500000.00", 150_000_000),
        (12345678.91, "12345678.91", 1_234_567_891),
        (99999999999.99, "99999999999.99", 9_999_999_999_999),
        ("1000000000000", "1000000000000.00", 100_000_000_000_000),
        ("12.5万", "125000.00", 12_500_000),  # 0 is refused: tests/api/test_plausibility.py
    ],
)
def test_amounts_round_trip_exactly(client, world, tokens, sent, shown, fen):
    created = client.post(
        API,
        json=contract_body(world["seller_org"], world["buyer_org"], amount=sent),
        headers=tokens("seller"),
    )
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["amount"], created.get_json()["amount_fen"]) == (shown, fen)
    assert db.session.get(Contract, created.get_json()["id"]).amount_fen == fen
    again = client.get(f"{API}/{created.get_json()['id']}", headers=tokens("buyer")).get_json()
    assert (again["amount"], again["amount_fen"]) == (shown, fen)


def test_totals_are_exact_sums_of_small_and_large_amounts(client, tokens, contract_in):
    # 0.1 + 0.2 style sums are where floats go wrong; 10 × 0.10 + 0.20 + 12345678.91 must be 12345680.11
    # exactly.
    for amount in ["0.10"] * 10 + ["0.20", "12345678.91"]:
        contract_in(status="registered", amount=amount, recognised=amount)
    contract_in(status="registered", amount="0.03", recognised="0.01")
    meta = client.get(
        "/api/v1/stats/contracts?from=2026-01-01&to=2026-12-31", headers=tokens("viewer")
    ).get_json()["meta"]
    assert (meta["count"], meta["amount"], meta["amount_fen"]) == (13, "12345680.14", 1_234_568_014)
    assert (meta["recognised_amount"], meta["recognised_fen"]) == ("12345680.12", 1_234_568_012)
    listed = client.get(f"{API}?per_page=100", headers=tokens("admin")).get_json()["items"]
    assert sorted(c["recognised_amount"] for c in listed)[:2] == ["0.01", "0.10"]


# ---- registered contracts change only through corrections --------------------------------------------


def test_a_registered_contract_is_corrected_by_an_admin_with_its_reason_kept(
    client, world, tokens, contract_in
):
    contract = contract_in(status="registered", recognised="1000000.00")
    url, admin = f"{API}/{contract.id}", tokens("admin")
    refused = error_of(client.patch(url, json={"amount": "1600000.00"}, headers=admin), 409)
    assert "更正" in refused["message"]
    error_of(client.patch(url, json={"amount": "1600000.00"}, headers=tokens("seller")), 409)
    error_of(client.delete(url, headers=admin), 409)

    assert "reason" in field_errors(
        client.post(f"{url}/correct", json={"amount": "1600000.00"}, headers=admin)
    )
    assert "recognised_amount" in field_errors(
        client.post(
            f"{url}/correct",
            json={"reason": "笔误", "amount": "1600000.00", "recognised_amount": "1600000.01"},
            headers=admin,
        )
    )
    assert "amount" in field_errors(
        client.post(f"{url}/correct", json={"reason": "笔误", "amount": "999999.99"}, headers=admin)
    )  # below the recognised amount
    assert "reason" in field_errors(client.post(f"{url}/correct", json={"reason": "没改"}, headers=admin))
    assert "status" in field_errors(
        client.post(f"{url}/correct", json={"reason": "x", "status": "draft"}, headers=admin)
    )

    corrected = client.post(
        f"{url}/correct",
        headers=admin,
        json={
            "reason": "合同金额录入笔误，以扫描件为准",
            "amount": "1600000.00",
            "recognised_amount": "1550000.50",
            "registration_number": "2026611100-X1",
        },
    )
    assert corrected.status_code == 200, corrected.get_json()
    body = corrected.get_json()
    assert (body["status"], body["amount"], body["recognised_amount"], body["registration_number"]) == (
        "registered",
        "1600000.00",
        "1550000.50",
        "2026611100-X1",
    )

    latest = client.get(f"{url}/history", headers=tokens("seller")).get_json()["items"][0]
    assert (latest["action"], latest["action_label"], latest["actor"]) == (
        "contract.correct",
        "更正",
        world["admin"].display_name,
    )
    assert latest["changes"]["reason"] == "合同金额录入笔误，以扫描件为准"
    assert latest["changes"]["amount_fen"] == [150_000_000, 160_000_000]
    assert latest["changes"]["recognised_fen"] == [100_000_000, 155_000_050]
    meta = client.get("/api/v1/stats/contracts?from=2026-01-01&to=2026-12-31", headers=admin).get_json()[
        "meta"
    ]
    assert (meta["amount"], meta["recognised_amount"]) == ("1600000.00", "1550000.50")


def test_a_draft_is_deleted_and_gone(client, tokens, contract_in):
    contract = contract_in()
    assert client.delete(f"{API}/{contract.id}", headers=tokens("seller")).status_code == 204
    error_of(client.get(f"{API}/{contract.id}", headers=tokens("admin")), 404)
    assert contract_count() == 0
    error_of(client.get(f"{API}/abc", headers=tokens("admin")), 404)


# ---- attachments --------------------------------------------------------------------------------------


def upload(client, url, headers, content=PDF, filename="合同扫描件.pdf"):
    return client.post(
        f"{url}/attachments",
        data={"file": (BytesIO(content), filename)},
        headers=headers,
        content_type="multipart/form-data",
    )


def download(client, url, headers):
    """GET an attachment, read it, and close the file behind the response."""
    with client.get(url, headers=headers) as response:
        response.get_data()
    return response


def test_a_pdf_is_uploaded_downloaded_and_deleted(app, client, world, tokens, contract_in):
    contract = contract_in()
    url, seller = f"{API}/{contract.id}", tokens("seller")
    created = upload(client, url, seller)
    assert created.status_code == 201, created.get_json()
    attachment = created.get_json()
    assert attachment == {
        "id": attachment["id"],
        "filename": "合同扫描件.pdf",
        "size": len(PDF),
        "url": f"{url}/attachments/{attachment['id']}",
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "uploaded_at": attachment["uploaded_at"],
        "uploaded_by": {"id": world["seller"].id, "name": world["seller"].display_name},
        "correction": None,
    }
    assert attachment["uploaded_at"].endswith("+08:00")  # Beijing time, with its offset
    assert client.get(url, headers=seller).get_json()["attachments"] == [attachment]

    stored = db.session.get(ContractAttachment, attachment["id"]).stored_name
    on_disk = next(Path(app.instance_path).rglob(stored))
    assert on_disk.read_bytes() == PDF and "static" not in on_disk.parts

    for role in ("seller", "buyer", "broker", "admin"):
        got = download(client, attachment["url"], tokens(role))
        assert got.status_code == 200 and got.data == PDF
        assert got.mimetype == "application/pdf" and got.headers["X-Content-Type-Options"] == "nosniff"
        assert got.headers["Content-Disposition"].startswith("attachment")
    for role in ("other", "other_broker", "viewer"):
        error_of(client.get(attachment["url"], headers=tokens(role)), 404)
        error_of(client.delete(attachment["url"], headers=tokens(role)), 404)
    error_of(client.get(attachment["url"]), 401)

    assert client.delete(attachment["url"], headers=tokens("buyer")).status_code == 204
    error_of(client.get(attachment["url"], headers=seller), 404)
    assert client.get(url, headers=seller).get_json()["attachments"] == []
    assert not on_disk.exists()


def test_only_pdfs_within_the_size_limit_are_accepted(client, tokens, contract_in, monkeypatch):
    contract = contract_in()
    url, seller = f"{API}/{contract.id}", tokens("seller")
    assert "file" in field_errors(
        upload(client, url, seller, content=b"hello, not a pdf", filename="scan.pdf")
    )
    assert "file" in field_errors(upload(client, url, seller, content=PDF, filename="scan.exe"))
    assert "file" in field_errors(upload(client, url, seller, content=b"", filename="scan.pdf"))
    assert "file" in field_errors(
        client.post(f"{url}/attachments", data={}, headers=seller, content_type="multipart/form-data")
    )
    monkeypatch.setattr(contract_service.attachments, "MAX_ATTACHMENT_BYTES", 1024)
    too_big = field_errors(upload(client, url, seller, content=PDF + b"0" * 1024))
    assert "MB" in too_big["file"]
    assert (
        upload(client, url, seller, content=PDF + b"0" * (1024 - len(PDF))).status_code == 201
    )  # exactly the limit
    assert db.session.scalar(select(func.count()).select_from(ContractAttachment)) == 1


def correct_upload(client, url, headers, reason, content=PDF, filename="补充协议.pdf"):
    data = {"file": (BytesIO(content), filename)}
    if reason is not None:
        data["reason"] = reason
    return client.post(
        f"{url}/correct/attachments", data=data, headers=headers, content_type="multipart/form-data"
    )


def test_after_registration_attachments_stay_and_are_added_only_by_a_correction(
    client, world, tokens, contract_in
):
    contract = contract_in(status="submitted")
    url = f"{API}/{contract.id}"
    original = upload(client, url, tokens("seller")).get_json()
    registered = client.post(
        f"{url}/register", json={"recognised_amount": "1500000"}, headers=tokens("admin")
    )
    assert registered.status_code == 200

    for role in ("admin", "seller", "buyer", "broker"):  # nobody deletes, admins included
        refused = error_of(client.delete(original["url"], headers=tokens(role)), 409)
        assert refused["code"] == "invalid_transition" and "已登记合同的附件不能删除" in refused["message"]
    error_of(client.delete(original["url"], headers=tokens("viewer")), 403)
    for role in ("seller", "buyer", "viewer", "admin"):
        assert (
            download(client, original["url"], tokens(role)).data == PDF
        )  # still there for everyone who may read

    error_of(upload(client, url, tokens("seller")), 403)
    error_of(upload(client, url, tokens("viewer")), 403)
    assert "更正" in error_of(upload(client, url, tokens("admin")), 409)["message"]
    error_of(correct_upload(client, url, tokens("seller"), "补充"), 403)
    assert field_errors(correct_upload(client, url, tokens("admin"), None)) == {"reason": "请填写更正原因"}
    assert field_errors(correct_upload(client, url, tokens("admin"), "   ")) == {"reason": "请填写更正原因"}
    assert "500" in field_errors(correct_upload(client, url, tokens("admin"), "长" * 501))["reason"]
    assert set(field_errors(correct_upload(client, url, tokens("admin"), "", content=b"no pdf"))) == {
        "file",
        "reason",
    }
    assert len(client.get(url, headers=tokens("seller")).get_json()["attachments"]) == 1

    added = correct_upload(client, url, tokens("admin"), "登记时漏传补充协议")
    assert added.status_code == 201, added.get_json()
    correction = added.get_json()["correction"]
    assert correction["reason"] == "登记时漏传补充协议"
    assert correction["by"] == {"id": world["admin"].id, "name": world["admin"].display_name}
    assert correction["at"] == added.get_json()["uploaded_at"]
    shown = client.get(url, headers=tokens("buyer")).get_json()["attachments"]
    assert [a["correction"] for a in shown] == [None, correction]
    assert download(client, added.get_json()["url"], tokens("viewer")).data == PDF
    history = client.get(f"{url}/history", headers=tokens("seller")).get_json()["items"]
    assert (history[0]["action"], history[0]["action_label"]) == (
        "contract.attach_correction",
        "更正：补充附件",
    )
    assert (
        history[0]["changes"]["reason"] == "登记时漏传补充协议"
        and history[0]["changes"]["file"] == "补充协议.pdf"
    )
    error_of(client.delete(added.get_json()["url"], headers=tokens("admin")), 409)
    error_of(client.get(f"{url}/attachments/999999", headers=tokens("admin")), 404)


def test_a_correction_upload_needs_a_registered_contract(client, tokens, contract_in):
    url = f"{API}/{contract_in().id}"
    assert "未登记" in error_of(correct_upload(client, url, tokens("admin"), "补充"), 409)["message"]
    error_of(correct_upload(client, f"{API}/999999", tokens("admin"), "补充"), 404)
    error_of(correct_upload(client, url, {}, "补充"), 401)
    assert db.session.scalar(select(func.count()).select_from(ContractAttachment)) == 0


# ---- the OpenAPI document describes these responses ---------------------------------------------------


def test_contract_responses_match_the_spec(client, world, tokens, contract_in, validate):  # noqa: F811
    seller, admin = tokens("seller"), tokens("admin")
    body = contract_body(world["seller_org"], world["buyer_org"], broker_id=world["broker"].id)
    created = client.post(API, json=body, headers=seller)
    validate("/contracts", "post", created, 201)
    validate("/contracts", "post", client.post(API, json={**body, "amount": "abc"}, headers=seller), 422)
    validate("/contracts", "post", client.post(API, json=body, headers=tokens("viewer")), 403)
    validate("/contracts", "get", client.get(API, headers=seller), 200)
    item, url = "/contracts/{id}", f"{API}/{created.get_json()['id']}"
    validate(item, "get", client.get(url, headers=seller), 200)
    validate(item, "get", client.get(url, headers=tokens("other")), 404)
    validate(item, "patch", client.patch(url, json={"note": "说明"}, headers=seller), 200)
    added = upload(client, url, seller)
    validate("/contracts/{id}/attachments", "post", added, 201)
    validate("/contracts/{id}/attachments", "post", upload(client, url, seller, content=b"text"), 422)
    attachment = "/contracts/{id}/attachments/{attachment_id}"
    validate(attachment, "get", client.get(f"{url}/attachments/999999", headers=seller), 404)
    validate("/contracts/{id}/submit", "post", client.post(f"{url}/submit", headers=seller), 200)
    validate("/contracts/{id}/submit", "post", client.post(f"{url}/submit", headers=seller), 409)
    validate(
        "/contracts/{id}/return",
        "post",
        client.post(f"{url}/return", json={"reason": "缺页"}, headers=admin),
        200,
    )
    client.post(f"{url}/submit", headers=seller)
    validate(
        "/contracts/{id}/register",
        "post",
        client.post(f"{url}/register", json={"recognised_amount": "1"}, headers=seller),
        403,
    )
    validate(
        "/contracts/{id}/register",
        "post",
        client.post(f"{url}/register", json={"recognised_amount": "1"}, headers=admin),
        200,
    )
    validate(item, "patch", client.patch(url, json={"note": "说明"}, headers=seller), 409)
    validate(
        "/contracts/{id}/correct",
        "post",
        client.post(f"{url}/correct", json={"reason": "笔误", "title": "新名称"}, headers=admin),
        200,
    )
    validate("/contracts/{id}/history", "get", client.get(f"{url}/history", headers=seller), 200)
    validate(attachment, "delete", client.delete(added.get_json()["url"], headers=admin), 409)
    corrected = correct_upload(client, url, admin, "补充协议")
    validate("/contracts/{id}/correct/attachments", "post", corrected, 201)
    validate("/contracts/{id}/correct/attachments", "post", correct_upload(client, url, admin, ""), 422)
    validate("/contracts/{id}/correct/attachments", "post", correct_upload(client, url, seller, "补充"), 403)
    validate("/contracts/{id}/attachments", "post", upload(client, url, admin), 409)
    validate(item, "get", client.get(url, headers=seller), 200)  # with a correction among the attachments
    draft = client.post(API, json=body, headers=seller).get_json()
    validate(item, "delete", client.delete(f"{API}/{draft['id']}", headers=seller), 204)
