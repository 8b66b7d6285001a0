"""Suggesting results for demands and demands for results: candidates, signals and explanations.

Vectors follow the search outbox with a cursor of their own (`refresh_vectors`), so a listing gets its
embedding when it is published and keeps it across restarts. Candidates come from the search index
(BM25) and from the stored vectors (cosine); `market.matching.scoring` ranks and explains them.
"""
import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from market import search, vectors
from market.errors import NotFound, PermissionDenied, ValidationFailed
from market.extensions import db
from market.matching import embedding, model as relevance, scoring
from market.models import (
    Achievement, Demand, Equipment, ListingVector, MatchDecision, SearchIndexCursor, SearchOutboxEntry, User,
)
from market.models.base import utcnow
from market.search import IndexUnavailable
from market.services import audit
from market.services.base import Page, paginate, parse_row_id, unit_of_work
from market.services.deals import start_deal
from market.services.indexing import VECTOR_CURSOR, safe_cursor
from market.services.notifications import add_notifications
from market.services.permissions import can_manage, is_admin, is_signed_in

log = logging.getLogger(__name__)
MATCHED = {"demand": Achievement, "achievement": Demand}
OTHER = {"demand": "achievement", "achievement": "demand"}
POOL = 50  # candidates taken from each retriever for the relevance model to judge
MAX_QUEUE_PAGE = 20  # every demand on a queue page is matched on the spot
REJECT_REASONS = {"field": "领域不符", "maturity": "成熟度不够", "price": "价格不符", "existing": "已有合作",
                  "unclear": "描述不清", "other": "其他"}
# A word is distinctive when at most this share of the catalogue's documents use it (or this many, if more), and
# it is not common in general writing (结合, 过程, 材料: ~100 per million words; 锂电池, 包覆 far below).
DISTINCTIVE_SHARE, DISTINCTIVE_MIN_DOCUMENTS = 0.05, 2
GENERAL_WORD_PER_MILLION = 80
GENERIC_TERMS_FILE = Path(relevance.__file__).with_name("generic_terms.txt")
NO_GOOD_MATCH = "暂无把握较大的匹配：没有候选达到“中”及以上"


@cache
def generic_terms() -> frozenset[str]:
    """Words every listing uses (the maintained list in market/matching/generic_terms.txt)."""
    lines = GENERIC_TERMS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


# ---- vectors --------------------------------------------------------------------------------------------

def _listing_text(listing) -> str:
    if isinstance(listing, Achievement):
        return embedding.listing_text(listing.title, listing.keywords or [], listing.summary)
    return embedding.listing_text(listing.title, [], listing.description)


def _title_text(listing) -> str:
    return embedding.listing_text(listing.title, getattr(listing, "keywords", None) or [])


def _new_vectors(listing) -> dict | None:
    """The listing's vector values if its text changed since they were stored (computing, not writing)."""
    text, title = _listing_text(listing), _title_text(listing)
    digest = embedding.text_hash(f"{title}\n{text}")
    current = db.session.scalar(select(ListingVector.text_hash).where(
        ListingVector.kind == listing.kind, ListingVector.object_id == listing.id))
    if current == digest:
        return None
    return dict(model=embedding.MODEL_NAME, text_hash=digest, updated_at=utcnow(),
                as_query=embedding.to_bytes(embedding.embed(text, as_query=True)),
                title_as_query=embedding.to_bytes(embedding.embed(title, as_query=True)),
                as_passage=embedding.to_bytes(embedding.embed(text, as_query=False)))


def _write_vectors(listing, values: dict) -> None:
    row = db.session.get(ListingVector, (listing.kind, listing.id))
    if row is None:
        db.session.add(ListingVector(kind=listing.kind, object_id=listing.id, **values))
    else:
        for name, value in values.items():
            setattr(row, name, value)


def store_vector(listing) -> bool:
    """Compute and keep a published listing's vectors unless its text is unchanged; True if computed."""
    values = _new_vectors(listing)
    if values is not None:
        _write_vectors(listing, values)
    return values is not None


