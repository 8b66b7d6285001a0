"""What every search engine behind market.search must do, run against each engine we ship."""

import html
import re
import time
from datetime import datetime, timedelta, timezone

import pytest

from market.search import analysis
from market.search.base import (
    EVERY_WORD,
    NO_WORDS,
    SOME_WORDS,
    IndexBusy,
    SearchDocument,
    SearchRequest,
    SearchResult,
)
from market.search.whoosh_backend import WhooshBackend
from tests.search.support import tolerate_leaked_files

WAN = 10000 * 100  # fen in 1万元


@pytest.fixture(params=["memory", "disk"])
def engine(request, tmp_path):
    engine = WhooshBackend(None) if request.param == "memory" else WhooshBackend(str(tmp_path / "search"))
    engine.rebuild([], cursor=0)  # what ensure_index_ready does for a new host
    return engine


def doc(object_id, title, kind="achievement", **values) -> SearchDocument:
    return SearchDocument(kind=kind, object_id=object_id, title=title, **values)


def put(engine, *documents, cursor=None):
    with engine.writer() as writer:
        for document in documents:
            writer.upsert(document)
        if cursor is not None:
            writer.cursor = cursor


def ids(result: SearchResult) -> list[int]:
    return [hit.object_id for hit in result.hits]


def find(engine, q="", **values) -> SearchResult:
    return engine.search(SearchRequest(q=q, **values))


def test_an_upserted_document_is_found(engine):
    put(engine, doc(1, "高镍三元正极材料表面包覆改性技术", body="原子层沉积包覆氧化铝"))
    result = find(engine, "正极材料")
    assert ids(result) == [1] and result.total == 1
    assert result.hits[0].kind == "achievement" and result.hits[0].title == "高镍三元正极材料表面包覆改性技术"
    assert ids(find(engine, "氧化铝")) == [1]


def test_an_update_replaces_the_document(engine):
    put(engine, doc(1, "固态电解质薄膜制备"))
    put(engine, doc(1, "钠离子电池负极材料"))
    assert ids(find(engine, "固态电解质")) == []
    assert ids(find(engine, "钠离子电池")) == [1]
    assert find(engine).total == 1 and engine.counts()["achievement"] == 1


def test_the_same_id_of_another_kind_is_another_document(engine):
    put(engine, doc(1, "锂电池正极材料"), doc(1, "锂电池正极材料需求", kind="demand"))
    assert sorted(hit.kind for hit in find(engine, "锂电池").hits) == ["achievement", "demand"]


def test_a_deleted_document_is_gone(engine):
    put(engine, doc(1, "碳化硅功率器件"), doc(2, "碳化硅衬底切割"))
    with engine.writer() as writer:
        writer.delete("achievement", 1)
    assert ids(find(engine, "碳化硅")) == [2]


def test_a_failed_write_changes_nothing(engine):
    put(engine, doc(1, "碳化硅功率器件"), cursor=3)
    with pytest.raises(RuntimeError):
        with engine.writer() as writer:
            writer.upsert(doc(2, "碳化硅衬底切割"))
            writer.cursor = 9
            raise RuntimeError("database went away")
    assert ids(find(engine, "碳化硅")) == [1] and engine.read_cursor() == 3


def test_a_second_writer_gets_index_busy(engine):
    with engine.writer():
        started = time.monotonic()
        with pytest.raises(IndexBusy):
            with engine.writer(timeout=0.2):
                pass
        assert time.monotonic() - started < 3
    put(engine, doc(1, "锁释放后可以写入"))  # the lock was released
    assert ids(find(engine, "写入")) == [1]


@pytest.mark.parametrize("q", ['"正极材料"', "“正极材料”", "「正极材料」"])
def test_a_quoted_phrase_needs_the_words_together(engine, q):
    put(engine, doc(1, "锂电池正极材料循环寿命"), doc(2, "正极的界面研究", body="对比了五种导电材料"))
    assert ids(find(engine, q)) == [1]


