"""Suggestion scoring, bands and reasons (pure, no app, no database)."""
import pytest

from market.matching import scoring
from market.matching.scoring import Signals, band, budget_fit, closeness, rank, reasons, score

ALL_NUDGES = {"same_field": True, "budget_fit": "within", "maturity": "产业化", "same_region": True, "age_days": 1}


def ranked(candidate_id, r, **extra):
    """A candidate at rank r in all three retrievers."""
    return Signals(candidate_id, lexical_rank=r, semantic_rank=r, title_rank=r, **extra)


def order(candidates):
    return [s.candidate_id for s in rank(candidates)]


# --- score ---------------------------------------------------------------------------------------

def test_first_in_all_three_retrievers_beats_first_in_only_one():
    everywhere = ranked(1, 1)
    lexical_only = Signals(2, lexical_rank=1)
    assert score(everywhere).score > score(lexical_only).score
    assert order([lexical_only, everywhere]) == [1, 2]


def test_better_rank_scores_higher():
    assert score(ranked(1, 1)).score > score(ranked(2, 2)).score > score(ranked(3, 20)).score


def test_rrf_part_is_one_at_rank_one_and_decays():
    parts = score(Signals(1, lexical_rank=1, semantic_rank=21, title_rank=None)).parts
    assert parts["lexical"] == pytest.approx(1.0)
    assert parts["semantic"] == pytest.approx(21 / 41)  # (k+1)/(k+rank) with k=20
    assert parts["title"] == 0.0


@pytest.mark.parametrize("nudge", [{"same_field": True}, {"budget_fit": "within"}, {"maturity": "中试"},
                                   {"same_region": True}, {"age_days": 10}])
def test_a_structured_signal_breaks_a_tie_of_equal_ranks(nudge):
    plain, nudged = ranked(1, 3), ranked(2, 3, **nudge)
    assert score(nudged).score > score(plain).score
    assert order([plain, nudged]) == [2, 1]


def test_over_budget_ranks_below_unknown_budget_and_within_budget():
    over, unknown, within = ranked(1, 2, budget_fit="over"), ranked(2, 2), ranked(3, 2, budget_fit="within")
    assert order([over, unknown, within]) == [3, 2, 1]
    assert score(over).parts["budget"] == -1.0


def test_field_outweighs_the_other_nudges():
    field = ranked(1, 4, same_field=True)
    others = ranked(2, 4, budget_fit="within")  # field 0.05 > budget 0.03
    assert order([others, field]) == [1, 2]


def test_structured_signals_never_overturn_a_difference_of_several_ranks():
    # rank 1 vs rank 5 everywhere: 3 * (1 - 21/25) = 0.48, far more than all nudges together (0.13)
    better, worse = ranked(1, 1), ranked(2, 5, **ALL_NUDGES)
    assert score(better).score > score(worse).score
    assert order([worse, better]) == [1, 2]
    # the same holds in a single retriever: rank 1 vs rank 5 lexical only, every nudge on the worse
    assert order([Signals(4, lexical_rank=5, **ALL_NUDGES), Signals(3, lexical_rank=1)]) == [3, 4]


def test_structured_signals_alone_never_outrank_any_retrieval():
    nudges_only = Signals(1, **ALL_NUDGES)
    weakest_retrieval = Signals(2, title_rank=100)  # 21/120 = 0.175 > 0.13
    assert order([nudges_only, weakest_retrieval]) == [2, 1]


@pytest.mark.parametrize("signals", [
    Signals(1), Signals(1, budget_fit="over"), ranked(1, 1, **ALL_NUDGES), ranked(1, 1),
    Signals(1, lexical_rank=1000, budget_fit="over"), ranked(1, 50, cosine=0.99, shared_terms=["电池"]),
])
def test_score_stays_within_zero_and_one(signals):
    assert 0.0 <= score(signals).score <= 1.0


def test_score_extremes():
    assert score(ranked(1, 1, **ALL_NUDGES)).score == 1.0
    assert score(Signals(1)).score == 0.0
    assert score(Signals(1, budget_fit="over")).score == 0.0  # clamped, not negative


