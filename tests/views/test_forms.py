"""Forms people do not fight (issue 18, part 6): registration asks the role and the organisation's kind as one
question, and every form shows all its wrong fields at once, a password typed twice differently included."""

import html
import re

import pytest
from sqlalchemy import select

from market.forms import IDENTITIES
from market.models import Organisation, User
from market.models.vocab import ROLE_ORG_KINDS
from market.services.codes import credit_code_with_check
from tests.conftest import CONTRACT, PASSWORD

REGISTRATION = {
    "email": "new@example.cn",
    "password": "abc12345xyz",
    "password_again": "abc12345xyz",
    "display_name": "张三",
    "identity": "university:institute",
    "org_name": "西咸新区示例研究院",
    "credit_code": credit_code_with_check("12610000MA6T00001"),
    "region": "沣西",
}


def _plain(response) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _field_errors(response) -> dict:
    """Each field's message as the page shows it under the field (id → text)."""
    page = response.get_data(as_text=True)
    return {
        name: html.unescape(text)
        for name, text in re.findall(
            r'<div class="invalid-feedback[^"]*" id="([\w-]+)-error">([^<]*)</div>', page
        )
    }


def test_the_identity_menu_offers_only_pairs_the_service_accepts(client):
    page = client.get("/register").get_data(as_text=True)
    offered = re.findall(r'<option value="(\w+:\w+)"', page)
    assert offered == list(IDENTITIES)
    assert all(kind in ROLE_ORG_KINDS[role] for role, kind in (o.split(":") for o in offered))
    assert 'name="org_kind"' not in page and 'name="role"' not in page  # no second question to contradict


def test_registering_as_an_institute_makes_an_institute_of_a_university_role(client, db):
    response = client.post("/register", data=REGISTRATION)
    assert response.status_code == 302, _plain(response)[:2000]
    user = db.session.scalar(select(User).where(User.email == "new@example.cn"))
    assert (user.role, user.organisation.kind) == ("university", "institute")


def test_a_password_mismatch_is_shown_with_every_other_error_at_once(client, db):
    data = {
        **REGISTRATION,
        "email": "不是邮箱",
        "password_again": "something-else",
        "display_name": "",
        "identity": "",
        "credit_code": "12345",
    }
    response = client.post("/register", data=data)
    assert response.status_code == 422
    errors = _field_errors(response)
    assert errors == {
        "email": "邮箱格式不正确",
        "password_again": "两次输入的密码不一致",
        "display_name": "请填写姓名",
        "identity": "请选择身份",
        "credit_code": errors["credit_code"],
    }
    assert "统一社会信用代码" in errors["credit_code"]
    assert (
        db.session.scalar(select(Organisation).where(Organisation.name == REGISTRATION["org_name"])) is None
    )
    assert 'value="西咸新区示例研究院"' in response.get_data(as_text=True)  # what was typed stays


def test_an_identity_the_menu_does_not_offer_is_refused_on_that_question(client):
    response = client.post("/register", data={**REGISTRATION, "identity": "broker:university"})
    assert response.status_code == 422 and "identity" in _field_errors(response)


def test_a_too_long_name_is_refused_with_a_message_never_cut(client):
    page = client.get("/register").get_data(as_text=True)
    assert "maxlength" not in page
    response = client.post("/register", data={**REGISTRATION, "display_name": "张" * 61})
    assert _field_errors(response)["display_name"] == "姓名不能超过60个字（现有61个字）"


def test_changing_a_password_shows_the_wrong_old_password_the_weak_new_one_and_the_mismatch_together(
    client, make_user, login
):
    login(make_user("enterprise"))
    response = client.post(
        "/account/password",
        data={"old_password": "not-it", "new_password": "short", "new_password_again": "shorter"},
    )
    assert response.status_code == 422
    assert _field_errors(response) == {
        "old_password": "当前密码不正确",
        "new_password": "密码至少10位",
        "new_password_again": "两次输入的新密码不一致",
    }
    ok = client.post(
        "/account/password",
        data={
            "old_password": PASSWORD,
            "new_password": "Lantern-7-Bridge",
            "new_password_again": "Lantern-7-Bridge",
        },
    )
    assert ok.status_code == 302


def test_a_kpi_with_several_mistakes_gets_every_message(client, api_token, make_user):
    response = client.post(
        "/api/v1/kpis",
        json={
            "name": "",
            "unit": "项",
            "target_value": "-1",
            "target_year": 2026,
            "start_year": 2030,
            "period_kind": "annual",
            "source": "测试",
        },
        headers=api_token(make_user("admin")),
    )
    fields = response.get_json()["error"]["fields"]
    assert {"name", "target_value", "start_year"} <= set(fields)


def test_a_correction_reports_its_reason_its_registration_and_the_contract_fields_together(
    client, api_token, make_user, make_contract
):
    contract = make_contract(status="registered")
    response = client.post(
        f"/api/v1/contracts/{contract.id}/correct",
        json={"reason": "", "recognised_amount": "很多", "amount": "0", "signed_on": "2999-01-01"},
        headers=api_token(make_user("admin")),
    )
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 422
    assert fields == {
        "reason": "请填写更正原因",
        "recognised_amount": fields["recognised_amount"],
        "amount": "合同金额必须大于0",
        "signed_on": "签订日期不能晚于今天",
    }
    assert fields["recognised_amount"].startswith("核定技术交易额：金额必须是数字")