def test_a_phrase_of_several_words_uses_word_positions(engine):
    put(engine, doc(1, "锂电池正极材料循环寿命"), doc(2, "锂电池负极与正极材料对比"))
    assert sorted(ids(find(engine, "锂电池 正极材料"))) == [1, 2]
    assert ids(find(engine, '"锂电池正极材料"')) == [1]
    assert ids(find(engine, '"锂电池 正极材料"')) == [1]


def test_documents_with_every_word_come_before_those_with_some(engine):
    put(engine, doc(1, "正极材料包覆"), doc(2, "光子芯片封装"), doc(3, "正极材料检测芯片"))
    result = find(engine, "正极材料 芯片")
    assert ids(result)[0] == 3 and sorted(ids(result)[1:]) == [1, 2] and not result.relaxed
    assert result.total == 3 and result.facets["kind"] == {"achievement": 3}


def test_a_partial_match_stays_below_a_full_match_however_often_it_repeats_a_word(engine):
    put(
        engine,
        doc(1, "碳纤维 碳纤维 碳纤维", body="碳纤维 " * 20),
        doc(2, "碳纤维复合材料壳体", body="很长的说明 " * 30),
    )
    assert ids(find(engine, "碳纤维复合材料")) == [2, 1]


def test_sorted_by_date_only_documents_with_every_word_are_listed(engine):
    put(engine, doc(1, "正极材料包覆"), doc(2, "光子芯片封装"), doc(3, "正极材料检测芯片"))
    result = find(engine, "正极材料 芯片", sort="date")
    assert ids(result) == [3] and result.total == 1 and not result.relaxed


def test_when_no_document_has_every_word_partial_matches_are_shown_and_flagged(engine):
    put(engine, doc(1, "正极材料包覆"), doc(2, "光子芯片封装"), doc(3, "生物医药中试"))
    result = find(engine, "正极材料 芯片")
    assert result.relaxed and sorted(ids(result)) == [1, 2] and result.total == 2
    assert not find(engine, "正极材料").relaxed


def test_nothing_found_is_an_empty_result_not_relaxed(engine):
    put(engine, doc(1, "正极材料包覆"))
    result = find(engine, "量子计算")
    assert result.hits == [] and result.total == 0 and not result.relaxed


def test_kinds_filter_and_kind_facet(engine):
    put(
        engine,
        doc(1, "氢燃料电池电堆"),
        doc(2, "氢燃料电池催化剂需求", kind="demand"),
        doc(3, "燃料电池测试台", kind="equipment"),
        doc(4, "氢能产业扶持政策", kind="policy"),
    )
    assert find(engine, "燃料电池").facets["kind"] == {"achievement": 1, "demand": 1, "equipment": 1}
    assert ids(find(engine, "燃料电池", kinds=("demand",))) == [2]
    assert sorted(ids(find(engine, "燃料电池", kinds=("demand", "equipment")))) == [2, 3]
    assert ids(find(engine, kinds=("policy",))) == [4]


def test_field_and_region_facets_count_the_matches_and_filter(engine):
    put(
        engine,
        doc(1, "储能电池管理", field="新能源与节能", region="沣东"),
        doc(2, "动力电池回收", field="新能源与节能", region="沣西"),
        doc(3, "电池隔膜材料", field="新材料", region="沣东"),
        doc(4, "光刻胶配方", field="新材料", region="沣东"),
    )
    result = find(engine, "电池")
    assert result.facets["field"] == {"新能源与节能": 2, "新材料": 1}
    assert result.facets["region"] == {"沣东": 2, "沣西": 1}
    filtered = find(engine, "电池", filters={"region": "沣东"})
    assert sorted(ids(filtered)) == [1, 3] and filtered.facets["field"] == {"新能源与节能": 1, "新材料": 1}
    assert ids(find(engine, "电池", filters={"field": "新材料", "region": "沣东"})) == [3]


