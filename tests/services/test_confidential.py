"""Confidential details of a result: written by its owner, shown only to the owner, admins and NDA parties."""

import json

import pytest
from sqlalchemy import select

from market.errors import ValidationFailed
from market.models import AuditEntry
from market.services import deals, listings
from tests.conftest import ACHIEVEMENT, PASSWORD

SECRET = "前驱体配方：钛酸锶钡掺杂比例百分之三，烧结温度八百五十度"
SECRET_WORD = "钛酸锶钡"  # appears nowhere else


@pytest.fixture
def w(make_user, make_listing):
    from types import SimpleNamespace

    owner = make_user("university")
    result = make_listing("achievement", owner, confidential_details=f"  {SECRET}  ")
    return SimpleNamespace(
        owner=owner,
        colleague=make_user("university", org=owner.organisation),
        buyer=make_user("enterprise"),
        other=make_user("enterprise"),
        admin=make_user("admin"),
        broker=make_user("broker"),
        result=result,
        other_result=make_listing("achievement", owner, title="固态电解质薄膜制备技术"),
    )


def signed_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def result_page(client, result) -> tuple[int, str]:
    response = client.get(f"/achievements/{result.id}")
    return response.status_code, response.get_data(as_text=True)


def shown(html: str) -> bool:
    return SECRET in html and 'data-testid="confidential"' in html and "保密信息" in html


def hinted(html: str) -> bool:
    return SECRET_WORD not in html and "签署对接保密协议后可见" in html


# ---- writing ---------------------------------------------------------------------------------------------


def test_the_owner_writes_and_reads_the_details(w, db):
    assert w.result.confidential_details == SECRET
    again = listings.get_managed_listing(w.colleague, "achievement", w.result.id)
    assert again.confidential_details == SECRET
    listings.update_listing(
        w.owner, "achievement", w.result.id, {"confidential_details": "新的保密参数"}, partial=True
    )
    assert listings.get_listing(w.owner, "achievement", w.result.id).confidential_details == "新的保密参数"
    listings.update_listing(
        w.owner, "achievement", w.result.id, {"confidential_details": "   "}, partial=True
    )
    assert listings.get_listing(w.owner, "achievement", w.result.id).confidential_details == ""
    # a partial change of something else keeps the details
    listings.update_listing(
        w.owner, "achievement", w.other_result.id, {"confidential_details": "另一项"}, partial=True
    )
    listings.update_listing(
        w.owner, "achievement", w.other_result.id, {"title": "固态电解质薄膜制备新工艺"}, partial=True
    )
    assert listings.get_listing(w.owner, "achievement", w.other_result.id).confidential_details == "另一项"


def test_the_details_are_checked(w, db):
    with pytest.raises(ValidationFailed) as exc:
        listings.update_listing(
            w.owner, "achievement", w.result.id, {"confidential_details": "密" * 5001}, partial=True
        )
    assert exc.value.fields["confidential_details"] == "保密信息不能超过5000个字（现有5001个字）"
    with pytest.raises(ValidationFailed) as exc:
        listings.update_listing(
            w.owner, "achievement", w.result.id, {"confidential_details": "<b>x</b>"}, partial=True
        )
    assert "HTML" in exc.value.fields["confidential_details"]
    listings.update_listing(
        w.owner, "achievement", w.result.id, {"confidential_details": "密" * 5000}, partial=True
    )
    assert listings.get_listing(w.owner, "achievement", w.result.id).confidential_details == "密" * 5000


def test_the_audit_log_does_not_repeat_the_details(w, db):
    listings.update_listing(
        w.owner, "achievement", w.result.id, {"confidential_details": "改后的保密参数"}, partial=True
    )
    entries = list(
        db.session.scalars(
            select(AuditEntry).where(
                AuditEntry.object_type == "achievement", AuditEntry.object_id == w.result.id
            )
        )
    )
    logged = json.dumps([e.changes for e in entries], ensure_ascii=False)
    assert "confidential_details" in logged  # that it changed is recorded
    assert SECRET_WORD not in logged and "改后的保密参数" not in logged


def test_the_workspace_form_shows_and_saves_the_details(app, w, db, field_name="新材料"):
    client = signed_in(app, w.owner)
    page = client.get(f"/my/achievements/{w.result.id}/edit").get_data(as_text=True)
    assert "保密信息（签署保密协议后对接方可见）" in page and SECRET in page
    form = {
        "title": "新型钙钛矿光伏封装胶膜",
        "summary": "一种耐湿热的封装胶膜。",
        "field": field_name,
        "keywords": "光伏、封装",
        "maturity": "中试",
        "form": "新材料",
        "transfer_modes": ["许可"],
        "price_yuan": "",
        "confidential_details": "胶膜交联剂为过氧化物体系，用量0.8%",
        "submit_action": "submit",
        "duplicates_seen": "1",
    }
    response = client.post("/my/achievements/new", data=form)
    assert response.status_code == 302
    created = listings.list_managed_listings(w.owner, "achievement", {"q": "钙钛矿"}, 1, 20).items
    mine = [r for r in created if r.title == "新型钙钛矿光伏封装胶膜"]
    assert mine and mine[0].confidential_details == "胶膜交联剂为过氧化物体系，用量0.8%"
    response = client.post("/my/achievements/new", data={**form, "confidential_details": "密" * 5001})
    assert response.status_code == 422
    assert "保密信息不能超过5000个字" in response.get_data(as_text=True)


# ---- who sees the details on the result page -------------------------------------------------------------


def test_strangers_see_only_a_hint_on_the_result_page(app, w, client):
    status, html = result_page(client, w.result)
    assert status == 200 and hinted(html)
    for user in (w.buyer, w.other, w.broker):
        status, html = result_page(signed_in(app, user), w.result)
        assert status == 200 and hinted(html), user.role


