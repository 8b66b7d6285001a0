"""The whole write path under fire: gunicorn with two web workers, the worker, clients that retry with their
key.

While two clients publish results through the API, a web worker is killed with SIGKILL mid-run (twice) and so
is the worker (restarted a moment later, as systemd would). Afterwards every result a client got a 2xx (or a
303 to it) for exists exactly once, is found by search and has its vectors for suggestions, on SQLite and
PostgreSQL.
"""

import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from market import create_app
from market.extensions import db as _db
from market.models import Achievement, ListingVector
from market.models.base import Base
from market.services.accounts import create_user
from market.services.taxonomy import ensure_default_fields
from tests.conftest import ACHIEVEMENT
from tests.pg_server import _free_port

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "Writepath-2026!"
CLIENTS, PER_CLIENT = 2, 12
_databases = itertools.count(1)
pytestmark = pytest.mark.slow


@pytest.fixture
def fresh_url(backend, request, tmp_path):
    """A database of its own (the servers below write to it from other processes), schema and one
    university."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'write.db'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"write_path_{next(_databases)}")
    app = create_app(
        {"DATABASE_URL": url, "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(tmp_path / "instance")}
    )
    with app.app_context():
        Base.metadata.create_all(_db.engine)
        ensure_default_fields()
        _db.session.commit()
        create_user("writer@example.cn", PASSWORD, "university", "写入测试大学")
        _db.session.remove()
        _db.engine.dispose()
    return url


def environment(url, tmp_path) -> dict:
    return {
        **os.environ,
        "MARKET_DATABASE_URL": url,
        "MARKET_SECRET_KEY": "test-secret-" + "x" * 24,
        "MARKET_SEARCH_PATH": str(tmp_path / "search"),
        "MARKET_INSTANCE_PATH": str(tmp_path / "instance"),
        "MARKET_IDEMPOTENCY_RESPONSE_WAIT": "3",
    }


def request(port, method, path, body=None, headers=None, timeout=30):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(
            method,
            path,
            body=json.dumps(body) if body is not None else None,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = connection.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), (json.loads(data) if data else None)
    finally:
        connection.close()


def wait_for(predicate, seconds=60, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(step)
    return False


def web_workers(master: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def publish_with_retries(port, token, client_no, results):
    """Publish PER_CLIENT results, each with its own key, retrying through any failure until it succeeds."""
    for n in range(PER_CLIENT):
        key, title = str(uuid.uuid4()), f"写入回路{client_no}客户端{n}号钙钛矿成果"
        body = {**ACHIEVEMENT, "title": title}
        for attempt in range(200):
            try:
                status, headers, data = request(
                    port,
                    "POST",
                    "/api/v1/achievements",
                    body,
                    {"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                )
            except (OSError, http.client.HTTPException):
                status, headers, data = None, {}, None  # the connection died with its web worker
            if status == 201:
                results.append((title, data["id"], attempt))
                break
            if status == 303:  # the first try committed, its response was lost: follow to what it made
                results.append((title, int(headers["Location"].rsplit("/", 1)[1]), attempt))
                break
            time.sleep(0.3)
        else:
            results.append((title, None, "never succeeded"))


def test_killed_web_workers_and_a_killed_worker_lose_nothing_and_write_nothing_twice(fresh_url, tmp_path):
    env, port = environment(fresh_url, tmp_path), _free_port()
    logs = (tmp_path / "web.log").open("w"), (tmp_path / "worker.log").open("a")
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "30",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=logs[0],
        stderr=logs[0],
    )

    def start_worker():
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi", "market", "index-worker"],
            cwd=ROOT,
            env=env,
            stdout=logs[1],
            stderr=logs[1],
        )

    worker = start_worker()
    try:
        assert wait_for(lambda: request(port, "GET", "/healthz")[0] == 200), "gunicorn did not start"
        status, _, token = request(
            port, "POST", "/api/v1/tokens", {"email": "writer@example.cn", "password": PASSWORD}
        )
        assert status == 201
        results: list = []
        clients = [
            threading.Thread(target=publish_with_retries, args=(port, token["token"], n, results))
            for n in range(CLIENTS)
        ]
        for thread in clients:
            thread.start()
        kills = 0
        for progress in (6, 12, 18):  # kill while the clients are writing: requests are in flight
            assert wait_for(lambda: len(results) >= progress, seconds=120, step=0.01)
            if progress == 12:  # the worker dies; systemd starts it again
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=30)
                worker = start_worker()
            else:
                for pid in web_workers(web):  # every web worker at once; the gunicorn master starts others
                    os.kill(pid, signal.SIGKILL)
                kills += 1
        for thread in clients:
            thread.join(timeout=300)
        assert kills == 2 and len(results) == CLIENTS * PER_CLIENT
        assert [r for r in results if r[1] is None] == []
        # the worker catches up: everything indexed, every job run
        assert wait_for(
            lambda: (lambda body: body["outbox"]["pending"] == 0 and body["jobs"]["pending"] == 0)(
                request(port, "GET", "/readyz")[2]
            ),
            seconds=120,
        )
        for title, listing_id, _attempts in results:
            _, _, found = request(port, "GET", f"/api/v1/search?q={quote(title)}&kind=achievement")
            assert listing_id in [item["id"] for item in found["items"]], title
        app = create_app(
            {
                "DATABASE_URL": fresh_url,
                "SECRET_KEY": "test-secret",
                "INSTANCE_PATH": str(tmp_path / "instance"),
            }
        )
        with app.app_context():
            try:
                ids = sorted(listing_id for _, listing_id, _ in results)
                assert db_count(Achievement) == len(ids) == len(set(ids))  # not one written twice
                # embedding waits for the model to load in the restarted worker: minutes on a busy 2-core
                # machine
                assert wait_for(lambda: db_count(ListingVector) >= len(ids), seconds=300)
                embedded = set(
                    _db.session.scalars(
                        select(ListingVector.object_id).where(ListingVector.kind == "achievement")
                    )
                )
                assert embedded == set(ids)  # every result can be matched
            finally:  # a connection left open would fail the next test as an unraisable warning
                _db.session.remove()
                _db.engine.dispose()
    finally:
        for process in (web, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


def db_count(model) -> int:
    _db.session.rollback()
    return _db.session.scalar(select(func.count()).select_from(model))
