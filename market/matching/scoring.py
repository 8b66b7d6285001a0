"""How a suggestion is scored and explained (pure: plain values in, plain values out).

Two retrievers propose candidates: the search index (BM25 over segmented words: exact terms) and the
embedding model (cosine similarity: meaning, when an enterprise's plain words and a paper's terms differ).
Each ranking is turned into a rank-based share (reciprocal rank fusion, which needs no calibration
between score scales that differ per catalogue); structured signals add small, explainable nudges. The
band (强/中/弱) comes from absolute evidence instead: how close the meanings are and whether the index
found the pair too.
"""
from dataclasses import dataclass, field

RRF_K = 20  # damping of reciprocal rank fusion: a higher rank matters, but no single rank dominates
# Three retrievers vote with equal weight; structured signals only break near-ties, so that a result
# from the same field or within budget goes first among equally good ones.
WEIGHTS = {"lexical": 1.0, "semantic": 1.0, "title": 1.0, "field": 0.05, "budget": 0.03,
           "maturity": 0.02, "region": 0.02, "fresh": 0.01}
# e5 cosine similarities between unrelated Chinese texts sit around 0.75; near-paraphrases above 0.9.
COSINE_FLOOR, COSINE_CEILING = 0.78, 0.92
MATURITY_FIT = {"产业化": 1.0, "中试": 0.8, "小试": 0.4, "实验室": 0.2}
FRESH_DAYS = 90
STRONG_CLOSENESS, MEDIUM_CLOSENESS = 0.6, 0.35


@dataclass
class Signals:
    """What is known about one candidate for one listing."""

    candidate_id: int
    lexical_rank: int | None = None  # 1-based rank among the index's hits, None if not retrieved there
    semantic_rank: int | None = None  # by the whole text's meaning
    title_rank: int | None = None  # by the title's meaning (a demand's title carries the need)
    cosine: float | None = None
    shared_terms: list[str] = field(default_factory=list)
    same_field: bool | None = None
    field_name: str | None = None
    maturity: str | None = None  # the result's stage (in either direction)
    budget_fit: str | None = None  # "within", "over" or None when price or budget is unknown
    same_region: bool | None = None
    region_name: str | None = None
    age_days: int | None = None


@dataclass
class Suggestion:
    candidate_id: int
    score: float
    band: str
    reasons: list[str]
    parts: dict


def _rrf(rank: int | None) -> float:
    return 0.0 if rank is None else (RRF_K + 1) / (RRF_K + rank)  # 1.0 at rank 1


def closeness(cosine: float | None) -> float:
    """A cosine similarity on a 0–1 scale between the floor and the ceiling."""
    if cosine is None:
        return 0.0
    return min(1.0, max(0.0, (cosine - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR)))


MAX_TOTAL = sum(WEIGHTS.values())


def score(signals: Signals) -> Suggestion:
    """One candidate's score (0–1, the weighted share of the evidence it has), band and human reasons."""
    parts = {
        "lexical": _rrf(signals.lexical_rank),
        "semantic": _rrf(signals.semantic_rank),
        "title": _rrf(signals.title_rank),
        "field": 1.0 if signals.same_field else 0.0,
        "budget": {"within": 1.0, "over": -1.0}.get(signals.budget_fit, 0.0),
        "maturity": MATURITY_FIT.get(signals.maturity or "", 0.0),
        "region": 1.0 if signals.same_region else 0.0,
        "fresh": 1.0 if signals.age_days is not None and signals.age_days <= FRESH_DAYS else 0.0,
    }
    total = sum(WEIGHTS[name] * value for name, value in parts.items())
    value = max(0.0, min(1.0, total / MAX_TOTAL))
    return Suggestion(signals.candidate_id, round(value, 4), band(signals), reasons(signals), parts)


def band(signals: Signals) -> str:
    """强/中/弱 from absolute evidence, not from rank: in a small catalogue the first hit is not a strong one."""
    near = closeness(signals.cosine)
    lexical = signals.lexical_rank is not None and signals.lexical_rank <= 10
    if near >= STRONG_CLOSENESS and lexical:
        return "强"
    if near >= MEDIUM_CLOSENESS or (lexical and signals.same_field):
        return "中"
    return "弱"


def reasons(signals: Signals) -> list[str]:
    """Why a broker should look at this pair, in the words a broker uses."""
    out = []
    if signals.shared_terms:
        out.append("共同关键词：" + "、".join(signals.shared_terms[:5]))
    if signals.cosine is not None and closeness(signals.cosine) >= 0.5:
        out.append("描述的问题与方案语义相近")
    if signals.same_field:
        out.append(f"同属{signals.field_name}领域" if signals.field_name else "同一技术领域")
    if signals.maturity in ("中试", "产业化"):
        out.append(f"成熟度为{signals.maturity}，可较快落地")
    if signals.budget_fit == "within":
        out.append("价格在需求预算之内")
    elif signals.budget_fit == "over":
        out.append("价格高于需求预算")
    if signals.same_region:
        out.append(f"同在{signals.region_name}" if signals.region_name else "同一区域")
    if signals.age_days is not None and signals.age_days <= FRESH_DAYS:
        out.append("近期发布")
    return out or ["文本相关"]


def rank(candidates: list[Signals], limit: int | None = None) -> list[Suggestion]:
    """Candidates scored and sorted best first (ties by id, so the order is stable)."""
    scored = sorted((score(s) for s in candidates), key=lambda s: (-_total(s), s.candidate_id))
    return scored if limit is None else scored[:limit]


def _total(suggestion: Suggestion) -> float:
    return sum(WEIGHTS[name] * value for name, value in suggestion.parts.items())


def budget_fit(price_fen: int | None, budget_min_fen: int | None, budget_max_fen: int | None) -> str | None:
    """Whether a result's price fits a demand's budget range; None when either is unknown (面议)."""
    if price_fen is None or (budget_min_fen is None and budget_max_fen is None):
        return None
    if budget_max_fen is not None and price_fen > budget_max_fen:
        return "over"
    return "within"
