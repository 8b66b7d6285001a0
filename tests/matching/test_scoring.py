"""Suggestion features, bands and reasons (pure, no app, no database)."""

import pytest

from market.matching import scoring
from market.matching.scoring import Signals, band, budget_fit, features, meaning_only, ranks_of, reasons

ALL_NUDGES = {
    "same_field": True,
    "budget_fit": "within",
    "maturity": "产业化",
    "same_region": True,
    "age_days": 1,
}


# --- features ------------------------------------------------------------------------------------


def test_rank_features_are_one_at_rank_one_decay_and_are_zero_when_not_retrieved():
    row = features(Signals(1, lexical_rank=1, semantic_rank=21, title_rank=None))
    assert row["lexical"] == pytest.approx(1.0)
    assert row["semantic"] == pytest.approx(21 / 41)  # (k+1)/(k+rank) with k=20
    assert row["title"] == 0.0


def test_missing_evidence_reads_as_typical_not_as_a_number_out_of_range():
    row = features(Signals(1))
    assert row["cosine"] == row["cosine_z"] == row["paraphrase"] == row["shared_weight"] == 0.0
    assert set(row) == set(features(Signals(2, **ALL_NUDGES)))


def test_shared_words_count_by_their_rarity_and_number():
    common = features(Signals(1, shared_terms=["电池"], shared_weight=1.0))
    rare = features(Signals(1, shared_terms=["电池", "高镍三元"], shared_weight=6.0))
    assert (
        rare["shared_weight"] > common["shared_weight"] > 0 and rare["shared_count"] > common["shared_count"]
    )


def test_structured_facts_as_numbers():
    row = features(Signals(1, **ALL_NUDGES))
    assert (row["field"], row["budget"], row["maturity"], row["region"]) == (1.0, 1.0, 1.0, 1.0)
    assert features(Signals(1, budget_fit="over"))["budget"] == -1.0


def test_meaning_only_drops_every_wording_feature_and_keeps_the_rest():
    row = features(
        Signals(
            1,
            lexical_rank=1,
            lexical_score=1.0,
            shared_terms=["正极"],
            shared_weight=5.0,
            cosine=0.9,
            cosine_z=3.0,
            **ALL_NUDGES,
        )
    )
    alone = meaning_only(row)
    assert all(alone[name] == 0.0 for name in scoring.LEXICAL_FEATURES)
    assert alone["cosine_z"] == 3.0 and alone["field"] == 1.0


def test_ranks_of_puts_the_highest_score_first_breaks_ties_by_id_and_keeps_the_best_limit():
    assert ranks_of({5: 0.2, 3: 0.9, 4: 0.9, 1: 0.1}) == {3: 1, 4: 2, 5: 3, 1: 4}
    assert ranks_of({5: 0.2, 3: 0.9, 4: 0.9}, limit=2) == {3: 1, 4: 2}


# --- bands ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "probability, expected", [(0.95, "强"), (0.8, "强"), (0.79, "中"), (0.5, "中"), (0.49, "弱"), (0.0, "弱")]
)
def test_band_follows_the_probability_thresholds(probability, expected):
    assert band(probability) == expected


def test_band_thresholds_are_settings():
    assert band(0.7, strong=0.6, medium=0.3) == "强" and band(0.4, strong=0.6, medium=0.3) == "中"
    assert band(0.7, strong=0.9, medium=0.75) == "弱"


# --- reasons -------------------------------------------------------------------------------------


def test_with_nothing_distinctive_the_reason_says_where_the_retrievers_put_the_pair():
    assert reasons(Signals(1, lexical_rank=3, semantic_rank=12), False) == [
        "关键词检索排第 3 位；语义检索排第 12 位"
    ]
    assert reasons(Signals(1, cosine=0.95, maturity="小试", age_days=200, same_field=False), False) == [
        "检索候选"
    ]


def test_closeness_of_meaning_is_a_reason_only_when_the_model_says_meaning_alone_makes_the_pair_likely():
    close = Signals(1, cosine=0.95)
    assert "描述的问题与方案语义相近" in reasons(close, close_in_meaning=True)
    assert "描述的问题与方案语义相近" not in reasons(
        close, close_in_meaning=False
    )  # a high cosine alone says nothing


def test_reasons_list_at_most_five_shared_terms():
    terms = ["锂电池", "正极", "材料", "循环寿命", "包覆", "氧化铝"]
    assert (
        reasons(Signals(1, shared_terms=terms), False)[0] == "共同关键词：锂电池、正极、材料、循环寿命、包覆"
    )


def test_reasons_all_signals_in_order():
    signals = Signals(
        1,
        shared_terms=["电池"],
        cosine=0.9,
        same_field=True,
        field_name="新材料",
        maturity="中试",
        budget_fit="within",
        same_region=True,
        region_name="沣东",
        age_days=90,
    )
    assert reasons(signals, True) == [
        "共同关键词：电池",
        "描述的问题与方案语义相近",
        "同属新材料领域",
        "成熟度为中试，可较快落地",
        "价格在需求预算之内",
        "同在沣东",
        "近期发布",
    ]


def test_reasons_without_names_and_other_values():
    signals = Signals(1, same_field=True, maturity="产业化", budget_fit="over", same_region=True, age_days=91)
    assert reasons(signals, False) == [
        "同一技术领域",
        "成熟度为产业化，可较快落地",
        "价格高于需求预算",
        "同一区域",
    ]


@pytest.mark.parametrize("maturity", ["小试", "实验室", None])
def test_early_maturity_gives_no_reason(maturity):
    assert not any("成熟度" in r for r in reasons(Signals(1, maturity=maturity), False))


def test_reasons_are_chinese_strings():
    for reason in reasons(Signals(1, lexical_rank=1, cosine=0.9, shared_terms=["芯片"], **ALL_NUDGES), True):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in reason)


# --- budget_fit ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "price, low, high, expected",
    [
        (None, 100, 200, None),  # price unknown (面议)
        (150, None, None, None),  # no budget
        (201, 100, 200, "over"),
        (200, 100, 200, "within"),  # at the maximum
        (150, 100, 200, "within"),
        (50, 100, 200, "within"),  # below the minimum is still affordable
        (10**9, 100, None, "within"),  # no maximum
        (300, None, 200, "over"),
    ],
)
def test_budget_fit(price, low, high, expected):
    assert budget_fit(price, low, high) == expected