def test_score_carries_band_reasons_and_id():
    suggestion = score(ranked(7, 1, cosine=0.95, shared_terms=["电池"]))
    assert suggestion.candidate_id == 7
    assert suggestion.band == "强"
    assert suggestion.reasons[0] == "共同关键词：电池"


# --- rank ----------------------------------------------------------------------------------------

def test_rank_orders_equal_scores_by_candidate_id():
    candidates = [ranked(i, 3) for i in (9, 2, 5)] + [Signals(1), Signals(3)]
    assert order(candidates) == [2, 5, 9, 1, 3]


def test_rank_respects_limit():
    candidates = [ranked(i, i) for i in range(1, 8)]
    assert [s.candidate_id for s in rank(candidates, limit=3)] == [1, 2, 3]
    assert len(rank(candidates, limit=None)) == 7
    assert len(rank(candidates, limit=100)) == 7
    assert rank([]) == []


def test_ranks_of_puts_the_highest_score_first_breaks_ties_by_id_and_keeps_the_best_limit():
    scores = {7: 0.5, 3: 1.7, 9: 0.5, 4: -0.2}
    assert scoring.ranks_of(scores) == {3: 1, 7: 2, 9: 3, 4: 4}
    assert scoring.ranks_of(scores, 2) == {3: 1, 7: 2}
    assert scoring.ranks_of({}) == {}


# --- band ----------------------------------------------------------------------------------------

def test_closeness_maps_floor_and_ceiling_to_zero_and_one():
    assert closeness(None) == 0.0
    assert closeness(0.5) == 0.0
    assert closeness(0.78) == pytest.approx(0.0)
    assert closeness(0.85) == pytest.approx(0.5)
    assert closeness(0.92) == pytest.approx(1.0)
    assert closeness(0.99) == 1.0


def test_band_strong_needs_high_cosine_and_a_lexical_hit_in_top_ten():
    assert band(Signals(1, cosine=0.95, lexical_rank=10)) == "强"
    assert band(Signals(1, cosine=0.88, lexical_rank=1)) == "强"  # closeness 0.71
    assert band(Signals(1, cosine=0.95, lexical_rank=11)) == "中"  # lexical hit too far down
    assert band(Signals(1, cosine=0.95)) == "中"  # meaning only


def test_band_medium_from_medium_cosine_or_lexical_hit_in_same_field():
    assert band(Signals(1, cosine=0.84)) == "中"  # closeness 0.43
    assert band(Signals(1, cosine=0.84, lexical_rank=1)) == "中"
    assert band(Signals(1, cosine=0.70, lexical_rank=3, same_field=True)) == "中"
    assert band(Signals(1, cosine=0.70, lexical_rank=3)) == "弱"


def test_top_ranked_candidate_without_evidence_is_weak():
    # in a tiny catalogue the first hit is not a strong one
    only = ranked(1, 1, cosine=0.76)
    only.lexical_rank = None
    assert score(only).band == "弱"
    assert rank([only])[0].band == "弱"
    assert band(Signals(1)) == "弱"


# --- reasons -------------------------------------------------------------------------------------

def test_reasons_with_nothing_known():
    assert reasons(Signals(1)) == ["文本相关"]
    assert reasons(Signals(1, cosine=0.80, maturity="小试", age_days=200, same_field=False)) == ["文本相关"]


def test_reasons_list_at_most_five_shared_terms():
    terms = ["锂电池", "正极", "材料", "循环寿命", "包覆", "氧化铝"]
    assert reasons(Signals(1, shared_terms=terms))[0] == "共同关键词：锂电池、正极、材料、循环寿命、包覆"


def test_reasons_all_signals_in_order():
    signals = Signals(1, shared_terms=["电池"], cosine=0.9, same_field=True, field_name="新材料",
                      maturity="中试", budget_fit="within", same_region=True, region_name="沣东", age_days=90)
    assert reasons(signals) == [
        "共同关键词：电池", "描述的问题与方案语义相近", "同属新材料领域", "成熟度为中试，可较快落地",
        "价格在需求预算之内", "同在沣东", "近期发布",
    ]


