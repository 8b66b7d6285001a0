"""Fusing the ranking by words with the ranking by meaning (market.search.hybrid), on constructed rankings and
on the in-memory engine with candidates given by hand (no model: tests/api/test_search.py uses real
embeddings)."""

import numpy as np
import pytest

from market.search import hybrid
from market.search.base import EVERY_WORD, NO_WORDS, SOME_WORDS, Ranked, SearchDocument, SearchRequest
from market.search.whoosh_backend import WhooshBackend


def keys(fused) -> list[str]:
    return [key for key, _ in fused]


def test_agreement_of_words_and_meaning_ranks_above_meaning_alone():
    ranking = [Ranked("a:1", EVERY_WORD, 9.0, 0), Ranked("a:2", EVERY_WORD, 8.0, 1), Ranked("a:3", NO_WORDS)]
    fused = hybrid.fuse(ranking, ["a:3", "a:2"])
    assert keys(fused) == ["a:2", "a:1", "a:3"]
    assert [score for _, score in fused] == sorted((score for _, score in fused), reverse=True)


def test_a_document_with_every_word_stays_above_one_with_some_whatever_the_meaning_says():
    ranking = [
        Ranked("a:1", EVERY_WORD, 9.0, 0),
        Ranked("a:2", SOME_WORDS, 3.0, 1),
        Ranked("a:3", SOME_WORDS, 2.0, 2),
    ]
    assert keys(hybrid.fuse(ranking, ["a:3", "a:2"])) == ["a:1", "a:3", "a:2"]


def test_meaning_alone_keeps_its_place_among_documents_with_words():
    ranking = [Ranked(f"a:{n}", SOME_WORDS, 10.0 - n, n) for n in range(6)] + [Ranked("d:9", NO_WORDS)]
    fused = keys(hybrid.fuse(ranking, ["d:9"]))
    assert fused.index("d:9") == 1  # 1/61 from meaning beats 1/62 from words alone


def test_candidates_filtered_out_by_the_engine_are_ignored():
    ranking = [Ranked("a:1", EVERY_WORD, 1.0, 0)]
    assert keys(hybrid.fuse(ranking, ["a:404", "a:1"])) == ["a:1"]


def at_cosines(*cosines) -> np.ndarray:
    """Unit vectors whose cosine with QUERY is each of `cosines`."""
    return np.array([[c, np.sqrt(1 - c * c), 0.0] for c in cosines], dtype=np.float32)


QUERY = np.array([1.0, 0.0, 0.0], dtype=np.float32)


def test_nearest_keeps_passages_that_stand_out_closest_first_across_kinds(monkeypatch):
    background = np.linspace(0.82, 0.835, 100)
    matrices = {
        "achievement": (np.arange(1, 102), at_cosines(0.90, *background)),
        "demand": (np.array([7, 8]), at_cosines(0.87, 0.845)),
        "equipment": (np.array([], dtype=np.int64), np.zeros((0, 3), dtype=np.float32)),
    }
    close = hybrid.nearest(QUERY, matrices, floor=0.85, spread=3.0)
    assert [(c.key, c.alone) for c in close] == [
        ("achievement:1", True),
        ("demand:7", True),
        ("demand:8", False),
    ]
    assert close[0].cosine == pytest.approx(0.90)
    monkeypatch.setattr(hybrid, "MEANING_LIMIT", 1)
    assert [c.key for c in hybrid.nearest(QUERY, matrices, floor=0.85, spread=3.0)] == ["achievement:1"]


def test_a_passage_must_also_clear_the_floor_to_stand_alone():
    matrices = {"achievement": (np.arange(1, 52), at_cosines(0.845, *np.linspace(0.70, 0.72, 50)))}
    [close] = hybrid.nearest(QUERY, matrices, floor=0.85, spread=3.0)
    assert close.key == "achievement:1" and not close.alone


def test_in_a_small_catalogue_typical_cosines_stand_in_for_the_missing_statistics():
    matrices = {"achievement": (np.array([1, 2]), at_cosines(0.845, 0.90))}
    assert [(c.key, c.alone) for c in hybrid.nearest(QUERY, matrices, floor=0.85, spread=3.0)] == [
        ("achievement:2", True)
    ]  # two cosines alone have no spread to stand out from


@pytest.fixture
def engine():
    engine = WhooshBackend(None)
    engine.rebuild([], cursor=0)
    with engine.writer() as writer:
        for n in range(1, 31):
            writer.upsert(
                SearchDocument("achievement", n, f"钙钛矿光伏组件第{n}号", body="钙钛矿 " * (n % 5 + 1))
            )
        for n in range(31, 36):
            writer.upsert(SearchDocument("demand", n, f"太阳能板效率提升需求{n}", field="新能源与节能"))
        writer.upsert(SearchDocument("demand", 36, "草稿中的光伏需求", status="draft", org_id=5))
    return engine


def test_without_candidates_the_engine_answers_alone(engine):
    request = SearchRequest(q="钙钛矿", per_page=7, page=2)
    assert hybrid.ranked_search(engine, request, []) == engine.search(request)


def test_candidates_count_in_totals_and_facets_and_every_page_is_distinct(engine, monkeypatch):
    monkeypatch.setattr(hybrid, "WORD_WINDOW", 8)  # so the pages run past the fused documents
    by_meaning = [hybrid.Close(f"demand:{n}", 0.9, True) for n in (33, 31, 36)]
    first = hybrid.ranked_search(engine, SearchRequest(q="钙钛矿", per_page=10), by_meaning)
    assert first.total == 32 and first.facets["kind"] == {"achievement": 30, "demand": 2}
    seen = []
    for page in (1, 2, 3, 4):
        result = hybrid.ranked_search(engine, SearchRequest(q="钙钛矿", per_page=10, page=page), by_meaning)
        assert result.page == page and result.total == 32
        seen += [(hit.kind, hit.object_id) for hit in result.hits]
    assert len(seen) == len(set(seen)) == 32 and ("demand", 36) not in seen
    assert ("demand", 33) in seen[:10] and ("demand", 31) in seen[:10]


def test_a_page_past_the_end_is_the_last_page(engine):
    result = hybrid.ranked_search(
        engine, SearchRequest(q="钙钛矿", per_page=20, page=9), [hybrid.Close("demand:31", 0.9, True)]
    )
    assert result.page == 2 and len(result.hits) == 11


def test_sorted_by_date_candidates_are_not_used(engine):
    request = SearchRequest(q="钙钛矿", sort="date")
    assert hybrid.ranked_search(engine, request, [hybrid.Close("demand:31", 0.9, True)]) == engine.search(
        request
    )


def test_passages_close_but_not_alone_only_rank_documents_with_the_words(engine):
    by_meaning = [hybrid.Close("demand:31", 0.86, False), hybrid.Close("achievement:30", 0.86, False)]
    result = hybrid.ranked_search(engine, SearchRequest(q="钙钛矿", per_page=5), by_meaning)
    assert (
        result.total == 30
        and result.hits[0].object_id == 30
        and all(h.kind == "achievement" for h in result.hits)
    )