def test_drafts_are_seen_only_by_admins_and_their_organisation(engine):
    put(
        engine,
        doc(1, "已发布的固态电池", org_id=7),
        doc(2, "草稿中的固态电池", status="draft", org_id=7),
        doc(3, "已撤回的固态电池", status="withdrawn", org_id=8),
    )
    assert ids(find(engine, "固态电池")) == [1]
    assert sorted(ids(find(engine, "固态电池", all_statuses=True))) == [1, 2, 3]
    assert sorted(ids(find(engine, "固态电池", also_org_id=7))) == [1, 2]
    assert sorted(ids(find(engine, "固态电池", also_org_id=8))) == [1, 3]
    assert ids(find(engine, "固态电池", also_org_id=9)) == [1]
    assert ids(find(engine, "草稿")) == [] and find(engine).total == 1
    assert "draft" not in find(engine, "固态电池").facets.get("status", {})


def test_amount_filters_match_overlapping_ranges(engine):
    put(
        engine,
        doc(1, "电池需求甲", kind="demand", amount_min=50 * WAN, amount_max=200 * WAN),
        doc(2, "电池需求乙", kind="demand", amount_min=300 * WAN, amount_max=500 * WAN),
        doc(3, "电池成果丙", amount_min=150 * WAN, amount_max=150 * WAN),
    )
    assert sorted(ids(find(engine, "电池", amount_min=100 * WAN, amount_max=250 * WAN))) == [1, 3]
    assert ids(find(engine, "电池", amount_min=400 * WAN)) == [2]
    assert sorted(ids(find(engine, "电池", amount_max=60 * WAN))) == [1]
    assert sorted(ids(find(engine, "电池", amount_min=200 * WAN, amount_max=300 * WAN))) == [1, 2]
    assert ids(find(engine, "电池", amount_min=600 * WAN)) == []


def test_sorting_by_date_puts_the_newest_first(engine):
    day = datetime(2026, 3, 1, tzinfo=timezone.utc)
    put(
        engine,
        doc(1, "电池 电池 电池 较早", date=day),
        doc(2, "电池 最新", date=day + timedelta(days=9)),
        doc(3, "电池 中间", date=day + timedelta(days=3)),
    )
    assert ids(find(engine, "电池", sort="date")) == [2, 3, 1]
    assert ids(find(engine)) == [2, 3, 1]  # browsing without words: newest first
    assert ids(find(engine, "电池", date_from=day + timedelta(days=1))) != []
    assert sorted(ids(find(engine, "电池", date_from=day + timedelta(days=1)))) == [2, 3]


def test_pages_carry_the_total(engine):
    put(
        engine,
        *[
            doc(
                n,
                f"钙钛矿光伏组件第{n}号",
                date=datetime(2026, 1, 1, tzinfo=timezone.utc) + timedelta(hours=n),
            )
            for n in range(1, 26)
        ],
    )
    first = find(engine, "钙钛矿", per_page=10)
    last = find(engine, "钙钛矿", per_page=10, page=3)
    assert (first.total, len(first.hits), first.page) == (25, 10, 1)
    assert (last.total, len(last.hits), last.page) == (25, 5, 3)
    seen = set()
    for page in (1, 2, 3):
        seen |= set(ids(find(engine, "钙钛矿", per_page=10, page=page, sort="date")))
    assert seen == set(range(1, 26))


def _unmarked(fragment: str) -> str:
    return html.unescape(fragment.replace("<mark>", "").replace("</mark>", ""))


def test_highlights_mark_matches_and_escape_everything_else(engine):
    title = "<script>alert(1)</script>正极材料"
    body = '<img src=x onerror="alert(2)"> 采用正极材料 & 电解液 <b>联合</b>优化'
    put(engine, doc(1, title, body=body))
    [hit] = find(engine, "正极材料").hits
    assert hit.highlights["title"] == "&lt;script&gt;alert(1)&lt;/script&gt;<mark>正极材料</mark>"
    snippet = hit.highlights["body"]
    assert "<mark>正极材料</mark>" in snippet
    for fragment in hit.highlights.values():
        assert "<script" not in fragment and "<img" not in fragment and "<b>" not in fragment
        assert re.sub(r"</?mark>", "", fragment).count("<") == 0
    assert _unmarked(hit.highlights["title"]) == title
    assert _unmarked(snippet).strip("…") in body


