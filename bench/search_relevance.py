"""Search relevance: recall@10 and nDCG@10 of the search service on a judged query set, by words alone, with
the synonym list, and fused with the stored embeddings.

    .venv/bin/python bench/search_relevance.py                          # loads ../shared/data/corpus
                                                                          (~10 min)
    .venv/bin/python bench/search_relevance.py --database /tmp/rel.db   # keeps the loaded, embedded database
    .venv/bin/python bench/search_relevance.py --database /tmp/rel.db --floors   # + cosines and a floor sweep

The corpus is published through the listing service into a SQLite database (market.evaluation.matching's
Loader), indexed and embedded as the worker would; each query then runs through market.services.search as an
anonymous visitor would. Queries: bench/search_relevance.jsonl (id, q, style: term | synonym | plain, the
corpus ids that should come back). recall@10 = relevant listings among the first 10 / min(10, relevant
listings); nDCG@10 with binary gains. Results go to stdout as Markdown.
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "data" / "corpus"
QUERIES = Path(__file__).with_name("search_relevance.jsonl")

from market import create_app  # noqa: E402
from market.evaluation.matching import Loader, _finish_loading, load_corpus  # noqa: E402
from market.services import search as search_service  # noqa: E402
from market.services.indexing import rebuild_index  # noqa: E402

try:
    from market.search import synonyms
except ImportError:  # a checkout from before issue 15 (PYTHONPATH=that checkout): words only
    synonyms = None

K = 10


def ndcg(ranking: list[str], relevant: set[str]) -> float:
    gains = sum(1 / math.log2(i + 2) for i, key in enumerate(ranking[:K]) if key in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(relevant))))
    return gains / ideal if ideal else 0.0


def recall(ranking: list[str], relevant: set[str]) -> float:
    return len(set(ranking[:K]) & relevant) / min(K, len(relevant)) if relevant else 0.0


def load(database: Path) -> dict[str, str]:
    """Corpus id → "kind:row id"; loads and embeds the corpus unless the database already holds it."""
    mapping = database.with_suffix(".ids.json")
    if mapping.exists():
        return json.loads(mapping.read_text())
    from flask_migrate import upgrade

    upgrade()
    loader = Loader()
    started = time.perf_counter()
    load_corpus(loader, CORPUS)
    print(f"loaded {len(loader.ids)} listings ({len(loader.refused)} refused); embedding…", file=sys.stderr)
    _finish_loading()
    print(f"loaded and embedded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    ids = {record_id: f"{kind}:{row}" for (kind, record_id), row in loader.ids.items()}
    mapping.write_text(json.dumps(ids))
    return ids


class Modes:
    """The switches this bench flips: synonyms on or off, embeddings on or off (never in the product)."""

    def __init__(self):
        self.before = synonyms is None
        if not self.before:
            self.thesaurus = synonyms.thesaurus()
            self.meaning = search_service.close_in_meaning

    def set(self, with_synonyms: bool, with_meaning: bool) -> None:
        if not self.before:
            synonyms._thesaurus = self.thesaurus if with_synonyms else synonyms.Thesaurus([])
            search_service.close_in_meaning = self.meaning if with_meaning else (lambda request: [])


def ranking(q: str) -> list[str]:
    result = search_service.search_catalogue(None, {"q": q, "per_page": str(K)})
    return [f"{hit.kind}:{hit.object_id}" for hit in result.hits]


def evaluate(queries: list[dict], ids: dict[str, str]) -> dict[str, dict[str, float]]:
    """Mean recall@10 and nDCG@10 per style and overall."""
    scores: dict[str, list[tuple[float, float]]] = {}
    for query in queries:
        relevant = {ids[r] for r in query["relevant"] if r in ids}
        found = ranking(query["q"])
        for style in (query["style"], "all"):
            scores.setdefault(style, []).append((recall(found, relevant), ndcg(found, relevant)))
    return {
        style: {
            "queries": len(values),
            "recall": statistics.fmean(r for r, _ in values),
            "ndcg": statistics.fmean(n for _, n in values),
        }
        for style, values in scores.items()
    }


CONFIGURATIONS = [  # label, synonyms, embeddings
    ("words (BM25), no synonyms", False, False),
    ("words + synonyms", True, False),
    ("words + embeddings, no synonyms", False, True),
    ("words + synonyms + embeddings (the product)", True, True),
]


def report(queries, ids, modes) -> None:
    styles = ["term", "synonym", "plain", "all"]
    counts = {s: sum(1 for q in queries if q["style"] == s or s == "all") for s in styles}
    print("| configuration | " + " | ".join(f"{s} ({counts[s]}) recall@10 / nDCG@10" for s in styles) + " |")
    print("|---|" + "---|" * len(styles))
    for label, with_synonyms, with_meaning in CONFIGURATIONS[:1] if modes.before else CONFIGURATIONS:
        modes.set(with_synonyms, with_meaning)
        metrics = evaluate(queries, ids)
        print(
            f"| {label} | "
            + " | ".join(f"{metrics[s]['recall']:.3f} / {metrics[s]['ndcg']:.3f}" for s in styles)
            + " |"
        )
    modes.set(True, True)


def floors(queries, ids) -> None:
    """The query → passage cosines of judged relevant listings and of all others, how far they stand out among
    the query's cosines, and the product's metrics with the thresholds moved, on the even-numbered and the
    odd-numbered queries apart (a threshold chosen on one half is seen to hold on the other)."""
    import numpy as np

    from market import vectors
    from market.matching import embedding
    from market.search import hybrid
    from market.search.analysis import clean_query

    samples = []  # per query: cosines, standing, relevant flags
    matrices = {kind: vectors.cache().matrix(kind) for kind in ("achievement", "demand")}
    keys = [f"{kind}:{row}" for kind, (rows, _) in matrices.items() for row in rows]
    for query in queries:
        relevant = {ids[r] for r in query["relevant"] if r in ids}
        vector = embedding.embed(clean_query(query["q"])[0], as_query=True)
        close = {c.key: c for c in hybrid.nearest(vector, matrices, floor=-1.0, spread=-99.0)}
        cosines = np.concatenate([matrix @ vector for _, matrix in matrices.values()])
        mean, spread = cosines.mean(), cosines.std()
        samples.append(
            (cosines, (cosines - mean) / spread, np.array([key in relevant for key in keys]), close)
        )
    print(
        "\n| query → passage | cosine p10 / p50 / p90 | standard deviations above the query's mean, "
        "p10 / p50 / p90 |"
    )
    print("|---|---|---|")
    for label, pick in (("judged relevant", True), ("all other listings", False)):
        cos = np.concatenate([c[r == pick] for c, _, r, _ in samples])
        z = np.concatenate([s[r == pick] for _, s, r, _ in samples])
        print(
            f"| {label} ({len(cos):,}) | "
            + " / ".join(f"{v:.3f}" for v in np.percentile(cos, [10, 50, 90]))
            + " | "
            + " / ".join(f"{v:.1f}" for v in np.percentile(z, [10, 50, 90]))
            + " |"
        )
    print(
        "\n| a result without the words when | relevant listings that qualify | other listings that qualify, "
        "per query (most) | even queries recall / nDCG | odd queries recall / nDCG |\n|---|---|---|---|---|"
    )
    original = search_service.MEANING_SPREAD, search_service.MEANING_FLOOR
    even, odd = queries[0::2], queries[1::2]
    for spread, floor in (
        (99, 0),
        (2.0, 0.85),
        (2.5, 0.85),
        (3.0, 0.0),
        (3.0, 0.85),
        (3.0, 0.86),
        (3.5, 0.85),
        (0.0, 0.84),
        (0.0, 0.86),
        (0.0, 0.88),
    ):
        search_service.MEANING_SPREAD, search_service.MEANING_FLOOR = spread, floor
        kept = [(c >= floor) & (s >= spread) for c, s, _, _ in samples]
        relevant = sum(int((k & r).sum()) for k, (_, _, r, _) in zip(kept, samples))
        others = [int((k & ~r).sum()) for k, (_, _, r, _) in zip(kept, samples)]
        total = sum(int(r.sum()) for _, _, r, _ in samples)
        first, second = evaluate(even, ids)["all"], evaluate(odd, ids)["all"]
        label = "never" if spread == 99 else f"≥ {spread:.1f} sd and cosine ≥ {floor:.2f}"
        print(
            f"| {label} | {relevant / total:.2f} | {statistics.fmean(others):.1f} ({max(others)}) | "
            f"{first['recall']:.3f} / {first['ndcg']:.3f} | {second['recall']:.3f} / {second['ndcg']:.3f} |"
        )
    search_service.MEANING_SPREAD, search_service.MEANING_FLOOR = original


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", help="SQLite file to load the corpus into, or to reuse")
    parser.add_argument("--floors", action="store_true", help="also print cosines and a sweep of the floor")
    args = parser.parse_args()
    scratch = tempfile.mkdtemp(prefix="market-relevance-")
    database = Path(args.database) if args.database else Path(scratch) / "relevance.db"
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "SEARCH_BACKEND": "memory",
            "INSTANCE_PATH": scratch,
            "SECRET_KEY": "bench",
            "MATCHING_NOTIFY": False,
        }
    )
    queries = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    with app.app_context():
        ids = load(database)
        missing = sorted({r for q in queries for r in q["relevant"] if r not in ids})
        rebuild_index()
        modes = Modes()
        print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"command: .venv/bin/python bench/search_relevance.py{' --floors' if args.floors else ''}")
        gate = (
            getattr(search_service, "MEANING_SPREAD", None),
            getattr(search_service, "MEANING_FLOOR", None),
        )
        print(
            f"{len(queries)} queries, {len(ids)} listings, MEANING_SPREAD and MEANING_FLOOR {gate}"
            f"{'; judged but not loaded: ' + ', '.join(missing) if missing else ''}\n"
        )
        report(queries, ids, modes)
        if args.floors:
            floors(queries, ids)


if __name__ == "__main__":
    main()
