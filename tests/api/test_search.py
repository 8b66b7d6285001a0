"""GET /api/v1/search: the contract outside clients use."""


def test_search_returns_ranked_highlighted_items_with_facets(client, make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner, title="高镍三元正极材料表面包覆技术")
    make_listing("achievement", owner, title="小麦抗旱品种选育", summary="耐旱高产。", keywords=[], field="现代农业")
    body = client.get("/api/v1/search", query_string={"q": "正极材料"}).get_json()
    assert [(i["kind"], i["id"]) for i in body["items"]] == [("achievement", listing.id)]
    item = body["items"][0]
    assert set(item) == {"kind", "id", "title", "score", "highlights"}
    assert "<mark>正极材料</mark>" in item["highlights"]["title"]
    assert body["meta"]["total"] == 1 and body["meta"]["facets"]["field"] == {"新材料": 1}


def test_drafts_are_searchable_only_by_their_organisation_and_admins(client, make_user, make_listing, api_token):
    owner = make_user("university")
    make_listing("achievement", owner, submit=False, title="未发布的量子点显示材料")
    query = {"q": "量子点"}
    assert client.get("/api/v1/search", query_string=query).get_json()["meta"]["total"] == 0
    other = api_token(make_user("university"))
    assert client.get("/api/v1/search", query_string=query, headers=other).get_json()["meta"]["total"] == 0
    assert client.get("/api/v1/search", query_string=query, headers=api_token(owner)).get_json()["meta"]["total"] == 1
    admin = api_token(make_user("admin"))
    assert client.get("/api/v1/search", query_string=query, headers=admin).get_json()["meta"]["total"] == 1


def test_bad_filters_get_the_error_envelope(client):
    response = client.get("/api/v1/search", query_string={"q": "电池", "min": "很多", "kind": "nope"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"min", "kind"}


def test_hostile_queries_never_fail(client, make_user, make_listing):
    make_listing("demand", make_user("enterprise"))
    for q in ['"未闭合', "AND OR NOT * ? ~ ^ : ( ) [ ]", "😀" * 10, "<script>alert(1)</script>", "正极" * 300, " "]:
        response = client.get("/api/v1/search", query_string={"q": q})
        assert response.status_code == 200, q
        assert "<script>" not in response.get_data(as_text=True)


def test_a_synonym_finds_the_listing_and_the_meta_says_which(client, make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner, title="锂离子电池热失控预警", summary="多传感器融合预警。", keywords=["热失控"])
    make_listing("achievement", owner, title="小麦抗旱品种选育", summary="耐旱高产。", keywords=[], field="现代农业")
    body = client.get("/api/v1/search", query_string={"q": "锂电池"}).get_json()
    assert [(i["kind"], i["id"]) for i in body["items"]] == [("achievement", listing.id)]
    assert "<mark>锂离子电池</mark>" in body["items"][0]["highlights"]["title"]
    assert body["meta"]["synonyms"] == {"锂电池": ["锂离子电池", "锂电"]} and body["meta"]["by_meaning"] is False


def test_did_you_mean_is_given_for_a_near_miss(client, make_user, make_listing):
    make_listing("achievement", make_user("university"), title="石墨烯导热膜", summary="高导热。", keywords=[])
    meta = client.get("/api/v1/search", query_string={"q": "石墨稀"}).get_json()["meta"]
    assert meta["correction"] == "石墨烯"