def refresh_vectors(max_rows: int = 200) -> int:
    """Follow the outbox: embed newly published or edited results and demands; returns how many.

    Several processes may run this at once; one that loses the race (a vector stored or the database
    locked by another) rolls back and leaves the rows to the next run.
    """
    try:
        fresh = _refresh_vectors(max_rows)
    except (IntegrityError, OperationalError) as exc:
        db.session.rollback()
        log.info("matching vectors left for the next run: %s", exc.__class__.__name__)
        return 0
    for listing in fresh:  # the vector cache notices the new rows itself and reads only them
        _notify_strong_matches(listing)
    return len(fresh)


def _refresh_vectors(max_rows: int) -> list:
    cursor_row = db.session.get(SearchIndexCursor, VECTOR_CURSOR)
    cursor = cursor_row.seq if cursor_row else 0
    rows = db.session.execute(
        select(SearchOutboxEntry.seq, SearchOutboxEntry.kind, SearchOutboxEntry.object_id, SearchOutboxEntry.created_at)
        .where(SearchOutboxEntry.seq > cursor, SearchOutboxEntry.kind.in_(tuple(MATCHED)))
        .order_by(SearchOutboxEntry.seq).limit(max_rows)).all()
    if not rows:
        return []
    # Embed first, write after: on SQLite the first write locks the database for everyone until commit.
    fresh, gone = [], []
    for kind, object_id in dict.fromkeys((r.kind, r.object_id) for r in rows):
        listing = db.session.get(MATCHED[OTHER[kind]], object_id)
        if listing is None:
            gone.append((kind, object_id))
        elif listing.status == "published":
            values = _new_vectors(listing)
            if values is not None:
                fresh.append((listing, values))
    for kind, object_id in gone:
        db.session.execute(ListingVector.__table__.delete().where(
            ListingVector.kind == kind, ListingVector.object_id == object_id))
    for listing, values in fresh:
        _write_vectors(listing, values)
    # Rows of other kinds between ours are skipped by the query, so the cursor may jump over them.
    all_seqs = db.session.execute(
        select(SearchOutboxEntry.seq, SearchOutboxEntry.created_at)
        .where(SearchOutboxEntry.seq > cursor, SearchOutboxEntry.seq <= rows[-1].seq).order_by(SearchOutboxEntry.seq)).all()
    cursor_row = cursor_row or SearchIndexCursor(name=VECTOR_CURSOR, seq=0)
    cursor_row.seq = safe_cursor(cursor, [(r.seq, r.created_at) for r in all_seqs], utcnow())
    db.session.add(cursor_row)
    db.session.commit()
    return [listing for listing, _ in fresh]


def backfill_vectors(progress=None) -> int:
    """Vectors for every published result and demand that lacks a current one (after an upgrade);
    progress(n) is told after every n listings checked."""
    done = 0
    for model in (Achievement, Demand):
        ids = list(db.session.scalars(select(model.id).where(model.status == "published").order_by(model.id)))
        for start in range(0, len(ids), 50):
            batch = ids[start:start + 50]
            for listing in db.session.scalars(select(model).where(model.id.in_(batch))):
                done += store_vector(listing)
            db.session.commit()
            if progress:
                progress(len(batch))
    vectors.cache().invalidate()
    return done


def _query_vectors(listing) -> tuple[np.ndarray, np.ndarray] | None:
    """The listing's stored whole-text and title vectors, each embedded as a query; None for a draft or a listing
    the worker has not embedded yet (a request never waits on the model)."""
    row = db.session.get(ListingVector, (listing.kind, listing.id))
    if row is not None and row.model == embedding.MODEL_NAME:
        return embedding.from_bytes(row.as_query), embedding.from_bytes(row.title_as_query)
    return None


# ---- candidates and evidence --------------------------------------------------------------------------

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
    if isinstance(listing, Achievement):
        return f"{listing.title} {listing.title} {' '.join(listing.keywords or [])} {listing.summary}"
    return f"{listing.title} {listing.title} {listing.description}"


