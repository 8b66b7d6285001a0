"""While the index cannot be read: search answers from the database, suggestions from the vectors, nothing
500s.

The on-disk cases (folder removed, segment overwritten, the worker rebuilding) are in
tests/search/test_processes.py; here the index fails every read, on both databases, for every page and
endpoint that reads it.
"""

import pytest

from market import search
from market.services.listings import change_status
from market.services.search_fallback import NOTICE


@pytest.fixture
def catalogue(make_user, make_listing):
    university, enterprise = make_user("university"), make_user("enterprise")
    return {
        "university": university,
        "enterprise": enterprise,
        "battery": make_listing("achievement", university, title="锂电池正极材料包覆技术"),
        "draft": make_listing("achievement", university, title="锂电池隔膜涂层（草稿）", submit=False),
        "demand": make_listing("demand", enterprise, title="寻求锂电池回收技术"),
        "rice": make_listing("achievement", university, title="水稻抗倒伏栽培"),
    }


@pytest.fixture
def broken_index(app, monkeypatch):
    """Every read of the index fails, as with a removed folder or an overwritten segment."""
    backend = search.backend()

    def fail(*_args, **_kwargs):
        raise OSError("[Errno 2] No such file or directory: 'MAIN_x.seg'")

    monkeypatch.setattr(backend, "_search", fail)
    monkeypatch.setattr(backend, "_similar", fail)
    monkeypatch.setattr(backend, "_counts", fail)
    monkeypatch.setattr(backend, "is_healthy", lambda: False)
    yield backend
    backend._ram_rebuild_requested = False


def titles(response) -> list[str]:
    return [item["title"] for item in response.get_json()["items"]]


def test_the_search_page_answers_from_the_database_and_says_it_is_reduced(client, catalogue, broken_index):
    response = client.get("/search", query_string={"q": "锂电池"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and NOTICE in html
    assert "锂电池正极材料包覆技术" in html and "寻求锂电池回收技术" in html
    assert "水稻" not in html and "草稿" not in html
    assert broken_index.rebuild_requested()


def test_the_search_api_answers_with_a_notice_and_the_same_visibility_rules(
    client, catalogue, broken_index, api_token
):
    response = client.get("/api/v1/search", query_string={"q": "锂电池"})
    assert response.status_code == 200 and response.get_json()["meta"]["notice"] == NOTICE
    assert sorted(titles(response)) == ["寻求锂电池回收技术", "锂电池正极材料包覆技术"]
    own = client.get(
        "/api/v1/search",
        query_string={"q": "锂电池", "kind": "achievement"},
        headers=api_token(catalogue["university"]),
    )
    assert sorted(titles(own)) == [
        "锂电池正极材料包覆技术",
        "锂电池隔膜涂层（草稿）",
    ]  # its own draft, as always


def test_filters_that_the_database_can_answer_still_apply(client, catalogue, broken_index):
    assert titles(client.get("/api/v1/search", query_string={"q": "锂电池", "kind": "demand"})) == [
        "寻求锂电池回收技术"
    ]
    assert titles(client.get("/api/v1/search", query_string={"q": "锂电池", "maturity": "量产"})) == []
    change_status(catalogue["university"], "achievement", catalogue["battery"].id, "withdraw")
    assert titles(client.get("/api/v1/search", query_string={"q": "锂电池 正极"})) == []


def test_highlights_of_the_reduced_search_are_escaped(client, make_user, make_listing, broken_index):
    make_listing("achievement", make_user("university"), title='锂电池 R&D 1<2 "方案"')
    html = client.get("/search", query_string={"q": "锂电池"}).get_data(as_text=True)
    assert "R&amp;D 1&lt;2 &#34;方案&#34;" in html and "1<2" not in html


def test_suggestions_and_the_duplicate_check_answer_without_the_index(
    client, catalogue, broken_index, api_token, login
):
    headers = api_token(catalogue["enterprise"])
    response = client.get(f"/api/v1/demands/{catalogue['demand'].id}/matches", headers=headers)
    assert response.status_code == 200 and isinstance(response.get_json()["items"], list)
    assert client.post(
        "/api/v1/duplicates", json={"kind": "achievement", "title": "锂电池正极材料包覆技术"}, headers=headers
    ).get_json() == {"items": []}
    login(catalogue["enterprise"])
    assert client.get(f"/demands/{catalogue['demand'].id}").status_code == 200


def test_the_admin_page_says_the_index_is_being_rebuilt(client, catalogue, broken_index, make_user, login):
    login(make_user("admin"))
    html = client.get("/admin/search-index").get_data(as_text=True)
    assert 'data-testid="index-unusable"' in html


def test_ready_says_not_ready_while_the_index_is_rebuilt(client, catalogue, broken_index):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["index"] == "rebuilding" and response.get_json()["database"] == "ok"
