"""The contract register's pages: the workflow, validation, the permission grid, corrections and
attachments."""

import html
import re

import pytest

from market.models import AuditEntry
from market.models.contract import Contract, ContractAttachment
from tests.conftest import CONTRACT

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _plain(response) -> str:
    """The page's visible text, tags removed."""
    return html.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def _form(seller, buyer, **overrides) -> dict:
    return {
        **CONTRACT,
        "seller_org_id": str(seller.id),
        "buyer_org_id": str(buyer.id),
        "broker_id": "",
        "achievement_id": "",
        "demand_id": "",
        "term_start": "",
        "term_end": "",
        "note": "",
        **overrides,
    }


def _contract(db, contract_id) -> Contract | None:
    db.session.expire_all()
    return db.session.get(Contract, contract_id)


@pytest.fixture
def parties(make_user):
    """A university member (seller side) and an enterprise member (buyer side)."""
    return make_user("university"), make_user("enterprise")


# ---- the workflow through the pages ---------------------------------------------------------------------


def test_university_member_writes_submits_and_admin_registers(client, make_user, login, parties, db):
    seller, buyer = parties
    login(seller)
    response = client.post("/contracts/new", data=_form(seller.organisation, buyer.organisation))
    assert response.status_code == 302
    contract = db.session.scalar(db.select(Contract))
    assert contract.status == "draft" and contract.amount_fen == 150_000_000
    page = _text(client.get(response.headers["Location"], follow_redirects=False))
    assert "草稿已保存" in page and "高镍正极材料包覆技术转让合同" in page and "提交登记" in page

    response = client.post(f"/contracts/{contract.id}/submit", follow_redirects=True)
    assert "已提交登记，等待管理员审核" in _text(response)
    assert _contract(db, contract.id).status == "submitted"

    client.post("/logout")
    login(make_user("admin"))
    page = _text(client.get(f"/contracts/{contract.id}"))
    # 核定技术交易额 prefilled with the contract amount, in 万元 as the page shows amounts
    assert 'name="recognised_amount" type="text" value="150"' in page
    response = client.post(
        f"/contracts/{contract.id}/register",
        data={"recognised_amount": "1200000.50", "registration_number": "2026610001000001"},
        follow_redirects=True,
    )
    page = _text(response)
    assert "合同已登记，登记编号 2026610001000001" in page
    assert "已登记" in page and "150万元" in page
    assert "120万元" in page and "1,200,000.50 元" in page  # rounded for reading, exact beside it
    registered = _contract(db, contract.id)
    assert registered.status == "registered" and registered.recognised_fen == 120_000_050


def test_registration_without_number_assigns_one(client, make_user, login, make_contract, db):
    contract = make_contract(status="submitted")
    login(make_user("admin"))
    page = _text(
        client.post(
            f"/contracts/{contract.id}/register", data={"recognised_amount": "1500000"}, follow_redirects=True
        )
    )
    number = _contract(db, contract.id).registration_number
    assert number.endswith(f"{contract.id:08d}") and number in page


def test_returned_contract_shows_the_reason_and_can_be_resubmitted(
    client, make_user, login, make_contract, db
):
    contract = make_contract(status="submitted")
    admin = make_user("admin")
    login(admin)
    response = client.post(
        f"/contracts/{contract.id}/return", data={"reason": "缺少盖章页扫描件"}, follow_redirects=True
    )
    assert "合同已退回" in _text(response)
    client.post("/logout")

    seller = next(u for u in contract.seller.members)
    login(seller)
    page = _plain(client.get(f"/contracts/{contract.id}"))
    assert "退回原因：缺少盖章页扫描件" in page and "重新提交登记" in page and "编辑" in page
    client.post(
        f"/contracts/{contract.id}/edit", data=_form(contract.seller, contract.buyer, note="已补充盖章页")
    )
    response = client.post(f"/contracts/{contract.id}/submit", follow_redirects=True)
    assert "已提交登记" in _text(response)
    resubmitted = _contract(db, contract.id)
    assert (
        resubmitted.status == "submitted"
        and resubmitted.return_reason is None
        and resubmitted.note == "已补充盖章页"
    )


