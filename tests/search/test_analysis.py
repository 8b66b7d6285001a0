"""The Chinese analyzer: what a user types finds what a listing says."""

import pytest

from market.search import analysis
from market.search.analysis import ChineseTokenizer, dictionary_version, normalise, query_words
from market.search.base import SearchDocument, SearchRequest
from market.search.whoosh_backend import WhooshBackend


def index_words(text: str) -> list[str]:
    return [t.text for t in ChineseTokenizer()(text)]


def tokens(text: str) -> list[tuple[str, int, int, int]]:
    return [
        (t.text, t.pos, t.startchar, t.endchar) for t in ChineseTokenizer()(text, positions=True, chars=True)
    ]


def finds(title: str, q: str) -> bool:
    """Whether a search for q finds a document with this title (the real index, in memory)."""
    engine = WhooshBackend(None)
    with engine.writer() as writer:
        writer.upsert(SearchDocument("achievement", 1, title))
        writer.upsert(SearchDocument("achievement", 2, "无关的内容"))
    return [hit.object_id for hit in engine.search(SearchRequest(q=q)).hits] == [1]


@pytest.mark.parametrize(
    "title, q",
    [
        ("固态电池隔膜材料", "电池"),
        ("动力电池回收利用", "电池"),
        ("光子芯片封装工艺", "芯片"),
        ("高镍三元正极材料表面包覆", "正极"),
        ("高镍三元正极材料表面包覆", "材料"),
    ],
)
def test_two_character_words_are_found_inside_longer_words(title, q):
    assert finds(title, q)


@pytest.mark.parametrize(
    "term, parts",
    [
        ("固态电解质", ["固态", "电解质"]),
        ("正极材料", ["正极", "材料"]),
        ("揭榜挂帅", ["揭榜", "挂帅"]),
    ],
)
def test_dictionary_terms_stay_whole_and_their_sub_words_are_indexed(term, parts):
    text = f"关于{term}项目"
    assert term in query_words(text)  # a query for the term is one word, not its pieces
    assert not set(parts) & set(query_words(text))
    indexed = index_words(text)
    assert term in indexed and set(parts) <= set(indexed)


def test_positions_count_words_not_characters():
    # jieba's own Whoosh analyzer stores character offsets here, so "锂电池正极材料" as a phrase never
    # matches.
    whole = [(text, pos) for text, pos, _, _ in tokens("锂电池正极材料") if text in ("锂电池", "正极材料")]
    assert whole == [("锂电池", 0), ("正极材料", 1)]
    assert [pos for text, pos, _, _ in tokens("固态电解质电池") if text == "电池"] == [1]


def test_sub_words_share_their_word_position_and_stop_words_keep_their_place():
    found = tokens("正极材料的制备")
    assert {pos for text, pos, _, _ in found if text in ("正极材料", "正极", "材料")} == {0}
    assert [pos for text, pos, _, _ in found if text == "制备"] == [2]
    assert "的" not in [text for text, *_ in found]


@pytest.mark.parametrize(
    "title, q",
    [
        ("5G通信基站射频前端", "5G"),
        ("5G通信基站射频前端", "5g"),
        ("C919大飞机复合材料", "C919"),
        ("C919大飞机复合材料", "c919"),
        ("SM2国密算法加速卡", "SM2"),
        ("SM2国密算法加速卡", "sm2"),
        ("AI芯片推理加速", "AI芯片"),
        ("AI芯片推理加速", "ai芯片"),
        ("AI芯片推理加速", "AI 芯片"),
        ("42CrMo钢热处理工艺", "42CrMo"),
        ("42CrMo钢热处理工艺", "42crmo"),
        ("42CrMo钢热处理工艺", "42CRMO钢"),
    ],
)
def test_mixed_chinese_latin_and_digits_are_found_as_typed(title, q):
    assert finds(title, q)


