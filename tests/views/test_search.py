"""The /search page and the search commands, as visitors, members, owners and admins use them."""

import re

import pytest

from market.services import indexing
from market.services.listings import update_listing

NASTY = [
    '"正极材料',
    "AND OR NOT * ? ~ ^ : ( ) [ ] { }",
    "正极 AND",
    "title:正极",
    "正极*",
    "正极~2",
    "(正极",
    "[a TO z]",
    "锂电池" * 170,
    "😀🔋",
    "'; DROP TABLE achievements; --",
    "<script>alert(1)</script>",
    "",
    "   ",
    "%",
    "\\",
    "正极\x00材料",
]


def page(client, **params):
    response = client.get("/search", query_string=params)
    return response.status_code, response.get_data(as_text=True)


def unmarked(html: str) -> str:
    return html.replace("<mark>", "").replace("</mark>", "")


def hits(html: str) -> int:
    return html.count('data-testid="hit"')


@pytest.fixture
def catalogue(make_user, make_listing):
    """Two results and a demand about batteries in two fields and regions, plus an unrelated instrument."""
    university = make_user("university")
    enterprise = make_user("enterprise")
    enterprise.organisation.region = "沣西"
    made = {
        "solid": make_listing("achievement", university, title="固态电池电解质薄膜", field="新材料"),
        "cathode": make_listing("achievement", university, title="锂电池正极材料包覆", field="新能源与节能"),
        "demand": make_listing("demand", enterprise, title="寻求动力电池回收技术", field="新材料"),
        "sem": make_listing("equipment", university),
        "university": university,
    }
    return made


def test_results_have_tabs_with_counts_per_kind(client, catalogue):
    status, html = page(client, q="电池")
    assert status == 200 and hits(html) == 3
    assert re.search(r"成果\s*<span[^>]*>\s*2\s*</span>", html)
    assert re.search(r"需求\s*<span[^>]*>\s*1\s*</span>", html)
    assert not re.search(r"设备\s*<span", html)
    status, html = page(client, q="电池", kind="demand")
    assert status == 200 and hits(html) == 1 and "寻求动力电池回收技术" in unmarked(html)


def test_facets_count_fields_and_regions_and_filter(client, catalogue):
    _, html = page(client, q="电池")
    assert re.search(r">新材料</a>\s*<span[^>]*>\(2\)", html)
    assert re.search(r">新能源与节能</a>\s*<span[^>]*>\(1\)", html)
    assert re.search(r">沣西</a>\s*<span[^>]*>\(1\)", html)
    status, html = page(client, q="电池", field="新材料")
    assert status == 200 and hits(html) == 2 and "锂电池正极材料包覆" not in html


def test_highlights_are_escaped_except_the_marks(client, make_user, make_listing, db):
    listing = make_listing("achievement", make_user("university"), title="占位标题")
    listing.title = "<script>alert(1)</script>正极材料"
    listing.summary = '<img src=x onerror="alert(2)">高镍正极材料'
    db.session.commit()
    indexing.drain()
    _, html = page(client, q="正极材料")
    assert hits(html) == 1
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<mark>正极材料</mark>" in html
    assert "<mark>正极材料</mark>" in html.split("&lt;img", 1)[1]


def test_no_results_show_an_empty_state_with_advice(client, catalogue):
    status, html = page(client, q="量子引力波探测")
    assert status == 200 and hits(html) == 0
    assert "没有找到相关结果" in html and "试试" in html


def test_partial_matches_are_labelled(client, catalogue):
    status, html = page(client, q="固态电池 量子引力")
    assert status == 200 and hits(html) >= 1 and "部分关键词" in html


def test_partial_matches_follow_the_full_match_on_one_page(client, make_user, make_listing):
    owner = make_user("university")
    make_listing("achievement", owner, title="碳纤维原丝制备", summary="原丝。", keywords=[])
    make_listing("achievement", owner, title="碳纤维复合材料壳体", summary="壳体。", keywords=[])
    make_listing("achievement", owner, title="树脂基复合材料", summary="树脂。", keywords=[])
    _, html = page(client, q="碳纤维复合材料")
    titles = re.findall(r'data-testid="hit">.*?<a[^>]*>(.*?)</a>', html, re.S)
    assert [unmarked(t) for t in titles][0] == "碳纤维复合材料壳体" and len(titles) == 3
    assert "共找到 3 条结果" in html and "部分关键词" not in html


def test_synonyms_searched_and_did_you_mean_are_shown(client, make_user, make_listing):
    make_listing(
        "achievement", make_user("university"), title="植保无人机自主避障", summary="避障。", keywords=[]
    )
    _, html = page(client, q="UAV")
    assert hits(html) == 1 and "同时搜索了：无人机、无人驾驶航空器、无人飞行器（UAV）" in html
    assert "您是不是要找：" in html and "q=%E6%97%A0%E4%BA%BA%E6%9C%BA" in html  # 无人机


