"""The first search of a freshly started web server, as a user meets it: `flask run` (as `make run` starts
it) on an instance that `market setup` prepared, then timed requests.

Two ways a process meets its first search, each run --runs times with a new server:
  search-first  the first request to the new process is /search?q=… (nothing is warm)
  home-first    GET / first (a visitor opens the site; the warm-up starts), the search --pause seconds later
Each run then times /api/v1/search?q=… (the first API request) and /search?q=<another query> (warm).

    .venv/bin/python bench/first_search.py --instance /tmp/demo-instance            # this checkout
    .venv/bin/python bench/first_search.py --instance /tmp/demo-instance --src /tmp/base --omp-threads default

--src runs another checkout's code (e.g. `git archive integrate4 | tar -x -C /tmp/base`, with a .venv link);
--omp-threads default leaves OMP_NUM_THREADS unset, as `make run` did before. The instance needs the demo
data, an index and the worker's vectors (`flask --app wsgi market setup`, then `market embed`), or the query
model is never asked. Wall seconds; the load average at each run is printed beside it (a shared machine).
"""

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _get(port: int, path: str) -> float:
    began = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=120) as response:
        response.read()
        assert response.status == 200, (path, response.status)
    return time.perf_counter() - began


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def one_run(args, mode: str) -> dict:
    port = _free_port()
    env = {**os.environ, "MARKET_INSTANCE_PATH": args.instance, "MARKET_SECRET_KEY": "bench-" + "x" * 40}
    env.pop("OMP_NUM_THREADS", None)
    if args.omp_threads != "default":
        env["OMP_NUM_THREADS"] = args.omp_threads
    if args.warmup is not None:
        env["MARKET_SEARCH_WARMUP"] = args.warmup
    src = Path(args.src).resolve()
    command = [str(src / ".venv/bin/flask"), "--app", "wsgi", "run", "--port", str(port)]
    began = time.perf_counter()
    server = subprocess.Popen(
        command,
        cwd=src,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while not _listening(port):
            if server.poll() is not None:
                sys.exit(f"the server stopped: {' '.join(command)}")
            time.sleep(0.05)
        row = {"load": _load(), "listening": time.perf_counter() - began}
        q = quote(args.query)
        if mode == "home-first":
            row["home"] = _get(port, "/")
            time.sleep(args.pause)
        row["search"] = _get(port, f"/search?q={q}")
        row["api"] = _get(port, f"/api/v1/search?q={q}")
        row["again"] = _get(port, f"/search?q={quote(args.second_query)}")
        return row
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instance", required=True, help="instance folder prepared by `market setup`")
    parser.add_argument("--src", default=str(ROOT), help="the checkout whose code serves (default: this one)")
    parser.add_argument("--omp-threads", default="1", help='OMP_NUM_THREADS for the server, or "default"')
    parser.add_argument(
        "--warmup", default=None, help="MARKET_SEARCH_WARMUP (true/false; default: the app's)"
    )
    parser.add_argument("--mode", choices=("search-first", "home-first", "both"), default="both")
    parser.add_argument(
        "--pause", type=float, default=3.0, help="seconds between the home page and the search"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--query", default="锂电池")
    parser.add_argument("--second-query", default="氢能 电解槽")
    args = parser.parse_args()
    modes = ("search-first", "home-first") if args.mode == "both" else (args.mode,)
    print(f"src={args.src} OMP_NUM_THREADS={args.omp_threads} warmup={args.warmup or 'app default'}")
    for mode in modes:
        rows = [one_run(args, mode) for _ in range(args.runs)]
        for row in rows:
            cells = "  ".join(f"{k} {v:.2f}s" if isinstance(v, float) else f"{k} {v}" for k, v in row.items())
            print(f"{mode:13s} {cells}")
        for key in ("search", "api", "again"):
            values = [r[key] for r in rows]
            spread = f"min {min(values):.2f}, max {max(values):.2f}"
            print(f"{mode:13s} {key}: median {statistics.median(values):.2f}s ({spread})")


if __name__ == "__main__":
    main()
