"""The on-disk index with real processes: concurrent writers, a crash after commit, a lost index."""
import gc
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
from tests.search.support import restart_outbox_numbering, tolerate_leaked_files

ROOT = Path(__file__).resolve().parents[2]
SPAWN = multiprocessing.get_context("spawn")
WORKERS, PER_WORKER = 4, 10


def disk_app(url, path):
    """An app as a web or worker process runs it: Whoosh on disk at `path`. Embedding after commit is
    left to the worker: on two cores, four processes embedding every listing measure the model, not the index."""
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "test-secret", "TESTING": True,
                       "SEARCH_BACKEND": "whoosh", "SEARCH_PATH": str(path), "MATCHING_EMBED_ON_COMMIT": False,
                       "INSTANCE_PATH": str(Path(path).parent / "instance")})


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
    restart_outbox_numbering(db)
    return database_urls[backend]


# ---- child processes (spawned: they import this module afresh) -----------------------------------------

class _Errors(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages = []

    def emit(self, record):
        self.messages.append(f"{record.name}: {record.getMessage()} {record.exc_info[1]!r}" if record.exc_info
                             else f"{record.name}: {record.getMessage()}")


def _publish_many(url, path, user_id, worker, barrier, results, count=PER_WORKER, embed=False):
    from market.models import User
    from market.services.listings import create_listing

    errors, logged = [], _Errors()
    logging.getLogger("market").addHandler(logged)
    app = disk_app(url, path)
    app.config["MATCHING_EMBED_ON_COMMIT"] = embed
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

    # The process dies after the database commit, before the index write.
    indexing.drain_after_commit = lambda: os._exit(3)
    app = disk_app(url, path)
    with app.app_context():
        create_listing(_db.session.get(User, user_id), "achievement", {**ACHIEVEMENT, "title": "断电前发布的钙钛矿成果"})
    os._exit(0)  # not reached when the crash hook runs


# ---- the tests -----------------------------------------------------------------------------------------

def test_concurrent_publishers_never_see_an_index_error_and_everything_is_found(url, make_user, tmp_path):
    users = [make_user("university").id for _ in range(WORKERS)]
    path = tmp_path / "search"
    parent = disk_app(url, path)
    with running(parent):
        indexing.ensure_index_ready()  # a host's index exists before its web workers start
    barrier, results = SPAWN.Barrier(WORKERS), SPAWN.Queue()
    workers = [SPAWN.Process(target=_publish_many, args=(url, str(path), user_id, n, barrier, results))
               for n, user_id in enumerate(users)]
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
        assert sorted(found) == sorted(f"并发钙钛矿成果{w}-{n}" for w in range(WORKERS) for n in range(PER_WORKER))
        assert indexing.index_status()["pending"] == 0


def test_processes_embedding_after_commit_at_once_store_every_vector_once(url, make_user, tmp_path):
    # Web processes embed what they publish and then follow the outbox for the others' listings too.
    from market.models import ListingVector

    users = [make_user("university").id for _ in range(2)]
    path = tmp_path / "search"
    with running(disk_app(url, path)):
        indexing.ensure_index_ready()
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    workers = [SPAWN.Process(target=_publish_many, args=(url, str(path), user_id, n, barrier, results, 3, True))
               for n, user_id in enumerate(users)]
    for process in workers:
        process.start()
    reports = [results.get(timeout=240) for _ in workers]
    for process in workers:
        process.join(timeout=30)
    assert [(worker, errors, logged) for worker, errors, logged in sorted(reports) if errors or logged] == []
    with running(disk_app(url, path)):
        published = set(_db.session.scalars(select(Achievement.id).where(Achievement.title.like("并发钙钛矿成果%"))))
        vectors = list(_db.session.scalars(select(ListingVector.object_id).where(ListingVector.kind == "achievement")))
        assert len(published) == 6
        assert sorted(vectors) == sorted(published)


def test_a_crash_between_commit_and_index_write_is_repaired_by_the_worker(url, make_user, tmp_path):
    user_id = make_user("university").id
    path = tmp_path / "search"
    parent = disk_app(url, path)
    with running(parent):
        indexing.ensure_index_ready()
    child = SPAWN.Process(target=_publish_then_die, args=(url, str(path), user_id))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 3
    with running(parent):
        assert _db.session.scalar(select(Achievement.status).where(Achievement.title == "断电前发布的钙钛矿成果")) == "published"
        assert titles_found("断电前") == []
        assert indexing.index_status()["pending"] > 0
    env = {**os.environ, "MARKET_DATABASE_URL": url, "MARKET_SEARCH_PATH": str(path), "MARKET_SEARCH_BACKEND": "whoosh",
           "MARKET_SECRET_KEY": "test-secret", "MARKET_INSTANCE_PATH": str(tmp_path / "instance")}
    worker = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "market", "index-worker", "--once"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert worker.returncode == 0, worker.stderr
    assert "已更新索引" in worker.stdout
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


@tolerate_leaked_files
@pytest.mark.parametrize("how", ["missing", "deleted", "truncated", "garbled"])
def test_a_lost_or_corrupt_index_is_rebuilt_on_the_first_search(url, make_user, make_listing, tmp_path, caplog, how):
    # The id is read here: objects of the `app` fixture's session must not load through another app's engine.
    listing_id = make_listing("achievement", make_user("university"), title="失而复得的钙钛矿成果").id
    path = tmp_path / "search"
    if how != "missing":
        with running(disk_app(url, path)):
            indexing.rebuild_index()
    _damage(path, how)
    with running(disk_app(url, path)):  # a process starting on the damaged index
        with caplog.at_level(logging.WARNING, logger="market"):
            result = search_catalogue(None, {"q": "失而复得"})
        assert [hit.object_id for hit in result.hits] == [listing_id]
        assert any("rebuild" in record.getMessage() for record in caplog.records)
        assert search.backend().is_healthy()


def test_every_new_index_is_checked_even_where_an_old_one_lived_in_memory(url, tmp_path):
    # A process that builds apps one after another (tests, scripts) must check each new index, even when the
    # new engine object happens to reuse a discarded one's memory.
    for n in range(3):
        with running(disk_app(url, tmp_path / f"search{n}")):
            assert indexing.ensure_index_ready() is True
            assert indexing.ensure_index_ready() is False
        gc.collect()  # the discarded app and its engine are freed; the next may take their place


def _first_search(url, path, barrier, results):
    errors = []
    with running(disk_app(url, path)):
        barrier.wait(timeout=60)
        try:
            found = titles_found("失而复得")
        except BaseException as exc:  # noqa: BLE001
            import traceback
            found, errors = [], [traceback.format_exc(limit=-4)]
    results.put((errors, found))


@tolerate_leaked_files
def test_web_workers_starting_together_on_a_missing_index_all_answer(url, make_user, make_listing, tmp_path):
    make_listing("achievement", make_user("university"), title="失而复得的钙钛矿成果")
    path = tmp_path / "search"
    barrier, results = SPAWN.Barrier(WORKERS), SPAWN.Queue()
    workers = [SPAWN.Process(target=_first_search, args=(url, str(path), barrier, results)) for _ in range(WORKERS)]
    for process in workers:
        process.start()
    reports = [results.get(timeout=240) for _ in workers]
    for process in workers:
        process.join(timeout=30)
    assert [errors for errors, _ in reports if errors] == [], "\n".join(e for errors, _ in reports for e in errors)
    assert [found for _, found in reports] == [["失而复得的钙钛矿成果"]] * WORKERS
    with running(disk_app(url, path)):
        assert search.backend().is_healthy() and titles_found("失而复得") == ["失而复得的钙钛矿成果"]


def test_the_index_worker_embeds_new_listings_and_stops_cleanly_on_sigterm(url, make_user, tmp_path):
    import signal
    import time

    from market.models import ListingVector

    path = tmp_path / "search"
    parent = disk_app(url, path)
    with running(parent):
        from market.services.listings import create_listing

        owner = _db.session.merge(make_user("university"))
        create_listing(owner, "achievement", {**ACHIEVEMENT, "title": "工作进程计算向量的钙钛矿成果"})
    env = {**os.environ, "MARKET_DATABASE_URL": url, "MARKET_SEARCH_PATH": str(path), "MARKET_SEARCH_BACKEND": "whoosh",
           "MARKET_SECRET_KEY": "test-secret", "MARKET_INSTANCE_PATH": str(tmp_path / "instance")}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "market", "index-worker", "--interval", "0.2"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
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
    assert "已计算匹配向量 1 条" in out
