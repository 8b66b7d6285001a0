"""Measuring matching on a labelled set: load it into a fresh database, rank, and score every method.

The dataset format is ../shared/data/matching (see its README): qrels*.jsonl (graded pairs in both
directions), known_items*.jsonl (demands written for one result) and siblings*.jsonl (distractor results
loaded beside the corpus for the known items); listings are the corpus files next to it.
"""

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

from market.clock import today_in_beijing
from market.errors import DomainError
from market.evaluation.corpus import achievement_from, demand_from, organisation_kind
from market.extensions import db
from market.matching import metrics, scoring
from market.matching import model as relevance
from market.models import Achievement, Demand, Organisation, User
from market.services import listings as listing_service
from market.services import matching
from market.services.indexing import drain

log = logging.getLogger(__name__)
METHODS = ("combined", "bm25", "embedding")
BASELINE_DEPTH = 10  # a baseline is scored on its first ten, as nDCG@10 reads them
KNOWN_ITEMS = "known items (demand->achievement)"


def _records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _files(directory: Path, stem: str) -> list[Path]:
    return sorted(directory.glob(f"{stem}*.jsonl"))


class Loader:
    """Creates organisations and publishes listings through the listing service, as an admin would."""

    def __init__(self):
        self.admin = User(
            email="eval-admin@example.invalid",
            password_hash="!",
            display_name="评测",
            role="admin",
            organisation=self._org("评测管理", "government"),
        )
        db.session.add(self.admin)
        db.session.commit()
        self.ids: dict[tuple[str, str], int] = {}  # (kind, dataset id) → row id
        self.refused: list[str] = []

    def _org(self, name: str, kind: str) -> Organisation:
        name = (name or "未署名单位")[:120]
        org = db.session.query(Organisation).filter_by(name=name).one_or_none()
        if org is None:
            org = Organisation(name=name, kind=kind, verification_state="verified")
            db.session.add(org)
            db.session.flush()
        return org

    def publish(self, kind: str, record_id: str, values: dict, holder: str) -> None:
        org = self._org(holder, organisation_kind(holder) if kind == "achievement" else "enterprise")
        db.session.commit()
        try:
            listing = listing_service.create_listing(self.admin, kind, {**values, "org_id": org.id})
        except DomainError as error:
            self.refused.append(f"{record_id}: {error.message} {error.fields}")
            return
        self.ids[(kind, record_id)] = listing.id


def load_corpus(loader: Loader, corpus: Path) -> None:
    for record in _records(corpus / "achievements.jsonl"):
        loader.publish("achievement", record["id"], achievement_from(record), record.get("holder") or "")
    for record in _records(corpus / "demands.jsonl"):
        loader.publish("demand", record["id"], demand_from(record), record.get("publisher") or "需求单位")


def _finish_loading(progress=None) -> None:
    """Index and embed everything just loaded in one go, as the worker would."""
    drain(max_batches=None)
    matching.backfill_vectors(progress)


