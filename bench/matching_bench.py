"""Matching benchmark: suggestion latency at catalogue scale, and what the embedding model costs a process.

    .venv/bin/python bench/matching_bench.py                  # 100k achievements + 50k demands (the search benchmark's size)
    .venv/bin/python bench/matching_bench.py --scale 0.05     # a quick look

A suggestion for one demand = lexical candidates from the Whoosh index (`similar`, as the service calls it)
+ the demand's query vectors against every result's passage vector (numpy) + fusion and scoring of the
candidates (market.matching.scoring). Vectors for the catalogue are random unit vectors: embedding 100k
real texts takes hours on 2 cores, and the matrix product does not depend on what the vectors say. Not
measured here: loading the ~200 candidate rows by primary key from the database.
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

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from search_bench import Generator, percentile  # noqa: E402

from market.matching import embedding, scoring  # noqa: E402
from market.search.whoosh_backend import WhooshBackend  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


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
    rng = np.random.default_rng(5)
    passages = rng.standard_normal((counts["achievement"], embedding.DIMENSIONS)).astype(np.float32)
    passages /= np.linalg.norm(passages, axis=1, keepdims=True)
    ids = np.arange(1, counts["achievement"] + 1)
    demands = [d for d in docs if d.kind == "demand"][:200]

    latencies, parts = [], {"lexical": [], "semantic": [], "scoring": []}
    for demand in demands:
        whole, title = rng.standard_normal((2, embedding.DIMENSIONS)).astype(np.float32)
        t0 = time.perf_counter()
        hits = backend.similar("achievement", f"{demand.title} {demand.title} {demand.body}"[:600], limit=100)
        lexical = {h.object_id: r for r, h in enumerate(hits, 1)}
        t1 = time.perf_counter()
        by_text, by_title = passages @ whole, passages @ title
        semantic = {int(ids[i]): r for r, i in enumerate(np.argsort(-by_text)[:100], 1)}
        titles = {int(ids[i]): r for r, i in enumerate(np.argsort(-by_title)[:100], 1)}
        t2 = time.perf_counter()
        signals = [scoring.Signals(candidate_id=i, lexical_rank=lexical.get(i), semantic_rank=semantic.get(i),
                                   title_rank=titles.get(i), cosine=float(by_text[i - 1]))
                   for i in set(lexical) | set(semantic) | set(titles)]
        scoring.rank(signals, 10)
        t3 = time.perf_counter()
        parts["lexical"].append((t1 - t0) * 1000)
        parts["semantic"].append((t2 - t1) * 1000)
        parts["scoring"].append((t3 - t2) * 1000)
        latencies.append((t3 - t0) * 1000)
    shutil.rmtree(workdir, ignore_errors=True)
    return {"achievements": counts["achievement"], "demands": counts["demand"], "model_mb": model_mb, "model_after_mb": model_after_mb,
            "load_s": load_s, "embed": timings, "p50": percentile(latencies, 50), "p95": percentile(latencies, 95),
            "parts": {k: (percentile(v, 50), percentile(v, 95)) for k, v in parts.items()},
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    r = run(args.scale)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"command: .venv/bin/python bench/matching_bench.py --scale {args.scale}\n")
    print("| measure | value |\n|---|---|")
    print(f"| catalogue | {r['achievements']:,} results + {r['demands']:,} demands |")
    print(f"| model memory per process: RSS growth after the first embedding / after 11 | "
          f"{r['model_mb']:.0f} / {r['model_after_mb']:.0f} MiB (the 68 MiB model file is mmapped, shared between processes) |")
    print(f"| model load + first embedding | {r['load_s'] * 1000:.0f} ms |")
    for label, ms in r["embed"].items():
        print(f"| one embedding, {label} (p50 of 5) | {ms:.0f} ms |")
    print(f"| suggestions for one demand, 200 demands | p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms |")
    for name, (p50, p95) in r["parts"].items():
        print(f"| — {name} | p50 {p50:.1f} ms, p95 {p95:.1f} ms |")
    print(f"| peak memory (RSS, whole benchmark) | {r['peak_mb']:.0f} MiB |")


if __name__ == "__main__":
    main()
