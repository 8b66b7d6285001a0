"""Ranking metrics over graded judgments (pure): nDCG@k with gain 2^grade − 1, Recall@k, MRR, P@k."""

import math

RELEVANT = 2  # grades at or above this count as relevant for recall, MRR and precision


def dcg(grades: list[int]) -> float:
    return sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg_at(ranking: list, judged: dict, k: int = 10) -> float:
    """nDCG@k of a ranking of ids against {id: grade}; unjudged ids count as grade 0."""
    ideal = dcg(sorted(judged.values(), reverse=True)[:k])
    return dcg([judged.get(i, 0) for i in ranking[:k]]) / ideal if ideal else 0.0


def recall_at(ranking: list, judged: dict, k: int = 10) -> float:
    relevant = {i for i, g in judged.items() if g >= RELEVANT}
    return len(relevant & set(ranking[:k])) / len(relevant) if relevant else 0.0


def reciprocal_rank(ranking: list, judged: dict) -> float:
    for position, i in enumerate(ranking, start=1):
        if judged.get(i, 0) >= RELEVANT:
            return 1.0 / position
    return 0.0


def precision_at(ranking: list, judged: dict, k: int = 5) -> float:
    return sum(1 for i in ranking[:k] if judged.get(i, 0) >= RELEVANT) / k


def evaluate(rankings: dict, judgments: dict) -> dict:
    """Mean metrics over the queries that have at least one relevant candidate."""
    queries = [q for q, judged in judgments.items() if any(g >= RELEVANT for g in judged.values())]
    if not queries:
        return {"queries": 0, "ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0, "p@5": 0.0}
    total = {"ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0, "p@5": 0.0}
    for q in queries:
        ranking, judged = rankings.get(q, []), judgments[q]
        total["ndcg@10"] += ndcg_at(ranking, judged)
        total["recall@10"] += recall_at(ranking, judged)
        total["mrr"] += reciprocal_rank(ranking, judged)
        total["p@5"] += precision_at(ranking, judged)
    return {"queries": len(queries), **{name: value / len(queries) for name, value in total.items()}}
