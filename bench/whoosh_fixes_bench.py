"""What the fixes to Whoosh in market/search/whoosh_internals/speedups.py are worth, each measured against
Whoosh's own.

    .venv/bin/python bench/whoosh_fixes_bench.py --scale 0.2    # 20k results + 10k demands + 1k instruments

1. The kept column readers (process-wide, installed when the engine is imported): the search benchmark's 200
   queries, every one with facets, on one index, alternating with and without the fix (best of 3 passes each).
2. The chunked posting pool (per writer, used by the index worker's merging writer): merging the index into
   one segment (optimize) with Whoosh's posting pool and with the chunked one.
Documents come from bench/search_bench.py's generator (recombined real listings). Markdown to stdout.
"""

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search_bench import Generator, percentile, queries  # noqa: E402

from market.search.whoosh_backend import WhooshBackend  # noqa: E402
from market.search.whoosh_internals import speedups  # noqa: E402


def query_pass(backend, requests) -> list[float]:
    backend._forget_readers()  # a fresh searcher, so the column readers are opened under the current setting
    backend.search(requests[0][1])
    latencies = []
    for _, request in requests:
        t = time.perf_counter()
        backend.search(request)
        latencies.append((time.perf_counter() - t) * 1000)
    return latencies


def merge_seconds(backend, chunked: bool) -> float:
    ix = backend._open()
    writer = ix.writer()
    if chunked:
        speedups.use_chunked_pool(writer)
    t = time.perf_counter()
    writer.commit(optimize=True)
    return time.perf_counter() - t


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.2, help="fraction of 100k+50k+5k documents")
    args = parser.parse_args()
    counts = {
        "achievement": int(100_000 * args.scale),
        "demand": int(50_000 * args.scale),
        "equipment": int(5_000 * args.scale),
    }
    gen = Generator()
    docs = [gen.document(kind, i) for kind, n in counts.items() for i in range(1, n + 1)]
    workdir = Path(tempfile.mkdtemp(prefix="market-bench-"))
    try:
        backend = WhooshBackend(str(workdir))
        backend.rebuild(iter(docs), cursor=0)
        requests = queries(gen)
        passes = {True: [], False: []}
        for _ in range(3):
            for fixed in (True, False):
                speedups.install() if fixed else speedups.uninstall()
                passes[fixed].append(query_pass(backend, requests))
        speedups.install()
        merges = {True: [], False: []}
        for _ in range(2):
            for chunked in (True, False):
                merges[chunked].append(merge_seconds(backend, chunked))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def best(runs, p):
        return min(percentile(run, p) for run in runs)

    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"command: .venv/bin/python bench/whoosh_fixes_bench.py --scale {args.scale} "
        f"({len(docs):,} documents)\n"
    )
    print("| measure | with the fix | Whoosh's own | ratio |\n|---|---|---|---|")
    for p in (50, 95):
        on, off = best(passes[True], p), best(passes[False], p)
        print(
            f"| search with facets, p{p} (best of 3 passes) | {on:.1f} ms | {off:.1f} ms | {off / on:.2f} × |"
        )
    on, off = min(merges[True]), min(merges[False])
    print(f"| merge into one segment (best of 2) | {on:.1f} s | {off:.1f} s | {off / on:.2f} × |")


if __name__ == "__main__":
    main()