def test_return_without_reason_is_refused_on_the_field(client, make_user, login, make_contract, db):
    contract = make_contract(status="submitted")
    login(make_user("admin"))
    response = client.post(f"/contracts/{contract.id}/return", data={"reason": "  "})
    assert response.status_code == 422 and "请填写退回原因" in _text(response)
    assert _contract(db, contract.id).status == "submitted"


def test_registering_above_the_amount_is_refused_and_input_kept(client, make_user, login, make_contract, db):
    contract = make_contract(status="submitted")
    login(make_user("admin"))
    response = client.post(
        f"/contracts/{contract.id}/register",
        data={"recognised_amount": "1600000", "registration_number": "X-77"},
    )
    page = _text(response)
    assert response.status_code == 422 and "核定技术交易额不能高于合同金额" in page
    assert 'value="1600000"' in page and 'value="X-77"' in page
    assert _contract(db, contract.id).status == "submitted"


def test_submitting_twice_flashes_the_transition_error(client, login, make_contract, db):
    contract = make_contract(status="submitted")
    login(next(u for u in contract.seller.members))
    response = client.post(f"/contracts/{contract.id}/submit")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contracts/{contract.id}")
    assert "待登记的合同不能变为待登记" in _text(client.get(f"/contracts/{contract.id}"))


# ---- the form: validation, defaults, nothing lost -------------------------------------------------------


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"title": ""}, "请填写合同名称"),
        ({"subtype": ""}, "技术转让和技术许可合同须注明标的"),
        ({"signed_on": "2026-02-30"}, "签订日期格式应为 年-月-日"),
        ({"signed_on": "2099-01-01"}, "签订日期不能晚于今天"),
        ({"amount": "十万"}, "合同金额：金额必须是数字"),
        ({"title": "<script>alert(1)</script>"}, "合同名称不能包含HTML标签"),
    ],
)
def test_invalid_input_shows_chinese_message_and_keeps_the_rest(
    client, login, parties, db, overrides, message
):
    seller, buyer = parties
    login(seller)
    response = client.post(
        "/contracts/new",
        data=_form(
            seller.organisation, buyer.organisation, number="HT-KEEP-9", note="保留的备注", **overrides
        ),
    )
    page = _text(response)
    assert response.status_code == 422 and message in page
    assert 'value="HT-KEEP-9"' in page and "保留的备注" in page
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)  # the kept input is escaped
    assert db.session.scalar(db.select(db.func.count()).select_from(Contract)) == 0


def test_unknown_organisation_is_refused_on_the_field(client, login, parties):
    seller, _buyer = parties
    login(seller)
    page = _text(
        client.post(
            "/contracts/new", data=_form(seller.organisation, seller.organisation, buyer_org_id="999999")
        )
    )
    assert "请选择买方（已登记的机构）" in page


def _picker(page: str, name: str) -> str:
    """The pick-by-typing box of one input (templates/_macros.html pick_field), as the page sends it."""
    before, after = page.split(f'id="{name}"', 1)
    return before.rsplit("data-pick=", 1)[1] + after.split("data-pick=", 1)[0]


def test_new_form_preselects_own_organisation_by_kind_and_names_it(client, login, parties):
    seller, buyer = parties
    login(seller)
    page = _text(client.get("/contracts/new"))
    seller_box = _picker(page, "seller_org_id")
    assert f'value="{seller.organisation.id}"' in seller_box
    assert f"已选：{seller.organisation.name}（高校）" in seller_box
    assert "仅技术转让、技术许可合同需要填写" in page
    client.post("/logout")
    login(buyer)
    page = _text(client.get("/contracts/new"))
    assert f'value="{buyer.organisation.id}"' in _picker(page, "buyer_org_id")
    assert 'value=""' in _picker(page, "seller_org_id")


def test_parties_and_broker_are_picked_by_typing_and_no_list_of_organisations_is_sent(
    client, login, make_org, make_user, parties
):
    """However many organisations there are, the page carries none of them: the seller, buyer and broker
    inputs ask GET /lookup as a name is typed (a number typed still works without JavaScript)."""
    seller, buyer = parties
    for n in range(5):
        make_org(kind="enterprise", name=f"列表里不该出现的公司{n}")
    broker = make_user("broker")
    login(seller)
    page = _text(client.get("/contracts/new"))
    assert 'data-pick="organisation"' in page and 'data-pick="broker"' in page
    assert "列表里不该出现的公司" not in page and broker.display_name not in page
    assert "<datalist" not in page and "<optgroup" not in page
    response = client.post(
        "/contracts/new", data=_form(seller.organisation, buyer.organisation, broker_id=str(broker.id))
    )
    assert response.status_code == 302
    edit = _text(client.get(response.headers["Location"] + "/edit"))
    assert f"已选：{buyer.organisation.name}（企业）" in edit
    assert f"已选：{broker.display_name}（{broker.organisation.name}）" in edit