def judgments(directory: Path) -> dict[str, dict[str, dict[str, int]]]:
    """{direction: {query id: {candidate id: grade}}} from every qrels file."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for path in _files(directory, "qrels"):
        for row in _records(path):
            out.setdefault(row["direction"], {}).setdefault(row["query"], {})[row["candidate"]] = int(
                row["grade"]
            )
    return out


@dataclass
class JudgedPair:
    """One suggestion of the combined ranking for one query, with its judgment (None when unjudged)."""

    set_name: str
    query: str
    candidate: str
    rank: int
    grade: int | None
    probability: float
    band: str
    features: dict


def baseline_ranking(listing, method: str) -> list[int]:
    """One retriever's own order of the eligible candidates: BM25 alone (the index's `similar`), or the
    embedding alone (the whole text's cosine, query against passage: the one reading the model is documented
    for)."""
    evidence = matching.evidence_for(listing)
    scores = (
        {i: -rank for i, rank in evidence.lexical_ranks.items()} if method == "bm25" else evidence.cosines
    )
    eligible = matching.eligible_candidates(listing, set(scores))
    return sorted(eligible, key=lambda i: (-scores[i], i))[:BASELINE_DEPTH]


def _ranking(loader: Loader, kind: str, record_id: str, method: str) -> list[tuple[str, object]]:
    """(dataset id, suggestion or None) in the method's order: the combined ranking whole, a baseline's first
    ten."""
    model = {"achievement": Achievement, "demand": Demand}[kind]
    listing = db.session.get(model, loader.ids[(kind, record_id)])
    by_row = {row: rid for (k_, rid), row in loader.ids.items() if k_ == matching.OTHER[kind]}
    if method == "combined":
        ranked = [
            (candidate.id, suggestion) for candidate, suggestion in matching.compute_matches(listing, None)
        ]
    else:
        ranked = [(row, None) for row in baseline_ranking(listing, method)]
    return [(by_row.get(row, f"?{row}"), suggestion) for row, suggestion in ranked]


def _run_set(
    name: str,
    loader: Loader,
    kind: str,
    judged: dict,
    pairs: list,
    limit: int | None,
    negatives: dict | None = None,
) -> dict:
    """Every method's metrics on one set; the combined ranking's suggestions (the first `limit`, all when
    None) are kept as judged pairs. negatives: candidates known not to be relevant although unjudged
    (siblings)."""
    results = {}
    for method in METHODS:
        rankings = {}
        for query in judged:
            suggestions = _ranking(loader, kind, query, method)
            rankings[query] = [candidate for candidate, _ in suggestions]
            if method != "combined":
                continue
            for rank, (candidate, suggestion) in enumerate(suggestions[:limit], start=1):
                grade = judged[query].get(candidate)
                if grade is None and candidate in (negatives or {}).get(query, ()):
                    grade = 0
                pairs.append(
                    JudgedPair(
                        name,
                        query,
                        candidate,
                        rank,
                        grade,
                        suggestion.probability,
                        suggestion.band,
                        suggestion.features,
                    )
                )
        results[method] = metrics.evaluate(rankings, judged)
    return results


def evaluate(directory: Path, corpus: Path | None = None, echo=print, pool: bool = False) -> dict:
    """Metrics per set (each direction, known items) and method, computed in this run on this data, and the
    combined ranking's judged pairs: its first ten per query, or with pool=True every candidate it judged."""
    directory = Path(directory)
    corpus = Path(corpus) if corpus else directory.parent / "corpus"
    if not (corpus / "achievements.jsonl").exists():
        raise FileNotFoundError(f"找不到语料：{corpus}/achievements.jsonl")
    limit = None if pool else 10
    loader = Loader()
    echo("载入语料…")
    load_corpus(loader, corpus)
    echo(f"已发布 {len(loader.ids)} 条，拒收 {len(loader.refused)} 条；计算向量…")
    _finish_loading()
    results: dict[str, dict[str, dict]] = {}
    pairs: list[JudgedPair] = []
    judged: dict[str, dict] = {}
    for direction, queries in judgments(directory).items():
        kind = direction.split("->")[0]
        present = {q: judged for q, judged in queries.items() if (kind, q) in loader.ids}
        results[direction] = _run_set(direction, loader, kind, present, pairs, limit)
        judged[direction] = present
    known = [row for path in _files(directory, "known_items") for row in _records(path)]
    if known:
        echo("载入已知目标需求与干扰成果…")
        siblings: dict[str, set] = {}
        for path in _files(directory, "siblings"):
            for record in _records(path):
                loader.publish(
                    "achievement", record["id"], achievement_from(record), record.get("holder") or ""
                )
                siblings.setdefault(record["sibling_of"], set()).add(record["id"])
        for row in known:
            loader.publish("demand", row["id"], demand_from(row), "已知目标需求方")
        _finish_loading()
        present = {
            row["id"]: {t: 3 for t in row["targets"]} for row in known if ("demand", row["id"]) in loader.ids
        }
        negatives = {
            row["id"]: set().union(*(siblings.get(t, set()) for t in row["targets"])) for row in known
        }
        results[KNOWN_ITEMS] = _run_set(KNOWN_ITEMS, loader, "demand", present, pairs, limit, negatives)
        judged[KNOWN_ITEMS] = present
    for refused in loader.refused:
        log.info("refused %s", refused)
    return {"results": results, "pairs": pairs, "judged": judged, "refused": loader.refused}


