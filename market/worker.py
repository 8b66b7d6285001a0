"""The worker: everything derived from committed rows, done outside the request, and never dying of it.

Three lanes, each a thread with its own database session, run their tasks pass after pass: the search index
follows the outbox; vectors are embedded (about half a second per listing, so they must never hold up the
index); event jobs run (notifications, follow-ups between modules) beside the sweeps on their own timers. A
task that fails backs off on its own (2 s doubling to a minute) while the others go on; a database that went
away is waited out; an index that is missing or unreadable is rebuilt from the database. `market index-worker`
runs it; systemd restarts the process if it is ever killed (deploy/).
"""

import json
import logging
import os
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from flask import current_app

from market.extensions import db
from market.search import IndexBusy
from market.services import base, challenges, event_jobs, indexing, matching
from market.services.deals import notify_stale_deals
from market.services.idempotency import prune_idempotency_keys
from market.services.listings import expire_overdue_listings
from market.services.saved_searches import check_saved_searches

log = logging.getLogger("market.worker")
MAX_TASK_BACKOFF = 60.0
INDEX_CHECK_SECONDS = 30.0  # how often an idle worker makes sure the index still reads
CURSOR_REPORT_SECONDS = 5.0  # how often the index's cursor is written for pruning (not after every drain)


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
        self.reported_at = 0.0
        self.unreported = False

    def recheck(self) -> None:
        self.checked_at = 0.0

    def __call__(self) -> int:
        check = time.monotonic() - self.checked_at > INDEX_CHECK_SECONDS
        if check:
            self.checked_at = time.monotonic()
        rebuilt = indexing.heal_index(check=check)
        # no merge on every commit: it rewrites the big segment each time; the writer merges once
        # MAX_UNMERGED_SEGMENTS small ones have piled up
        applied = indexing.drain(timeout=10.0, merge=False, report=False)
        self.unreported = self.unreported or bool(applied)
        if self.unreported and time.monotonic() - self.reported_at > CURSOR_REPORT_SECONDS:
            indexing.report_cursor()
            self.reported_at, self.unreported = time.monotonic(), False
        return applied + int(rebuilt)


def _sweep() -> int:
    return (
        expire_overdue_listings()
        + indexing.prune_outbox()
        + event_jobs.prune_done_jobs()
        + prune_idempotency_keys()
    )


@dataclass
class Lane:
    name: str
    tasks: list[Task]
    nice: int = 0  # a higher value yields the CPU to the web processes on the same host
    gather: float = 0.0  # after a busy pass, wait this long so that the next one takes more at once


def lanes() -> list[Lane]:
    """The worker's work, one lane per thread: the index (publish → searchable is the tightest promise), the
    embeddings (slow), the event jobs with the sweeps. All yield the CPU to requests on the same host (nice),
    the embeddings most; under a stream of writes the index commits at most five times a second, more rows
    each time (every Whoosh commit writes a segment)."""
    return [
        Lane("index", [Task("index", IndexFollower())], nice=5, gather=0.2),
        Lane("vectors", [Task("vectors", lambda: matching.refresh_vectors(max_rows=20))], nice=15),
        Lane(
            "events",
            [
                Task("events", event_jobs.run_due_jobs),
                Task("saved_searches", check_saved_searches, every=60),
                Task("stale_deals", notify_stale_deals, every=3600),
                Task("challenge_overdue", challenges.notify_overdue_milestones, every=3600),
                Task("sweep", _sweep, every=600),
            ],
            nice=5,
        ),
    ]


def default_tasks() -> list[Task]:
    """Every task in one list, for running in a single thread (tests, a live server beside the test
    browser)."""
    return [task for lane in lanes() for task in lane.tasks]


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
        wait = min(MAX_TASK_BACKOFF, 2.0**task.failures)
        task.due_at = now + wait
        transient = event_jobs.is_transient(exc)
        if not transient and hasattr(task.run, "recheck"):
            task.run.recheck()  # look at the index's health on the next try
        log.error(
            "task failed",
            exc_info=not transient,
            extra={
                "event": "task_failed",
                "task": task.name,
                "failures": task.failures,
                "retry_in_seconds": wait,
                "database_unavailable": transient,
                "error": f"{type(exc).__name__}: {exc}"[:500],
            },
        )
        return 0
    if task.failures:
        log.info(
            "task recovered", extra={"event": "task_recovered", "task": task.name, "failures": task.failures}
        )
    task.failures = 0
    task.due_at = now + task.every
    if done:
        log.info("task done", extra={"event": "task_done", "task": task.name, "count": done})
    return done


def run_pass(tasks: list[Task]) -> int:
    """Every due task once; how many things were done."""
    now = time.monotonic()
    return sum(run_task(task, now) for task in tasks)


def _run_lane(app, lane: Lane, interval: float, stopping: threading.Event) -> None:
    """Passes over one lane's tasks until stopping, in an app context (and so a session) of its own."""
    if lane.nice:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), lane.nice)  # this thread only, on Linux
    with app.app_context():
        try:
            while not stopping.is_set():
                stopping.wait(lane.gather if run_pass(lane.tasks) else interval)
        finally:
            _reset_session()


def run_forever(interval: float, once: bool = False) -> bool:
    """Every lane in a thread of its own until SIGTERM or Ctrl-C (True), or until a lane died (False: let the
    supervisor start a fresh process); once: one pass over every task, here."""
    if once:
        run_pass(default_tasks())
        return True
    app = current_app._get_current_object()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    all_lanes = lanes()
    threads = [
        threading.Thread(target=_run_lane, args=(app, lane, interval, stopping), name=lane.name, daemon=True)
        for lane in all_lanes
    ]
    log.info(
        "worker started",
        extra={
            "event": "worker_started",
            "lanes": {lane.name: [task.name for task in lane.tasks] for lane in all_lanes},
        },
    )
    for thread in threads:
        thread.start()
    lost: list[str] = []
    try:
        while not stopping.is_set() and not lost:
            stopping.wait(1.0)
            lost = [thread.name for thread in threads if not thread.is_alive() and not stopping.is_set()]
    except KeyboardInterrupt:
        pass
    stopping.set()
    for thread in threads:
        thread.join(timeout=600)
    if lost:
        log.error("worker lane died", extra={"event": "lane_died", "lanes": lost})
    log.info("worker stopped", extra={"event": "worker_stopped"})
    return not lost


# ---- the test suite's inline pass ------------------------------------------------------------------------


def run_inline() -> None:
    """After a request's commit, when INLINE_WORKER is set (tests): do now what the worker would do next."""
    if not current_app.config.get("INLINE_WORKER"):
        return
    info = db.session.info
    if info.pop("search_outbox_written", False):
        indexing.drain(max_batches=None)
    if current_app.config.get("INLINE_WORKER_EMBEDS"):
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
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
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