def test_an_unverified_organisation_is_refused_as_a_party(client, login, make_org, parties):
    seller, _ = parties
    pending = make_org(kind="enterprise", name="待认证的某公司", verification_state="pending")
    login(seller)
    response = client.post("/contracts/new", data=_form(seller.organisation, pending))
    assert response.status_code == 422 and "买方须是已通过平台认证的机构" in _text(response)
    assert "已选：待认证的某公司" not in _text(response)


def test_a_party_no_longer_verified_is_still_named_on_the_contracts_edit_page(
    client, login, make_contract, db
):
    contract = make_contract()
    contract.buyer.verification_state = "pending"
    db.session.commit()
    login(next(u for u in contract.seller.members))
    edit = _text(client.get(f"/contracts/{contract.id}/edit"))
    assert f"已选：{contract.buyer.name}（{contract.buyer.kind_label}）" in edit


def test_broker_writes_a_contract_as_its_broker(client, login, make_user, parties, db):
    seller, buyer = parties
    broker = make_user("broker")
    login(broker)
    page = _text(client.get("/contracts/new"))
    assert f'value="{broker.id}"' in _picker(page, "broker_id")
    response = client.post(
        "/contracts/new", data=_form(seller.organisation, buyer.organisation, broker_id=str(broker.id))
    )
    assert response.status_code == 302
    assert db.session.scalar(db.select(Contract.broker_id)) == broker.id


def test_non_transfer_contract_drops_a_stale_subtype(client, login, parties, db):
    seller, buyer = parties
    login(seller)
    client.post(
        "/contracts/new",
        data=_form(seller.organisation, buyer.organisation, contract_type="development", subtype="patent"),
    )
    contract = db.session.scalar(db.select(Contract))
    assert contract.contract_type == "development" and contract.subtype is None


def test_edit_page_shows_stored_values_and_saves(client, login, make_contract, db):
    contract = make_contract(term_start="2026-04-01", term_end="2027-03-31")
    login(next(u for u in contract.seller.members))
    page = _text(client.get(f"/contracts/{contract.id}/edit"))
    assert 'value="150"' in page and 'value="2026-04-01"' in page and 'value="HT-2026-001"' in page
    response = client.post(
        f"/contracts/{contract.id}/edit",
        data=_form(
            contract.seller,
            contract.buyer,
            amount="1,800,000",
            term_end="2026-03-01",
            term_start="2026-04-01",
        ),
    )
    assert response.status_code == 422 and "合同截止日期不能早于起始日期" in _text(response)
    response = client.post(
        f"/contracts/{contract.id}/edit", data=_form(contract.seller, contract.buyer, amount="1,800,000")
    )
    assert response.status_code == 302 and "合同已保存" in _text(client.get(response.headers["Location"]))
    assert _contract(db, contract.id).amount_fen == 180_000_000


