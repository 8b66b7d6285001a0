"""Ranking metrics over graded judgments: hand-computed values (pure, no app, no database)."""

import math

import pytest

from market.matching.metrics import dcg, evaluate, ndcg_at, precision_at, recall_at, reciprocal_rank


def test_dcg_uses_exponential_gain_and_log2_discount():
    # (2^3-1)/log2(2) + (2^0-1)/log2(3) + (2^2-1)/log2(4) = 7 + 0 + 3/2
    assert dcg([3, 0, 2]) == pytest.approx(8.5)
    assert dcg([]) == 0.0


def test_perfect_ranking_has_ndcg_one():
    judged = {"a": 3, "b": 2, "c": 1}
    assert ndcg_at(["a", "b", "c"], judged) == pytest.approx(1.0)


def test_ndcg_of_small_example_matches_hand_computation():
    judged = {"a": 3, "b": 0, "c": 2}
    actual = 7 + 0 + 3 / 2  # grades [3, 0, 2] in ranked order
    ideal = 7 + 3 / math.log2(3) + 0  # grades [3, 2, 0]
    assert ndcg_at(["a", "b", "c"], judged) == pytest.approx(actual / ideal)
    assert ndcg_at(["a", "b", "c"], judged) == pytest.approx(0.95583, abs=1e-5)


def test_unjudged_ids_count_as_grade_zero():
    judged = {"a": 3, "c": 2}
    # "x" is unjudged: same value as a judged grade 0 in its place
    assert ndcg_at(["a", "x", "c"], judged) == pytest.approx(
        ndcg_at(["a", "b", "c"], {"a": 3, "b": 0, "c": 2})
    )
    assert ndcg_at(["x", "y"], judged) == 0.0


def test_ndcg_ideal_includes_judged_items_missing_from_the_ranking():
    judged = {"a": 2, "b": 2}
    assert ndcg_at(["a"], judged) == pytest.approx(3 / (3 + 3 / math.log2(3)))


def test_ndcg_only_looks_at_the_first_k():
    judged = {"z": 3}
    ranking = [f"n{i}" for i in range(10)] + ["z"]
    assert ndcg_at(ranking, judged, k=10) == 0.0
    assert ndcg_at(ranking, judged, k=11) == pytest.approx(1 / math.log2(12))


def test_ndcg_without_any_positive_grade_is_zero():
    assert ndcg_at(["a"], {"a": 0}) == 0.0
    assert ndcg_at(["a"], {}) == 0.0


def test_recall_counts_only_grade_two_and_above():
    judged = {"a": 3, "b": 2, "c": 1, "d": 2}
    # relevant = {a, b, d}; the grade-1 "c" found does not count
    assert recall_at(["a", "c", "x"], judged) == pytest.approx(1 / 3)
    assert recall_at(["c"], {"c": 1}) == 0.0


def test_recall_respects_k():
    judged = {"a": 2, "b": 2}
    assert recall_at(["x", "a", "b"], judged, k=2) == pytest.approx(0.5)
    assert recall_at(["x", "a", "b"], judged, k=10) == pytest.approx(1.0)


def test_reciprocal_rank_is_first_grade_two_hit():
    judged = {"a": 1, "b": 2, "c": 3}
    assert reciprocal_rank(["a", "x", "b", "c"], judged) == pytest.approx(1 / 3)
    assert reciprocal_rank(["a", "x"], judged) == 0.0
    assert reciprocal_rank([], judged) == 0.0


def test_precision_divides_by_k_even_with_fewer_results():
    judged = {"a": 2, "b": 3, "c": 1}
    assert precision_at(["a", "b"], judged) == pytest.approx(2 / 5)
    assert precision_at(["a", "b", "c", "x", "y", "z"], judged, k=5) == pytest.approx(2 / 5)
    assert precision_at(["a"], judged, k=1) == 1.0


def test_evaluate_averages_over_queries_with_a_relevant_candidate():
    judgments = {
        "q1": {"a": 3, "b": 2},  # perfect ranking below
        "q2": {"c": 2},  # relevant item at rank 2
        "q3": {"d": 1, "e": 0},  # no grade >= 2: excluded
    }
    rankings = {"q1": ["a", "b"], "q2": ["x", "c"], "q3": ["d"]}
    result = evaluate(rankings, judgments)
    assert result["queries"] == 2
    q2_ndcg = (3 / math.log2(3)) / 3
    assert result["ndcg@10"] == pytest.approx((1.0 + q2_ndcg) / 2)
    assert result["recall@10"] == pytest.approx(1.0)
    assert result["mrr"] == pytest.approx((1.0 + 0.5) / 2)
    assert result["p@5"] == pytest.approx((2 / 5 + 1 / 5) / 2)


def test_evaluate_counts_a_query_without_ranking_as_zero():
    result = evaluate({}, {"q1": {"a": 2}, "q2": {"b": 2}})
    assert result == {"queries": 2, "ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0, "p@5": 0.0}
    half = evaluate({"q1": ["a"]}, {"q1": {"a": 2}, "q2": {"b": 2}})
    assert half["mrr"] == pytest.approx(0.5)
    assert half["ndcg@10"] == pytest.approx(0.5)


@pytest.mark.parametrize("judgments", [{}, {"q": {"a": 1, "b": 0}}, {"q": {}}])
def test_evaluate_without_relevant_judgments_is_all_zero(judgments):
    assert evaluate({"q": ["a", "b"]}, judgments) == {
        "queries": 0,
        "ndcg@10": 0.0,
        "recall@10": 0.0,
        "mrr": 0.0,
        "p@5": 0.0,
    }