def _lexical(listing, target: str, evidence: Evidence) -> None:
    try:
        hits = search.backend().similar(target, _source_text(listing)[:600], limit=POOL)
    except IndexUnavailable:  # while the index is rebuilt, suggestions come from the stored vectors alone
        return
    best = max((hit.score for hit in hits), default=0.0) or 1.0
    evidence.lexical_ranks = {hit.object_id: position for position, hit in enumerate(hits, start=1)}
    evidence.lexical_scores = {hit.object_id: hit.score / best for hit in hits}


class _Meaning:
    """One listing's cosines against every stored passage of the other kind: whole text and title, each as a query."""

    def __init__(self, target: str, query_vectors: tuple[np.ndarray, np.ndarray]):
        self.ids, matrix = vectors.cache().matrix(target)  # ids ascending
        self.whole, self.title = query_vectors
        self.by_text, self.by_title = matrix @ self.whole, matrix @ self.title

    def top(self, cosines: np.ndarray, count: int = POOL) -> list[int]:
        return [int(self.ids[i]) for i in np.argsort(-cosines, kind="stable")[:count]]

    def read(self, wanted, evidence: Evidence) -> None:
        """Each wanted id's whole-text and title cosines, raw and standardised over the whole catalogue (how far
        above this listing's usual closeness a candidate stands)."""
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
    """Rank the candidates by each view's similarity read as e5 reads an answer (query→passage) plus as it reads a
    paraphrase (query↔query): a demand and the result that meets it both ask and answer, and both describe the same
    problem. The second reading needs the candidates' query vectors, fetched for these candidates only."""
    rows = db.session.execute(select(ListingVector.object_id, ListingVector.as_query, ListingVector.title_as_query)
                              .where(ListingVector.kind == target, ListingVector.model == embedding.MODEL_NAME,
                                     ListingVector.object_id.in_(list(evidence.cosines)))).all()
    if not rows:
        return
    ids = [r.object_id for r in rows]
    as_query = np.vstack([embedding.from_bytes(r.as_query) for r in rows]) @ meaning.whole
    title_as_query = np.vstack([embedding.from_bytes(r.title_as_query) for r in rows]) @ meaning.title
    evidence.paraphrases = dict(zip(ids, as_query.tolist()))
    evidence.semantic_ranks = scoring.ranks_of(
        {i: evidence.cosines[i] + float(c) for i, c in zip(ids, as_query)}, POOL)
    evidence.title_ranks = scoring.ranks_of(
        {i: evidence.title_cosines[i] + float(c) for i, c in zip(ids, title_as_query)}, POOL)


def evidence_for(listing, include=()) -> Evidence:
    """What the retrievers say about this listing's candidates of the other kind (and about `include` too): BM25's
    ranks and scores, and both views' cosines read both ways over every candidate either retriever proposes."""
    target = OTHER[listing.kind]
    evidence = Evidence()
    _lexical(listing, target, evidence)
    query_vectors = _query_vectors(listing)
    if query_vectors is None:
        return evidence
    meaning = _Meaning(target, query_vectors)
    if not len(meaning.ids):
        return evidence
    meaning.read({*evidence.lexical_ranks, *meaning.top(meaning.by_text), *meaning.top(meaning.by_title), *include},
                 evidence)
    _read_both_ways(meaning, target, evidence)
    return evidence


_words_cache: OrderedDict = OrderedDict()
_words_lock = threading.Lock()  # the worker's lanes are threads of one process
_WORDS_CACHE_SIZE = 4096


