"""Demo seed benchmark: `flask --app wsgi market seed` on a freshly migrated SQLite database.

    .venv/bin/python bench/seed_bench.py            # 3 runs, each on a new database
    .venv/bin/python bench/seed_bench.py --runs 1

Only the seed command is timed (the migration before it is not). The seed writes through the services as users
would; indexing and embeddings are the worker's, which `make run` starts afterwards.
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed_once() -> float:
    with tempfile.TemporaryDirectory(prefix="market-seed-bench-") as scratch:
        env = {**os.environ, "MARKET_INSTANCE_PATH": scratch, "MARKET_SECRET_KEY": "bench-" + "x" * 32}
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        started = time.monotonic()
        subprocess.run([*flask, "market", "seed"], cwd=ROOT, env=env, check=True, capture_output=True)
        return time.monotonic() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times = [seed_once() for _ in range(args.runs)]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(
        f"market seed on a fresh SQLite database, {args.runs} runs: min {min(times):.1f} s · "
        f"median {statistics.median(times):.1f} s · max {max(times):.1f} s"
    )


if __name__ == "__main__":
    main()