# ---- money with its 元/万元 switch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "unit", "fen"),
    [
        ("12.5", "万元", 12_500_000),
        ("150", "万元", 150_000_000),
        ("100000元", "万元", 10_000_000),  # the unit typed wins over the switch
        ("10万", "元", 10_000_000),
        ("1,200,000", "元", 120_000_000),
        ("12.345678", "万元", 12_345_678),
    ],
)
def test_a_contract_amount_is_read_in_the_unit_chosen_beside_it(
    client, make_user, login, db, typed, unit, fen
):
    from market.models.contract import Contract

    author = login(make_user("university"))
    buyer = make_user("enterprise").organisation
    data = {
        **CONTRACT,
        "seller_org_id": str(author.organisation_id),
        "buyer_org_id": str(buyer.id),
        "amount": typed,
        "amount_unit": unit,
    }
    response = client.post("/contracts/new", data=data)
    assert response.status_code == 302, _field_errors(response)
    assert db.session.scalar(select(Contract.amount_fen)) == fen


def test_a_form_posted_without_the_switch_reads_yuan_as_it_used_to(client, make_user, login, db):
    from market.models.contract import Contract

    author = login(make_user("university"))
    buyer = make_user("enterprise").organisation
    data = {
        **CONTRACT,
        "seller_org_id": author.organisation_id,
        "buyer_org_id": buyer.id,
        "amount": "1500000",
    }
    assert client.post("/contracts/new", data=data).status_code == 302
    assert db.session.scalar(select(Contract.amount_fen)) == 150_000_000


def test_a_wrong_amount_keeps_what_was_typed_and_its_unit_and_zero_is_refused(client, make_user, login):
    author = login(make_user("university"))
    buyer = make_user("enterprise").organisation
    base = {**CONTRACT, "seller_org_id": author.organisation_id, "buyer_org_id": buyer.id}
    response = client.post("/contracts/new", data={**base, "amount": "12.5万块", "amount_unit": "元"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and _field_errors(response)["amount"].startswith(
        "合同金额：金额必须是数字"
    )
    assert 'value="12.5万块"' in page and '<option value="元" selected>' in page
    zero = client.post("/contracts/new", data={**base, "amount": "0", "amount_unit": "万元"})
    assert _field_errors(zero)["amount"] == "合同金额必须大于0"


def test_listing_amounts_are_shown_and_edited_in_wan_yuan(client, make_user, login, make_listing, db):
    from market.models import Demand

    owner = login(make_user("enterprise"))
    demand = make_listing("demand", owner, budget_min_yuan="500000", budget_max_yuan="2000000.50")
    page = client.get(f"/my/demands/{demand.id}/edit").get_data(as_text=True)
    assert 'name="budget_min_yuan" type="text" value="50"' in page
    assert 'name="budget_max_yuan" type="text" value="200.00005"' in page
    assert page.count('<option value="万元" selected>') == 3  # both budgets and the reward
    form = re.findall(r'name="(\w+)" type="text" value="([^"]*)"', page)
    data = {name: value for name, value in form} | {
        "description": demand.description,
        "field": "新材料",
        "budget_min_yuan_unit": "万元",
        "budget_max_yuan": "300",
        "budget_max_yuan_unit": "万元",
        "reward_yuan_unit": "万元",
    }
    response = client.post(f"/my/demands/{demand.id}/edit", data=data)
    assert response.status_code == 302, _field_errors(response)
    db.session.expire_all()
    saved = db.session.get(Demand, demand.id)
    assert (saved.budget_min_fen, saved.budget_max_fen) == (50_000_000, 300_000_000)


# ---- plausibility and length limits on the pages -----------------------------------------------------------


def test_the_demand_form_names_a_far_deadline_a_wrong_phone_and_a_too_long_title_at_once(
    client, make_user, login
):
    login(make_user("enterprise"))
    page = client.get("/my/demands/new").get_data(as_text=True)
    assert "maxlength" not in page
    response = client.post(
        "/my/demands/new",
        data={
            "title": "需" * 201,
            "description": "寻求方案",
            "field": "新材料",
            "deadline": "2999-12-31",
            "contact_phone": "abc",
            "contact_email": "li@",
            "budget_min_yuan": "10",
            "budget_min_yuan_unit": "万元",
            "submit_action": "submit",
        },
    )
    errors = _field_errors(response)
    assert response.status_code == 422
    assert errors["title"] == "需求名称不能超过200个字（现有201个字）"
    assert errors["deadline"].startswith("截止日期不能晚于") and "最多3年后" in errors["deadline"]
    assert errors["contact_phone"].startswith("联系电话格式不正确")
    assert errors["contact_email"] == "联系邮箱格式不正确"
    assert "budget_min_yuan" not in errors  # 10万 is fine
    assert "需" * 201 in response.get_data(as_text=True)  # kept to shorten, never cut


def test_the_contract_form_has_no_maxlength_and_says_when_a_text_is_too_long(client, make_user, login):
    author = login(make_user("university"))
    assert "maxlength" not in client.get("/contracts/new").get_data(as_text=True)
    buyer = make_user("enterprise").organisation
    data = {**CONTRACT, "seller_org_id": author.organisation_id, "buyer_org_id": buyer.id, "number": "H" * 61}
    assert (
        _field_errors(client.post("/contracts/new", data=data))["number"]
        == "合同编号不能超过60个字（现有61个字）"
    )