# ---- who sees what ---------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_login(client, make_contract):
    contract = make_contract()
    for path in ("/contracts/", "/contracts/new", f"/contracts/{contract.id}"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(f"/contracts/{contract.id}/submit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_other_organisation_gets_404_and_changes_nothing(client, make_user, login, make_contract, db):
    contract = make_contract()
    login(make_user("university"))
    assert client.get(f"/contracts/{contract.id}").status_code == 404
    assert client.get(f"/contracts/{contract.id}/edit").status_code == 404
    assert (
        client.post(
            f"/contracts/{contract.id}/edit", data=_form(contract.seller, contract.buyer, title="改")
        ).status_code
        == 404
    )
    assert client.post(f"/contracts/{contract.id}/submit").status_code == 404
    assert client.post(f"/contracts/{contract.id}/delete").status_code == 404
    assert "高镍正极材料" not in _text(client.get("/contracts/"))
    after = _contract(db, contract.id)
    assert after.status == "draft" and after.title == CONTRACT["title"]


def test_buyer_member_and_broker_see_the_contract(client, make_user, login, make_contract):
    broker = make_user("broker")
    contract = make_contract(broker_id=broker.id)
    buyer = make_user("enterprise", org=contract.buyer)
    for user in (buyer, broker):
        login(user)
        page = _text(client.get(f"/contracts/{contract.id}"))
        assert CONTRACT["title"] in page and "提交登记" in page
        assert CONTRACT["title"] in _text(client.get("/contracts/"))
        client.post("/logout")


def test_viewer_reads_registered_contracts_without_buttons(client, make_user, login, make_contract):
    registered = make_contract(status="registered", title="已登记的光子芯片合同")
    draft = make_contract(title="草稿里的氢能合同")
    login(make_user("viewer"))
    listing = _text(client.get("/contracts/"))
    assert (
        "已登记的光子芯片合同" in listing
        and "草稿里的氢能合同" not in listing
        and "登记新合同" not in listing
    )
    page = _text(client.get(f"/contracts/{registered.id}"))
    assert registered.registration_number in page
    assert 'data-testid="contract-actions"' not in page and "上传附件" not in page and "更正" not in page
    assert client.get(f"/contracts/{draft.id}").status_code == 404
    response = client.get("/contracts/new")
    assert response.status_code == 403 and "政府观察员只能查看" in _text(response)
    assert client.post("/contracts/new", data=_form(registered.seller, registered.buyer)).status_code == 403


def test_unverified_member_gets_403_with_the_reason(client, make_user, login):
    login(make_user("university", verified=False))
    response = client.get("/contracts/new")
    assert response.status_code == 403 and "尚未通过平台认证" in _text(response)
    assert "登记新合同" not in _text(client.get("/contracts/"))


def test_party_cannot_register_return_or_correct(client, login, make_contract, db):
    contract = make_contract(status="submitted")
    login(next(u for u in contract.seller.members))
    page = _text(client.get(f"/contracts/{contract.id}"))
    assert "核定技术交易额（元）" not in page and "退回原因" not in page
    assert (
        client.post(f"/contracts/{contract.id}/register", data={"recognised_amount": "1"}).status_code == 403
    )
    assert client.post(f"/contracts/{contract.id}/return", data={"reason": "x"}).status_code == 403
    assert _contract(db, contract.id).status == "submitted"


# ---- registered contracts: immutable, corrected by admins ----------------------------------------------


def test_registered_contract_cannot_be_edited_by_a_party(client, login, make_contract, db):
    contract = make_contract(status="registered")
    login(next(u for u in contract.seller.members))
    page = _text(client.get(f"/contracts/{contract.id}"))
    assert "编辑" not in page and "删除草稿" not in page
    response = client.get(f"/contracts/{contract.id}/edit", follow_redirects=True)
    assert "已登记的合同不能修改；如需更正，请联系管理员" in _text(response)
    response = client.post(
        f"/contracts/{contract.id}/edit", data=_form(contract.seller, contract.buyer, amount="1")
    )
    assert response.status_code == 302 and _contract(db, contract.id).amount_fen == 150_000_000
    assert client.get(f"/contracts/{contract.id}/correct").status_code == 403


def test_admin_correction_changes_amount_and_history_keeps_old_value_and_reason(
    client, make_user, login, make_contract, db
):
    contract = make_contract(status="registered", recognised="1400000")
    admin = make_user("admin", display_name="登记员老王")
    login(admin)
    page = _text(client.get(f"/contracts/{contract.id}/correct"))
    assert 'value="150"' in page and 'value="140"' in page and contract.registration_number in page
    data = _form(
        contract.seller,
        contract.buyer,
        amount="1600000",
        recognised_amount="1550000.25",
        registration_number=contract.registration_number,
    )
    response = client.post(f"/contracts/{contract.id}/correct", data={**data, "reason": ""})
    assert response.status_code == 422 and "请填写更正原因" in _text(response)
    response = client.post(
        f"/contracts/{contract.id}/correct",
        data={**data, "reason": "补充协议增加金额"},
        follow_redirects=True,
    )
    page = _text(response)
    assert "更正已保存" in page
    corrected = _contract(db, contract.id)
    assert corrected.status == "registered" and corrected.amount_fen == 160_000_000
    assert corrected.recognised_fen == 155_000_025
    history = page.split('data-testid="history"')[1]
    assert "更正" in history and "登记员老王" in history and "补充协议增加金额" in history
    assert "1,500,000.00 元 → 1,600,000.00 元" in html.unescape(history.replace("</del> → <strong>", " → "))
    assert "1,400,000.00 元" in history and "1,550,000.25 元" in history


def test_correction_above_amount_and_empty_correction_are_refused(
    client, make_user, login, make_contract, db
):
    contract = make_contract(status="registered")
    login(make_user("admin"))
    data = _form(
        contract.seller,
        contract.buyer,
        recognised_amount="2000000",
        registration_number=contract.registration_number,
        reason="核定错误",
    )
    response = client.post(f"/contracts/{contract.id}/correct", data=data)
    assert response.status_code == 422 and "核定技术交易额不能高于合同金额" in _text(response)
    assert 'value="2000000"' in _text(response)
    response = client.post(f"/contracts/{contract.id}/correct", data={**data, "recognised_amount": "1500000"})
    assert response.status_code == 422 and "没有需要更正的内容" in _text(response)
    assert _contract(db, contract.id).recognised_fen == 150_000_000


def test_correct_page_for_an_unregistered_contract_sends_back(client, make_user, login, make_contract):
    contract = make_contract(status="submitted")
    login(make_user("admin"))
    response = client.get(f"/contracts/{contract.id}/correct", follow_redirects=True)
    assert "只有已登记的合同需要更正" in _text(response)


# ---- deleting drafts -------------------------------------------------------------------------------------


def test_deleting_a_draft_needs_post_and_removes_it(client, login, make_contract, db):
    contract = make_contract()
    login(next(u for u in contract.seller.members))
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "删除草稿" in page and "data-confirm=" in page
    assert client.get(f"/contracts/{contract.id}/delete").status_code == 405
    response = client.post(f"/contracts/{contract.id}/delete", follow_redirects=True)
    assert "合同草稿已删除" in _text(response)
    assert _contract(db, contract.id) is None
    assert client.get(f"/contracts/{contract.id}").status_code == 404


def test_submitted_contract_cannot_be_deleted(client, login, make_contract, db):
    contract = make_contract(status="submitted")
    login(next(u for u in contract.seller.members))
    response = client.post(f"/contracts/{contract.id}/delete", follow_redirects=True)
    assert "只有草稿可以删除" in _text(response)
    assert _contract(db, contract.id) is not None


# ---- attachments -----------------------------------------------------------------------------------------


def _upload(client, contract_id, content, name="合同扫描件.pdf"):
    import io

    return client.post(
        f"/contracts/{contract_id}/attachments",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_pdf_upload_and_download_return_the_same_bytes(client, make_user, login, make_contract):
    contract = make_contract()
    login(next(u for u in contract.seller.members))
    response = _upload(client, contract.id, PDF)
    assert response.status_code == 302
    page = _text(client.get(response.headers["Location"]))
    assert "已上传附件 合同扫描件.pdf" in page
    link = page.split(f"/contracts/{contract.id}/attachments/")[1].split('"')[0]
    with client.get(f"/contracts/{contract.id}/attachments/{link}") as download:
        assert download.status_code == 200 and download.data == PDF and download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert ".pdf" in download.headers["Content-Disposition"]
    client.post("/logout")
    login(make_user("university"))
    assert client.get(f"/contracts/{contract.id}/attachments/{link}").status_code == 404


def test_non_pdf_is_refused_with_the_chinese_message(client, login, make_contract, db):
    contract = make_contract()
    login(next(u for u in contract.seller.members))
    response = _upload(client, contract.id, b"MZ\x90\x00 not a pdf", name="scan.pdf")
    assert response.status_code == 422 and "只接受 PDF 文件（合同扫描件）" in _text(response)
    response = _upload(client, contract.id, b"", name="empty.pdf")
    assert response.status_code == 422 and "请选择要上传的文件" in _text(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(ContractAttachment)) == 0


def test_oversized_upload_is_refused(client, login, make_contract, monkeypatch):
    from market.services import contracts

    monkeypatch.setattr(contracts.attachments, "MAX_ATTACHMENT_BYTES", 64)
    contract = make_contract()
    login(next(u for u in contract.seller.members))
    response = _upload(client, contract.id, PDF + b" " * 200)
    assert response.status_code == 422 and "文件不能超过" in _text(response)


def test_attachment_can_be_deleted_before_registration(client, login, make_contract, db):
    contract = make_contract()
    login(next(u for u in contract.seller.members))
    _upload(client, contract.id, PDF)
    attachment = db.session.scalar(db.select(ContractAttachment))
    response = client.post(
        f"/contracts/{contract.id}/attachments/{attachment.id}/delete", follow_redirects=True
    )
    assert "附件已删除" in _text(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(ContractAttachment)) == 0


def _correct(client, contract_id, content, reason, name="补充协议.pdf"):
    import io

    return client.post(
        f"/contracts/{contract_id}/correct/attachments",
        data={"file": (io.BytesIO(content), name), "reason": reason},
        content_type="multipart/form-data",
    )


def test_attachments_of_a_registered_contract_have_no_delete_button_and_stay(
    client, make_user, login, make_contract, db
):
    contract = make_contract(status="submitted")
    login(next(u for u in contract.seller.members))
    _upload(client, contract.id, PDF)
    attachment = db.session.scalar(db.select(ContractAttachment))
    delete_url = f"/contracts/{contract.id}/attachments/{attachment.id}/delete"
    client.post("/logout")
    login(make_user("admin"))
    client.post(f"/contracts/{contract.id}/register", data={"recognised_amount": "1500000"})
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert delete_url not in page
    assert "已登记合同的附件不能删除（管理员也不能）" in _plain(client.get(f"/contracts/{contract.id}"))
    assert 'action="/contracts/%d/attachments"' % contract.id not in page  # no plain upload either
    response = client.post(delete_url, follow_redirects=True)  # sent anyway
    assert response.status_code == 200 and "已登记合同的附件不能删除" in _text(response)
    with client.get(f"/contracts/{contract.id}/attachments/{attachment.id}") as download:
        assert download.status_code == 200 and download.data == PDF
    assert db.session.scalar(db.select(db.func.count()).select_from(ContractAttachment)) == 1


def test_admin_adds_a_file_to_a_registered_contract_by_a_correction_with_its_reason(
    client, make_user, login, make_contract, db
):
    contract = make_contract(status="registered")
    login(make_user("admin", display_name="登记员小李"))
    page = _text(client.get(f"/contracts/{contract.id}"))
    assert "更正：补充附件" in page and "更正原因" in page
    response = _correct(client, contract.id, PDF, "")
    assert response.status_code == 422 and "请填写更正原因" in _text(response)
    assert db.session.scalar(db.select(db.func.count()).select_from(ContractAttachment)) == 0
    response = _correct(client, contract.id, PDF, "<b>登记时漏传</b>补充协议")
    assert response.status_code == 422 and "不能包含HTML标签" in _text(response)
    response = _correct(client, contract.id, PDF, "登记时漏传补充协议第2页", name="补充协议<1>.pdf")
    assert response.status_code == 302
    page = _plain(client.get(response.headers["Location"]))
    assert "已通过更正补充附件 补充协议<1>.pdf" in page
    assert "更正补充" in page and "更正原因：登记时漏传补充协议第2页" in page and "登记员小李 于" in page
    raw = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "补充协议<1>.pdf" not in raw and "补充协议&lt;1&gt;.pdf" in raw  # escaped
    history = page.split("合同历史")[1]
    assert "更正：补充附件" in history and "更正原因：登记时漏传补充协议第2页" in history

    client.post("/logout")
    login(next(u for u in contract.buyer.members))  # the parties see the correction and its reason
    page = _plain(client.get(f"/contracts/{contract.id}"))
    assert "更正原因：登记时漏传补充协议第2页" in page and "更正：补充附件" in page
    assert "更正并补充附件" not in page
    assert _correct(client, contract.id, PDF, "我也补充").status_code == 403
    attachment = db.session.scalar(db.select(ContractAttachment))
    assert attachment.correction_reason == "登记时漏传补充协议第2页"
    assert db.session.scalar(db.select(db.func.count()).select_from(ContractAttachment)) == 1


# ---- the list --------------------------------------------------------------------------------------------


def test_empty_list_explains_and_offers_to_register(client, login, parties):
    login(parties[0])
    page = _text(client.get("/contracts/"))
    assert "还没有技术合同" in page and "管理员审核后核定技术交易额" in page and "登记新合同" in page


def test_list_shows_columns_and_paginates_with_filters_kept(client, make_user, login, make_contract, app):
    seller = make_user("university")
    buyer = make_user("enterprise")
    for n in range(23):
        make_contract(
            seller=seller.organisation,
            buyer=buyer.organisation,
            number=f"HT-{n:03d}",
            title=f"合同{n:02d}",
            contract_type="development" if n % 2 else "transfer",
            subtype=None if n % 2 else "patent",
            amount="250000",
        )
    login(seller)
    first = _text(client.get("/contracts/"))
    assert (
        "共 23 条" in first and "下一页" in first and "25万元" in first and seller.organisation.name in first
    )
    assert "2026-03-15" in first and "草稿" in first
    assert "共 11 条" in _text(client.get("/contracts/?type=development"))
    filtered = _text(client.get("/contracts/?field=新材料&q=合同"))
    next_link = filtered.split("下一页")[0].rsplit('href="', 1)[1].split('"')[0]
    assert (
        "field=" in next_link and "q=" in next_link and "page=2" in next_link
    )  # filters travel with the pages
    second = _text(client.get(next_link))
    assert "第 2/2 页" in second and "合同02" in second and "合同22" not in second
    assert client.get("/contracts/?page=abc&from=yesterday&status=nonsense").status_code == 200


def test_list_filters_by_status_and_date(client, make_user, login, make_contract):
    registered = make_contract(status="registered", title="三月已登记", signed_on="2026-03-01")
    make_contract(seller=registered.seller, buyer=registered.buyer, title="一月草稿", signed_on="2026-01-10")
    login(make_user("admin"))
    page = _text(client.get("/contracts/?status=registered"))
    assert "三月已登记" in page and "一月草稿" not in page
    page = _text(client.get("/contracts/?from=2026-01-01&to=2026-01-31"))
    assert "一月草稿" in page and "三月已登记" not in page
    page = _text(client.get("/contracts/?q=不存在的合同"))
    assert "没有符合筛选条件的合同" in page


def test_escaped_output_of_stored_text(client, login, make_contract, db):
    contract = make_contract()
    db.session.get(Contract, contract.id).note = "<b>加粗</b>"  # stored by another path than the form
    db.session.commit()
    login(next(u for u in contract.seller.members))
    page = client.get(f"/contracts/{contract.id}").get_data(as_text=True)
    assert "<b>加粗</b>" not in page and "&lt;b&gt;加粗&lt;/b&gt;" in page


def test_history_lists_who_did_what(client, make_user, login, make_contract, db):
    contract = make_contract(status="returned")
    login(make_user("admin"))
    history = _text(client.get(f"/contracts/{contract.id}")).split('data-testid="history"')[1]
    for label in ("创建草稿", "提交登记", "退回", "原因：请补充合同扫描件"):
        assert label in history
    assert (
        db.session.scalar(
            db.select(db.func.count()).select_from(AuditEntry).where(AuditEntry.object_id == contract.id)
        )
        == 3
    )


def test_the_list_exports_what_it_shows_and_the_nav_leads_viewers_to_the_dashboard(
    client, make_user, login, make_contract
):
    seller = make_user("university")
    make_contract(seller=seller.organisation, title="本单位的导出合同")
    make_contract(title="别家的合同")
    login(seller)
    page = _text(client.get("/contracts/?type=transfer"))
    link = re.search(r'href="(/dashboard/contracts\.csv[^"]*)"', page).group(1)
    assert "type=transfer" in html.unescape(link)
    exported = client.get(html.unescape(link)).get_data().decode("utf-8-sig")
    assert "本单位的导出合同" in exported and "别家的合同" not in exported
    assert "交易额看板" not in page
    client.post("/logout")
    login(make_user("viewer"))
    assert 'href="/dashboard/"' in _text(client.get("/contracts/"))