def test_highlights_keep_the_whole_title(engine):
    title = "【揭榜挂帅】“锂电池”正极材料（中试）。"
    put(engine, doc(1, title))
    [hit] = find(engine, "正极材料").hits
    assert _unmarked(hit.highlights["title"]) == title and "<mark>" in hit.highlights["title"]
    [hit] = find(engine).hits
    assert hit.highlights["title"] == html.escape(title)


# ---- the words people mean ------------------------------------------------------------------------------


def test_a_listed_synonym_is_found_below_the_word_itself(engine):
    put(engine, doc(1, "锂离子电池热失控预警"), doc(2, "锂电池热失控预警"), doc(3, "钠离子电池"))
    result = find(engine, "锂电池")
    assert ids(result) == [2, 1] and result.synonyms == {"锂电池": ["锂离子电池", "锂电"]}
    assert "<mark>锂离子电池</mark>" in result.hits[1].highlights["title"]


def test_a_rare_spelling_does_not_outrank_the_word_typed(engine):
    put(
        engine,
        doc(1, "锂电产线改造"),
        *[doc(n, f"锂电池第{n}代", body="循环寿命 " * 8) for n in range(2, 12)],
    )
    assert ids(find(engine, "锂电池"))[-1] == 1


@pytest.mark.parametrize("q", ["UAV", "uav", "无人驾驶航空器", "无人机"])
def test_abbreviations_and_full_names_find_each_other(engine, q):
    put(
        engine,
        doc(1, "植保无人机自主避障"),
        doc(2, "UAV集群通信", body="无人驾驶航空器"),
        doc(3, "航空器维修"),
    )
    assert sorted(ids(find(engine, q))[:2]) == [1, 2]


def test_an_ambiguous_abbreviation_finds_its_term_but_is_never_added(engine):
    put(engine, doc(1, "增强现实眼镜光学模组"), doc(2, "Ar气保护焊接工艺"))
    assert ids(find(engine, "增强现实")) == [1]
    assert 1 in ids(find(engine, "AR"))


def test_the_words_of_a_listed_term_are_partial_matches_of_it(engine):
    put(
        engine,
        doc(1, "碳纤维原丝制备"),
        doc(2, "树脂基复合材料"),
        doc(3, "碳纤维复合材料壳体"),
        doc(4, "光伏支架"),
    )
    result = find(engine, "碳纤维复合材料")
    assert (
        ids(result)[0] == 3 and sorted(ids(result)) == [1, 2, 3] and result.total == 3 and not result.relaxed
    )


def test_a_lone_character_alone_does_not_make_a_partial_match(engine):
    put(engine, doc(1, "锂矿尾渣回收"), doc(2, "污水回收利用"), doc(3, "锂矿开采"))
    result = find(engine, "锂 回收")
    assert ids(result) == [1, 2] and result.total == 2


def test_a_word_in_most_of_a_large_catalogue_makes_no_partial_match_alone(engine):
    put(
        engine,
        *[doc(n, f"技术服务第{n}号") for n in range(1, 601)],
        doc(601, "技术 一体化流程"),
        doc(602, "一体化流程设计"),
    )
    result = find(engine, "技术 一体化流程")
    assert ids(result) == [601, 602] and result.total == 2 and not result.relaxed
    result = find(engine, "技术 服务")  # every word common: the listings with all of them, as before
    assert result.total == 600 and not result.relaxed


def test_a_query_of_only_synonyms_and_stop_words_never_fails(engine):
    put(engine, doc(1, "锂离子电池"))
    assert ids(find(engine, "锂电池 锂电 锂离子电池 的 和")) == [1]


@pytest.mark.parametrize(
    "q, meant",
    [
        ("石墨稀", "石墨烯"),
        ("石墨稀导热膜", "石墨烯导热膜"),
        ("光刻胶 石墨稀", "光刻胶 石墨烯"),
        ("grapheme", "graphene"),
    ],
)
def test_did_you_mean_corrects_a_near_miss(engine, q, meant):
    put(engine, doc(1, "石墨烯导热膜", body="graphene"), doc(2, "石墨烯光刻胶"))
    assert find(engine, q).correction == meant


