"""The worker keeps going: a failing task backs off alone, a database restart or lock is waited out."""

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from market import create_app, worker
from market.extensions import db as _db
from market.services.search import search_catalogue
from tests.conftest import ACHIEVEMENT

ROOT = Path(__file__).resolve().parents[1]


# ---- one process: tasks --------------------------------------------------------------------------------


def test_a_failing_task_backs_off_alone_and_the_others_go_on(app, caplog):
    runs = []
    broken = worker.Task("broken", lambda: 1 / 0)
    fine = worker.Task("fine", lambda: runs.append(1) or 1)
    with caplog.at_level(logging.INFO, logger="market.worker"):
        assert worker.run_pass([broken, fine]) == 1
        assert broken.failures == 1 and broken.due_at > time.monotonic()
        assert worker.run_pass([broken, fine]) == 1  # the broken one waits, the other runs again
    assert len(runs) == 2
    failed = [r for r in caplog.records if getattr(r, "event", None) == "task_failed"]
    assert len(failed) == 1 and failed[0].task == "broken" and "ZeroDivisionError" in failed[0].error
    broken.run, broken.due_at = (lambda: 0), 0.0
    with caplog.at_level(logging.INFO, logger="market.worker"):
        worker.run_pass([broken])
    assert broken.failures == 0 and any(getattr(r, "event", None) == "task_recovered" for r in caplog.records)


def test_waits_double_up_to_a_minute(app):
    task = worker.Task("broken", lambda: 1 / 0)
    waits = []
    for _ in range(8):
        now = task.due_at
        worker.run_task(task, now)
        waits.append(task.due_at - now)
    assert waits == [2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]


def test_log_lines_are_json_with_the_calls_fields():
    record = logging.LogRecord("market.worker", logging.ERROR, __file__, 1, "task failed", (), None)
    record.task, record.failures = "index", 3
    line = json.loads(worker.JsonLines().format(record))
    assert line["message"] == "task failed" and line["task"] == "index" and line["failures"] == 3
    assert line["level"] == "ERROR" and line["time"].endswith("+00:00")


# ---- a real worker process ------------------------------------------------------------------------------


def start_worker(url, tmp_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "MARKET_DATABASE_URL": url,
        "MARKET_SEARCH_PATH": str(tmp_path / "search"),
        "MARKET_SEARCH_BACKEND": "whoosh",
        "MARKET_SECRET_KEY": "test-secret",
        "MARKET_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "market", "index-worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def disk_app(url, tmp_path):
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "SEARCH_BACKEND": "whoosh",
            "SEARCH_PATH": str(tmp_path / "search"),
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
    )


def publish_and_wait_until_found(url, tmp_path, owner_id, title, seconds=60) -> list[str]:
    from market.models import User
    from market.services.listings import create_listing

    app = disk_app(url, tmp_path)
    with app.app_context():
        try:
            create_listing(_db.session.get(User, owner_id), "achievement", {**ACHIEVEMENT, "title": title})
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                result = search_catalogue(None, {"q": title})
                found = [hit.title for hit in result.hits]
                if title in found and result.notice is None:  # in the index, not by the database fallback
                    return [title]
                _db.session.rollback()
                time.sleep(0.3)
            return []
        finally:
            _db.session.remove()
            _db.engine.dispose()


def stop(process) -> tuple[int, list[dict], str]:
    process.send_signal(signal.SIGTERM)
    _out, err = process.communicate(timeout=60)
    return process.returncode, [json.loads(line) for line in err.splitlines() if line.startswith("{")], err


@pytest.mark.slow  # a worker process reads what the test commits
@pytest.mark.parametrize("backend", ["postgresql"])  # a server restart is about PostgreSQL; never skipped
def test_the_worker_carries_on_by_itself_after_the_database_restarts(
    backend, database_urls, make_user, tmp_path, request
):
    server = request.getfixturevalue("pg_server")
    owner_id = make_user("university").id
    _db.session.remove()  # this test's own connections, too, are cut by the restart
    _db.engine.dispose()
    url = database_urls[backend]
    process = start_worker(url, tmp_path)
    try:
        assert publish_and_wait_until_found(url, tmp_path, owner_id, "重启之前的钙钛矿成果") == [
            "重启之前的钙钛矿成果"
        ]
        server.restart()
        time.sleep(1.0)  # the worker meets the restarted server with its old connections
        assert publish_and_wait_until_found(url, tmp_path, owner_id, "重启之后的钙钛矿成果") == [
            "重启之后的钙钛矿成果"
        ]
        assert process.poll() is None
    finally:
        code, lines, err = stop(process)
    assert code == 0 and lines[-1]["event"] == "worker_stopped", err[-3000:]


@pytest.mark.slow  # a worker process reads what the test commits
@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite's counterpart: a lock held past the busy timeout
def test_the_worker_waits_out_a_locked_sqlite_database(backend, database_urls, make_user, tmp_path):
    owner_id = make_user("university").id
    url = database_urls[backend]
    process = start_worker(url, tmp_path)
    try:
        assert publish_and_wait_until_found(url, tmp_path, owner_id, "加锁之前的钙钛矿成果") == [
            "加锁之前的钙钛矿成果"
        ]
        holder = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30)
        holder.execute("BEGIN EXCLUSIVE")  # longer than the worker's busy timeout (5 s)
        time.sleep(8)
        holder.rollback()
        holder.close()
        assert publish_and_wait_until_found(url, tmp_path, owner_id, "加锁之后的钙钛矿成果") == [
            "加锁之后的钙钛矿成果"
        ]
        assert process.poll() is None
    finally:
        code, lines, err = stop(process)
    assert code == 0 and lines[-1]["event"] == "worker_stopped", err[-3000:]