def test_a_result_found_by_meaning_alone_is_labelled(client, make_user, make_listing):
    from tests.matching_support import LOW_TEMPERATURE, PLAIN_WORDS, embed_published

    make_listing("achievement", make_user("university"), **LOW_TEMPERATURE)
    embed_published()
    _, html = page(client, q=PLAIN_WORDS)
    assert hits(html) == 1 and "低温型锂离子电池电解液添加剂" in html and "意思相近" in html
    _, html = page(client, q=PLAIN_WORDS, sort="date")  # newest first lists the words' matches only
    assert hits(html) == 0


@pytest.mark.parametrize(
    "params, field",
    [
        ({"min": "abc"}, "金额"),
        ({"max": "-5"}, "金额"),
        ({"kind": "spaceship"}, "类型"),
        ({"sort": "price"}, "排序"),
    ],
)
def test_bad_filters_are_a_422_in_chinese(client, catalogue, params, field):
    status, html = page(client, q="电池", **params)
    assert status == 422
    assert field in html and 'class="alert alert-danger"' in html


@pytest.mark.parametrize("q", NASTY)
def test_odd_queries_never_give_a_500(client, catalogue, q):
    status, html = page(client, q=q)
    assert status == 200, html[:500]
    assert "<script>alert(1)</script>" not in html


def test_a_long_paste_says_it_was_cut(client, catalogue):
    status, html = page(client, q="电池" * 300)
    assert status == 200 and "过长" in html


@pytest.fixture
def draft(make_user, make_listing):
    owner = make_user("university")
    return owner, make_listing("achievement", owner, submit=False, title="保密中的钙钛矿草稿")


def test_drafts_are_hidden_from_visitors_and_other_organisations(client, draft, make_user, login):
    _, html = page(client, q="钙钛矿")
    assert "保密中的钙钛矿草稿" not in html and hits(html) == 0
    login(make_user("university"))
    _, html = page(client, q="钙钛矿")
    assert "保密中的钙钛矿草稿" not in html and hits(html) == 0


@pytest.mark.parametrize("who", ["owner", "colleague", "admin"])
def test_drafts_are_shown_to_their_organisation_and_admins(client, draft, make_user, login, who):
    owner, listing = draft
    user = {
        "owner": lambda: owner,
        "colleague": lambda: make_user("university", org=owner.organisation),
        "admin": lambda: make_user("admin"),
    }[who]()
    login(user)
    _, html = page(client, q="钙钛矿")
    html = unmarked(html)
    assert "保密中的钙钛矿草稿" in html and hits(html) == 1
    assert f"/achievements/{listing.id}" in html
    assert re.search(
        r"保密中的钙钛矿草稿</a>\s*<span[^>]*>草稿</span>", html
    )  # labelled as a draft, in Chinese


def test_reindex_prints_how_many_documents_it_wrote(app, catalogue):
    result = app.test_cli_runner().invoke(args=["market", "reindex"])
    assert result.exit_code == 0, result.output
    assert "已索引 4 条" in result.output


def test_index_status_prints_pending_rows_and_documents_per_kind(app, catalogue, worker_off):
    update_listing(
        catalogue["university"],
        "achievement",
        catalogue["solid"].id,
        {"title": "固态电池电解质二代"},
        partial=True,
    )
    result = app.test_cli_runner().invoke(args=["market", "index-status"])
    assert result.exit_code == 0, result.output
    assert int(re.search(r"待索引: (\d+)", result.output).group(1)) > 0
    for kind, count in {"achievement": 2, "demand": 1, "equipment": 1, "policy": 0, "broker": 0}.items():
        assert re.search(rf"{kind}: {count}\b", result.output), result.output
    indexing.drain()
    assert "待索引: 0" in app.test_cli_runner().invoke(args=["market", "index-status"]).output


def test_the_date_filter_keeps_listings_published_in_the_range(client, db, catalogue):
    from datetime import datetime, timezone

    old = catalogue["solid"]
    old.published_at = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
    db.session.commit()
    indexing.drain()
    _, html = page(client, q="电池", date_from="2026-01-01")
    assert "固态电池电解质薄膜" not in unmarked(html) and "锂电池正极材料包覆" in unmarked(html)
    _, html = page(client, q="电池", date_from="2025-03-01", date_to="2025-03-01")
    assert hits(html) == 1 and "固态电池电解质薄膜" in unmarked(html)
    status, html = page(client, q="电池", date_from="2025-13-40")
    assert status == 422 and "日期" in html  # a clear message, not a 500
