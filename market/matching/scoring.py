"""How a suggestion is scored and explained (pure: plain values in, plain values out).

Two retrievers propose candidates: the search index (BM25 over segmented words: exact terms) and the
embedding model (cosine similarity: meaning, when an enterprise's plain words and a paper's terms differ),
which ranks twice: by the whole text and by the title, each similarity read both as an answer to a question
(query→passage) and as a paraphrase (query↔query). Each ranking is turned into a rank-based share
(reciprocal rank fusion, which needs no calibration between score scales that differ per catalogue);
structured signals add small, explainable nudges. The band (强/中/弱) comes from absolute evidence instead:
how close the meanings are and whether the index found the pair too.
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
    total: float = 0.0  # the unclamped weighted sum that orders suggestions


def ranks_of(scores: dict[int, float], limit: int | None = None) -> dict[int, int]:
    """1-based ranks by score, best first (ties by id), for the best `limit` ids."""
    ordered = sorted(scores, key=lambda i: (-scores[i], i))
    return {i: position for position, i in enumerate(ordered[:limit], start=1)}


def _rrf(rank: int | None) -> float:
    return 0.0 if rank is None else (RRF_K + 1) / (RRF_K + rank)  # 1.0 at rank 1


def closeness(cosine: float | None) -> float:
    """A cosine similarity on a 0–1 scale between the floor and the ceiling."""
    if cosine is None:
        return 0.0
    return min(1.0, max(0.0, (cosine - COSINE_FLOOR) / (COSINE_CEILING - COSINE_FLOOR)))


MAX_TOTAL = sum(WEIGHTS.values())


def features(signals: Signals) -> dict[str, float]:
    """Each piece of evidence on a 0–1 scale (budget −1 when over): what the weights multiply."""
    return {
        "lexical": _rrf(signals.lexical_rank),
        "semantic": _rrf(signals.semantic_rank),
        "title": _rrf(signals.title_rank),
        "field": 1.0 if signals.same_field else 0.0,
        "budget": {"within": 1.0, "over": -1.0}.get(signals.budget_fit, 0.0),
        "maturity": MATURITY_FIT.get(signals.maturity or "", 0.0),
        "region": 1.0 if signals.same_region else 0.0,
        "fresh": 1.0 if signals.age_days is not None and signals.age_days <= FRESH_DAYS else 0.0,
    }


def score(signals: Signals, weights: dict | None = None) -> Suggestion:
    """One candidate's score (0–1, the weighted share of the evidence it has), band and human reasons."""
    weights = weights or WEIGHTS
    parts = features(signals)
    total = sum(weights[name] * value for name, value in parts.items())
    value = max(0.0, min(1.0, total / sum(weights.values())))
    return Suggestion(signals.candidate_id, round(value, 4), band(signals), reasons(signals), parts, total)


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


def rank(candidates: list[Signals], limit: int | None = None, weights: dict | None = None) -> list[Suggestion]:
    """Candidates scored and sorted best first (ties by id, so the order is stable)."""
    scored = sorted((score(s, weights) for s in candidates), key=lambda s: (-s.total, s.candidate_id))
    return scored if limit is None else scored[:limit]


# ---- learning the weights from brokers' decisions -------------------------------------------------------

MIN_LABELS = 20  # fewer decisions than this, or only one kind of decision: keep the prior weights
PRIOR_LABELS = 50  # the prior counts as this many decisions when blended with what was learned
RETRIEVER_FLOOR = 0.1  # no retriever is switched off entirely by a few decisions


def learn_weights(examples: list[tuple[dict, bool]], prior: dict | None = None) -> dict:
    """Fusion weights fitted to brokers' decisions (features of a pair, accepted?), shrunk towards the prior.

    A logistic regression on the same features the score adds up, with a ridge penalty pulling it towards the
    prior weights (scaled to the data), then blended with the prior by the number of decisions and rescaled to
    the prior's total, so that scores stay on the same 0–1 scale. Pure: lists in, a dict out.
    """
    import numpy as np

    prior = dict(prior or WEIGHTS)
    names = list(prior)
    accepted = sum(1 for _, ok in examples if ok)
    if len(examples) < MIN_LABELS or accepted == 0 or accepted == len(examples):
        return prior
    x = np.array([[float(f.get(name, 0.0)) for name in names] for f, _ in examples])
    y = np.array([1.0 if ok else 0.0 for _, ok in examples])
    w0 = np.array([prior[name] for name in names])
    # How strongly the prior score separates the decisions sets the scale the penalty pulls towards.
    scale = _fit_scale(x @ w0, y)
    target = w0 * scale
    # Damped Newton steps on the penalised log-loss; the last column is the intercept, barely penalised.
    xb = np.hstack([x, np.ones((len(x), 1))])
    anchor = np.append(target, 0.0)
    ridge = np.diag([1.0] * len(names) + [0.01])
    theta = anchor.copy()
    for _ in range(200):
        p = 1 / (1 + np.exp(-np.clip(xb @ theta, -30, 30)))
        gradient = xb.T @ (p - y) + ridge @ (theta - anchor)
        hessian = (xb * (p * (1 - p))[:, None]).T @ xb + ridge
        step = np.linalg.solve(hessian, gradient)
        step *= min(1.0, 1.0 / max(float(np.max(np.abs(step))), 1e-12))  # at most 1 per coordinate per step
        theta -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    w = theta[:-1]
    learned = np.maximum(w, 0.0)
    if learned.sum() <= 0:
        return prior
    learned *= w0.sum() / learned.sum()
    share = len(examples) / (len(examples) + PRIOR_LABELS)
    blended = (1 - share) * w0 + share * learned
    for n, name in enumerate(names):
        if name in ("lexical", "semantic", "title"):
            blended[n] = max(blended[n], RETRIEVER_FLOOR)
    blended *= w0.sum() / blended.sum()
    return {name: round(float(value), 4) for name, value in zip(names, blended)}


def _fit_scale(prior_scores, y) -> float:
    """The one-parameter logistic fit of the decisions on the prior score (at least a small positive scale)."""
    import numpy as np

    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-np.clip(a * prior_scores + b, -30, 30)))
        r = p - y
        g = np.array([np.sum(r * prior_scores), np.sum(r)])
        h = np.array([[np.sum(p * (1 - p) * prior_scores ** 2), np.sum(p * (1 - p) * prior_scores)],
                      [np.sum(p * (1 - p) * prior_scores), np.sum(p * (1 - p))]]) + 1e-3 * np.eye(2)
        step = np.linalg.solve(h, g)
        step *= min(1.0, 1.0 / max(float(np.max(np.abs(step))), 1e-12))
        a, b = a - step[0], b - step[1]
        if np.max(np.abs(step)) < 1e-8:
            break
    return max(float(a), 0.1)


def budget_fit(price_fen: int | None, budget_min_fen: int | None, budget_max_fen: int | None) -> str | None:
    """Whether a result's price fits a demand's budget range; None when either is unknown (面议)."""
    if price_fen is None or (budget_min_fen is None and budget_max_fen is None):
        return None
    if budget_max_fen is not None and price_fen > budget_max_fen:
        return "over"
    return "within"
