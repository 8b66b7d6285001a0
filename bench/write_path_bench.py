"""Write-path benchmark: API create latency under concurrent writers, publish → searchable, publish →
suggestions.

    .venv/bin/python bench/write_path_bench.py                              # SQLite and PostgreSQL,
                                                                              defaults below
    .venv/bin/python bench/write_path_bench.py --databases sqlite --per-writer 20   # a quick look

As production runs it: gunicorn with 2 web workers on a port of its own, the worker (`market index-worker`)
beside it, a fresh database made by the migrations and holding --catalogue published results (so that the
index and the vector matrix are not empty). WRITERS threads each publish --per-writer results through POST
/api/v1/achievements (a token each, an Idempotency-Key per request) as fast as the server answers. Measured
per result:
- create latency: the POST's round trip as the client sees it;
- publish → searchable: from the 201 until GET /api/v1/search finds the result's unique title in the index
  (polled every 50 ms; a result the reduced database search finds does not count);
- publish → suggestions stored: from the 201 until the worker has stored the result's vectors (the input every
  suggestion of it and for it needs), polled in the database every 100 ms.
PostgreSQL runs in a temporary server (tests/pg_server.py). The clients run in this process, on the same
machine, niced by 5 so that they take the CPU only when the server and the worker leave it (remote clients
would not compete at all). Nothing here is a test; the figures go to docs/benchmarks.md with the command and
the machine.
"""

import argparse
import http.client
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from market import create_app  # noqa: E402
from market.extensions import db  # noqa: E402
from market.matching import embedding  # noqa: E402
from market.models import Achievement, ListingVector, Organisation  # noqa: E402
from market.services.accounts import create_user  # noqa: E402
from market.services.taxonomy import ensure_default_fields, find_field  # noqa: E402
from tests.conftest import ACHIEVEMENT  # noqa: E402
from tests.pg_server import PostgresServer, _free_port  # noqa: E402

WRITERS = 4
PASSWORD = "bench-password-2026"


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def summary(values) -> str:
    return (
        f"p50 {percentile(values, 0.5) * 1000:.0f} ms · p95 {percentile(values, 0.95) * 1000:.0f} ms · "
        f"max {max(values) * 1000:.0f} ms (n={len(values)})"
    )


def prepare(url: str, instance: Path, catalogue: int) -> None:
    """Migrations, a writer account per thread, and `catalogue` published results (inserted directly)."""
    env = {
        **os.environ,
        "MARKET_DATABASE_URL": url,
        "MARKET_INSTANCE_PATH": str(instance),
        "MARKET_SECRET_KEY": "bench-" + "x" * 32,
    }
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance)})
    with app.app_context():
        ensure_default_fields()
        db.session.commit()
        for n in range(WRITERS):
            create_user(f"writer{n}@bench.cn", PASSWORD, "university", f"基准大学{n}")
        org_id = db.session.scalar(select(Organisation.id))
        field_id = find_field("新材料").id
        rows = [
            {
                "org_id": org_id,
                "status": "published",
                "title": f"基准库存成果{n}号 {ACHIEVEMENT['title']}",
                "summary": ACHIEVEMENT["summary"],
                "field_id": field_id,
                "keywords": ["正极材料"],
                "form": "新技术",
                "maturity": "中试",
                "patent_numbers": [],
                "transfer_modes": ["转让"],
            }
            for n in range(catalogue)
        ]
        for start in range(0, len(rows), 1000):
            db.session.execute(insert(Achievement), rows[start : start + 1000])
        # The catalogue's vectors: random unit vectors of the model's size (the matrix costs the same to
        # search)
        ids = list(db.session.scalars(select(Achievement.id)))
        rng = np.random.default_rng(7)
        for start in range(0, len(ids), 1000):
            db.session.execute(
                insert(ListingVector),
                [
                    {
                        "kind": "achievement",
                        "object_id": i,
                        "model": embedding.MODEL_NAME,
                        "text_hash": "bench",
                        **{
                            name: embedding.to_bytes(_unit(rng))
                            for name in ("as_query", "title_as_query", "as_passage")
                        },
                    }
                    for i in ids[start : start + 1000]
                ],
            )
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    # the catalogue indexed before measuring, as a running site would have it
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "market", "reindex", "--processes", "1"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def _unit(rng):
    vector = rng.standard_normal(embedding.DIMENSIONS).astype(np.float32)
    return vector / np.linalg.norm(vector)


def call(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            method,
            path,
            body=json.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = connection.getresponse()
        data = response.read()
        return response.status, json.loads(data) if data else None
    finally:
        connection.close()


def warm_up(port, tokens, url, instance) -> None:
    """A result per writer published at once and waited for: both web workers have served a create and a
    search, the worker has started, loaded the model and read the matrix."""
    made = []

    def publish(n):
        _, body = call(
            port,
            "POST",
            "/api/v1/achievements",
            {**ACHIEVEMENT, "title": f"预热基准钙钛矿成果{n}"},
            {"Authorization": f"Bearer {tokens[n]}"},
        )
        made.append(body["id"])

    threads = [threading.Thread(target=publish, args=(n,)) for n in range(len(tokens))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance)})
    deadline = time.monotonic() + 300
    with app.app_context():
        while time.monotonic() < deadline and db.session.scalar(
            select(func.count())
            .select_from(ListingVector)
            .where(ListingVector.kind == "achievement", ListingVector.object_id.in_(made))
        ) < len(made):
            db.session.rollback()
            time.sleep(0.2)
        db.session.remove()
        db.engine.dispose()
    hits = 0
    while time.monotonic() < deadline and hits < 10:  # ten finds: both web workers have read the index
        _, found = call(port, "GET", f"/api/v1/search?q={quote('预热基准钙钛矿成果')}&kind=achievement")
        hits += set(made) <= {hit["id"] for hit in found["items"]} and not found["meta"]["notice"]
        time.sleep(0.1)