def test_did_you_mean_offers_no_guess_that_finds_nothing(engine):
    put(engine, doc(1, "光动力治疗仪"), doc(2, "磁热效应材料"), doc(3, "心理治疗者培训"))
    assert find(engine, "光动力治疗 磁热效应").correction is None


def test_did_you_mean_offers_the_indexed_synonym_of_a_word_no_listing_has(engine):
    put(engine, doc(1, "植保无人机自主避障"))
    result = find(engine, "UAV")
    assert ids(result) == [1] and result.correction == "无人机"


@pytest.mark.parametrize("q", ["石墨烯", "钠离子电池", "石墨 烯"])
def test_did_you_mean_leaves_words_alone_that_listings_have(engine, q):
    put(engine, doc(1, "石墨烯导热膜"), doc(2, "钠离子电池正极"), doc(3, "锂离子电池"))
    assert find(engine, q).correction is None


# ---- candidates found by meaning ----------------------------------------------------------------------


def test_candidates_match_without_the_words_after_every_document_with_them(engine):
    put(
        engine,
        doc(1, "锂电池回收"),
        doc(2, "废旧动力蓄电池梯次利用", field="新能源与节能"),
        doc(3, "锂电池隔膜"),
        doc(4, "小麦育种"),
    )
    result = find(engine, "锂电池", candidates=("achievement:2", "achievement:3"), window=10)
    assert ids(result)[:2] in ([1, 3], [3, 1]) and ids(result)[2] == 2 and result.total == 3
    assert result.facets["field"] == {"新能源与节能": 1} and not result.by_meaning
    tiers = {ranked.key: ranked.tier for ranked in result.ranking}
    assert tiers == {"achievement:1": EVERY_WORD, "achievement:3": EVERY_WORD, "achievement:2": NO_WORDS}


def test_candidates_obey_the_filters_and_visibility(engine):
    put(
        engine,
        doc(1, "锂电池回收", org_id=7),
        doc(2, "废旧蓄电池梯次利用", status="draft", org_id=8),
        doc(3, "蓄电池回收需求", kind="demand", org_id=7),
    )
    wanted = ("achievement:2", "demand:3", "achievement:404")
    assert sorted(ids(find(engine, "锂电池", candidates=wanted))) == [1, 3]
    assert ids(find(engine, "锂电池", candidates=wanted, kinds=("achievement",))) == [1]
    assert sorted(ids(find(engine, "锂电池", candidates=wanted, also_org_id=8))) == [1, 2, 3]
    result = find(engine, "锂电池", candidates=wanted, kinds=("achievement",), window=5)
    assert [ranked.key for ranked in result.ranking] == ["achievement:1"]


def test_only_candidates_found_is_said_so(engine):
    put(engine, doc(1, "废旧蓄电池梯次利用"), doc(2, "小麦育种"))
    result = find(engine, "锂电池", candidates=("achievement:1",))
    assert ids(result) == [1] and result.by_meaning and not result.relaxed


def test_the_ranking_window_gives_tiers_and_places_and_candidates_beyond_it(engine):
    put(engine, doc(1, "碳纤维复合材料"), doc(2, "碳纤维原丝"), doc(3, "复合材料检测"), doc(4, "碳纤维"))
    result = find(engine, "碳纤维 复合材料", candidates=("achievement:3",), window=1)
    assert [(r.key, r.tier, r.position) for r in result.ranking] == [
        ("achievement:1", EVERY_WORD, 0),
        ("achievement:3", SOME_WORDS, None),
    ]
    result = find(engine, "碳纤维 复合材料", window=4)
    assert [r.position for r in result.ranking] == [0, 1, 2, 3] and result.ranking[0].score > result.ranking[
        1
    ].score
    assert {r.tier for r in result.ranking[1:]} == {SOME_WORDS} and result.total == 4
    assert find(engine, "碳纤维 复合材料").ranking == []


