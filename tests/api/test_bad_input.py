"""Bad input is refused with a Chinese message on the field at fault, and nothing is written."""

from datetime import timedelta

import pytest

from market.services.listings import today
from tests.api.conftest import COLLECTION_OF, PAYLOADS, field_errors, row_counts

LONG_TITLE = "长" * 201
SCRIPT = "<script>alert('x')</script>"
HUGE = 10**40

# (kind, what is sent on top of a valid body, the field that must carry the message)
BAD_INPUT = [
    ("achievement", {"title": ""}, "title"),
    ("achievement", {"title": "   "}, "title"),
    ("achievement", {"title": LONG_TITLE}, "title"),
    ("achievement", {"title": ["列表", "标题"]}, "title"),
    ("achievement", {"title": {"zh": "对象"}}, "title"),
    ("achievement", {"title": SCRIPT}, "title"),
    ("achievement", {"title": "正常标题\x00"}, "title"),
    ("achievement", {"summary": "简介\x00含空字符"}, "summary"),
    ("achievement", {"summary": "<img src=x onerror=alert(1)>"}, "summary"),
    ("achievement", {"field": "不存在的领域"}, "field"),
    ("achievement", {"field": ["新材料"]}, "field"),
    ("achievement", {"field": "新材料\x00"}, "field"),
    ("achievement", {"price_yuan": {"amount": 100}}, "price_yuan"),
    ("achievement", {"price_yuan": [100]}, "price_yuan"),
    ("achievement", {"price_yuan": True}, "price_yuan"),
    ("achievement", {"price_yuan": "一百万"}, "price_yuan"),
    ("achievement", {"price_yuan": "-1"}, "price_yuan"),
    ("achievement", {"price_yuan": HUGE}, "price_yuan"),
    ("achievement", {"price_yuan": 1e300}, "price_yuan"),
    ("achievement", {"price_yuan": "NaN"}, "price_yuan"),
    ("achievement", {"price_yuan": "Infinity"}, "price_yuan"),
    ("achievement", {"patent_numbers": ["ZL12345"]}, "patent_numbers"),
    ("achievement", {"patent_numbers": ["专利一号"]}, "patent_numbers"),
    ("achievement", {"patent_numbers": "CN112345678A\x00"}, "patent_numbers"),
    ("achievement", {"keywords": [1, 2]}, "keywords"),
    ("achievement", {"keywords": ["<b>粗体</b>"]}, "keywords"),
    ("achievement", {"keywords": {"a": 1}}, "keywords"),
    ("achievement", {"maturity": "快要量产"}, "maturity"),
    ("achievement", {"maturity": 10}, "maturity"),
    ("achievement", {"trl": HUGE}, "trl"),
    ("achievement", {"maturity": "实验室", "trl": 9}, "trl"),
    ("achievement", {"form": "论文集"}, "form"),
    ("achievement", {"transfer_modes": ["白送"]}, "transfer_modes"),
    ("achievement", {"contact_email": "不是邮箱"}, "contact_email"),
    ("achievement", {"draft": "yes"}, "draft"),
    ("achievement", {"status": "published"}, "status"),
    ("achievement", {"id": 1}, "id"),
    ("demand", {"title": LONG_TITLE}, "title"),
    ("demand", {"description": ""}, "description"),
    ("demand", {"open_call": "garbage"}, "open_call"),
    ("demand", {"open_call": 2}, "open_call"),
    ("demand", {"open_call": ["true"]}, "open_call"),
    ("demand", {"budget_min_yuan": "3000000", "budget_max_yuan": "1000000"}, "budget_max_yuan"),
    ("demand", {"budget_max_yuan": HUGE}, "budget_max_yuan"),
    ("demand", {"budget_min_yuan": {"min": 1}}, "budget_min_yuan"),
    ("demand", {"deadline": "明年"}, "deadline"),
    ("demand", {"deadline": "2026-02-30"}, "deadline"),
    ("demand", {"deadline": HUGE}, "deadline"),
    ("demand", {"deadline": (today() - timedelta(days=1)).isoformat()}, "deadline"),
    ("demand", {"reward_yuan": "100000", "open_call": False}, "reward_yuan"),
    ("demand", {"cooperation_mode": "随便"}, "cooperation_mode"),
    ("equipment", {"name": LONG_TITLE}, "name"),
    ("equipment", {"name": SCRIPT}, "name"),
    ("equipment", {"category": "不存在的类别"}, "category"),
    ("equipment", {"open_for_booking": "maybe"}, "open_for_booking"),
    ("equipment", {"fee_items": "每小时300元"}, "fee_items"),
    ("equipment", {"fee_items": [{"label": "测试", "unit": "元/小时"}]}, "fee_items"),
    ("equipment", {"fee_items": [{"label": "测试", "unit": "元/年", "price_yuan": "1"}]}, "fee_items"),
    ("equipment", {"fee_items": [{"label": "测试", "unit": "面议", "colour": "红"}]}, "fee_items"),
    ("equipment", {"fee_items": [{"label": ["测试"], "unit": "面议"}]}, "fee_items"),
    ("equipment", {"fee_items": [{"label": "测试", "unit": "元/次", "price_yuan": "1.001"}]}, "fee_items"),
    ("equipment", {"fee_items": [{"label": "测试\x00", "unit": "面议"}]}, "fee_items"),
    ("equipment", {"fee_items": [{"label": "测", "unit": "面议"}] * 21}, "fee_items"),
]