def run(url: str, instance: Path, per_writer: int, pace: float) -> dict:
    env = {
        **os.environ,
        "MARKET_DATABASE_URL": url,
        "MARKET_INSTANCE_PATH": str(instance),
        "MARKET_ENV": "production",
        "MARKET_SECRET_KEY": "bench-" + "x" * 32,
    }
    port = _free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    log = (
        open(os.environ["BENCH_WORKER_LOG"], "w")
        if os.environ.get("BENCH_WORKER_LOG")
        else subprocess.DEVNULL
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "market", "index-worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if call(port, "GET", "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        tokens = [
            call(port, "POST", "/api/v1/tokens", {"email": f"writer{n}@bench.cn", "password": PASSWORD})[1][
                "token"
            ]
            for n in range(WRITERS)
        ]
        warm_up(port, tokens, url, instance)
        latencies, published, lock = [], {}, threading.Lock()  # published: id → (title, moment of the 201)
        searchable, stored = {}, {}
        done = threading.Event()

        def write(n):
            for k in range(per_writer):
                title = f"写入基准钙钛矿成果{n}x{k}号{uuid.uuid4().hex[:6]}"
                started = time.monotonic()
                status, body = call(
                    port,
                    "POST",
                    "/api/v1/achievements",
                    {**ACHIEVEMENT, "title": title},
                    {"Authorization": f"Bearer {tokens[n]}", "Idempotency-Key": str(uuid.uuid4())},
                )
                finished = time.monotonic()
                assert status == 201, (status, body)
                with lock:
                    latencies.append(finished - started)
                    published[body["id"]] = (title, finished)
                time.sleep(pace)

        def watch_search():
            # one query for all of them, newest first: a poll every 50 ms without loading the server much
            path = f"/api/v1/search?q={quote('写入基准钙钛矿成果')}&kind=achievement&sort=date&per_page=50"
            while not done.is_set() or len(searchable) < len(published):
                status, body = call(port, "GET", path)
                now = time.monotonic()
                if status == 200 and not body["meta"]["notice"]:
                    with lock:
                        for hit in body["items"]:
                            if hit["id"] in published and hit["id"] not in searchable:
                                searchable[hit["id"]] = now - published[hit["id"]][1]
                time.sleep(0.05)

        def watch_vectors():
            app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE_PATH": str(instance)})
            with app.app_context():
                while not done.is_set() or len(stored) < len(published):
                    with lock:
                        waiting = {i: at for i, (_t, at) in published.items() if i not in stored}
                    if waiting:
                        found = db.session.scalars(
                            select(ListingVector.object_id).where(
                                ListingVector.kind == "achievement",
                                ListingVector.object_id.in_(list(waiting)),
                            )
                        )
                        now = time.monotonic()
                        for listing_id in found:
                            stored[listing_id] = now - waiting[listing_id]
                        db.session.rollback()
                    time.sleep(0.1)
                db.session.remove()
                db.engine.dispose()

        watchers = [threading.Thread(target=watch_search), threading.Thread(target=watch_vectors)]
        writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        for thread in watchers + writers:
            thread.start()
        for thread in writers:
            thread.join()
        done.set()
        for thread in watchers:
            thread.join(timeout=600)
        return {
            "create": latencies,
            "searchable": list(searchable.values()),
            "suggestions": list(stored.values()),
        }
    finally:
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            process.wait(timeout=60)


def main():
    os.nice(5)  # the load comes from this machine too: let the server and the worker have the CPU first
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--per-writer", type=int, default=50, help="results each of the 4 writers publishes")
    parser.add_argument("--catalogue", type=int, default=5000, help="published results already there")
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="seconds each writer waits between two results (0: as fast as the server answers)",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}; "
        f"{WRITERS} writers × {args.per_writer} results, {args.pace} s between a writer's results, "
        f"gunicorn 2 workers + the worker, catalogue {args.catalogue} results"
    )
    for name in args.databases.split(","):
        with tempfile.TemporaryDirectory(prefix="market-write-bench-") as scratch:
            server = None
            if name == "postgresql":
                server = PostgresServer().start()
                url = server.create_database("bench")
            else:
                url = f"sqlite:///{scratch}/bench.db"
            try:
                prepare(url, Path(scratch) / "instance", args.catalogue)
                result = run(url, Path(scratch) / "instance", args.per_writer, args.pace)
            finally:
                if server:
                    server.stop()
        print(f"\n{name}")
        print(f"  create latency (4 concurrent writers): {summary(result['create'])}")
        print(f"  publish → searchable:                  {summary(result['searchable'])}")
        print(f"  publish → suggestions stored:          {summary(result['suggestions'])}")


if __name__ == "__main__":
    main()