def test_fetch_gives_hits_in_the_order_asked_highlighted_and_filtered(engine):
    put(engine, doc(1, "<b>锂离子电池</b>隔膜"), doc(2, "小麦育种"), doc(3, "锂电池草稿", status="draft"))
    hits = engine.fetch(
        SearchRequest(q="锂电池"), ["achievement:2", "achievement:1", "achievement:3", "nope:1"]
    )
    assert [hit.object_id for hit in hits] == [2, 1]
    assert hits[1].highlights["title"] == "&lt;b&gt;<mark>锂离子电池</mark>&lt;/b&gt;隔膜"
    assert hits[0].highlights["title"] == "小麦育种"


NASTY = [
    '"正极材料',
    '正极材料"',
    '"""',
    "AND",
    "OR",
    "NOT",
    "正极 AND",
    "OR 材料",
    "NOT 正极",
    "*",
    "?",
    "~",
    "^",
    ":",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "正极*",
    "正?极",
    "正极~2",
    "正极^3",
    "title:正极",
    "status:draft",
    "(正极 OR",
    "[a TO z]",
    "{1 TO}",
    "AND OR NOT * ? ~ ^ : ( ) [ ] { }",
    "😀",
    "🔋电池😀",
    "'; DROP TABLE listings; --",
    "1' OR '1'='1",
    "<script>alert(1)</script>",
    "<b>正极</b>",
    "",
    "   ",
    "\t\n",
    "\x00正极",
    "\\",
    "正极\\",
    "/正极/",
    "+正极 -材料",
    "&&",
    "||",
    "!",
    "％",
    "ＡＮＤ",
    "“正极",
    "「」",
]


@pytest.mark.parametrize("q", NASTY)
def test_odd_queries_never_raise(engine, q):
    put(engine, doc(1, "锂电池正极材料", body="正极 材料 title status draft"), doc(2, "草稿", status="draft"))
    result = find(engine, q)
    assert isinstance(result, SearchResult) and result.total == len(result.hits) <= 2
    assert 2 not in ids(result)
    find(engine, q, sort="date", kinds=("achievement",), page=2)


def test_a_long_paste_is_cut_with_a_notice(engine):
    put(engine, doc(1, "锂电池正极材料"))
    paste = "锂电池正极材料" + "的" * 493
    result = find(engine, paste)
    assert len(paste) == 500
    assert result.notice and re.search(r"[\u4e00-\u9fff]", result.notice)
    assert ids(result) == [1]
    assert find(engine, "正极材料").notice is None


def test_rebuild_replaces_everything_and_sets_the_cursor(engine):
    put(engine, doc(1, "旧的石墨烯导热膜"), cursor=5)
    count = engine.rebuild([doc(2, "新的石墨烯散热片"), doc(3, "量子点显示", kind="demand")], cursor=42)
    assert count == 2
    assert ids(find(engine, "石墨烯")) == [2] and engine.read_cursor() == 42
    assert engine.counts()["demand"] == 1
    put(engine, doc(4, "石墨烯涂层"))
    assert engine.read_cursor() == 42  # a write keeps the cursor it is not told to move
    assert sorted(ids(find(engine, "石墨烯"))) == [2, 4]


def test_searches_during_a_rebuild_see_the_old_index(engine):
    put(engine, doc(1, "旧的石墨烯导热膜"), cursor=5)
    seen = []

    def documents():
        yield doc(2, "新的石墨烯散热片")
        seen.append((ids(find(engine, "石墨烯")), engine.read_cursor()))
        yield doc(3, "新的石墨烯涂层")

    engine.rebuild(documents(), cursor=9)
    assert seen == [([1], 5)]
    assert sorted(ids(find(engine, "石墨烯"))) == [2, 3]


def test_a_failed_rebuild_keeps_the_old_index(engine):
    put(engine, doc(1, "旧的石墨烯导热膜"), cursor=5)

    def documents():
        yield doc(2, "新的石墨烯散热片")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        engine.rebuild(documents(), cursor=9)
    assert ids(find(engine, "石墨烯")) == [1] and engine.read_cursor() == 5


