"""Running the handlers of recorded domain events: claimed with a lease, retried with backoff, parked.

A job is claimed by a conditional update that commits (so two workers never run the same job at once, on
either database), then its handler runs and the job is marked done in one transaction: the handler's writes
and the mark land together. A worker that dies mid-run leaves the lease to expire and the job runs again.
"""

import logging
import traceback
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import DBAPIError, OperationalError

from market import events
from market.errors import InvalidTransition, NotFound
from market.extensions import db
from market.models import EventJob
from market.models.base import utcnow
from market.services import audit
from market.services.base import Page, paginate, parse_row_id, unit_of_work
from market.services.permissions import require_admin

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5  # then the job is parked for an admin to look at
LEASE = timedelta(minutes=2)  # a claimed job not finished by then is taken again
MAX_BACKOFF_SECONDS = 600
KEEP_DONE = timedelta(days=7)


def backoff(attempts: int) -> timedelta:
    """How long a job waits after its n-th failure: 2, 4, 8, … seconds, at most ten minutes."""
    return timedelta(seconds=min(MAX_BACKOFF_SECONDS, 2 ** max(1, attempts)))


def run_due_jobs(limit: int = 100, raise_errors: bool = False) -> int:
    """Run pending jobs whose time has come, oldest first, each in its own transaction; returns how many ran.

    A database that cannot be reached is not the handler's fault: the error goes up to the caller (the worker
    backs off) and the job keeps its attempt count. raise_errors re-raises a handler's exception too
    (tests)."""
    due = list(
        db.session.scalars(
            select(EventJob.id)
            .where(EventJob.status == "pending", EventJob.run_after <= utcnow())
            .order_by(EventJob.id)
            .limit(limit)
        )
    )
    db.session.rollback()  # end the read; each job gets a transaction of its own
    ran = 0
    for job_id in due:
        if _claim(job_id):
            _run(job_id, raise_errors)
            ran += 1
    return ran


def _claim(job_id: int) -> bool:
    now = utcnow()
    result = db.session.execute(
        update(EventJob)
        .where(EventJob.id == job_id, EventJob.status == "pending", EventJob.run_after <= now)
        .values(run_after=now + LEASE, attempts=EventJob.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount == 1


def _run(job_id: int, raise_errors: bool) -> None:
    job = db.session.get(EventJob, job_id)
    handler = events.handler(job.handler)
    try:
        if handler is None:
            raise LookupError(f"这个进程不认识处理程序 {job.handler}")
        handler(dict(job.payload or {}))
        job.status, job.finished_at, job.last_error = "done", utcnow(), None
        db.session.commit()
    except Exception as exc:  # noqa: BLE001 (one handler's bug must not stop the others)
        if not is_transient(exc):
            _failed(job_id, exc, raise_errors)
            return
        db.session.rollback()
        _give_back(job_id)
        raise


def is_transient(exc: BaseException) -> bool:
    """A database that is restarting, unreachable or locked: worth waiting out, never the job's fault."""
    return isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated)


def _give_back(job_id: int) -> None:
    """The database failed under the handler: the attempt does not count; the lease brings the job back anyway
    if this cannot be written."""
    try:
        db.session.execute(
            update(EventJob)
            .where(EventJob.id == job_id)
            .values(attempts=EventJob.attempts - 1, run_after=utcnow() + backoff(1))
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:  # noqa: BLE001
        db.session.rollback()


def _failed(job_id: int, exc: Exception, raise_errors: bool) -> None:
    db.session.rollback()
    job = db.session.get(EventJob, job_id)
    detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    job.last_error = detail[:4000]
    if job.attempts >= MAX_ATTEMPTS:
        job.status, job.finished_at = "parked", utcnow()
    else:
        job.run_after = utcnow() + backoff(job.attempts)
    db.session.commit()
    log.warning(
        "event job failed",
        extra={
            "event": "job_failed",
            "job_id": job_id,
            "handler": job.handler,
            "attempts": job.attempts,
            "parked": job.status == "parked",
            "error": detail[:500],
        },
    )
    if raise_errors:
        raise exc


def job_counts() -> dict:
    """Pending (and how many are due), parked, and the age in seconds of the oldest pending job."""
    now = utcnow()
    pending, due, oldest = db.session.execute(
        select(
            func.count(), func.count().filter(EventJob.run_after <= now), func.min(EventJob.created_at)
        ).where(EventJob.status == "pending")
    ).one()
    parked = db.session.scalar(select(func.count()).select_from(EventJob).where(EventJob.status == "parked"))
    return {
        "pending": pending,
        "due": due,
        "parked": parked,
        "oldest_pending_seconds": int((now - oldest).total_seconds()) if oldest else 0,
    }


def list_jobs(actor, status: str = "parked", page=1, per_page=20) -> Page:
    """For admins: jobs in one status, newest first (parked ones are what needs a look)."""
    require_admin(actor)
    status = status if status in ("pending", "parked", "done") else "parked"
    return paginate(
        select(EventJob).where(EventJob.status == status).order_by(EventJob.id.desc()), page, per_page
    )


@unit_of_work
def retry_job(actor, job_id) -> EventJob:
    """An admin sends a parked job back to the worker with a fresh set of attempts."""
    require_admin(actor)
    row_id = parse_row_id(job_id)
    job = db.session.get(EventJob, row_id) if row_id else None
    if job is None:
        raise NotFound("该后台任务不存在")
    if job.status != "parked":
        raise InvalidTransition("只有已搁置的任务可以重试")
    _requeue(job)
    audit.record(
        actor, "job.retry", "event_job", job.id, {"handler": job.handler, "last_error": job.last_error}
    )
    return job


def parked_jobs(limit: int = 20) -> list[EventJob]:
    """The most recently parked jobs (for the `market index-status` command)."""
    return list(
        db.session.scalars(
            select(EventJob).where(EventJob.status == "parked").order_by(EventJob.id.desc()).limit(limit)
        )
    )


@unit_of_work
def retry_parked_jobs(actor=None, ids=None) -> int:
    """Send parked jobs (all, or those with these ids) back to the worker; how many. Without an actor: the
    operator's `market retry-parked` command."""
    if actor is not None:
        require_admin(actor)
    query = select(EventJob).where(EventJob.status == "parked")
    if ids:
        query = query.where(EventJob.id.in_(list(ids)))
    jobs = list(db.session.scalars(query))
    for job in jobs:
        _requeue(job)
    if jobs:
        audit.record(actor, "job.retry", "event_job", None, {"count": len(jobs)})
    return len(jobs)


def _requeue(job: EventJob) -> None:
    job.status, job.attempts, job.run_after, job.finished_at = "pending", 0, utcnow(), None


@unit_of_work
def prune_done_jobs(now=None) -> int:
    """Forget jobs finished more than a week ago."""
    result = db.session.execute(
        EventJob.__table__.delete().where(
            EventJob.status == "done", EventJob.finished_at < (now or utcnow()) - KEEP_DONE
        )
    )
    return result.rowcount or 0
