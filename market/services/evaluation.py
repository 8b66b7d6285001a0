"""Measuring matching on a labelled set: load it into a fresh database, rank, and score every method.

The dataset format is ../shared/data/matching (see its README): qrels*.jsonl (graded pairs in both
directions), known_items*.jsonl (demands written for one result) and siblings*.jsonl (distractor results
loaded beside the corpus for the known items); listings are the corpus files next to it.
"""
import json
import logging
from pathlib import Path

from market.corpus import achievement_from, demand_from, organisation_kind
from market.errors import DomainError
from market.extensions import db
from market.matching import metrics
from market.models import Organisation, User
from market.services import listings as listing_service
from market.services import matching
from market.services.indexing import drain

log = logging.getLogger(__name__)
METHODS = {"combined": ("lexical", "semantic"), "bm25": ("lexical",), "embedding": ("semantic",)}


def _records(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def _files(directory: Path, stem: str) -> list[Path]:
    return sorted(directory.glob(f"{stem}*.jsonl"))


class Loader:
    """Creates organisations and publishes listings through the listing service, as an admin would."""

    def __init__(self):
        self.admin = User(email="eval-admin@example.invalid", password_hash="!", display_name="评测",
                          role="admin", organisation=self._org("评测管理", "government"))
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


def _rank(loader: Loader, kind: str, record_id: str, method: str, k: int = 10) -> list[str]:
    from market.models import Achievement, Demand

    model = {"achievement": Achievement, "demand": Demand}[kind]
    listing = db.session.get(model, loader.ids[(kind, record_id)])
    by_row = {row: rid for (k_, rid), row in loader.ids.items() if k_ == matching.OTHER[kind]}
    return [by_row.get(candidate.id, f"?{candidate.id}")
            for candidate, _ in matching.compute_matches(listing, k, METHODS[method])]


def judgments(directory: Path) -> dict[str, dict[str, dict[str, int]]]:
    """{direction: {query id: {candidate id: grade}}} from every qrels file."""
    out: dict[str, dict[str, dict[str, int]]] = {}
    for path in _files(directory, "qrels"):
        for row in _records(path):
            out.setdefault(row["direction"], {}).setdefault(row["query"], {})[row["candidate"]] = int(row["grade"])
    return out


def evaluate(directory: Path, corpus: Path | None = None, echo=print) -> dict:
    """Metrics per set (each direction, known items) and method, computed in this run on this data."""
    directory = Path(directory)
    corpus = Path(corpus) if corpus else directory.parent / "corpus"
    if not (corpus / "achievements.jsonl").exists():
        raise FileNotFoundError(f"找不到语料：{corpus}/achievements.jsonl")
    loader = Loader()
    echo("载入语料…")
    load_corpus(loader, corpus)
    echo(f"已发布 {len(loader.ids)} 条，拒收 {len(loader.refused)} 条；计算向量…")
    _finish_loading()
    results: dict[str, dict[str, dict]] = {}
    for direction, queries in judgments(directory).items():
        kind = direction.split("->")[0]
        present = {q: judged for q, judged in queries.items() if (kind, q) in loader.ids}
        results[direction] = {
            method: metrics.evaluate({q: _rank(loader, kind, q, method) for q in present}, present)
            for method in METHODS}
    known = [row for path in _files(directory, "known_items") for row in _records(path)]
    if known:
        echo("载入已知目标需求与干扰成果…")
        for path in _files(directory, "siblings"):
            for record in _records(path):
                loader.publish("achievement", record["id"], achievement_from(record), record.get("holder") or "")
        for row in known:
            loader.publish("demand", row["id"], demand_from(row), "已知目标需求方")
        _finish_loading()
        present = {row["id"]: {t: 3 for t in row["targets"]} for row in known if ("demand", row["id"]) in loader.ids}
        results["known items (demand->achievement)"] = {
            method: metrics.evaluate({q: _rank(loader, "demand", q, method) for q in present}, present)
            for method in METHODS}
    for refused in loader.refused:
        log.info("refused %s", refused)
    return {"results": results, "refused": loader.refused}