def _words(listing) -> list[str]:
    """The listing's words that could say something about a pair (generic ones, numbers and single characters
    left out), remembered per version of the listing."""
    key = (listing.kind, listing.id, listing.updated_at)
    with _words_lock:
        found = _words_cache.get(key)
    if found is not None:
        return found
    body = listing.summary if isinstance(listing, Achievement) else listing.description
    text = f"{listing.title} {' '.join(getattr(listing, 'keywords', None) or [])} {(body or '')[:300]}"
    generic = generic_terms()
    words = list(dict.fromkeys(w for w in search.query_words(text)
                               if len(w) >= 2 and w not in generic and not w.isdigit()
                               and search.general_frequency(w) < GENERAL_WORD_PER_MILLION))
    if listing.id is not None:
        with _words_lock:
            _words_cache[key] = words
            if len(_words_cache) > _WORDS_CACHE_SIZE:
                _words_cache.popitem(last=False)
    return words


def _distinctive_words(listing) -> dict[str, float]:
    """The listing's words that few documents of the catalogue use, with their idf (rarest first)."""
    words = _words(listing)
    try:
        total, frequencies = search.backend().document_frequencies(words)
    except IndexUnavailable:
        return {}
    most = max(DISTINCTIVE_MIN_DOCUMENTS, DISTINCTIVE_SHARE * total)
    rare = {w: math.log(1 + total / frequencies[w]) for w in words if 0 < frequencies.get(w, 0) <= most}
    return dict(sorted(rare.items(), key=lambda item: -item[1]))


def _signals(source, candidate, evidence: Evidence, distinctive: dict[str, float], now: datetime) -> scoring.Signals:
    demand, achievement = (source, candidate) if isinstance(source, Demand) else (candidate, source)
    same_field = source.field_id == candidate.field_id and source.field is not None and source.field.name != "其他"
    source_region = source.organisation.region if source.organisation else None
    candidate_region = candidate.organisation.region if candidate.organisation else None
    published = candidate.published_at or candidate.created_at
    theirs = set(_words(candidate))
    shared = [w for w in distinctive if w in theirs]
    i = candidate.id
    return scoring.Signals(
        candidate_id=i, lexical_rank=evidence.lexical_ranks.get(i), lexical_score=evidence.lexical_scores.get(i),
        semantic_rank=evidence.semantic_ranks.get(i), title_rank=evidence.title_ranks.get(i),
        cosine=evidence.cosines.get(i), cosine_z=evidence.cosines_z.get(i), title_cosine_z=evidence.title_z.get(i),
        paraphrase=evidence.paraphrases.get(i), shared_terms=shared,
        shared_weight=sum(distinctive[w] for w in shared),
        same_field=same_field, field_name=source.field.name if source.field else None,
        maturity=achievement.maturity,
        budget_fit=scoring.budget_fit(achievement.price_fen, demand.budget_min_fen, demand.budget_max_fen),
        same_region=bool(source_region and source_region == candidate_region and source_region != "其他"),
        region_name=source_region, age_days=(now - published).days if published else None)


def eligible_candidates(listing, ids) -> dict:
    """Of these ids, the published listings of the other kind that belong to another organisation, by id."""
    if not ids:
        return {}
    model = MATCHED[listing.kind]
    return {c.id: c for c in db.session.scalars(
        select(model).where(model.id.in_(ids), model.status == "published", model.org_id != listing.org_id))}