def test_owner_and_admin_see_the_details_on_the_result_page(app, w):
    for user in (w.owner, w.colleague, w.admin):
        status, html = result_page(signed_in(app, user), w.result)
        assert status == 200 and shown(html), user.role


def test_a_result_without_details_shows_no_hint(app, w, client):
    status, html = result_page(client, w.other_result)
    assert status == 200 and "签署对接保密协议后可见" not in html and 'data-testid="confidential"' not in html


def test_a_party_that_accepted_the_nda_sees_the_details(app, w, db):
    deal, _ = deals.open_deal(w.buyer, {"achievement_id": w.result.id})
    buyer = signed_in(app, w.buyer)
    assert hinted(result_page(buyer, w.result)[1])  # in a deal, but no NDA yet
    deals.accept_nda(w.buyer, deal.id)
    assert shown(result_page(buyer, w.result)[1])


def test_an_nda_on_another_result_unlocks_nothing_here(app, w, db):
    deal, _ = deals.open_deal(w.other, {"achievement_id": w.other_result.id})
    deals.accept_nda(w.other, deal.id)
    assert hinted(result_page(signed_in(app, w.other), w.result)[1])
    # a different organisation's NDA on this very result does not count for this one either
    mine, _ = deals.open_deal(w.buyer, {"achievement_id": w.result.id})
    deals.accept_nda(w.buyer, mine.id)
    assert hinted(result_page(signed_in(app, w.other), w.result)[1])
    assert shown(result_page(signed_in(app, w.buyer), w.result)[1])


def test_details_are_escaped(app, w, db):
    listings.update_listing(
        w.owner, "achievement", w.result.id, {"confidential_details": '温度＜900℃ & 压力"高"'}, partial=True
    )
    html = result_page(signed_in(app, w.owner), w.result)[1]
    assert "温度＜900℃ &amp; 压力&#34;高&#34;" in html or "温度＜900℃ &amp; 压力&quot;高&quot;" in html


# ---- lists, search and the API ---------------------------------------------------------------------------


def test_lists_and_search_never_show_the_details(app, w, client):
    owner = signed_in(app, w.owner)
    for reader in (client, owner):
        listing_page = reader.get("/achievements").get_data(as_text=True)
        assert w.result.title in listing_page and SECRET_WORD not in listing_page
        found = reader.get("/search", query_string={"q": SECRET_WORD}).get_data(as_text=True)
        assert 'data-testid="hit"' not in found and "烧结温度" not in found  # the query itself is echoed
        api = reader.get("/api/v1/search", query_string={"q": SECRET_WORD}).get_json()
        assert api["items"] == [] and api["meta"]["total"] == 0
    # the public text is searchable: the index is working
    assert client.get("/api/v1/search", query_string={"q": "正极材料"}).get_json()["meta"]["total"] >= 1
    duplicates = client.post(
        "/api/v1/duplicates", json={"kind": "achievement", "title": SECRET, "text": SECRET}
    )
    assert SECRET_WORD not in duplicates.get_data(as_text=True)


def test_the_api_shows_the_details_only_to_those_allowed(app, w, api_token, client, db):
    url = f"/api/v1/achievements/{w.result.id}"
    owner, admin, buyer = api_token(w.owner), api_token(w.admin), api_token(w.buyer)
    assert client.get(url).get_json()["confidential_details"] is None
    assert client.get(url, headers=buyer).get_json()["confidential_details"] is None
    assert client.get(url, headers=owner).get_json()["confidential_details"] == SECRET
    assert client.get(url, headers=admin).get_json()["confidential_details"] == SECRET
    mine = client.get("/api/v1/achievements", query_string={"mine": 1}, headers=owner).get_json()["items"]
    assert {item["id"]: item["confidential_details"] for item in mine} == {
        w.result.id: SECRET,
        w.other_result.id: "",
    }
    for headers in ({}, owner, admin, buyer):  # a public list never carries them, not even to the owner
        items = client.get("/api/v1/achievements", headers=headers).get_json()["items"]
        assert items and all(item["confidential_details"] is None for item in items)
    summary = client.get("/api/v1/summary", headers=owner).get_data(as_text=True)
    assert SECRET_WORD not in summary

    deal, _ = deals.open_deal(w.buyer, {"achievement_id": w.result.id})
    deals.accept_nda(w.buyer, deal.id)
    assert client.get(url, headers=buyer).get_json()["confidential_details"] == SECRET
    items = client.get("/api/v1/achievements", headers=buyer).get_json()["items"]
    assert all(item["confidential_details"] is None for item in items)


def test_the_owner_writes_the_details_through_the_api(app, w, api_token, client):
    owner = api_token(w.owner)
    created = client.post(
        "/api/v1/achievements",
        headers=owner,
        json={**ACHIEVEMENT, "title": "微通道换热器", "confidential_details": "流道宽0.3毫米"},
    )
    assert created.status_code == 201 and created.get_json()["confidential_details"] == "流道宽0.3毫米"
    url = f"/api/v1/achievements/{created.get_json()['id']}"
    changed = client.patch(url, headers=owner, json={"confidential_details": "流道宽0.25毫米"})
    assert changed.status_code == 200 and changed.get_json()["confidential_details"] == "流道宽0.25毫米"
    refused = client.patch(url, headers=owner, json={"confidential_details": "密" * 5001})
    assert refused.status_code == 422 and "confidential_details" in refused.get_json()["error"]["fields"]
    other = client.patch(url, headers=api_token(w.other), json={"confidential_details": "篡改"})
    assert other.status_code == 403
    assert client.get(url, headers=owner).get_json()["confidential_details"] == "流道宽0.25毫米"
    assert client.get(url).get_json()["confidential_details"] is None
