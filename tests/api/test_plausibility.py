"""Plausibility limits (issue 18, part 6): a contract amount above 0, a deadline within 3 years, a phone
number and an e-mail that look like one, and amounts written as people write them ("10万") — refused or read
the same way by the API and the pages, with a message naming the field."""

from datetime import timedelta
from decimal import Decimal

import pytest

from market.clock import today_in_beijing
from market.inputs.contacts import phone_error
from market.inputs.fields import years_from_today
from market.money import MoneyError, parse_yuan
from tests.api.conftest import field_errors
from tests.conftest import CONTRACT, DEMAND

SPELLINGS = [
    ("10万", Decimal("100000")),
    ("10 万元", Decimal("100000")),
    ("1,200,000", Decimal("1200000")),
    ("12.5万", Decimal("125000")),
    ("100000元", Decimal("100000")),
    ("１２．５万", Decimal("125000")),
    ("¥3,000.50", Decimal("3000.50")),
    ("1.2亿", Decimal("120000000")),
    ("12.345678万", Decimal("123456.78")),
    (1500000, Decimal("1500000")),
    (1234567.89, Decimal("1234567.89")),
]


@pytest.mark.parametrize(("typed", "yuan"), SPELLINGS)
def test_an_amount_is_read_exactly_as_people_write_it(typed, yuan):
    assert parse_yuan(typed) == int(yuan * 100)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("十万", "金额必须是数字"),
        ("10万块", "金额必须是数字"),
        ("-1万", "金额不能为负数"),
        ("12.3456789万", "精确到分"),
        ("NaN", "金额必须是数字"),
    ],
)
def test_an_amount_that_is_not_one_says_why(typed, message):
    with pytest.raises(MoneyError, match=message):
        parse_yuan(typed)


@pytest.mark.parametrize(
    "phone",
    [
        "13800000000",
        "138 9180 2461",
        "+86 138-0000-0000",
        "029-12345678",
        "029-8339 6120",
        "(029)88888888",
        "0917-1234567",
        "029-88888888转801",
        "400-800-1234",
        "13800000000 / 029-88888888",
    ],
)
def test_phone_numbers_people_write_are_accepted(phone):
    assert phone_error(phone) is None


@pytest.mark.parametrize("phone", ["abc", "12345678", "1380000000", "12800000000", "029-8888", "电话号码"])
def test_what_is_not_a_phone_number_is_refused(phone):
    assert phone_error(phone)


def test_the_demo_contacts_look_like_phone_numbers_and_e_mails():
    from market.inputs.fields import email_error
    from seed.organisations import CONTACTS

    for email, (_name, phone) in CONTACTS.items():
        assert phone_error(phone) is None and email_error(email) is None, (email, phone)


# ---- through the API (both databases) ---------------------------------------------------------------------


@pytest.fixture
def parties(make_org, make_user):
    seller, buyer = make_org(kind="university"), make_org(kind="enterprise")
    return {"seller": seller, "buyer": buyer, "author": make_user("university", org=seller)}


def contract_body(parties, **overrides) -> dict:
    return {
        **CONTRACT,
        "seller_org_id": parties["seller"].id,
        "buyer_org_id": parties["buyer"].id,
        **overrides,
    }


@pytest.mark.parametrize("amount", ["0", 0, "0.00", "0万"])
def test_a_contract_of_no_amount_is_refused(client, api_token, parties, amount):
    response = client.post(
        "/api/v1/contracts", json=contract_body(parties, amount=amount), headers=api_token(parties["author"])
    )
    assert field_errors(response)["amount"] == "合同金额必须大于0"


def test_the_api_still_takes_amounts_as_before_and_also_as_people_write_them(client, api_token, parties):
    headers = api_token(parties["author"])
    for sent, kept in [("1500000.00", "1500000.00"), (1500000, "1500000.00"), ("150万", "1500000.00")]:
        response = client.post(
            "/api/v1/contracts",
            json=contract_body(parties, amount=sent, number=f"HT-{sent}"),
            headers=headers,
        )
        assert response.status_code == 201, response.get_json()
        assert response.get_json()["amount"] == kept


def test_a_demand_deadline_more_than_three_years_off_is_refused_and_three_years_is_accepted(
    client, api_token, make_user
):
    headers = api_token(make_user("enterprise"))
    limit = years_from_today(3)
    assert limit.year == today_in_beijing().year + 3
    late = client.post("/api/v1/demands", json={**DEMAND, "deadline": "2999-12-31"}, headers=headers)
    message = field_errors(late)["deadline"]
    assert message == f"截止日期不能晚于{limit.isoformat()}（最多3年后），请核对年份"
    over = client.post(
        "/api/v1/demands",
        json={**DEMAND, "deadline": (limit + timedelta(days=1)).isoformat()},
        headers=headers,
    )
    assert "deadline" in field_errors(over)
    ok = client.post("/api/v1/demands", json={**DEMAND, "deadline": limit.isoformat()}, headers=headers)
    assert ok.status_code == 201 and ok.get_json()["deadline"] == limit.isoformat()


def test_contact_phone_and_e_mail_must_look_like_one_and_every_wrong_field_is_named(
    client, api_token, make_user
):
    headers = api_token(make_user("enterprise"))
    response = client.post(
        "/api/v1/demands",
        json={**DEMAND, "contact_phone": "abc", "contact_email": "not-an-email@", "budget_max_yuan": "很多"},
        headers=headers,
    )
    fields = field_errors(response)
    assert fields["contact_phone"].startswith("联系电话格式不正确：“abc”不像电话号码")
    assert "029-12345678" in fields["contact_phone"]
    assert fields["contact_email"] == "联系邮箱格式不正确"
    assert fields["budget_max_yuan"].startswith("预算上限：金额必须是数字")
    ok = client.post(
        "/api/v1/demands",
        json={**DEMAND, "contact_phone": "+86 138-0000-0000", "contact_email": "li@example.cn"},
        headers=headers,
    )
    assert ok.status_code == 201
    assert ok.get_json()["contact"]["phone"] == "+86 138-0000-0000"


def test_a_deal_next_step_due_date_is_held_to_three_years(client, api_token, make_user, make_listing):
    from market.services import deals

    result = make_listing("achievement", make_user("university"))
    buyer, broker = make_user("enterprise"), make_user("broker")
    deal, _ = deals.open_deal(buyer, {"achievement_id": result.id, "requested_broker_id": broker.id})
    deals.claim_deal(broker, deal.id)
    response = client.put(
        f"/api/v1/deals/{deal.id}/next-action",
        json={"next_action": "约谈", "next_action_due": "2999-01-01"},
        headers=api_token(broker),
    )
    assert "最多3年后" in field_errors(response)["next_action_due"]