def compute_matches(listing, limit: int | None = 10) -> list[tuple[object, scoring.Suggestion]]:
    """The published listings of the other kind most likely to be introduced to this one, best first, each with
    its probability, band and reasons (no access check; every band: callers choose what to show)."""
    evidence = evidence_for(listing)
    candidates = eligible_candidates(listing, evidence.candidate_ids())
    if not candidates:
        return []
    accepted = set()  # brokers' decisions: a rejected pair is not suggested again, an accepted one says so
    pair = (MatchDecision.demand_id, MatchDecision.achievement_id)
    mine, theirs = pair if listing.kind == "demand" else pair[::-1]
    for candidate_id, decision in db.session.execute(
            select(theirs, MatchDecision.decision).where(mine == listing.id, theirs.in_(list(candidates)))):
        if decision == "rejected":
            candidates.pop(candidate_id, None)
        else:
            accepted.add(candidate_id)
    distinctive, now = _distinctive_words(listing), utcnow()
    signals = {i: _signals(listing, c, evidence, distinctive, now) for i, c in candidates.items()}
    rows = {i: scoring.features(s) for i, s in signals.items()}
    ordered = sorted(signals)
    probability = dict(zip(ordered, relevance_model().probabilities([rows[i] for i in ordered])))
    chosen = sorted(signals, key=lambda i: (-probability[i], i))[:limit]
    strong, medium = band_thresholds()
    by_meaning = relevance_model().probabilities([scoring.meaning_only(rows[i]) for i in chosen])
    out = []
    for i, meaning_alone in zip(chosen, by_meaning):
        reasons = scoring.reasons(signals[i], close_in_meaning=meaning_alone >= medium)
        if i in accepted:
            reasons.insert(0, "技术经纪人已确认可对接")
        suggestion = scoring.Suggestion(i, probability[i], scoring.band(probability[i], strong, medium), reasons,
                                        rows[i])
        out.append((candidates[i], suggestion))
    return out


def at_least(suggestions: list, min_band: str) -> list:
    """The suggestions of min_band or better (bands follow the probability, so the order is kept)."""
    allowed = scoring.BANDS[:scoring.BANDS.index(min_band) + 1]
    return [(candidate, s) for candidate, s in suggestions if s.band in allowed]


# ---- who sees suggestions ----------------------------------------------------------------------------

def can_see_matches(actor, listing) -> bool:
    """The listing's own organisation, brokers and admins."""
    return is_signed_in(actor) and (actor.role == "broker" or can_manage(actor, listing))


def suggestions_for(actor, kind: str, listing_id, limit=10, min_band: str = "中") -> tuple[object, list]:
    """A listing and its suggested counterparts of min_band or better, for those allowed to see them.

    min_band 弱 gives the whole ranking, weak suggestions included, in the same order."""
    if kind not in MATCHED:
        raise NotFound("未知的类型")
    row_id = parse_row_id(listing_id)
    listing = db.session.get(MATCHED[OTHER[kind]], row_id) if row_id else None
    if listing is None or not (listing.is_public or can_manage(actor, listing)):
        raise NotFound("该内容不存在")
    if not can_see_matches(actor, listing):
        raise PermissionDenied("只有发布单位、技术经纪人和管理员可以查看匹配推荐")
    limit, min_band = _bounded_limit(limit), band_filter(min_band)
    return listing, at_least(compute_matches(listing, limit), min_band)


def band_filter(value) -> str:
    """The lowest band asked for (中 when not given); anything else is refused."""
    value = value or "中"
    if value not in scoring.BANDS:
        raise ValidationFailed({"min_band": "最低匹配等级应为 强、中 或 弱"})
    return value


def instruments_for(actor, demand, limit: int = 3) -> list:
    """Shared instruments whose description shares the demand's words (from the index), for the same viewers."""
    if not can_see_matches(actor, demand):
        raise PermissionDenied("只有发布单位、技术经纪人和管理员可以查看匹配推荐")
    try:
        hits = search.backend().similar("equipment", f"{demand.title} {demand.title} {demand.description}"[:600],
                                        limit=limit)
    except IndexUnavailable:
        return []
    found = {e.id: e for e in db.session.scalars(select(Equipment).where(
        Equipment.id.in_([h.object_id for h in hits]), Equipment.status == "published"))}
    return [found[h.object_id] for h in hits if h.object_id in found]


def _bounded_limit(limit) -> int:
    try:
        value = int(limit)
    except (TypeError, ValueError):
        raise ValidationFailed({"limit": "数量必须是 1 到 50 之间的整数"}) from None
    if not 1 <= value <= 50:
        raise ValidationFailed({"limit": "数量必须是 1 到 50 之间的整数"})
    return value


# ---- brokers' decisions ------------------------------------------------------------------------------