# ---- the on-disk index ---------------------------------------------------------------------------------


def test_the_cursor_and_documents_survive_reopening(tmp_path):
    path = str(tmp_path / "search")
    first = WhooshBackend(path)
    first.rebuild([doc(1, "碳化硅功率器件")], cursor=3)
    put(first, doc(2, "碳化硅衬底"), cursor=17)
    again = WhooshBackend(path)
    assert again.is_healthy() and again.read_cursor() == 17
    assert sorted(ids(find(again, "碳化硅"))) == [1, 2]


def test_another_process_sees_writes_and_rebuilds(tmp_path):
    path = str(tmp_path / "search")
    writer_side, reader_side = WhooshBackend(path), WhooshBackend(path)
    writer_side.rebuild([doc(1, "碳化硅功率器件")], cursor=1)
    assert ids(find(reader_side, "碳化硅")) == [1]
    put(writer_side, doc(2, "碳化硅衬底"), cursor=2)
    assert sorted(ids(find(reader_side, "碳化硅"))) == [1, 2] and reader_side.read_cursor() == 2
    writer_side.rebuild([doc(3, "碳化硅外延")], cursor=3)
    assert ids(find(reader_side, "碳化硅")) == [3] and reader_side.read_cursor() == 3


def test_rebuilds_keep_one_previous_directory_at_most(tmp_path):
    engine = WhooshBackend(str(tmp_path / "search"))
    for n in range(4):
        engine.rebuild([doc(n, "碳化硅")], cursor=n)
    assert len(list((tmp_path / "search").glob("index-*"))) <= 2
    assert ids(find(engine, "碳化硅")) == [3]


@tolerate_leaked_files
def test_a_missing_index_is_unhealthy(tmp_path):
    assert not WhooshBackend(str(tmp_path / "never-built")).is_healthy()
    engine = WhooshBackend(str(tmp_path / "search"))
    engine.rebuild([doc(1, "碳化硅")], cursor=1)
    assert engine.is_healthy()
    for directory in (tmp_path / "search").glob("index-*"):
        for file in directory.iterdir():
            file.unlink()
        directory.rmdir()
    assert not WhooshBackend(str(tmp_path / "search")).is_healthy()
    assert not engine.is_healthy()


def _garble(data: bytes) -> bytes:
    return bytes(b ^ 0x5A if i % 3 == 0 else b for i, b in enumerate(data))


