"""Search by words and by meaning as one list: BM25 and embedding cosines fused by reciprocal rank.

Pure apart from the engine it is given (any SearchBackend): the caller embeds the query and supplies the
candidates by meaning; the engine applies the request's filters to them, counts them in totals and facets,
and says which of them also have the query's words.
"""

import math
from dataclasses import dataclass, replace

import numpy as np

from market.search.base import NO_WORDS, Ranked, SearchRequest, SearchResult

WORD_WINDOW = 200  # the first documents of the ranking by words that take part in the fusion
MEANING_LIMIT = 200  # candidates by meaning, best first
RRF_K = 60  # reciprocal rank fusion: a document at place r (from 1) in a ranking gains 1 / (RRF_K + r)
TO_RANK = 1.0  # standard deviations above the usual cosine for a passage to count in the fusion at all
# What e5 gives a query against an unrelated listing, measured on the search relevance set
# (bench/search_relevance.py: median 0.829 over 42,373 pairs, per-query standard deviation 0.012–0.017); the
# prior of a small catalogue.
TYPICAL_COSINE, TYPICAL_SPREAD, PRIOR_WEIGHT = 0.83, 0.014, 50


@dataclass(frozen=True)
class Close:
    """A stored passage close to the query: its "kind:id", cosine, and whether it is close enough to be a
    result without the query's words (else it only helps rank documents that have them)."""

    key: str
    cosine: float
    alone: bool


def nearest(
    query_vector: np.ndarray, matrices: dict[str, tuple[np.ndarray, np.ndarray]], floor: float, spread: float
) -> list[Close]:
    """The MEANING_LIMIT passages closest to the query among those TO_RANK standard deviations above this
    query's usual cosine, closest first; `alone` when also at least `floor` and `spread` standard deviations
    above it.

    e5 puts every passage between about 0.78 and 0.92 of any query, so how far a cosine stands out among the
    query's cosines says more than the cosine itself: the usual cosine and its spread are the catalogue's mean
    and standard deviation for this query, shrunk toward TYPICAL_COSINE and TYPICAL_SPREAD while the catalogue
    is small.
    matrices: kind → (ids, unit passage vectors)."""
    kinds = [kind for kind, (ids, _) in matrices.items() if len(ids)]
    if not kinds:
        return []
    cosines = np.concatenate([matrices[kind][1] @ query_vector for kind in kinds])
    ids = np.concatenate([matrices[kind][0] for kind in kinds])
    of_kind = np.repeat(np.arange(len(kinds)), [len(matrices[kind][0]) for kind in kinds])
    count = len(cosines)
    mean = (cosines.sum() + PRIOR_WEIGHT * TYPICAL_COSINE) / (count + PRIOR_WEIGHT)
    variance = (((cosines - mean) ** 2).sum() + PRIOR_WEIGHT * TYPICAL_SPREAD**2) / (count + PRIOR_WEIGHT)
    standing = (cosines - mean) / math.sqrt(variance)
    chosen = np.flatnonzero(standing >= TO_RANK)
    if len(chosen) > MEANING_LIMIT:
        chosen = chosen[np.argpartition(-cosines[chosen], MEANING_LIMIT - 1)[:MEANING_LIMIT]]
    keys = {i: f"{kinds[of_kind[i]]}:{int(ids[i])}" for i in chosen}
    return [
        Close(keys[i], float(cosines[i]), bool(cosines[i] >= floor and standing[i] >= spread))
        for i in sorted(chosen, key=lambda i: (-cosines[i], keys[i]))
    ]


def fuse(ranking: list[Ranked], by_meaning: list[str], k: int = RRF_K) -> list[tuple[str, float]]:
    """The documents of `ranking` (the engine's ranking by words, candidates included) in fused order, with
    their fused scores: 1 / (k + place) from the ranking by words (its window only) and from `by_meaning`
    (keys closest first). Documents with more of the query's words keep the places of documents with words in
    tier order, so a document with every word always comes before one with some; documents found by meaning
    only keep their place."""
    scores: dict[str, float] = {}
    tiers: dict[str, int] = {}
    for ranked in ranking:
        tiers[ranked.key] = ranked.tier
        scores[ranked.key] = (
            1 / (k + ranked.position + 1) if ranked.position is not None and ranked.tier > NO_WORDS else 0.0
        )
    place = 0
    for key in by_meaning:
        if key in scores:  # the others are filtered out or gone
            place += 1
            scores[key] += 1 / (k + place)
    order = sorted(scores, key=lambda key: -scores[key])  # stable: ties keep the ranking by words
    slots = [at for at, key in enumerate(order) if tiers[key] > NO_WORDS]
    by_tier = sorted((order[at] for at in slots), key=lambda key: -tiers[key])
    for at, key in zip(slots, by_tier):
        order[at] = key
    fused, lowest = [], math.inf
    for key in order:  # scores that never rise down the list, as the order says
        lowest = min(lowest, scores[key])
        fused.append((key, lowest))
    return fused


def ranked_search(backend, request: SearchRequest, by_meaning: list[Close]) -> SearchResult:
    """The engine's search with the passages close in meaning fused in (relevance sort): those close enough
    alone are results even without the words; without any, the engine's ranking by words as it is."""
    if not by_meaning or request.sort != "relevance":
        return backend.search(request)
    candidates = tuple(close.key for close in by_meaning if close.alone)
    result = backend.search(replace(request, candidates=candidates, window=WORD_WINDOW))
    if not result.total:
        return result
    order = fuse(result.ranking, [close.key for close in by_meaning])
    page = min(request.page, math.ceil(result.total / request.per_page))
    start, end = (page - 1) * request.per_page, min(page * request.per_page, result.total)
    chosen = order[start:end]
    if end > len(order):  # past the fused documents the ranking by words goes on
        rest = _words_after(backend, request, result.ranking, {key for key, _ in order}, end - len(order))
        chosen += [(key, 0.0) for key in rest[max(0, start - len(order)) :]]
    scores = dict(chosen)
    hits = backend.fetch(request, [key for key, _ in chosen])
    for hit in hits:
        hit.score = scores.get(f"{hit.kind}:{hit.object_id}", 0.0)
    return replace(result, hits=hits, page=page, ranking=[])


def _words_after(
    backend, request: SearchRequest, ranking: list[Ranked], taken: set[str], count: int
) -> list[str]:
    """The first `count` documents of the ranking by words that are not among the fused ones."""
    beyond = sum(1 for ranked in ranking if ranked.position is None and ranked.tier > NO_WORDS)
    deeper = backend.search(
        replace(request, candidates=(), window=WORD_WINDOW + beyond + count, page=1, per_page=1)
    )
    return [ranked.key for ranked in deeper.ranking if ranked.key not in taken][:count]
