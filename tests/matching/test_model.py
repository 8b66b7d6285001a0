"""The relevance model: fitting, probabilities, refitting to brokers' decisions, calibration tables (pure)."""

import json
import random

import pytest

from market.matching import model as relevance
from market.matching import scoring

NAMES = ["closeness", "noise"]


def judged_pairs(n, seed=3):
    """Pairs whose chance of being relevant is 0.1 below closeness 0.5 and 0.9 above; noise says nothing."""
    rng = random.Random(seed)
    rows, labels = [], []
    for _ in range(n):
        closeness = rng.random()
        rows.append({"closeness": closeness, "noise": rng.random()})
        labels.append(rng.random() < (0.9 if closeness > 0.5 else 0.1))
    return rows, labels


def test_a_fitted_model_weighs_the_evidence_that_separates_the_labels_and_ignores_noise():
    rows, labels = judged_pairs(2000)
    fitted = relevance.fit(rows, labels, NAMES, l2=1.0)
    assert fitted.coef[0] > 1.0 and abs(fitted.coef[1]) < 0.2
    assert (
        fitted.probability({"closeness": 0.95, "noise": 0.5})
        > 0.8
        > 0.2
        > fitted.probability({"closeness": 0.05, "noise": 0.5})
    )


def test_probabilities_are_calibrated_on_data_like_the_training_data():
    rows, labels = judged_pairs(4000)
    fitted = relevance.fit(rows[:2000], labels[:2000], NAMES)
    probabilities = fitted.probabilities(rows[2000:])
    high = [label for p, label in zip(probabilities, labels[2000:]) if p >= 0.8]
    assert len(high) > 300 and sum(high) / len(high) >= 0.8  # a 强 band at 0.8 holds its promise


def test_a_model_survives_the_round_trip_through_its_file(tmp_path):
    rows, labels = judged_pairs(300)
    fitted = relevance.fit(rows, labels, NAMES)
    relevance.save(fitted, tmp_path / "model.json")
    again = relevance.MatchModel.from_dict(json.loads((tmp_path / "model.json").read_text()))
    assert again.probability(rows[0]) == pytest.approx(fitted.probability(rows[0]), abs=1e-5)


def test_the_committed_model_reads_every_feature_the_scoring_produces():
    committed = relevance.committed()
    assert committed.features == list(scoring.features(scoring.Signals(0)))
    strong = scoring.features(
        scoring.Signals(
            1,
            lexical_rank=1,
            lexical_score=1.0,
            semantic_rank=1,
            title_rank=1,
            cosine=0.93,
            cosine_z=6.0,
            title_cosine_z=6.0,
            paraphrase=0.95,
            shared_terms=["高镍", "三元", "正极", "包覆", "原子层沉积", "氧化铝"],
            shared_weight=30.0,
            same_field=True,
        )
    )
    nothing = scoring.features(
        scoring.Signals(2, cosine=0.78, cosine_z=0.0, title_cosine_z=0.0, paraphrase=0.8)
    )
    assert committed.probability(strong) > 0.8 > 0.05 > committed.probability(nothing)


def decisions(n, seed=5):
    """Brokers accept exactly the pairs whose noise feature is high (the model thought it meant nothing)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        noise = rng.random()
        out.append(({"closeness": rng.random(), "noise": noise}, noise > 0.5))
    return out


def test_brokers_decisions_move_the_model_towards_what_they_accept_more_with_more_decisions():
    rows, labels = judged_pairs(2000)
    base = relevance.fit(rows, labels, NAMES)
    few, many = relevance.refit(base, decisions(40)), relevance.refit(base, decisions(800))
    assert base.coef[1] < few.coef[1] < many.coef[1]
    assert many.about["refitted_on_decisions"] == 800 and many.scale == base.scale


def test_too_few_or_one_sided_decisions_keep_the_committed_model():
    rows, labels = judged_pairs(500)
    base = relevance.fit(rows, labels, NAMES)
    assert relevance.refit(base, decisions(relevance.MIN_DECISIONS - 1)) is base
    assert relevance.refit(base, [(f, True) for f, _ in decisions(50)]) is base


def test_cross_validation_predicts_each_query_without_its_own_pairs():
    rows, labels = judged_pairs(600)
    groups = [n // 6 for n in range(600)]
    out_of_fold = relevance.cross_validated(rows, labels, groups, NAMES, folds=5)
    assert len(out_of_fold) == 600 and all(0 < p < 1 for p in out_of_fold)
    in_sample = relevance.fit(rows, labels, NAMES).probabilities(rows)
    assert out_of_fold != pytest.approx(in_sample, abs=1e-6)


def test_reliability_and_band_tables_count_what_they_say():
    table = relevance.reliability([0.05, 0.08, 0.85, 0.95, 1.0], [False, True, True, True, False])
    assert table[0] == {"range": "0.0–0.1", "pairs": 2, "predicted": pytest.approx(0.065), "relevant": 0.5}
    assert table[9]["pairs"] == 2 and table[8]["pairs"] == 1 and table[5]["pairs"] == 0
    bands = relevance.band_table(["强", "强", "中", "弱", "弱"], [3, 0, None, 2, 1])
    assert bands[0] == {"band": "强", "judged": 2, "unjudged": 0, "relevant": 0.5, "unrelated": 0.5}
    assert bands[1]["judged"] == 0 and bands[1]["unjudged"] == 1 and bands[1]["relevant"] is None


def test_features_the_data_cannot_speak_to_start_at_zero_and_brokers_can_teach_them():
    rows, labels = judged_pairs(1000)
    fitted = relevance.fit(rows, labels, NAMES, unlearned=("noise",))
    assert fitted.coef[1] == 0.0 and (fitted.mean[1], fitted.scale[1]) == (0.0, 1.0) and fitted.coef[0] > 1.0
    assert relevance.refit(fitted, decisions(800)).coef[1] > 0.1