@tolerate_leaked_files
@pytest.mark.parametrize(
    "damage",
    [lambda data: data[: len(data) // 3], lambda data: b"", _garble],
    ids=["truncated", "emptied", "garbled"],
)
@pytest.mark.parametrize("pattern", ["*.seg", "*.toc"])
def test_a_corrupt_index_is_unhealthy(tmp_path, damage, pattern):
    path = str(tmp_path / "search")
    WhooshBackend(path).rebuild(
        [doc(n, f"碳化硅功率器件{n}", body="沟槽栅 " * 50) for n in range(50)], cursor=1
    )
    assert WhooshBackend(path).is_healthy()
    files = list((tmp_path / "search" / "current").glob(pattern))
    assert files
    for file in files:
        file.write_bytes(damage(file.read_bytes()))
    assert not WhooshBackend(path).is_healthy()


def test_an_index_built_with_another_dictionary_is_unhealthy(tmp_path, monkeypatch):
    path = str(tmp_path / "search")
    WhooshBackend(path).rebuild([doc(1, "碳化硅")], cursor=1)
    copy = tmp_path / "userdict.txt"
    copy.write_bytes(analysis.USER_DICT.read_bytes() + "数智孪生 2000 n\n".encode())
    monkeypatch.setattr(analysis, "USER_DICT", copy)
    assert not WhooshBackend(path).is_healthy()
    rebuilt = WhooshBackend(path)
    rebuilt.rebuild([doc(1, "碳化硅")], cursor=1)
    assert rebuilt.is_healthy()


def test_a_rebuild_in_two_processes_finds_the_same_documents(tmp_path):
    documents = [
        doc(
            n,
            f"碳化硅功率器件第{n}代",
            body="高压大电流" if n % 2 else "射频前端",
            field="电子信息",
            org_id=n % 3,
            status="published",
        )
        for n in range(1, 401)
    ]
    single, parallel = WhooshBackend(str(tmp_path / "one")), WhooshBackend(str(tmp_path / "two"))
    assert (
        single.rebuild(iter(documents), cursor=7)
        == parallel.rebuild(iter(documents), cursor=7, processes=2)
        == 400
    )
    for q in ("碳化硅", "高压", '"射频前端"', "功率器件 大电流"):
        one, two = find(single, q, per_page=500), find(parallel, q, per_page=500)
        assert one.total == two.total > 0 and sorted(ids(one)) == sorted(ids(two))
        assert one.facets == two.facets
    assert parallel.read_cursor() == 7 and parallel.is_healthy() and parallel.counts()["achievement"] == 400
    put(parallel, doc(401, "碳化硅衬底"))
    assert find(parallel, "碳化硅").total == 401


def test_an_index_built_with_another_schema_is_unhealthy(tmp_path, monkeypatch):
    from market.search import whoosh_backend

    path = str(tmp_path / "search")
    WhooshBackend(path).rebuild([doc(1, "碳化硅")], cursor=1)
    monkeypatch.setattr(whoosh_backend, "SCHEMA_VERSION", whoosh_backend.SCHEMA_VERSION + 1)
    assert not WhooshBackend(path).is_healthy()


def test_a_rebuild_waiting_for_another_skips_the_work_when_the_index_is_healthy(tmp_path):
    path = str(tmp_path / "search")
    WhooshBackend(path).rebuild([doc(1, "碳化硅")], cursor=1)

    def never_read():
        raise AssertionError("the documents were read although the index was already rebuilt")
        yield  # pragma: no cover

    assert WhooshBackend(path).rebuild(never_read(), cursor=2, unless_healthy=True) == 0
    assert WhooshBackend(path).read_cursor() == 1
    assert (
        WhooshBackend(path).rebuild([doc(2, "碳化硅衬底")], cursor=3) == 1
    )  # an explicit reindex always runs


def test_similar_ranks_by_the_distinctive_words_of_a_long_text(engine):
    filler = "本项目面向企业需求，开展技术研究与应用推广，具有良好的经济效益和社会效益。"
    put(
        engine,
        doc(1, "钙钛矿叠层太阳电池", body=f"{filler}钙钛矿 叠层 钝化", status="published"),
        doc(2, "企业技术应用推广", body=filler, status="published"),
        doc(3, "钙钛矿叠层组件封装", body="钙钛矿 叠层", status="draft"),
        doc(4, "钙钛矿叠层电池需求", kind="demand", body="钙钛矿 叠层", status="published"),
        *[doc(10 + n, f"通用技术成果{n}", body=filler, status="published") for n in range(40)],
    )
    text = f"寻找钙钛矿叠层电池的钝化技术。{filler}"
    hits = engine.similar("achievement", text, limit=5)
    assert hits[0].object_id == 1  # shares the rare words; the long common text decides nothing
    assert 3 not in [hit.object_id for hit in hits] and all(hit.kind == "achievement" for hit in hits)
    assert engine.similar("achievement", "！？。", limit=5) == []
    assert engine.similar("achievement", "从未出现过的词语组合甲乙丙", limit=5) == []


def test_document_frequencies_count_the_documents_that_use_each_word(engine):
    put(
        engine,
        doc(1, "钙钛矿叠层太阳电池", body="钝化 技术"),
        doc(2, "钙钛矿组件", body="封装 技术"),
        doc(3, "水稻育种", kind="demand", body="盐碱地 技术"),
    )
    total, frequencies = engine.document_frequencies(["钙钛矿", "技术", "钝化", "石墨烯"])
    assert total == 3
    assert frequencies == {"钙钛矿": 2, "技术": 3, "钝化": 1, "石墨烯": 0}
