"""The contract register: workflow, permissions, validation, registration, corrections and attachments."""

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from market.clock import today_in_beijing
from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.models import AuditEntry
from market.models.contract import Contract, ContractAttachment
from market.services import contracts
from tests.conftest import CONTRACT

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def stored(db, contract_id) -> dict | None:
    """The contract's row as the database has it now (not the session's copy)."""
    table = Contract.__table__
    row = db.session.execute(select(table).where(table.c.id == contract_id)).mappings().one_or_none()
    return dict(row) if row is not None else None


def audit_rows(db, contract_id, action=None) -> list[AuditEntry]:
    query = select(AuditEntry).where(
        AuditEntry.object_type == "contract", AuditEntry.object_id == contract_id
    )
    if action:
        query = query.where(AuditEntry.action == action)
    return list(db.session.scalars(query.order_by(AuditEntry.id)))


def new_contract(actor, seller, buyer, **overrides):
    return contracts.create_contract(
        actor, {**CONTRACT, "seller_org_id": seller.id, "buyer_org_id": buyer.id, **overrides}
    )


def refused(actor, seller, buyer, **overrides) -> dict:
    with pytest.raises(ValidationFailed) as exc:
        new_contract(actor, seller, buyer, **overrides)
    return exc.value.fields


@pytest.fixture
def parties(make_user):
    """A seller member, a buyer member and an admin."""
    return make_user("university"), make_user("enterprise"), make_user("admin")


# ---- the state machine ---------------------------------------------------------------------------------


