"""Posting shows possible duplicates first; the user can still go on."""

from market.models import Achievement

FORM = {
    "title": "高镍三元正极材料表面包覆改性新技术",
    "summary": "原子层沉积包覆，提升循环寿命。",
    "field": "新材料",
    "maturity": "中试",
    "submit_action": "submit",
}


def test_similar_published_listing_is_shown_before_submitting(client, make_user, make_listing, login, db):
    make_listing("achievement", make_user("university"), title="高镍三元正极材料表面包覆改性技术")
    login(make_user("university"))
    first = client.post("/my/achievements/new", data=FORM)
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and 'data-testid="duplicates"' in page
    assert "高镍三元正极材料表面包覆改性技术" in page and FORM["title"] in page  # what was typed is kept
    assert db.session.query(Achievement).count() == 1
    again = client.post("/my/achievements/new", data={**FORM, "duplicates_seen": "1"})
    assert again.status_code == 302
    assert db.session.query(Achievement).count() == 2


def test_unrelated_listing_is_not_called_a_duplicate(client, make_user, make_listing, login, db):
    make_listing("achievement", make_user("university"), title="小麦抗旱新品种选育")
    login(make_user("university"))
    assert client.post("/my/achievements/new", data=FORM).status_code == 302


def test_invalid_input_is_reported_before_duplicates(client, make_user, make_listing, login):
    make_listing("achievement", make_user("university"), title="高镍三元正极材料表面包覆改性技术")
    login(make_user("university"))
    response = client.post("/my/achievements/new", data={**FORM, "field": ""})
    assert response.status_code == 422 and "请选择技术领域" in response.get_data(as_text=True)


def test_duplicates_api_lists_similar_published_listings(client, make_user, make_listing, api_token):
    listing = make_listing("demand", make_user("enterprise"), title="寻求锂电池正极材料循环寿命提升方案")
    headers = api_token(make_user("enterprise"))
    response = client.post(
        "/api/v1/duplicates",
        headers=headers,
        json={"kind": "demand", "title": "锂电池正极材料循环寿命提升", "text": ""},
    )
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["items"]] == [listing.id]
    bad = client.post("/api/v1/duplicates", headers=headers, json={"kind": "nope", "title": ""})
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"kind", "title"}