def _require_broker(actor) -> None:
    if not (is_signed_in(actor) and (actor.role == "broker" or is_admin(actor))):
        raise PermissionDenied("只有技术经纪人和管理员可以处理匹配推荐")


@unit_of_work
def decide_match(actor, demand_id, achievement_id, decision: str, reason_code: str | None = None,
                 note: str | None = None, score: float | None = None) -> MatchDecision:
    """Accept or reject a suggested pair (a reason code is required to reject); stored as a label."""
    _require_broker(actor)
    errors = {}
    decision = decision if isinstance(decision, str) else None
    reason_code = reason_code if isinstance(reason_code, str) else None
    note = note if isinstance(note, str) else None
    if decision not in ("accepted", "rejected"):
        errors["decision"] = "请选择接受或拒绝"
    if score is not None and (isinstance(score, bool) or not isinstance(score, (int, float)) or not 0 <= score <= 1):
        errors["score"] = "评分必须是 0 到 1 之间的数"
    if decision == "rejected" and reason_code not in REJECT_REASONS:
        errors["reason_code"] = "拒绝时请选择原因：" + "、".join(REJECT_REASONS.values())
    note = (note or "").strip()
    if len(note) > 500:
        errors["note"] = "备注不能超过 500 字"
    demand = db.session.get(Demand, parse_row_id(demand_id) or 0)
    achievement = db.session.get(Achievement, parse_row_id(achievement_id) or 0)
    if demand is None or not demand.is_public:
        errors["demand_id"] = "该需求不存在或未发布"
    if achievement is None or not achievement.is_public:
        errors["achievement_id"] = "该成果不存在或未发布"
    if errors:
        raise ValidationFailed(errors)
    row = db.session.scalar(select(MatchDecision).where(MatchDecision.demand_id == demand.id,
                                                        MatchDecision.achievement_id == achievement.id))
    if row is None:
        row = MatchDecision(demand_id=demand.id, achievement_id=achievement.id)
        db.session.add(row)
    before = {"decision": row.decision, "reason_code": row.reason_code}
    row.decided_by_id, row.decision = actor.id, decision
    row.reason_code = reason_code if decision == "rejected" else None
    row.note, row.score = note or None, score
    row.features = pair_features(demand, achievement)
    db.session.flush()
    if decision == "accepted" and actor.role == "broker" and actor.is_verified and demand.org_id != achievement.org_id:
        deal, _ = start_deal(actor, {"demand_id": demand.id, "achievement_id": achievement.id})  # the step to a deal
        row.opened_deal_id = deal.id  # not a column: tells the page which deal to link
    audit.record(actor, "match_" + decision, "match_decision", row.id,
                 {"demand_id": demand.id, "achievement_id": achievement.id, "before": before,
                  "reason_code": row.reason_code, "note": row.note})
    return row


def match_queue(actor, page=1, per_page=10, per_demand=3) -> Page:
    """Open demands, newest first, each with its suggestions not yet acted on: those of band 中 or better (none, and
    a note saying so, when no candidate is good enough) and, apart, the best weak ones for brokers who look further."""
    _require_broker(actor)
    per_page = min(MAX_QUEUE_PAGE, max(1, int(per_page))) if str(per_page).isdigit() else 10
    demands = paginate(select(Demand).where(Demand.status == "published")
                       .order_by(Demand.published_at.desc(), Demand.id.desc()), page, per_page)
    decided = {(d, a) for d, a in db.session.execute(
        select(MatchDecision.demand_id, MatchDecision.achievement_id)
        .where(MatchDecision.demand_id.in_([d.id for d in demands.items]))).all()}
    entries = []
    for demand in demands.items:
        open_ = [(a, s) for a, s in compute_matches(demand, per_demand + 10) if (demand.id, a.id) not in decided]
        matches = at_least(open_, "中")[:per_demand]
        weak = [(a, s) for a, s in open_ if s.band == "弱"][:per_demand]
        entries.append({"demand": demand, "matches": matches, "weak": weak, "note": None if matches else NO_GOOD_MATCH})
    demands.items = entries
    return demands