def calibration(
    pairs: list[JudgedPair],
    probability=None,
    shown: int = 10,
    strong: float = scoring.STRONG,
    medium: float = scoring.MEDIUM,
) -> dict:
    """The band table and the reliability table of the first `shown` pairs per query (as users see them), from
    the pairs' own probabilities or from `probability` (a list beside pairs: out-of-fold ones when
    refitting)."""
    probability = probability or [p.probability for p in pairs]
    per_query: dict[tuple, list] = {}
    for pair, p in zip(pairs, probability):
        per_query.setdefault((pair.set_name, pair.query), []).append((p, pair))
    top = [
        item
        for items in per_query.values()
        for item in sorted(items, key=lambda item: (-item[0], item[1].candidate))[:shown]
    ]
    judged = [(p, pair.grade) for p, pair in top if pair.grade is not None]
    return {
        "bands": relevance.band_table(
            [scoring.band(p, strong, medium) for p, _ in top], [pair.grade for _, pair in top]
        ),
        "reliability": relevance.reliability(
            [p for p, _ in judged], [g >= metrics.RELEVANT for _, g in judged]
        ),
    }


def _reranked(pairs: list[JudgedPair], probability: list[float], judged: dict) -> dict:
    """Each set's metrics when its pool is ordered by the given probabilities."""
    out = {}
    for name, queries in judged.items():
        rankings: dict[str, list] = {}
        for pair, p in sorted(
            ((pair, p) for pair, p in zip(pairs, probability) if pair.set_name == name),
            key=lambda item: (-item[1], item[0].candidate),
        ):
            rankings.setdefault(pair.query, []).append(pair.candidate)
        out[name] = metrics.evaluate(rankings, queries)
    return out


L2_CHOICES = (0.3, 1.0, 3.0, 10.0, 30.0)
# What the judged set cannot teach: its written distractors carry no maturity (the corpus results do, so
# maturity would mark "not a distractor"), and no query has a budget or a region. They start at weight 0;
# brokers' decisions in production teach them (`model.refit`).
UNLEARNED = ("maturity", "budget", "region")


def fit_model(report: dict, command: str) -> tuple[relevance.MatchModel, dict]:
    """The relevance model fitted on every judged pool pair (grade ≥ 2 relevant; unjudged pairs count as not
    relevant, as the dataset says), its penalty chosen and its quality measured by cross-validation by
    query."""
    pairs = report["pairs"]
    rows = [pair.features for pair in pairs]
    labels = [pair.grade is not None and pair.grade >= metrics.RELEVANT for pair in pairs]
    groups = [f"{pair.set_name}|{pair.query}" for pair in pairs]
    names = list(scoring.features(scoring.Signals(0)))

    def log_loss(probabilities):
        return -sum(
            math.log(p if y else 1 - p)
            for p, y in zip((min(max(p, 1e-9), 1 - 1e-9) for p in probabilities), labels)
        ) / len(labels)

    folds = {
        l2: relevance.cross_validated(rows, labels, groups, names, l2, unlearned=UNLEARNED)
        for l2 in L2_CHOICES
    }
    l2 = min(folds, key=lambda value: log_loss(folds[value]))
    out_of_fold = folds[l2]
    quality = {
        "l2": l2,
        "log_loss": round(log_loss(out_of_fold), 4),
        "pairs": len(pairs),
        "relevant": sum(labels),
        "queries": len(set(groups)),
        "ndcg@10": {
            name: round(m["ndcg@10"], 4)
            for name, m in _reranked(pairs, out_of_fold, report["judged"]).items()
        },
    }
    model = relevance.fit(rows, labels, names, l2, unlearned=UNLEARNED)
    model.about = {"command": command, "fitted": str(today_in_beijing()), "cross_validated": quality}
    return model, {
        "quality": quality,
        "calibration": calibration(pairs, out_of_fold),
        "metrics": _reranked(pairs, out_of_fold, report["judged"]),
    }