def test_reasons_without_names_and_other_values():
    signals = Signals(1, same_field=True, maturity="产业化", budget_fit="over", same_region=True, age_days=91)
    assert reasons(signals) == ["同一技术领域", "成熟度为产业化，可较快落地", "价格高于需求预算", "同一区域"]


@pytest.mark.parametrize("maturity", ["小试", "实验室", None])
def test_early_maturity_gives_no_reason(maturity):
    assert not any("成熟度" in r for r in reasons(Signals(1, maturity=maturity)))


def test_reasons_are_chinese_strings():
    for reason in reasons(ranked(1, 1, cosine=0.9, shared_terms=["芯片"], **ALL_NUDGES)):
        assert isinstance(reason, str)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in reason)


# --- budget_fit ----------------------------------------------------------------------------------

@pytest.mark.parametrize("price, low, high, expected", [
    (None, 100, 200, None),  # price unknown (面议)
    (150, None, None, None),  # no budget
    (201, 100, 200, "over"),
    (200, 100, 200, "within"),  # at the maximum
    (150, 100, 200, "within"),
    (50, 100, 200, "within"),  # below the minimum is still affordable
    (10**9, 100, None, "within"),  # no maximum
    (300, None, 200, "over"),
])
def test_budget_fit(price, low, high, expected):
    assert budget_fit(price, low, high) == expected


# ---- learning the weights from brokers' decisions --------------------------------------------------------

def _decisions(n, seed=1, noise=0.0):
    """Brokers who accept exactly the pairs whose meaning is close, whatever the keyword rank says."""
    import random

    rng = random.Random(seed)
    out = []
    for _ in range(n):
        accepted = rng.random() < 0.4
        features = {name: 0.0 for name in scoring.WEIGHTS}
        features["semantic"] = rng.uniform(0.5, 1.0) if accepted else rng.uniform(0.0, 0.5)
        features["lexical"], features["title"] = rng.uniform(0, 1), rng.uniform(0, 1)
        out.append((features, accepted if rng.random() >= noise else not accepted))
    return out


def test_learned_weights_follow_what_brokers_accept():
    learned = scoring.learn_weights(_decisions(200))
    assert learned["semantic"] > 2 * learned["lexical"] and learned["semantic"] > 2 * learned["title"]
    assert sum(learned.values()) == pytest.approx(sum(scoring.WEIGHTS.values()), abs=1e-3)  # scores keep their scale
    assert min(learned["lexical"], learned["title"]) >= scoring.RETRIEVER_FLOOR - 1e-3


def test_noisy_decisions_still_point_the_same_way_but_less_far():
    clean, noisy = scoring.learn_weights(_decisions(200)), scoring.learn_weights(_decisions(200, noise=0.3))
    assert noisy["semantic"] > noisy["lexical"]
    assert noisy["semantic"] <= clean["semantic"] + 0.2


def test_few_decisions_move_the_weights_less_than_many():
    few, many = scoring.learn_weights(_decisions(30)), scoring.learn_weights(_decisions(400))
    assert scoring.WEIGHTS["semantic"] < few["semantic"] < many["semantic"]


def test_too_few_or_one_sided_decisions_keep_the_prior():
    assert scoring.learn_weights(_decisions(scoring.MIN_LABELS - 1)) == scoring.WEIGHTS
    only_accepted = [(features, True) for features, _ in _decisions(100)]
    assert scoring.learn_weights(only_accepted) == scoring.WEIGHTS
    assert scoring.learn_weights([]) == scoring.WEIGHTS


def test_learned_weights_change_the_order_of_suggestions():
    keyword_first = Signals(candidate_id=1, lexical_rank=1, semantic_rank=30, title_rank=30)
    meaning_first = Signals(candidate_id=2, lexical_rank=30, semantic_rank=1, title_rank=30)
    assert [s.candidate_id for s in scoring.rank([keyword_first, meaning_first])] == [1, 2]  # tie → id
    learned = scoring.learn_weights(_decisions(200))
    assert [s.candidate_id for s in scoring.rank([keyword_first, meaning_first], weights=learned)] == [2, 1]