def _bad_id(case):
    kind, body, field = case
    return f"{kind}-{field}-{str(body)[:30]}"


@pytest.mark.parametrize("kind, override, field", BAD_INPUT, ids=[_bad_id(c) for c in BAD_INPUT])
def test_bad_input_is_422_on_the_field_and_writes_nothing(
    client, make_user, api_token, kind, override, field
):
    headers = api_token(make_user("enterprise"))
    before = row_counts()
    response = client.post(
        f"/api/v1/{COLLECTION_OF[kind]}", json={**PAYLOADS[kind], **override}, headers=headers
    )
    fields = field_errors(response)
    assert field in fields, fields
    assert row_counts() == before


@pytest.mark.parametrize("kind", sorted(COLLECTION_OF))
def test_empty_body_names_every_required_field(client, make_user, api_token, kind):
    before = row_counts()
    response = client.post(
        f"/api/v1/{COLLECTION_OF[kind]}", json={}, headers=api_token(make_user("enterprise"))
    )
    required = {
        "achievement": {"title", "summary", "field"},
        "demand": {"title", "description", "field"},
        "equipment": {"name", "category"},
    }[kind]
    assert set(field_errors(response)) == required
    assert row_counts() == before


def test_several_bad_fields_are_reported_together(client, make_user, api_token):
    body = {
        **PAYLOADS["demand"],
        "title": "",
        "description": SCRIPT,
        "budget_min_yuan": "abc",
        "open_call": "也许",
    }
    response = client.post("/api/v1/demands", json=body, headers=api_token(make_user("enterprise")))
    assert set(field_errors(response)) == {"title", "description", "budget_min_yuan", "open_call"}


def test_fields_of_the_wrong_json_type_are_reported_together_first(client, make_user, api_token):
    """Types are checked against the OpenAPI document before the content: a number is no title, and "true" in
    quotes no boolean, though a form reader would take both."""
    body = {**PAYLOADS["demand"], "title": 5, "description": SCRIPT, "open_call": "true"}
    response = client.post("/api/v1/demands", json=body, headers=api_token(make_user("enterprise")))
    assert field_errors(response) == {
        "title": "必须是文字（加引号）",
        "open_call": "必须是true 或 false（不加引号）",
    }


@pytest.mark.parametrize(
    "kind, override, field",
    [
        ("achievement", {"title": LONG_TITLE}, "title"),
        ("achievement", {"price_yuan": "0.001"}, "price_yuan"),
        ("demand", {"open_call": "garbage"}, "open_call"),
        ("equipment", {"name": "名称\x00"}, "name"),
    ],
)
def test_bad_update_is_422_and_leaves_the_listing_as_it_was(
    client, make_user, make_listing, api_token, kind, override, field
):
    owner = make_user("enterprise")
    listing = make_listing(kind, owner)
    url = f"/api/v1/{COLLECTION_OF[kind]}/{listing.id}"
    before = client.get(url).get_json()
    audit_rows = row_counts()
    for send in (client.patch, client.put):
        assert field in field_errors(send(url, json={**PAYLOADS[kind], **override}, headers=api_token(owner)))
    assert client.get(url).get_json() == before
    assert row_counts() == audit_rows


@pytest.mark.parametrize(
    "note, message_part",
    [("<script>x</script>", "HTML"), ("原因\x00", "空字符"), ("长" * 501, "500"), (["理由"], "文字")],
)
def test_bad_review_note_is_422(client, make_user, make_listing, api_token, note, message_part):
    listing = make_listing("achievement", make_user("university", verified=False))
    response = client.post(
        f"/api/v1/achievements/{listing.id}/reject",
        json={"note": note},
        headers=api_token(make_user("admin")),
    )
    assert message_part in field_errors(response)["note"]
    assert (
        client.get(f"/api/v1/achievements/{listing.id}", headers=api_token(make_user("admin"))).get_json()[
            "status"
        ]
        == "pending"
    )


POLICY = {"title": "西咸新区促进科技成果转化若干措施", "issuer": "西咸新区管委会"}


@pytest.mark.parametrize(
    "override, field",
    [
        ({"title": ""}, "title"),
        ({"title": LONG_TITLE}, "title"),
        ({"issuer": ["科技厅"]}, "issuer"),
        ({"summary": SCRIPT}, "summary"),
        ({"body": "正文\x00"}, "body"),
        ({"link": "javascript:alert(1)"}, "link"),
        ({"effective_on": "2025-01-01", "expires_on": "2024-01-01"}, "expires_on"),
        ({"published_on": "昨天"}, "published_on"),
        ({"tags": "a" * 21}, "tags"),
        ({"author": "某人"}, "author"),
    ],
)
def test_bad_policy_is_422_and_writes_nothing(client, make_user, api_token, override, field):
    before = row_counts()
    response = client.post(
        "/api/v1/policies", json={**POLICY, **override}, headers=api_token(make_user("admin"))
    )
    assert field in field_errors(response)
    assert row_counts() == before
