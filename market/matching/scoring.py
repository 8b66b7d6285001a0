"""How a suggestion is judged and explained (pure: plain values in, plain values out).

Three retrievers propose candidates: the search index (BM25 over segmented words), and the embedding model
twice, by the whole text and by the title (a demand's title carries the need). For every candidate the
evidence is turned into features (`features`), and the relevance model (`market.matching.model`) reads them as
the chance that a broker would introduce the two parties. That probability orders the suggestions and sets
the band: 强 and 中 only where judged pairs at that probability were mostly relevant (`band`). The reasons say
only what is true of the pair: distinctive shared words, closeness of meaning when meaning alone makes the
pair likely, and the facts of field, maturity, budget and region (`reasons`).
"""

import math
from dataclasses import dataclass, field

RRF_K = 20  # damping of the rank features: a higher rank matters, but no single rank dominates
MATURITY_FIT = {"产业化": 1.0, "中试": 0.8, "小试": 0.4, "实验室": 0.2}
FRESH_DAYS = 90
COSINE_CENTRE = 0.8  # e5 cosines between Chinese texts sit around here; features are read relative to it
BANDS = ("强", "中", "弱")
STRONG, MEDIUM = 0.8, 0.5  # default thresholds (settings MATCH_STRONG_PROBABILITY, MATCH_MEDIUM_PROBABILITY)
# Features that read the wording; without them the model judges a pair by its meaning alone.
LEXICAL_FEATURES = ("lexical", "lexical_score", "shared_weight", "shared_count")


@dataclass
class Signals:
    """What is known about one candidate for one listing."""

    candidate_id: int
    lexical_rank: int | None = None  # 1-based rank among the index's hits, None if not retrieved there
    lexical_score: float | None = None  # BM25 score relative to the best hit for this listing (0–1)
    semantic_rank: int | None = None  # by the whole text's meaning, read both ways
    title_rank: int | None = None  # by the title's meaning
    cosine: float | None = None  # whole text as a query against the candidate as a passage
    cosine_z: float | None = (
        None  # the same, standardised over this listing's cosines with the whole catalogue
    )
    title_cosine_z: float | None = None  # the title as a query, standardised likewise
    paraphrase: float | None = None  # whole text against whole text, both as queries
    shared_terms: list[str] = field(default_factory=list)  # distinctive shared words, the rarest first
    shared_weight: float = 0.0  # their summed idf
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
    probability: float  # the chance that a broker would introduce the two parties
    band: str
    reasons: list[str]
    features: dict

    @property
    def score(self) -> float:
        """The API's and the pages' 匹配度: the probability, rounded."""
        return round(self.probability, 4)


def ranks_of(scores: dict[int, float], limit: int | None = None) -> dict[int, int]:
    """1-based ranks by score, best first (ties by id), for the best `limit` ids."""
    ordered = sorted(scores, key=lambda i: (-scores[i], i))
    return {i: position for position, i in enumerate(ordered[:limit], start=1)}


def _rrf(rank: int | None) -> float:
    return 0.0 if rank is None else (RRF_K + 1) / (RRF_K + rank)  # 1.0 at rank 1


def features(signals: Signals) -> dict[str, float]:
    """The evidence as numbers for the relevance model (missing evidence reads as absent or typical)."""
    return {
        "lexical": _rrf(signals.lexical_rank),
        "lexical_score": signals.lexical_score or 0.0,
        "semantic": _rrf(signals.semantic_rank),
        "title": _rrf(signals.title_rank),
        "cosine": (signals.cosine - COSINE_CENTRE) if signals.cosine is not None else 0.0,
        "cosine_z": signals.cosine_z or 0.0,
        "title_z": signals.title_cosine_z or 0.0,
        "paraphrase": (signals.paraphrase - COSINE_CENTRE) if signals.paraphrase is not None else 0.0,
        "shared_weight": math.log1p(signals.shared_weight),
        "shared_count": min(len(signals.shared_terms), 8) / 8,
        "field": 1.0 if signals.same_field else 0.0,
        "budget": {"within": 1.0, "over": -1.0}.get(signals.budget_fit, 0.0),
        "maturity": MATURITY_FIT.get(signals.maturity or "", 0.0),
        "region": 1.0 if signals.same_region else 0.0,
    }


def meaning_only(row: dict) -> dict:
    """The features with the wording's evidence taken away: how the pair looks by meaning alone."""
    return {**row, **{name: 0.0 for name in LEXICAL_FEATURES}}


def band(probability: float, strong: float = STRONG, medium: float = MEDIUM) -> str:
    """强 at or above the strong threshold, 中 at or above the medium one, else 弱."""
    if probability >= strong:
        return "强"
    return "中" if probability >= medium else "弱"


def reasons(signals: Signals, close_in_meaning: bool) -> list[str]:
    """Why a broker should look at this pair, in the words a broker uses; each one true of the pair."""
    out = []
    if signals.shared_terms:
        out.append("共同关键词：" + "、".join(signals.shared_terms[:5]))
    if close_in_meaning:
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
    if not out:  # nothing distinctive: say where the retrievers put it, which is true
        ranks = [
            f"{name}排第 {rank} 位"
            for name, rank in (("关键词检索", signals.lexical_rank), ("语义检索", signals.semantic_rank))
            if rank
        ]
        out.append("；".join(ranks) if ranks else "检索候选")
    return out


def budget_fit(price_fen: int | None, budget_min_fen: int | None, budget_max_fen: int | None) -> str | None:
    """Whether a result's price fits a demand's budget range; None when either is unknown (面议)."""
    if price_fen is None or (budget_min_fen is None and budget_max_fen is None):
        return None
    if budget_max_fen is not None and price_fen > budget_max_fen:
        return "over"
    return "within"
