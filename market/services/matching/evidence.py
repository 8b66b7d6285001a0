"""Candidates and what the retrievers say about them: BM25 from the index, both views' cosines from the stored
vectors, read both ways; and which candidates a listing may be shown."""

from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select

from market import search, vectors
from market.extensions import db
from market.matching import embedding, scoring
from market.models import Achievement, Demand, ListingVector
from market.search import IndexUnavailable

MATCHED = {"demand": Achievement, "achievement": Demand}


OTHER = {"demand": "achievement", "achievement": "demand"}


POOL = 50  # candidates taken from each retriever for the relevance model to judge


def _query_vectors(listing) -> tuple[np.ndarray, np.ndarray] | None:
    """The listing's stored whole-text and title vectors, each embedded as a query; None for a draft or a
    listing the worker has not embedded yet (a request never waits on the model)."""
    row = db.session.get(ListingVector, (listing.kind, listing.id))
    if row is not None and row.model == embedding.MODEL_NAME:
        return embedding.from_bytes(row.as_query), embedding.from_bytes(row.title_as_query)
    return None


@dataclass
class Evidence:
    """What the retrievers say about the candidates of one listing, each map keyed by candidate id."""

    lexical_ranks: dict = field(default_factory=dict)
    lexical_scores: dict = field(default_factory=dict)
    semantic_ranks: dict = field(default_factory=dict)
    title_ranks: dict = field(default_factory=dict)
    cosines: dict = field(default_factory=dict)
    title_cosines: dict = field(default_factory=dict)
    cosines_z: dict = field(default_factory=dict)
    title_z: dict = field(default_factory=dict)
    paraphrases: dict = field(default_factory=dict)

    def candidate_ids(self) -> set[int]:
        return set(self.lexical_ranks) | set(self.semantic_ranks) | set(self.title_ranks)


def _source_text(listing) -> str:
    return " ".join([listing.title, listing.title, *listing.keyword_list, listing.body])


def _lexical(listing, target: str, evidence: Evidence) -> None:
    try:
        hits = search.backend().similar(target, _source_text(listing)[:600], limit=POOL)
    except IndexUnavailable:  # while the index is rebuilt, suggestions come from the stored vectors alone
        return
    best = max((hit.score for hit in hits), default=0.0) or 1.0
    evidence.lexical_ranks = {hit.object_id: position for position, hit in enumerate(hits, start=1)}
    evidence.lexical_scores = {hit.object_id: hit.score / best for hit in hits}


class _Meaning:
    """One listing's cosines against every stored passage of the other kind: whole text and title, each as a
    query."""

    def __init__(self, target: str, query_vectors: tuple[np.ndarray, np.ndarray]):
        self.ids, matrix = vectors.cache().matrix(target)  # ids ascending
        self.whole, self.title = query_vectors
        self.by_text, self.by_title = matrix @ self.whole, matrix @ self.title

    def top(self, cosines: np.ndarray, count: int = POOL) -> list[int]:
        return [int(self.ids[i]) for i in np.argsort(-cosines, kind="stable")[:count]]

    def read(self, wanted, evidence: Evidence) -> None:
        """Each wanted id's whole-text and title cosines, raw and standardised over the whole catalogue (how
        far above this listing's usual closeness a candidate stands)."""
        wanted = np.array(sorted(wanted), dtype=np.int64)
        at = np.searchsorted(self.ids, wanted)
        found = at < len(self.ids)
        found[found] = self.ids[at[found]] == wanted[found]
        ids, at = wanted[found].tolist(), at[found]
        text_z = (self.by_text - self.by_text.mean()) / max(float(self.by_text.std()), 1e-6)
        title_z = (self.by_title - self.by_title.mean()) / max(float(self.by_title.std()), 1e-6)
        evidence.cosines = dict(zip(ids, self.by_text[at].tolist()))
        evidence.cosines_z = dict(zip(ids, text_z[at].tolist()))
        evidence.title_z = dict(zip(ids, title_z[at].tolist()))
        evidence.title_cosines = dict(zip(ids, self.by_title[at].tolist()))


def _read_both_ways(meaning: _Meaning, target: str, evidence: Evidence) -> None:
    """Rank the candidates by each view's similarity read as e5 reads an answer (query→passage) plus as it
    reads a paraphrase (query↔query): a demand and the result that meets it both ask and answer, and both
    describe the same problem. The second reading needs the candidates' query vectors, fetched for these
    candidates only."""
    rows = db.session.execute(
        select(ListingVector.object_id, ListingVector.as_query, ListingVector.title_as_query).where(
            ListingVector.kind == target,
            ListingVector.model == embedding.MODEL_NAME,
            ListingVector.object_id.in_(list(evidence.cosines)),
        )
    ).all()
    if not rows:
        return
    ids = [r.object_id for r in rows]
    as_query = np.vstack([embedding.from_bytes(r.as_query) for r in rows]) @ meaning.whole
    title_as_query = np.vstack([embedding.from_bytes(r.title_as_query) for r in rows]) @ meaning.title
    evidence.paraphrases = dict(zip(ids, as_query.tolist()))
    evidence.semantic_ranks = scoring.ranks_of(
        {i: evidence.cosines[i] + float(c) for i, c in zip(ids, as_query)}, POOL
    )
    evidence.title_ranks = scoring.ranks_of(
        {i: evidence.title_cosines[i] + float(c) for i, c in zip(ids, title_as_query)}, POOL
    )


def evidence_for(listing, include=()) -> Evidence:
    """What the retrievers say about this listing's candidates of the other kind (and about `include` too):
    BM25's ranks and scores, and both views' cosines read both ways over every candidate either retriever
    proposes."""
    target = OTHER[listing.kind]
    evidence = Evidence()
    _lexical(listing, target, evidence)
    query_vectors = _query_vectors(listing)
    if query_vectors is None:
        return evidence
    meaning = _Meaning(target, query_vectors)
    if not len(meaning.ids):
        return evidence
    meaning.read(
        {*evidence.lexical_ranks, *meaning.top(meaning.by_text), *meaning.top(meaning.by_title), *include},
        evidence,
    )
    _read_both_ways(meaning, target, evidence)
    return evidence


def eligible_candidates(listing, ids) -> dict:
    """Of these ids, the published listings of the other kind that belong to another organisation, by id."""
    if not ids:
        return {}
    model = MATCHED[listing.kind]
    return {
        c.id: c
        for c in db.session.scalars(
            select(model).where(
                model.id.in_(ids), model.status == "published", model.org_id != listing.org_id
            )
        )
    }
