"""Matching benchmark: suggestion latency at catalogue scale, and what the embedding model costs a process.

    .venv/bin/python bench/matching_bench.py                  # 100k achievements + 50k demands
                                                                (the search benchmark's size)
    .venv/bin/python bench/matching_bench.py --scale 0.05     # a quick look

A suggestion for one demand runs the service's own steps (market.services.matching) in an app over a SQLite
database: lexical candidates from the Whoosh index (`similar`), the demand's query vectors against every
result's passage vector (the process's vector cache), the candidates' query vectors read from the database for
the second reading, the distinctive words the demand shares with each candidate (segmenting the candidates'
texts: the first time a process sees them), then the relevance model (market.matching.scoring, model). Vectors
for the catalogue are random unit vectors: embedding 100k real texts takes hours on 2 cores, and the
arithmetic does not depend on what the vectors say. Not measured here: loading the ~150 candidate listings by
primary key.
"""

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import Generator, percentile  # noqa: E402

from market import create_app, vectors  # noqa: E402
from market.extensions import db  # noqa: E402
from market.matching import embedding, scoring  # noqa: E402
from market.models import ListingVector  # noqa: E402
from market.models.base import utcnow  # noqa: E402
from market.search.whoosh_backend import WhooshBackend  # noqa: E402
from market.services import matching  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def store_random_vectors(achievements: int, demands: list) -> None:
    """Random unit vectors, stored as the service stores real ones: every result, and the demands asked
    about."""
    rng = np.random.default_rng(5)

    def unit() -> bytes:
        vector = rng.standard_normal(embedding.DIMENSIONS).astype(np.float32)
        return embedding.to_bytes(vector / np.linalg.norm(vector))

    rows = [("achievement", i) for i in range(1, achievements + 1)] + [("demand", d.id) for d in demands]
    for start in range(0, len(rows), 5000):
        db.session.execute(
            ListingVector.__table__.insert(),
            [
                dict(
                    kind=kind,
                    object_id=object_id,
                    model=embedding.MODEL_NAME,
                    text_hash="-",
                    as_query=unit(),
                    title_as_query=unit(),
                    as_passage=unit(),
                    updated_at=utcnow(),
                )
                for kind, object_id in rows[start : start + 5000]
            ],
        )
        db.session.commit()


def run(scale: float) -> dict:
    before = rss_mb()
    t = time.perf_counter()
    embedding.embed("预热", as_query=True)
    load_s = time.perf_counter() - t
    model_mb = rss_mb() - before
    gen = Generator()
    short, long_ = gen.title(), gen.body(6)[: embedding.MAX_CHARS]
    timings = {}
    for label, text in (("title", short), ("400 characters", long_)):
        runs = []
        for n in range(5):
            embedding._cache.clear()
            t = time.perf_counter()
            embedding.embed(text + str(n), as_query=False)
            runs.append((time.perf_counter() - t) * 1000)
        timings[label] = percentile(runs, 50)
    model_after_mb = rss_mb() - before

    counts = {"achievement": int(100_000 * scale), "demand": int(50_000 * scale)}
    docs = [gen.document(kind, i) for kind, n in counts.items() for i in range(1, n + 1)]
    workdir = Path(tempfile.mkdtemp(prefix="market-match-bench-"))
    backend = WhooshBackend(str(workdir))
    backend.rebuild(iter(docs), cursor=0, processes=os.cpu_count() or 1)
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
            "SEARCH_BACKEND": "memory",
            "INSTANCE_PATH": str(workdir),
            "SECRET_KEY": "bench",
            "MATCHING_NOTIFY": False,
        }
    )
    app.extensions["search"] = backend
    demands = [
        SimpleNamespace(
            kind="demand", id=d.object_id, title=d.title, body=d.body, keyword_list=[], updated_at=None
        )
        for d in docs
        if d.kind == "demand"
    ][:200]
    by_id = {
        d.object_id: SimpleNamespace(
            kind="achievement",
            id=d.object_id,
            updated_at=None,
            title=d.title,
            body=d.body,
            keyword_list=list(d.keywords or []),
        )
        for d in docs
        if d.kind == "achievement"
    }
    latencies, parts = (
        [],
        {"lexical": [], "semantic": [], "second reading": [], "shared words": [], "model": []},
    )
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        store_random_vectors(counts["achievement"], demands)
        vectors.cache().matrix("achievement")  # loaded once per process, as in a worker
        model = matching.relevance_model()
        for demand in demands:
            t0 = time.perf_counter()
            evidence = matching.Evidence()
            matching.evidence._lexical(demand, "achievement", evidence)
            t1 = time.perf_counter()
            meaning = matching.evidence._Meaning("achievement", matching.evidence._query_vectors(demand))
            meaning.read(
                {*evidence.lexical_ranks, *meaning.top(meaning.by_text), *meaning.top(meaning.by_title)},
                evidence,
            )
            t2 = time.perf_counter()
            matching.evidence._read_both_ways(meaning, "achievement", evidence)
            t3 = time.perf_counter()
            distinctive = matching.suggestions._distinctive_words(demand)
            shared = {
                i: [w for w in distinctive if w in set(matching.suggestions._words(by_id[i]))]
                for i in evidence.candidate_ids()
                if i in by_id
            }
            t4 = time.perf_counter()
            signals = [
                scoring.Signals(
                    candidate_id=i,
                    lexical_rank=evidence.lexical_ranks.get(i),
                    lexical_score=evidence.lexical_scores.get(i),
                    semantic_rank=evidence.semantic_ranks.get(i),
                    title_rank=evidence.title_ranks.get(i),
                    cosine=evidence.cosines.get(i),
                    cosine_z=evidence.cosines_z.get(i),
                    title_cosine_z=evidence.title_z.get(i),
                    paraphrase=evidence.paraphrases.get(i),
                    shared_terms=words,
                    shared_weight=sum(distinctive[w] for w in words),
                )
                for i, words in shared.items()
            ]
            probabilities = model.probabilities([scoring.features(s) for s in signals])
            sorted(zip(probabilities, shared), reverse=True)[:10]
            t5 = time.perf_counter()
            for name, ms in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                parts[name].append(ms * 1000)
            latencies.append((t5 - t0) * 1000)
    shutil.rmtree(workdir, ignore_errors=True)
    return {
        "achievements": counts["achievement"],
        "demands": counts["demand"],
        "model_mb": model_mb,
        "model_after_mb": model_after_mb,
        "load_s": load_s,
        "embed": timings,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "parts": {k: (percentile(v, 50), percentile(v, 95)) for k, v in parts.items()},
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    r = run(args.scale)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"command: .venv/bin/python bench/matching_bench.py --scale {args.scale}\n")
    print("| measure | value |\n|---|---|")
    print(f"| catalogue | {r['achievements']:,} results + {r['demands']:,} demands |")
    print(
        f"| model memory per process: RSS growth after the first embedding / after 11 | "
        f"{r['model_mb']:.0f} / {r['model_after_mb']:.0f} MiB (the 68 MiB model file is mmapped, shared "
        f"between processes) |"
    )
    print(f"| model load + first embedding | {r['load_s'] * 1000:.0f} ms |")
    for label, ms in r["embed"].items():
        print(f"| one embedding, {label} (p50 of 5) | {ms:.0f} ms |")
    print(f"| suggestions for one demand, 200 demands | p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms |")
    for name, (p50, p95) in r["parts"].items():
        print(f"| — {name} | p50 {p50:.1f} ms, p95 {p95:.1f} ms |")
    print(f"| peak memory (RSS, whole benchmark) | {r['peak_mb']:.0f} MiB |")


if __name__ == "__main__":
    main()