def pair_features(demand, achievement) -> dict:
    """The evidence for one demand–achievement pair as the demand's suggestions see it (scoring.features)."""
    evidence = evidence_for(demand, include={achievement.id})
    return scoring.features(_signals(demand, achievement, evidence, _distinctive_words(demand), utcnow()))


def relevance_model() -> relevance.MatchModel:
    """The committed relevance model, refitted to every broker decision recorded with today's features.

    Remembered per process until a decision is added or changed."""
    key = db.session.execute(select(func.count(MatchDecision.id), func.max(MatchDecision.updated_at))
                             .where(MatchDecision.features.is_not(None))).one()
    cache_ = vectors.model_cache()
    if cache_.get("key") != tuple(key):
        base = relevance.committed()
        examples = [(features, decision == "accepted") for features, decision in db.session.execute(
            select(MatchDecision.features, MatchDecision.decision).where(MatchDecision.features.is_not(None)))
            if set(base.features) <= set(features)]  # decisions recorded before these features existed are left out
        cache_.update(key=tuple(key), model=relevance.refit(base, examples), labels=len(examples))
    return cache_["model"]


def band_thresholds() -> tuple[float, float]:
    """The probabilities at which a suggestion is 强 and 中."""
    return vectors.band_thresholds()


def fusion_weights_report(actor) -> dict:
    """For admins: the committed model's weights, those in use, and how many decisions refitted them."""
    if not is_admin(actor):
        raise PermissionDenied("仅管理员可查看")
    model = relevance_model()
    base = relevance.committed()
    return {"prior": dict(zip(base.features, base.coef)), "current": dict(zip(model.features, model.coef)),
            "labels": vectors.model_cache()["labels"], "min_labels": relevance.MIN_DECISIONS,
            "learned": model is not base}


def decision_precision(actor, weeks: int = 12) -> list[dict]:
    """Per ISO week: decisions, accepted, and accepted / acted — how good acted-on suggestions were."""
    if not is_admin(actor):
        raise PermissionDenied("仅管理员可查看")
    since = utcnow() - timedelta(weeks=weeks)
    rows = db.session.execute(select(MatchDecision.decision, MatchDecision.created_at)
                              .where(MatchDecision.created_at >= since)).all()
    weeksum: dict[str, list[int]] = {}
    for decision, created_at in rows:
        year, week, _ = created_at.isocalendar()
        counts = weeksum.setdefault(f"{year}-W{week:02d}", [0, 0])
        counts[0] += 1
        counts[1] += decision == "accepted"
    return [{"week": week, "acted": acted, "accepted": accepted, "precision": accepted / acted}
            for week, (acted, accepted) in sorted(weeksum.items(), reverse=True)]


# ---- notifications -----------------------------------------------------------------------------------

def _notify_strong_matches(listing) -> None:
    """Tell the organisations whose open listings strongly match a newly published one."""
    if not vectors.notify_enabled():
        return
    try:
        strong = [(c, s) for c, s in compute_matches(listing, 10) if s.band == "强"]
        label = "需求" if listing.kind == "demand" else "成果"
        for candidate, suggestion in strong:
            members = list(db.session.scalars(select(User.id).where(User.organisation_id == candidate.org_id,
                                                                    User.active.is_(True))))
            pair = (listing.id, candidate.id) if listing.kind == "demand" else (candidate.id, listing.id)
            add_notifications(members, "match", f"新发布的{label}「{listing.title[:40]}」与您的「{candidate.title[:40]}」高度匹配",
                              body="；".join(suggestion.reasons), link=f"/{listing.kind}s/{listing.id}",
                              data={"kind": listing.kind, "id": listing.id, "score": suggestion.score},
                              dedupe_key=f"match:{pair[0]}:{pair[1]}")
        db.session.commit()
    except Exception:
        log.exception("could not notify strong matches for %s %s", listing.kind, listing.id)
        db.session.rollback()
