"""The synonym list (market/search/synonyms.txt) and how a query's words are matched against it."""

import re

import pytest

from market.search.analysis import query_words
from market.search.synonyms import SYNONYMS_FILE, Span, Thesaurus, parse_groups, thesaurus

FIELDS_COVERED = {  # a term of each field the market covers, as users write it
    "新材料": "碳纤维",
    "生物医药": "单克隆抗体",
    "高端装备": "工业机器人",
    "电子信息": "集成电路",
    "新能源": "锂电池",
    "氢能": "电解水制氢",
    "光子": "光纤通信",
    "航空航天": "航空发动机",
    "现代农业": "水肥一体化",
    "环境保护": "挥发性有机物",
}


@pytest.fixture(scope="module")
def groups():
    with SYNONYMS_FILE.open(encoding="utf-8") as lines:
        return parse_groups(lines)


def test_the_list_has_sixty_groups_or_more_across_the_fields_of_the_market(groups):
    assert len(groups) >= 60
    for field, term in FIELDS_COVERED.items():
        assert thesaurus().others(tuple(query_words(term))), f"{field}: {term} has no synonyms listed"


def test_no_term_is_listed_twice(groups):
    seen = {}
    for number, group in enumerate(groups):
        for entry in group:
            assert entry.words not in seen, f"{entry.spelling} is in two groups"
            seen[entry.words] = number


def test_every_term_segments_into_words_the_index_can_match(groups):
    """A term jieba cuts into a lone character plus something would match every listing with that character;
    such terms belong in the user dictionary (market/search/userdict.txt)."""
    for group in groups:
        for entry in group:
            lone = [w for w in entry.words if len(w) == 1 and re.match(r"[\u4e00-\u9fff]", w)]
            assert not (lone and len(entry.words) > 1), f"{entry.spelling} → {entry.words}"
            assert query_words(entry.spelling) == list(entry.words)


def test_lines_comments_and_lookup_only_terms():
    known = Thesaurus(
        parse_groups(["# 注释", "", "增强现实 (AR)  # 氩也写作 Ar", "锂电池 锂离子电池 锂电", "孤词"])
    )
    assert known.others(("增强现实",)) == []  # AR is never added to a query
    assert known.others(("ar",)) == [("增强", "现实")]
    assert known.others(("锂电",)) == [("锂电池",), ("锂离子电池",)]
    assert known.others(("孤词",)) == [] and len(known) == 5
    assert known.spell(("ar",)) == "AR" and known.spell(("增强", "现实")) == "增强现实"


def test_the_longest_listed_term_wins():
    known = Thesaurus(parse_groups(["无人机 UAV 无人驾驶航空器", "自动驾驶 无人驾驶"]))
    spans = known.spans(query_words("无人驾驶航空器巡检"))
    assert spans == [Span(("无人驾驶", "航空器"), (("无人机",), ("uav",))), Span(("巡检",))]
    assert known.spans(query_words("无人驾驶汽车"))[0] == Span(("无人驾驶",), (("自动驾驶",),))
