"""The on-disk index with real processes: concurrent writers, a crash after commit, a lost index, the
worker."""

import gc
import json
import logging
import multiprocessing
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from market import create_app, search
from market.extensions import db as _db
from market.models import Achievement
from market.services import indexing
from market.services.search import search_catalogue
from tests.conftest import ACHIEVEMENT
from tests.search.support import tolerate_leaked_files

ROOT = Path(__file__).resolve().parents[2]
SPAWN = multiprocessing.get_context("spawn")
pytestmark = pytest.mark.slow  # other processes read and write the test database
WORKERS, PER_WORKER = 4, 10


def disk_app(url, path):
    """An app as a web or worker process runs it: Whoosh on disk at `path`, derived work left to the
    worker."""
    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "SEARCH_BACKEND": "whoosh",
            "SEARCH_PATH": str(path),
            "INSTANCE_PATH": str(Path(path).parent / "instance"),
        }
    )


@contextmanager
def running(app):
    """The app's context; its connections are closed on the way out."""
    with app.app_context():
        try:
            yield app
        finally:
            _db.session.remove()
            _db.engine.dispose()


def titles_found(q) -> list[str]:
    return [hit.title for hit in search_catalogue(None, {"q": q, "per_page": 50}).hits]


@pytest.fixture
def url(app, backend, database_urls, db):
    """The emptied test database (via the `app` fixture), outbox numbers starting at 1 on both engines."""
    return database_urls[backend]


# ---- child processes (spawned: they import this module afresh) -----------------------------------------


class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(
            f"{record.name}: {record.getMessage()} {record.exc_info[1]!r}"
            if record.exc_info
            else f"{record.name}: {record.getMessage()}"
        )


def _publish_many(url, path, user_id, worker, barrier, results, count=PER_WORKER):
    from market.models import User
    from market.services.listings import create_listing

    errors, logged = [], _Errors()
    logging.getLogger("market").addHandler(logged)
    app = disk_app(url, path)
    with running(app):
        user = _db.session.get(User, user_id)
        barrier.wait(timeout=60)
        for n in range(count):
            try:
                create_listing(user, "achievement", {**ACHIEVEMENT, "title": f"并发钙钛矿成果{worker}-{n}"})
            except BaseException as exc:  # noqa: BLE001  (everything that would reach the user)
                errors.append(repr(exc))
    results.put((worker, errors, logged.messages))


def _publish_then_die(url, path, user_id):
    from market.models import User
    from market.services.listings import create_listing

    # The process dies right after the database commit (kill -9 of a web worker).
    app = disk_app(url, path)
    with app.app_context():
        create_listing(
            _db.session.get(User, user_id), "achievement", {**ACHIEVEMENT, "title": "断电前发布的钙钛矿成果"}
        )
    os._exit(3)


# ---- the tests -----------------------------------------------------------------------------------------


def test_concurrent_publishers_never_see_an_index_error_and_the_worker_makes_everything_findable(
    url, make_user, tmp_path
):
    users = [make_user("university").id for _ in range(WORKERS)]
    path = tmp_path / "search"
    parent = disk_app(url, path)
    with running(parent):
        indexing.heal_index()  # a host's index exists before its web workers start
    barrier, results = SPAWN.Barrier(WORKERS), SPAWN.Queue()
    workers = [
        SPAWN.Process(target=_publish_many, args=(url, str(path), user_id, n, barrier, results))
        for n, user_id in enumerate(users)
    ]
    for process in workers:
        process.start()
    reports = [results.get(timeout=240) for _ in workers]
    for process in workers:
        process.join(timeout=30)
        assert process.exitcode == 0
    assert [(worker, errors) for worker, errors, _ in sorted(reports) if errors] == []
    assert [(worker, logged) for worker, _, logged in sorted(reports) if logged] == []
    with running(parent):
        indexing.drain()
        found = titles_found("并发钙钛矿成果")
        assert len(found) == WORKERS * PER_WORKER
        assert sorted(found) == sorted(
            f"并发钙钛矿成果{w}-{n}" for w in range(WORKERS) for n in range(PER_WORKER)
        )
        assert indexing.index_status()["pending"] == 0


