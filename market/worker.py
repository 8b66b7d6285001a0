"""The worker: everything derived from committed rows, done outside the request, and never dying of it.

One loop runs a list of tasks: the search index follows the outbox, vectors are embedded, event jobs run
(notifications, follow-ups between modules), and sweeps run on their own timers. A task that fails backs off on
its own (2 s doubling to a minute) while the others go on; a database that went away is waited out; an index
that is missing or unreadable is rebuilt from the database. `market index-worker` runs it; systemd restarts the
process if it is ever killed (deploy/).
"""
import json
import logging
import signal
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from flask import current_app

from market.extensions import db
from market.search import IndexBusy
from market.services import base, event_jobs, indexing, matching
from market.services.deals import notify_stale_deals
from market.services.idempotency import prune_idempotency_keys
from market.services.listings import expire_overdue_listings
from market.services.saved_searches import check_saved_searches

log = logging.getLogger("market.worker")
MAX_TASK_BACKOFF = 60.0
INDEX_CHECK_SECONDS = 30.0  # how often an idle worker makes sure the index still reads


@dataclass
class Task:
    name: str
    run: Callable[[], int]
    every: float = 0.0  # seconds between runs; 0: every pass
    due_at: float = 0.0
    failures: int = 0


class IndexFollower:
    """Applies the search outbox; rebuilds first if a reader asked for it or (every half minute, and after a
    failure) the index no longer reads."""

    def __init__(self):
        self.checked_at = 0.0

    def recheck(self) -> None:
        self.checked_at = 0.0

    def __call__(self) -> int:
        check = time.monotonic() - self.checked_at > INDEX_CHECK_SECONDS
        if check:
            self.checked_at = time.monotonic()
        rebuilt = indexing.heal_index(check=check)
        return indexing.drain(timeout=10.0) + int(rebuilt)


def _sweep() -> int:
    return (expire_overdue_listings() + indexing.prune_outbox() + event_jobs.prune_done_jobs()
            + prune_idempotency_keys())


def default_tasks() -> list[Task]:
    """The worker's work, in the order of a pass: the index first (publish → searchable is the tightest promise)."""
    return [
        Task("index", IndexFollower()),
        Task("vectors", matching.refresh_vectors),
        Task("events", event_jobs.run_due_jobs),
        Task("saved_searches", check_saved_searches, every=60),
        Task("stale_deals", notify_stale_deals, every=3600),
        Task("sweep", _sweep, every=600),
    ]


def _reset_session() -> None:
    """Drop the session and its connection after a database error; the next query connects afresh."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 (the connection may be gone)
        pass
    db.session.remove()


def run_task(task: Task, now: float) -> int:
    """Run one task if it is due; its failures are logged and backed off, never raised."""
    if now < task.due_at:
        return 0
    try:
        done = task.run() or 0
    except IndexBusy:
        task.due_at = now + 1.0
        return 0
    except Exception as exc:  # noqa: BLE001 (the worker must outlive every error)
        _reset_session()
        task.failures += 1
        wait = min(MAX_TASK_BACKOFF, 2.0 ** task.failures)
        task.due_at = now + wait
        transient = event_jobs.is_transient(exc)
        if not transient and hasattr(task.run, "recheck"):
            task.run.recheck()  # look at the index's health on the next try
        log.error("task failed", exc_info=not transient,
                  extra={"event": "task_failed", "task": task.name, "failures": task.failures,
                         "retry_in_seconds": wait, "database_unavailable": transient,
                         "error": f"{type(exc).__name__}: {exc}"[:500]})
        return 0
    if task.failures:
        log.info("task recovered", extra={"event": "task_recovered", "task": task.name, "failures": task.failures})
    task.failures = 0
    task.due_at = now + task.every
    if done:
        log.info("task done", extra={"event": "task_done", "task": task.name, "count": done})
    return done


def run_pass(tasks: list[Task]) -> int:
    """Every due task once; how many things were done."""
    now = time.monotonic()
    return sum(run_task(task, now) for task in tasks)


def run_forever(interval: float, once: bool = False) -> None:
    """Pass after pass until SIGTERM or Ctrl-C; sleeps only when a pass found nothing to do."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    tasks = default_tasks()
    log.info("worker started", extra={"event": "worker_started", "tasks": [t.name for t in tasks]})
    try:
        while not stopping:
            done = run_pass(tasks)
            if once:
                break
            if not done:
                time.sleep(interval)
    except KeyboardInterrupt:
        pass
    log.info("worker stopped", extra={"event": "worker_stopped"})


# ---- the test suite's inline pass ------------------------------------------------------------------------

def run_inline() -> None:
    """After a request's commit, when INLINE_WORKER is set (tests): do now what the worker would do next."""
    app = current_app._get_current_object()
    if not app.config.get("INLINE_WORKER"):
        return
    info = db.session.info
    if info.pop("search_outbox_written", False):
        indexing.drain(max_batches=None)
    if app.config.get("INLINE_WORKER_EMBEDS"):
        matching.refresh_vectors()
    if info.pop("events_recorded", False):
        for _ in range(10):  # handlers may record events of their own
            if not event_jobs.run_due_jobs(raise_errors=True):
                break
        info.pop("events_recorded", None)


def install() -> None:
    base.after_every_commit(run_inline)


# ---- structured logs -------------------------------------------------------------------------------------

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, logger, message and whatever the call passed in `extra`."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(level=logging.INFO) -> None:
    """JSON lines on stderr for every logger (the worker's output, read by journald or a log shipper)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
