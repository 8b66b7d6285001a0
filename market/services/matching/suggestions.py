"""Suggestions: each candidate's signals and features, the relevance model's probability, the band and honest
reasons; strong matches of a newly published listing notify the other side."""

import logging
import math
import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from market import search, vectors
from market.extensions import db
from market.matching import model as relevance
from market.matching import scoring
from market.models import Demand, MatchDecision, User
from market.models.base import utcnow
from market.search import IndexUnavailable
from market.services.matching.evidence import Evidence, eligible_candidates, evidence_for
from market.services.notifications import add_notifications

log = logging.getLogger(__name__)


# A word is distinctive when at most this share of the catalogue's documents use it (or this many, if more),
# and it is not common in general writing (结合, 过程, 材料: ~100 per million words; 锂电池, 包覆 far below).
DISTINCTIVE_SHARE, DISTINCTIVE_MIN_DOCUMENTS = 0.05, 2


GENERAL_WORD_PER_MILLION = 80


GENERIC_TERMS_FILE = Path(relevance.__file__).with_name("generic_terms.txt")


# Strong matches notify for listings published this recently: embedding an older one (the demo data on a first
# start, a re-embedding after a model change) is not news to anyone.
NOTIFY_PUBLISHED_WITHIN = timedelta(days=3)
NO_GOOD_MATCH = "暂无把握较大的匹配：没有候选达到“中”及以上"


@cache
def generic_terms() -> frozenset[str]:
    """Words every listing uses (the maintained list in market/matching/generic_terms.txt)."""
    lines = GENERIC_TERMS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w for line in lines if not line.startswith("#") for w in line.split())


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
    text = " ".join([listing.title, *listing.keyword_list, listing.body[:300]])
    generic = generic_terms()
    words = list(
        dict.fromkeys(
            w
            for w in search.query_words(text)
            if len(w) >= 2
            and w not in generic
            and not w.isdigit()
            and search.general_frequency(w) < GENERAL_WORD_PER_MILLION
        )
    )
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


def _signals(
    source, candidate, evidence: Evidence, distinctive: dict[str, float], now: datetime
) -> scoring.Signals:
    demand, achievement = (source, candidate) if isinstance(source, Demand) else (candidate, source)
    same_field = (
        source.field_id == candidate.field_id and source.field is not None and source.field.name != "其他"
    )
    source_region = source.organisation.region if source.organisation else None
    candidate_region = candidate.organisation.region if candidate.organisation else None
    published = candidate.published_at or candidate.created_at
    theirs = set(_words(candidate))
    shared = [w for w in distinctive if w in theirs]
    i = candidate.id
    return scoring.Signals(
        candidate_id=i,
        lexical_rank=evidence.lexical_ranks.get(i),
        lexical_score=evidence.lexical_scores.get(i),
        semantic_rank=evidence.semantic_ranks.get(i),
        title_rank=evidence.title_ranks.get(i),
        cosine=evidence.cosines.get(i),
        cosine_z=evidence.cosines_z.get(i),
        title_cosine_z=evidence.title_z.get(i),
        paraphrase=evidence.paraphrases.get(i),
        shared_terms=shared,
        shared_weight=sum(distinctive[w] for w in shared),
        same_field=same_field,
        field_name=source.field.name if source.field else None,
        maturity=achievement.maturity,
        budget_fit=scoring.budget_fit(achievement.price_fen, demand.budget_min_fen, demand.budget_max_fen),
        same_region=bool(source_region and source_region == candidate_region and source_region != "其他"),
        region_name=source_region,
        age_days=(now - published).days if published else None,
    )


def compute_matches(listing, limit: int | None = 10) -> list[tuple[object, scoring.Suggestion]]:
    """The published listings of the other kind most likely to be introduced to this one, best first, each
    with its probability, band and reasons (no access check; every band: callers choose what to show)."""
    evidence = evidence_for(listing)
    candidates = eligible_candidates(listing, evidence.candidate_ids())
    if not candidates:
        return []
    accepted = set()  # brokers' decisions: a rejected pair is not suggested again, an accepted one says so
    pair = (MatchDecision.demand_id, MatchDecision.achievement_id)
    mine, theirs = pair if listing.kind == "demand" else pair[::-1]
    for candidate_id, decision in db.session.execute(
        select(theirs, MatchDecision.decision).where(mine == listing.id, theirs.in_(list(candidates)))
    ):
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
        suggestion = scoring.Suggestion(
            i, probability[i], scoring.band(probability[i], strong, medium), reasons, rows[i]
        )
        out.append((candidates[i], suggestion))
    return out


def at_least(suggestions: list, min_band: str) -> list:
    """The suggestions of min_band or better (bands follow the probability, so the order is kept)."""
    allowed = scoring.BANDS[: scoring.BANDS.index(min_band) + 1]
    return [(candidate, s) for candidate, s in suggestions if s.band in allowed]


def pair_features(demand, achievement) -> dict:
    """The evidence for one demand–achievement pair as the demand's suggestions see it (scoring.features)."""
    evidence = evidence_for(demand, include={achievement.id})
    return scoring.features(_signals(demand, achievement, evidence, _distinctive_words(demand), utcnow()))


def relevance_model() -> relevance.MatchModel:
    """The committed relevance model, refitted to every broker decision recorded with today's features.

    Remembered per process until a decision is added or changed."""
    key = db.session.execute(
        select(func.count(MatchDecision.id), func.max(MatchDecision.updated_at)).where(
            MatchDecision.features.is_not(None)
        )
    ).one()
    cache_ = vectors.model_cache()
    if cache_.get("key") != tuple(key):
        base = relevance.committed()
        examples = [
            (features, decision == "accepted")
            for features, decision in db.session.execute(
                select(MatchDecision.features, MatchDecision.decision).where(
                    MatchDecision.features.is_not(None)
                )
            )
            if set(base.features) <= set(features)
        ]  # decisions recorded before these features existed are left out
        cache_.update(key=tuple(key), model=relevance.refit(base, examples), labels=len(examples))
    return cache_["model"]


def band_thresholds() -> tuple[float, float]:
    """The probabilities at which a suggestion is 强 and 中."""
    return vectors.band_thresholds()


def _notify_strong_matches(listing) -> None:
    """Tell the organisations whose open listings strongly match a newly published one."""
    if not vectors.notify_enabled():
        return
    if listing.published_at is None or utcnow() - listing.published_at > NOTIFY_PUBLISHED_WITHIN:
        return
    try:
        strong = [(c, s) for c, s in compute_matches(listing, 10) if s.band == "强"]
        label = "需求" if listing.kind == "demand" else "成果"
        for candidate, suggestion in strong:
            members = list(
                db.session.scalars(
                    select(User.id).where(User.organisation_id == candidate.org_id, User.active.is_(True))
                )
            )
            pair = (listing.id, candidate.id) if listing.kind == "demand" else (candidate.id, listing.id)
            add_notifications(
                members,
                "match",
                f"新发布的{label}「{listing.title[:40]}」与您的「{candidate.title[:40]}」高度匹配",
                body="；".join(suggestion.reasons),
                link=f"/{listing.kind}s/{listing.id}",
                data={"kind": listing.kind, "id": listing.id, "score": suggestion.score},
                dedupe_key=f"match:{pair[0]}:{pair[1]}",
            )
        db.session.commit()
    except Exception:
        log.exception("could not notify strong matches for %s %s", listing.kind, listing.id)
        db.session.rollback()