def test_draft_is_submitted_then_registered_with_a_number(parties, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    assert stored(db, contract.id)["status"] == "draft"
    assert (contract.seller_region, contract.seller_kind) == ("沣东", "university")
    assert contract.amount_fen == 150_000_000 and contract.recognised_fen is None

    contracts.submit_contract(buyer, contract.id)
    row = stored(db, contract.id)
    assert row["status"] == "submitted" and row["submitted_at"] is not None

    contracts.register_contract(admin, contract.id, {"recognised_amount": "1200000.55"})
    row = stored(db, contract.id)
    assert row["status"] == "registered"
    assert row["recognised_fen"] == 120_000_055
    assert re.fullmatch(rf"{today_in_beijing().year}611100\d{{8}}", row["registration_number"])
    assert row["registered_by_id"] == admin.id and row["registered_at"] is not None
    actions = [e.action for e in audit_rows(db, contract.id)]
    assert actions == ["contract.create", "contract.submit", "contract.register"]


def test_returned_contract_is_edited_and_submitted_again(parties, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
    contracts.return_contract(admin, contract.id, "  请补充合同扫描件  ")
    row = stored(db, contract.id)
    assert (row["status"], row["return_reason"]) == ("returned", "请补充合同扫描件")

    contracts.update_contract(seller, contract.id, {"title": "修改后的合同名称"})
    contracts.submit_contract(seller, contract.id)
    row = stored(db, contract.id)
    assert (row["status"], row["title"], row["return_reason"]) == ("submitted", "修改后的合同名称", None)
    contracts.register_contract(admin, contract.id, {"recognised_amount": "1500000"})
    assert stored(db, contract.id)["status"] == "registered"


def test_return_needs_a_reason(parties, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
    with pytest.raises(ValidationFailed) as exc:
        contracts.return_contract(admin, contract.id, "   ")
    assert exc.value.fields["reason"] == "请填写退回原因"
    assert stored(db, contract.id)["status"] == "submitted"


ILLEGAL = {
    "register a draft": (
        "draft",
        lambda a, p, i: contracts.register_contract(a, i, {"recognised_amount": "100"}),
    ),
    "register a returned one": (
        "returned",
        lambda a, p, i: contracts.register_contract(a, i, {"recognised_amount": "100"}),
    ),
    "register twice": (
        "registered",
        lambda a, p, i: contracts.register_contract(a, i, {"recognised_amount": "100"}),
    ),
    "submit a submitted one": ("submitted", lambda a, p, i: contracts.submit_contract(p, i)),
    "submit a registered one": ("registered", lambda a, p, i: contracts.submit_contract(p, i)),
    "admin submits a registered one": ("registered", lambda a, p, i: contracts.submit_contract(a, i)),
    "return a draft": ("draft", lambda a, p, i: contracts.return_contract(a, i, "不符合要求")),
    "return a returned one": ("returned", lambda a, p, i: contracts.return_contract(a, i, "不符合要求")),
    "return a registered one": ("registered", lambda a, p, i: contracts.return_contract(a, i, "不符合要求")),
    "correct a draft": (
        "draft",
        lambda a, p, i: contracts.correct_contract(a, i, {"title": "更正名称"}, "笔误"),
    ),
    "correct a submitted one": (
        "submitted",
        lambda a, p, i: contracts.correct_contract(a, i, {"title": "更正名称"}, "笔误"),
    ),
    "update a submitted one": (
        "submitted",
        lambda a, p, i: contracts.update_contract(p, i, {"title": "新名称"}),
    ),
    "update a registered one": (
        "registered",
        lambda a, p, i: contracts.update_contract(p, i, {"title": "新名称"}),
    ),
    "admin updates a registered one": (
        "registered",
        lambda a, p, i: contracts.update_contract(a, i, {"title": "新名称"}),
    ),
    "delete a submitted one": ("submitted", lambda a, p, i: contracts.delete_contract(p, i)),
    "delete a returned one": ("returned", lambda a, p, i: contracts.delete_contract(p, i)),
    "delete a registered one": ("registered", lambda a, p, i: contracts.delete_contract(p, i)),
    "admin deletes a registered one": ("registered", lambda a, p, i: contracts.delete_contract(a, i)),
}


@pytest.mark.parametrize("case", ILLEGAL, ids=list(ILLEGAL))
def test_illegal_transition_is_refused_and_changes_nothing(case, parties, make_contract, db):
    status, step = ILLEGAL[case]
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status=status)
    before, audit_before = stored(db, contract.id), len(audit_rows(db, contract.id))
    assert before["status"] == status
    with pytest.raises(InvalidTransition):
        step(admin, seller, contract.id)
    assert stored(db, contract.id) == before
    assert len(audit_rows(db, contract.id)) == audit_before


def test_update_of_a_registered_contract_points_to_a_correction(parties, make_contract):
    seller, buyer, _ = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    with pytest.raises(InvalidTransition) as exc:
        contracts.update_contract(seller, contract.id, {"title": "新名称"})
    assert "更正" in exc.value.message


def test_party_deletes_a_draft(parties, make_contract, db):
    seller, buyer, _ = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    contracts.delete_contract(buyer, contract.id)
    assert stored(db, contract.id) is None
    assert [e.action for e in audit_rows(db, contract.id)][-1] == "contract.delete"


# ---- permissions ---------------------------------------------------------------------------------------


def test_parties_broker_and_admin_read_others_get_not_found(parties, make_user, make_contract):
    seller, buyer, admin = parties
    broker, other_broker = make_user("broker"), make_user("broker")
    colleague = make_user("enterprise", org=buyer.organisation)
    stranger = make_user("enterprise")
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, broker_id=broker.id)
    for reader in (seller, buyer, colleague, broker, admin):
        assert contracts.get_contract(reader, contract.id).id == contract.id
        assert contract.id in [c.id for c in contracts.list_contracts(reader, {}).items]
    for outsider in (stranger, other_broker, None):
        with pytest.raises(NotFound):
            contracts.get_contract(outsider, contract.id)
        assert contracts.list_contracts(outsider, {}).total == 0
        with pytest.raises(NotFound):
            contracts.submit_contract(outsider, contract.id)
        with pytest.raises(NotFound):
            contracts.update_contract(outsider, contract.id, {"title": "篡改"})
    for bad_id in ("abc", -1, 10**12, None):
        with pytest.raises(NotFound):
            contracts.get_contract(admin, bad_id)


def test_viewer_reads_only_registered_contracts(parties, make_user, make_contract, db):
    seller, buyer, _ = parties
    viewer = make_user("viewer")
    draft = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    submitted = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
    registered = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    for hidden in (draft, submitted):
        with pytest.raises(NotFound):
            contracts.get_contract(viewer, hidden.id)
    assert contracts.get_contract(viewer, registered.id).id == registered.id
    assert [c.id for c in contracts.list_contracts(viewer, {}).items] == [registered.id]
    assert contracts.list_contracts(viewer, {"status": "draft"}).total == 0
    for step in (
        contracts.submit_contract,
        contracts.delete_contract,
        lambda actor, i: contracts.update_contract(actor, i, {"title": "篡改"}),
    ):
        with pytest.raises(PermissionDenied):
            step(viewer, registered.id)
    assert stored(db, registered.id)["title"] == CONTRACT["title"]


def test_list_filters_narrow_the_visible_contracts(parties, make_contract):
    seller, buyer, _ = parties
    a = make_contract(
        seller=seller.organisation,
        buyer=buyer.organisation,
        title="光子芯片封装技术开发合同",
        contract_type="development",
        signed_on="2025-05-01",
        field="光子",
    )
    b = make_contract(
        seller=seller.organisation, buyer=buyer.organisation, number="HT-100%", status="submitted"
    )

    def ids(**filters):
        return [c.id for c in contracts.list_contracts(seller, filters).items]

    assert ids() == [b.id, a.id]  # newest signing first
    assert ids(type="development") == ids(q="芯片") == ids(field="光子") == ids(to="2025-12-31") == [a.id]
    assert ids(status="submitted") == ids(q="100%") == ids(**{"from": "2026-01-01"}) == [b.id]
    assert ids(q="_") == [] and ids(q="%") == [b.id]
    assert ids(status="nonsense", type="<script>", **{"from": "yesterday"}) == [b.id, a.id]
    page = contracts.list_contracts(seller, {}, page=2, per_page=1)
    assert (page.total, page.pages, [c.id for c in page.items]) == (2, 2, [a.id])


def test_only_admins_register_return_and_correct(parties, make_user, make_contract, db):
    seller, buyer, admin = parties
    broker = make_user("broker")
    viewer = make_user("viewer")
    submitted = make_contract(
        seller=seller.organisation, buyer=buyer.organisation, status="submitted", broker_id=broker.id
    )
    registered = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    for actor in (seller, buyer, broker, viewer, None):
        with pytest.raises(PermissionDenied):
            contracts.register_contract(actor, submitted.id, {"recognised_amount": "100"})
        with pytest.raises(PermissionDenied):
            contracts.return_contract(actor, submitted.id, "不符合要求")
        with pytest.raises(PermissionDenied):
            contracts.correct_contract(actor, registered.id, {"title": "更正名称"}, "笔误")
    assert stored(db, submitted.id)["status"] == "submitted"
    assert stored(db, registered.id)["title"] == CONTRACT["title"]


def test_viewers_and_unverified_users_cannot_create(parties, make_user, db):
    seller, buyer, _ = parties
    for actor in (
        make_user("viewer"),
        make_user("university", verified=False),
        make_user("broker", verified=False),
        None,
    ):
        with pytest.raises(PermissionDenied):
            new_contract(actor, seller.organisation, buyer.organisation)
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 0


def test_a_viewer_in_a_party_organisation_still_only_reads(parties, make_user, make_contract, db):
    seller, buyer, admin = parties
    viewer = make_user("viewer", org=buyer.organisation)
    draft = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    with pytest.raises(
        NotFound
    ):  # a viewer sees registered contracts only, even its own organisation's drafts
        contracts.update_contract(viewer, draft.id, {"title": "改名"})
    registered = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    assert contracts.get_contract(viewer, registered.id).id == registered.id
    with pytest.raises(PermissionDenied):
        contracts.add_attachment(viewer, registered.id, "scan.pdf", PDF)


def test_an_unverified_counterpart_is_refused_but_a_kept_party_may_stay(parties, make_org, make_contract, db):
    seller, buyer, admin = parties
    pending = make_org(kind="enterprise", verification_state="pending")
    assert refused(seller, seller.organisation, pending) == {"buyer_org_id": "买方须是已通过平台认证的机构"}
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    buyer.organisation.verification_state = "rejected"
    db.session.commit()
    contracts.update_contract(
        seller,
        contract.id,
        {
            **CONTRACT,
            "seller_org_id": seller.organisation_id,
            "buyer_org_id": buyer.organisation_id,
            "title": "名称改了",
        },
    )
    assert stored(db, contract.id)["title"] == "名称改了"


def test_unverified_party_members_cannot_edit(parties, make_user, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    seller.organisation.verification_state = "pending"
    db.session.commit()
    with pytest.raises(PermissionDenied):
        contracts.update_contract(seller, contract.id, {"title": "改名"})


def test_a_party_cannot_write_a_contract_between_two_other_organisations(parties, make_user, make_org, db):
    seller, buyer, admin = parties
    outsider = make_user("enterprise")
    fields = refused(outsider, seller.organisation, buyer.organisation)
    assert fields == {"seller_org_id": "本机构须是合同的买方或卖方"}
    # a broker who names someone else as the broker is no party either
    broker, other_broker = make_user("broker"), make_user("broker")
    fields = refused(broker, seller.organisation, buyer.organisation, broker_id=other_broker.id)
    assert "broker_id" in fields
    # nor may a party move its contract to two other organisations
    contract = new_contract(seller, seller.organisation, buyer.organisation)
    with pytest.raises(ValidationFailed):
        contracts.update_contract(seller, contract.id, {"seller_org_id": make_org().id})
    assert stored(db, contract.id)["seller_org_id"] == seller.organisation_id
    # an admin writes any contract
    assert new_contract(admin, seller.organisation, buyer.organisation).created_by_id == admin.id


def test_a_broker_creating_a_contract_becomes_its_broker(parties, make_user, db):
    seller, buyer, admin = parties
    broker = make_user("broker")
    contract = new_contract(broker, seller.organisation, buyer.organisation)
    assert stored(db, contract.id)["broker_id"] == broker.id
    assert contracts.get_contract(broker, contract.id).id == contract.id
    contracts.submit_contract(broker, contract.id)
    assert stored(db, contract.id)["status"] == "submitted"


def test_submit_notifies_the_other_parties(parties, make_user, make_contract, db):
    from market.models import Notification

    seller, buyer, admin = parties
    broker = make_user("broker")
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, broker_id=broker.id)
    contracts.submit_contract(seller, contract.id)
    notified = set(
        db.session.scalars(select(Notification.user_id).where(Notification.category == "contract"))
    )
    assert notified == {buyer.id, broker.id}


# ---- validation ----------------------------------------------------------------------------------------


def test_missing_fields_each_get_a_message(parties):
    seller, _, _ = parties
    with pytest.raises(ValidationFailed) as exc:
        contracts.create_contract(seller, {})
    fields = exc.value.fields
    assert fields["number"] == "请填写合同编号"
    assert fields["title"] == "请填写合同名称"
    assert fields["contract_type"] == "请选择合同类型"
    assert fields["seller_org_id"] == "请选择卖方（已登记的机构）"
    assert fields["buyer_org_id"] == "请选择买方（已登记的机构）"
    assert fields["amount"] == "请填写合同金额"
    assert fields["payment_mode"] == "请选择支付方式"
    assert fields["signed_on"] == "请填写签订日期"
    assert fields["field"] == "请填写技术领域"


@pytest.mark.parametrize(
    "amount, words", [("abc", "数字"), ("-5", "负数"), ("100.001", "两位小数"), ("2000000000000", "过大")]
)
def test_bad_amounts_are_refused(amount, words, parties, db):
    seller, buyer, _ = parties
    fields = refused(seller, seller.organisation, buyer.organisation, amount=amount)
    assert words in fields["amount"] and fields["amount"].startswith("合同金额")
    assert db.session.scalar(select(func.count()).select_from(Contract)) == 0


def test_amounts_keep_every_fen(parties):
    seller, buyer, _ = parties
    contract = new_contract(seller, seller.organisation, buyer.organisation, amount="12,345,678.91")
    assert contract.amount_fen == 1_234_567_891


def test_transfer_and_licence_need_a_subtype_development_drops_it(parties, db):
    seller, buyer, _ = parties
    for kind in ("transfer", "licence", "技术转让"):
        fields = refused(seller, seller.organisation, buyer.organisation, contract_type=kind, subtype="")
        assert fields == {"subtype": "技术转让和技术许可合同须注明标的（专利权、技术秘密等）"}
    contract = new_contract(
        seller, seller.organisation, buyer.organisation, contract_type="development", subtype="patent"
    )
    assert stored(db, contract.id)["subtype"] is None
    contract = new_contract(
        seller, seller.organisation, buyer.organisation, contract_type="技术许可", subtype="技术秘密"
    )
    assert (contract.contract_type, contract.subtype) == ("licence", "know_how")
    # changing a transfer into a service contract drops its subtype too
    contracts.update_contract(seller, contract.id, {"contract_type": "service"})
    assert stored(db, contract.id)["subtype"] is None


def test_seller_and_buyer_must_differ(parties):
    seller, _, _ = parties
    fields = refused(seller, seller.organisation, seller.organisation)
    assert fields == {"buyer_org_id": "买方和卖方不能是同一机构"}


def test_term_end_before_start_and_future_signing_are_refused(parties):
    seller, buyer, _ = parties
    fields = refused(
        seller, seller.organisation, buyer.organisation, term_start="2026-06-01", term_end="2026-05-31"
    )
    assert fields == {"term_end": "合同截止日期不能早于起始日期"}
    tomorrow = (today_in_beijing() + timedelta(days=1)).isoformat()
    fields = refused(seller, seller.organisation, buyer.organisation, signed_on=tomorrow)
    assert fields == {"signed_on": "签订日期不能晚于今天"}
    fields = refused(seller, seller.organisation, buyer.organisation, signed_on="2026-13-01")
    assert "年-月-日" in fields["signed_on"]


def test_unknown_organisations_and_a_non_broker_as_broker_are_refused(parties, make_user):
    seller, buyer, admin = parties
    with pytest.raises(ValidationFailed) as exc:
        contracts.create_contract(admin, {**CONTRACT, "seller_org_id": 999999, "buyer_org_id": "abc"})
    assert exc.value.fields["seller_org_id"] == "请选择卖方（已登记的机构）"
    assert exc.value.fields["buyer_org_id"] == "请选择买方（已登记的机构）"
    for not_a_broker in (buyer.id, admin.id, 999999, "x"):
        fields = refused(seller, seller.organisation, buyer.organisation, broker_id=not_a_broker)
        assert fields == {"broker_id": "技术经纪人不存在"}
    fields = refused(seller, seller.organisation, buyer.organisation, achievement_id=424242)
    assert fields == {"achievement_id": "关联科技成果不存在"}


def test_recognised_amount_may_not_exceed_the_contract_amount_on_register(parties, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
    for bad, message in (
        ("1500000.01", "核定技术交易额不能高于合同金额"),
        ("", "请填写核定技术交易额"),
        ("-1", "核定技术交易额：金额不能为负数"),
        ("1.001", "核定技术交易额：金额最多保留两位小数（精确到分）"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            contracts.register_contract(admin, contract.id, {"recognised_amount": bad})
        assert exc.value.fields == {"recognised_amount": message}
    row = stored(db, contract.id)
    assert (row["status"], row["recognised_fen"], row["registration_number"]) == ("submitted", None, None)
    contracts.register_contract(admin, contract.id, {"recognised_amount": "1500000.00"})
    assert stored(db, contract.id)["recognised_fen"] == 150_000_000


def test_duplicate_registration_number_is_refused(parties, make_contract, db):
    seller, buyer, admin = parties
    first = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
    second = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
    contracts.register_contract(
        admin, first.id, {"recognised_amount": "100", "registration_number": "2026610001"}
    )
    assert stored(db, first.id)["registration_number"] == "2026610001"
    with pytest.raises(ValidationFailed) as exc:
        contracts.register_contract(
            admin, second.id, {"recognised_amount": "100", "registration_number": " 2026610001 "}
        )
    assert exc.value.fields == {"registration_number": "该登记编号已被使用"}
    assert stored(db, second.id)["status"] == "submitted"
    contracts.register_contract(admin, second.id, {"recognised_amount": "100"})
    third = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    with pytest.raises(ValidationFailed) as exc:
        contracts.correct_contract(admin, third.id, {"registration_number": "2026610001"}, "编号错误")
    assert exc.value.fields == {"registration_number": "该登记编号已被使用"}


def test_assigned_registration_numbers_are_unique(parties, make_contract, db):
    seller, buyer, admin = parties
    made = [
        make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
        for _ in range(3)
    ]
    # an admin typed by hand the number the register would assign to the last contract
    taken = contracts.registration_number_for(made[2], today_in_beijing())
    contracts.register_contract(admin, made[0].id, {"recognised_amount": "1", "registration_number": taken})
    contracts.register_contract(admin, made[1].id, {"recognised_amount": "1"})
    contracts.register_contract(admin, made[2].id, {"recognised_amount": "1"})
    numbers = [stored(db, c.id)["registration_number"] for c in made]
    assert all(numbers) and len(set(numbers)) == 3
    assert numbers[0] == taken


# ---- corrections ---------------------------------------------------------------------------------------


def test_correction_keeps_old_and_new_values_and_the_reason(parties, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(
        seller=seller.organisation, buyer=buyer.organisation, status="registered", recognised="1000000"
    )
    contracts.correct_contract(
        admin,
        contract.id,
        {"amount": "1400000.50", "recognised_amount": "900000.25", "signed_on": "2026-03-16"},
        "合同金额录入错误",
    )
    row = stored(db, contract.id)
    assert (row["status"], row["amount_fen"], row["recognised_fen"]) == (
        "registered",
        140_000_050,
        90_000_025,
    )
    entry = audit_rows(db, contract.id, "contract.correct")[-1]
    assert entry.actor_id == admin.id and entry.created_at is not None
    assert entry.changes == {
        "amount_fen": [150_000_000, 140_000_050],
        "recognised_fen": [100_000_000, 90_000_025],
        "signed_on": ["2026-03-15", "2026-03-16"],
        "reason": "合同金额录入错误",
    }
    history = contracts.contract_history(seller, contract.id)
    assert history[0].action == "contract.correct"


def test_correction_may_lower_the_amount_together_with_the_recognised_amount(parties, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    contracts.correct_contract(
        admin, contract.id, {"amount": "800000", "recognised_amount": "800000"}, "以发票为准"
    )
    row = stored(db, contract.id)
    assert (row["amount_fen"], row["recognised_fen"]) == (80_000_000, 80_000_000)


def test_correction_refuses_recognised_above_amount(parties, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    with pytest.raises(ValidationFailed) as exc:
        contracts.correct_contract(admin, contract.id, {"recognised_amount": "1500000.01"}, "核定有误")
    assert exc.value.fields == {"recognised_amount": "核定技术交易额不能高于合同金额"}
    with pytest.raises(ValidationFailed) as exc:
        contracts.correct_contract(admin, contract.id, {"amount": "1000000"}, "金额有误")
    assert set(exc.value.fields) & {"amount", "recognised_amount"}
    row = stored(db, contract.id)
    assert (row["amount_fen"], row["recognised_fen"]) == (150_000_000, 150_000_000)
    assert audit_rows(db, contract.id, "contract.correct") == []


def test_correction_needs_a_reason_and_a_change(parties, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    with pytest.raises(ValidationFailed) as exc:
        contracts.correct_contract(admin, contract.id, {"title": "更正名称"}, "")
    assert exc.value.fields == {"reason": "请填写更正原因"}
    with pytest.raises(ValidationFailed) as exc:
        contracts.correct_contract(
            admin, contract.id, {"title": CONTRACT["title"], "amount": "1500000"}, "核对"
        )
    assert exc.value.fields == {"reason": "没有需要更正的内容"}
    # the whole form sent back unchanged is no correction either
    form = {
        **CONTRACT,
        "seller_org_id": seller.organisation_id,
        "buyer_org_id": buyer.organisation_id,
        "recognised_amount": "1500000.00",
        "registration_number": contract.registration_number,
    }
    with pytest.raises(ValidationFailed) as exc:
        contracts.correct_contract(admin, contract.id, form, "核对")
    assert exc.value.fields == {"reason": "没有需要更正的内容"}
    assert stored(db, contract.id)["title"] == CONTRACT["title"]
    assert audit_rows(db, contract.id, "contract.correct") == []


def test_correcting_the_seller_takes_a_new_snapshot_of_region_and_kind(parties, make_org, make_contract, db):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    institute = make_org(kind="institute", region="秦汉")
    contracts.correct_contract(admin, contract.id, {"seller_org_id": institute.id}, "卖方填错")
    row = stored(db, contract.id)
    assert (row["seller_org_id"], row["seller_region"], row["seller_kind"]) == (
        institute.id,
        "秦汉",
        "institute",
    )
    changes = audit_rows(db, contract.id, "contract.correct")[-1].changes
    assert changes["seller_org_id"] == [seller.organisation_id, institute.id]
    assert changes["seller_region"] == ["沣东", "秦汉"]
    assert changes["seller_kind"] == ["university", "institute"]


def test_a_correction_that_keeps_the_seller_keeps_its_snapshot(parties, make_contract, db):
    """Statistics keep the seller's region as it was: moving the organisation later rewrites no past
    contract."""
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    seller.organisation.region = "空港"
    db.session.commit()
    form = {
        **CONTRACT,
        "seller_org_id": seller.organisation_id,
        "buyer_org_id": buyer.organisation_id,
        "title": "更正后的名称",
    }
    contracts.correct_contract(admin, contract.id, form, "名称笔误")
    row = stored(db, contract.id)
    assert (row["title"], row["seller_region"]) == ("更正后的名称", "沣东")
    assert set(audit_rows(db, contract.id, "contract.correct")[-1].changes) == {"title", "reason"}


def test_party_history_lists_the_workflow_steps(parties, make_contract, make_user):
    seller, buyer, _ = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    assert [e.action for e in contracts.contract_history(buyer, contract.id)] == [
        "contract.register",
        "contract.submit",
        "contract.create",
    ]
    with pytest.raises(NotFound):
        contracts.contract_history(make_user("enterprise"), contract.id)


# ---- attachments ---------------------------------------------------------------------------------------


def attachment_files(app) -> list[Path]:
    folder = Path(app.instance_path) / "attachments" / "contracts"
    return sorted(folder.iterdir()) if folder.exists() else []


def attachment_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ContractAttachment))


def test_pdf_is_stored_under_the_instance_folder_with_its_hash(app, parties, make_contract):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    attachment = contracts.add_attachment(seller, contract.id, "C:\\扫描\\合同 正本.PDF", PDF)
    assert attachment.filename == "合同 正本.PDF"
    assert (attachment.size, attachment.sha256) == (len(PDF), hashlib.sha256(PDF).hexdigest())
    row, path = contracts.get_attachment(buyer, contract.id, attachment.id)
    assert path.read_bytes() == PDF
    assert path.resolve().is_relative_to(Path(app.instance_path).resolve())
    assert not path.resolve().is_relative_to(Path(app.static_folder).resolve())
    assert attachment_files(app) == [path]
    assert attachment.filename not in path.name  # the stored name is ours, not the uploader's
    with pytest.raises(NotFound):
        contracts.get_attachment(None, contract.id, attachment.id)
    other = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    with pytest.raises(NotFound):
        contracts.get_attachment(seller, other.id, attachment.id)


@pytest.mark.parametrize(
    "name, content, words",
    [
        ("scan.pdf", b"", "请选择"),
        ("scan.pdf", b"PK\x03\x04 not a pdf", "PDF"),
        ("scan.exe", PDF, "PDF"),
        ("scan.pdf", None, "请选择"),
    ],
)
def test_non_pdf_and_empty_files_are_refused(name, content, words, app, parties, make_contract, db):
    seller, buyer, _ = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    with pytest.raises(ValidationFailed) as exc:
        contracts.add_attachment(seller, contract.id, name, content)
    assert words in exc.value.fields["file"]
    assert attachment_count(db) == 0 and attachment_files(app) == []


def test_too_large_and_too_many_files_are_refused(app, parties, make_contract, db):
    seller, buyer, _ = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    big = PDF + b"0" * (contracts.MAX_ATTACHMENT_BYTES - len(PDF) + 1)
    with pytest.raises(ValidationFailed) as exc:
        contracts.add_attachment(seller, contract.id, "big.pdf", big)
    assert exc.value.fields == {"file": "文件不能超过 10 MB"}
    contracts.add_attachment(seller, contract.id, "exact.pdf", big[:-1])  # exactly the limit is fine
    for n in range(contracts.MAX_ATTACHMENTS - 1):
        contracts.add_attachment(seller, contract.id, f"第{n}页.pdf", PDF + bytes([n]))
    with pytest.raises(ValidationFailed) as exc:
        contracts.add_attachment(seller, contract.id, "多余.pdf", PDF)
    assert exc.value.fields == {"file": "每份合同最多 10 个附件"}
    assert attachment_count(db) == 10 and len(attachment_files(app)) == 10


def test_deleting_an_attachment_removes_its_file(app, parties, make_contract, db):
    seller, buyer, _ = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    kept = contracts.add_attachment(seller, contract.id, "a.pdf", PDF)
    gone = contracts.add_attachment(seller, contract.id, "b.pdf", PDF + b"b")
    _, gone_path = contracts.get_attachment(seller, contract.id, gone.id)
    contracts.delete_attachment(buyer, contract.id, gone.id)
    assert not gone_path.exists()
    assert [a.id for a in db.session.scalars(select(ContractAttachment))] == [kept.id]
    assert len(attachment_files(app)) == 1
    with pytest.raises(NotFound):
        contracts.delete_attachment(buyer, contract.id, gone.id)


def test_a_failed_delete_keeps_the_file(app, parties, make_contract, db):
    seller, buyer, _ = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    attachment = contracts.add_attachment(seller, contract.id, "a.pdf", PDF)
    _, path = contracts.get_attachment(seller, contract.id, attachment.id)

    def broken_flush(*args, **kwargs):
        raise RuntimeError("database went away")

    db.session.flush = broken_flush  # on the scoped session only: SQLAlchemy's own autoflush still works
    try:
        with pytest.raises(RuntimeError):
            contracts.delete_attachment(seller, contract.id, attachment.id)
    finally:
        del db.session.flush
    assert path.read_bytes() == PDF and attachment_count(db) == 1


def test_a_failure_after_the_file_was_written_leaves_no_file(app, parties, make_contract, db, monkeypatch):
    seller, buyer, _ = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)

    def broken(*args, **kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(contracts.attachments.audit, "record", broken)
    with pytest.raises(RuntimeError):
        contracts.add_attachment(seller, contract.id, "a.pdf", PDF)
    monkeypatch.undo()
    assert attachment_files(app) == []
    assert attachment_count(db) == 0


def test_deleting_a_draft_removes_its_files(app, parties, make_contract, db):
    seller, buyer, _ = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    for n in range(2):
        contracts.add_attachment(seller, contract.id, f"{n}.pdf", PDF + bytes([n]))
    assert len(attachment_files(app)) == 2
    contracts.delete_contract(seller, contract.id)
    assert attachment_files(app) == [] and attachment_count(db) == 0


def test_parties_may_not_change_attachments_of_a_registered_contract(
    app, parties, make_user, make_contract, db
):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
    attachment = contracts.add_attachment(seller, contract.id, "a.pdf", PDF)
    contracts.register_contract(admin, contract.id, {"recognised_amount": "1500000"})
    with pytest.raises(PermissionDenied):
        contracts.add_attachment(seller, contract.id, "b.pdf", PDF)
    with pytest.raises(InvalidTransition, match="已登记合同的附件不能删除"):
        contracts.delete_attachment(buyer, contract.id, attachment.id)
    with pytest.raises(NotFound):
        contracts.add_attachment(make_user("enterprise"), contract.id, "c.pdf", PDF)
    viewer = make_user("viewer")
    assert contracts.get_attachment(viewer, contract.id, attachment.id)[1].read_bytes() == PDF
    with pytest.raises(PermissionDenied):
        contracts.add_attachment(viewer, contract.id, "d.pdf", PDF)
    with pytest.raises(PermissionDenied):
        contracts.delete_attachment(viewer, contract.id, attachment.id)
    with pytest.raises(PermissionDenied):
        contracts.add_attachment_correction(seller, contract.id, "e.pdf", PDF, "补充")
    assert attachment_count(db) == 1 and len(attachment_files(app)) == 1


def test_nobody_deletes_an_attachment_of_a_registered_contract_not_even_an_admin(
    app, parties, make_contract, db
):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
    attachment = contracts.add_attachment(seller, contract.id, "正本.pdf", PDF)
    contracts.register_contract(admin, contract.id, {"recognised_amount": "1500000"})
    for actor in (admin, seller, buyer):
        with pytest.raises(InvalidTransition) as exc:
            contracts.delete_attachment(actor, contract.id, attachment.id)
        assert "已登记合同的附件不能删除" in exc.value.message and "更正" in exc.value.message
    db.session.expire_all()
    row, path = contracts.get_attachment(buyer, contract.id, attachment.id)
    assert row.filename == "正本.pdf" and path.read_bytes() == PDF  # still downloadable
    assert attachment_count(db) == 1 and len(attachment_files(app)) == 1
    assert audit_rows(db, contract.id, "contract.detach") == []


def test_after_registration_an_admin_adds_a_file_only_as_a_correction_with_its_reason(
    app, parties, make_user, make_contract, db
):
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    with pytest.raises(InvalidTransition, match="更正"):
        contracts.add_attachment(admin, contract.id, "补充协议.pdf", PDF)
    for reason, message in (
        (None, "请填写更正原因"),
        ("", "请填写更正原因"),
        ("  \n ", "请填写更正原因"),
        ("因" * 501, "更正原因不能超过500个字（现有501个字）"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            contracts.add_attachment_correction(admin, contract.id, "补充协议.pdf", PDF, reason)
        assert exc.value.fields == {"reason": message}
    with pytest.raises(ValidationFailed) as exc:  # both fields are judged at once
        contracts.add_attachment_correction(admin, contract.id, "补充协议.exe", b"MZ", "")
    assert set(exc.value.fields) == {"file", "reason"}
    assert attachment_count(db) == 0 and attachment_files(app) == []

    added = contracts.add_attachment_correction(
        admin, contract.id, "补充协议.pdf", PDF, "  登记时漏传补充协议第2页  "
    )
    db.session.expire_all()
    row = db.session.get(ContractAttachment, added.id)
    assert (row.correction_reason, row.uploaded_by_id, row.filename) == (
        "登记时漏传补充协议第2页",
        admin.id,
        "补充协议.pdf",
    )
    assert row.created_at is not None
    assert contracts.get_attachment(buyer, contract.id, row.id)[1].read_bytes() == PDF
    [entry] = audit_rows(db, contract.id, "contract.attach_correction")
    assert entry.actor_id == admin.id and entry.changes == {
        "file": "补充协议.pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "reason": "登记时漏传补充协议第2页",
    }
    assert contracts.contract_history(seller, contract.id)[0].action == "contract.attach_correction"
    with pytest.raises(InvalidTransition):  # a correction is as permanent as the rest
        contracts.delete_attachment(admin, contract.id, row.id)
    assert stored(db, contract.id)["status"] == "registered"


def test_a_correction_is_for_registered_contracts_and_admins_only(app, parties, make_user, make_contract, db):
    seller, buyer, admin = parties
    draft = make_contract(seller=seller.organisation, buyer=buyer.organisation)
    with pytest.raises(InvalidTransition, match="未登记的合同请直接上传"):
        contracts.add_attachment_correction(admin, draft.id, "a.pdf", PDF, "补充")
    registered = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="registered")
    for actor in (seller, buyer, make_user("viewer"), make_user("broker")):
        with pytest.raises(PermissionDenied):
            contracts.add_attachment_correction(actor, registered.id, "a.pdf", PDF, "补充")
    with pytest.raises(NotFound):
        contracts.add_attachment_correction(admin, 999999, "a.pdf", PDF, "补充")
    assert attachment_count(db) == 0 and attachment_files(app) == []


@pytest.mark.slow  # a second connection and a thread race for the row lock
def test_a_delete_racing_a_registration_waits_for_it_and_keeps_the_file(
    app, backend, database_urls, parties, make_contract, db
):
    """While a registration is being committed, a delete sees it (row lock) instead of the status before
    it."""
    import threading

    from sqlalchemy import create_engine, text

    if backend != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the row lock matters where writers run side by side")
    seller, buyer, admin = parties
    contract = make_contract(seller=seller.organisation, buyer=buyer.organisation, status="submitted")
    attachment = contracts.add_attachment(seller, contract.id, "a.pdf", PDF)
    engine = create_engine(database_urls[backend])
    outcome = {}

    def delete():
        with app.app_context():  # a context of its own: its own session and connection
            from market.models import User

            try:
                contracts.delete_attachment(db.session.get(User, admin.id), contract.id, attachment.id)
                outcome["result"] = "deleted"
            except InvalidTransition as exc:
                outcome["result"] = exc.message
            finally:
                db.session.remove()

    try:
        with engine.connect() as registering:
            registering.execute(
                text("UPDATE contracts SET status = 'registered' WHERE id = :id"), {"id": contract.id}
            )
            worker = threading.Thread(target=delete)
            worker.start()
            worker.join(timeout=1.5)
            assert worker.is_alive()  # waiting for the registration's row lock
            registering.commit()
        worker.join(timeout=30)
    finally:
        engine.dispose()
    assert "已登记合同的附件不能删除" in outcome["result"]
    db.session.expire_all()
    assert contracts.get_attachment(seller, contract.id, attachment.id)[1].read_bytes() == PDF