def worker_env(url, path, tmp_path) -> dict:
    return {
        **os.environ,
        "MARKET_DATABASE_URL": url,
        "MARKET_SEARCH_PATH": str(path),
        "MARKET_SEARCH_BACKEND": "whoosh",
        "MARKET_SECRET_KEY": "test-secret",
        "MARKET_INSTANCE_PATH": str(tmp_path / "instance"),
    }


def log_lines(stderr: str) -> list[dict]:
    """The worker's JSON log lines."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def done_by(lines: list[dict], task: str) -> int:
    return sum(
        line.get("count", 0)
        for line in lines
        if line.get("event") == "task_done" and line.get("task") == task
    )


def _follow_vectors(url, path, barrier, results):
    from market.services.matching import refresh_vectors

    with running(disk_app(url, path)):
        barrier.wait(timeout=60)
        embedded = 0
        try:
            for _ in range(20):
                embedded += refresh_vectors()
        except BaseException as exc:  # noqa: BLE001
            results.put(("error", repr(exc)))
            return
    results.put(("ok", embedded))


def test_two_workers_following_the_outbox_at_once_store_every_vector_once(url, make_user, tmp_path):
    # A restarted worker may overlap the one it replaces: they share the work without storing a vector twice.
    from market.models import ListingVector
    from market.services.listings import create_listing

    path = tmp_path / "search"
    with running(disk_app(url, path)):
        owner = _db.session.merge(make_user("university"))
        for n in range(6):
            create_listing(owner, "achievement", {**ACHIEVEMENT, "title": f"并发钙钛矿成果{n}"})
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    workers = [
        SPAWN.Process(target=_follow_vectors, args=(url, str(path), barrier, results)) for _ in range(2)
    ]
    for process in workers:
        process.start()
    reports = [results.get(timeout=240) for _ in workers]
    for process in workers:
        process.join(timeout=30)
    assert [report for report in reports if report[0] != "ok"] == []
    with running(disk_app(url, path)):
        published = set(
            _db.session.scalars(select(Achievement.id).where(Achievement.title.like("并发钙钛矿成果%")))
        )
        vectors = list(
            _db.session.scalars(select(ListingVector.object_id).where(ListingVector.kind == "achievement"))
        )
        assert len(published) == 6
        assert sorted(vectors) == sorted(published)


def test_a_web_process_killed_after_its_commit_loses_nothing(url, make_user, tmp_path):
    user_id = make_user("university").id
    path = tmp_path / "search"
    parent = disk_app(url, path)
    with running(parent):
        indexing.heal_index()
    child = SPAWN.Process(target=_publish_then_die, args=(url, str(path), user_id))
    child.start()
    child.join(timeout=300)
    assert child.exitcode == 3
    with running(parent):
        assert (
            _db.session.scalar(
                select(Achievement.status).where(Achievement.title == "断电前发布的钙钛矿成果")
            )
            == "published"
        )
        assert titles_found("断电前") == []
        assert indexing.index_status()["pending"] > 0
    worker = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "market", "index-worker", "--once"],
        cwd=ROOT,
        env=worker_env(url, path, tmp_path),
        capture_output=True,
        text=True,
        timeout=300,  # a safety net, not a speed check: a loaded CI machine is slow
    )
    assert worker.returncode == 0, worker.stderr
    assert done_by(log_lines(worker.stderr), "index") > 0, worker.stderr
    with running(parent):
        assert titles_found("断电前") == ["断电前发布的钙钛矿成果"]
        assert indexing.index_status()["pending"] == 0


def _damage(path: Path, how: str) -> None:
    if how == "missing":
        return
    current = (path / "current").resolve()
    if how == "deleted":
        for file in current.iterdir():
            file.unlink()
        current.rmdir()
    elif how == "truncated":
        for file in current.glob("*.seg"):
            file.write_bytes(file.read_bytes()[:100])
    elif how == "garbled":
        for file in current.glob("*.toc"):
            file.write_bytes(bytes(b ^ 0xFF for b in file.read_bytes()))
    elif how == "overwritten":
        for file in current.glob("*.seg"):
            file.write_bytes(os.urandom(file.stat().st_size))


@tolerate_leaked_files
@pytest.mark.parametrize("how", ["missing", "deleted", "truncated", "garbled", "overwritten"])
def test_a_lost_or_corrupt_index_answers_from_the_database_until_the_worker_rebuilds_it(
    url, make_user, make_listing, tmp_path, how
):
    # The id is read here: objects of the `app` fixture's session must not load through another app's engine.
    listing_id = make_listing("achievement", make_user("university"), title="失而复得的钙钛矿成果").id
    path = tmp_path / "search"
    if how != "missing":
        with running(disk_app(url, path)):
            indexing.rebuild_index()
    _damage(path, how)
    with running(disk_app(url, path)):  # a web process serving on the damaged index
        result = search_catalogue(None, {"q": "失而复得"})
        assert [hit.object_id for hit in result.hits] == [listing_id]
        assert result.notice and "简化搜索" in result.notice
        assert search.backend().rebuild_requested()
    worker = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "market", "index-worker", "--once"],
        cwd=ROOT,
        env=worker_env(url, path, tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == 0, worker.stderr
    assert any(line.get("event") == "index_rebuild" for line in log_lines(worker.stderr)), worker.stderr
    with running(disk_app(url, path)):
        result = search_catalogue(None, {"q": "失而复得"})
        assert [hit.object_id for hit in result.hits] == [listing_id] and result.notice is None
        assert search.backend().is_healthy() and not search.backend().rebuild_requested()
    gc.collect()  # Whoosh leaves the files of the damaged index to the collector: close them inside this test


def _first_search(url, path, barrier, results):
    errors = []
    with running(disk_app(url, path)):
        barrier.wait(timeout=60)
        try:
            found = titles_found("失而复得")
        except BaseException:  # noqa: BLE001
            import traceback

            found, errors = [], [traceback.format_exc(limit=-4)]
    results.put((errors, found))


@tolerate_leaked_files
def test_web_workers_starting_together_on_a_missing_index_all_answer(url, make_user, make_listing, tmp_path):
    make_listing("achievement", make_user("university"), title="失而复得的钙钛矿成果")
    path = tmp_path / "search"
    barrier, results = SPAWN.Barrier(WORKERS), SPAWN.Queue()
    workers = [
        SPAWN.Process(target=_first_search, args=(url, str(path), barrier, results)) for _ in range(WORKERS)
    ]
    for process in workers:
        process.start()
    reports = [results.get(timeout=240) for _ in workers]
    for process in workers:
        process.join(timeout=30)
    assert [errors for errors, _ in reports if errors] == [], "\n".join(
        e for errors, _ in reports for e in errors
    )
    assert [found for _, found in reports] == [["失而复得的钙钛矿成果"]] * WORKERS
    with running(disk_app(url, path)):
        assert search.backend().rebuild_requested()
        assert indexing.heal_index() is True
        assert search.backend().is_healthy() and titles_found("失而复得") == ["失而复得的钙钛矿成果"]


def test_the_worker_embeds_new_listings_and_stops_cleanly_on_sigterm(url, make_user, tmp_path):
    import signal
    import time

    from market.models import ListingVector

    path = tmp_path / "search"
    parent = disk_app(url, path)
    with running(parent):
        from market.services.listings import create_listing

        owner = _db.session.merge(make_user("university"))
        create_listing(owner, "achievement", {**ACHIEVEMENT, "title": "工作进程计算向量的钙钛矿成果"})
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "market", "index-worker", "--interval", "0.2"],
        cwd=ROOT,
        env=worker_env(url, path, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        with running(parent):
            while not _db.session.scalar(select(ListingVector.object_id)) and time.monotonic() < deadline:
                _db.session.rollback()
                time.sleep(0.3)
            embedded = _db.session.scalar(select(ListingVector.object_id))
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
        assert embedded is not None, (out, err)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    lines = log_lines(err)
    assert done_by(lines, "vectors") == 1
    assert lines[-1]["event"] == "worker_stopped"