@pytest.mark.parametrize(
    "title, q",
    [
        ("AI芯片推理加速", "ＡＩ芯片"),
        ("ＡＩ芯片推理加速", "AI芯片"),
        ("5G通信基站", "５Ｇ"),
        ("５Ｇ通信基站", "5g"),
        ("C919大飞机", "Ｃ９１９"),
    ],
)
def test_full_width_equals_half_width(title, q):
    assert finds(title, q)


@pytest.mark.parametrize(
    "title, q",
    [
        ("固态电解质界面调控", "固態電解質"),
        ("锂电池热失控预警", "鋰電池"),
        ("鋰電池熱失控預警", "锂电池"),
    ],
)
def test_traditional_characters_find_simplified(title, q):
    assert finds(title, q)


def test_unrelated_text_is_not_found():
    assert not finds("固态电解质界面调控", "芯片")


def test_normalisation_keeps_the_length_so_offsets_point_into_the_original():
    original = "ＡＩ芯片與固態電解質，ＳＭ２算法"
    assert len(normalise(original)) == len(original)
    for text, _, start, end in tokens(original):
        assert normalise(original[start:end]) == text


def test_highlight_marks_the_original_characters_after_normalisation():
    engine = WhooshBackend(None)
    with engine.writer() as writer:
        writer.upsert(SearchDocument("achievement", 1, "ＡＩ芯片與固態電解質"))
    [hit] = engine.search(SearchRequest(q="ai 固态电解质")).hits
    assert hit.highlights["title"] == "<mark>ＡＩ</mark>芯片與<mark>固態電解質</mark>"


@pytest.fixture
def private_dictionary(tmp_path, monkeypatch):
    """A copy of the user dictionary the test may change, with a fresh segmenter."""
    copy = tmp_path / "userdict.txt"
    copy.write_bytes(analysis.USER_DICT.read_bytes())
    monkeypatch.setattr(analysis, "USER_DICT", copy)
    monkeypatch.setattr(analysis, "_segmenter", None)
    return copy


def test_user_dictionary_applies_to_indexing_and_queries(private_dictionary, monkeypatch):
    assert query_words("数智孪生工厂") != ["数智孪生", "工厂"]
    with private_dictionary.open("a", encoding="utf-8") as f:
        f.write("数智孪生 2000 n\n")
    monkeypatch.setattr(analysis, "_segmenter", None)
    assert query_words("数智孪生工厂") == ["数智孪生", "工厂"]
    assert {"数智孪生", "孪生", "工厂"} <= set(index_words("数智孪生工厂"))
    assert finds("数智孪生工厂解决方案", "数智孪生")
    assert not finds("数智化改造与孪生模型", '"数智孪生"')


def test_dictionary_version_changes_when_the_file_changes(private_dictionary):
    before = dictionary_version()
    assert dictionary_version() == before
    with private_dictionary.open("a", encoding="utf-8") as f:
        f.write("数智孪生 2000 n\n")
    assert dictionary_version() != before


def test_a_process_reading_the_prepared_dictionary_segments_as_one_that_built_it(tmp_path, monkeypatch):
    monkeypatch.setattr(analysis, "_dictionary_dir", None)
    analysis.keep_dictionary_in(tmp_path / "search")  # a folder that does not exist yet
    text = "高镍三元正极材料单晶化与表面包覆，揭榜挂帅中试线，锂电池回收"
    built = analysis._load_segmenter()  # the first process: builds the dictionary and keeps it
    prepared = analysis.dictionary_file()
    assert prepared.parent == tmp_path / "search" and prepared.is_file()
    read = analysis._load_segmenter()  # every later process reads it
    assert list(read.cut(text)) == list(built.cut(text))
    assert "揭榜挂帅" in read.cut(text) and read.total == built.total

    prepared.write_bytes(b"damaged")  # a damaged or foreign file is rebuilt, not trusted
    rebuilt = analysis._load_segmenter()
    assert list(rebuilt.cut(text)) == list(built.cut(text)) and prepared.stat().st_size > 1_000_000
    assert [p.name for p in prepared.parent.iterdir()] == [prepared.name]  # no partial files left behind
