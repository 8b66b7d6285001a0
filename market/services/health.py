"""What a load balancer asks: is this process ready to serve, and how far behind is the worker?"""

from sqlalchemy import text

from market import search
from market.extensions import db
from market.services.event_jobs import job_counts
from market.services.indexing import outbox_lag


def readiness() -> tuple[bool, dict]:
    """Database reachable and this host's index usable (ready), with the outbox's and the jobs' lag."""
    report: dict = {"database": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
        outbox = outbox_lag()  # not the documents per kind: a load balancer asks every few seconds
        jobs = job_counts()
        db.session.rollback()
    except Exception as exc:  # noqa: BLE001 (any failure to reach the database means: not ready)
        db.session.rollback()
        report.update(database="unavailable", error=type(exc).__name__)
        return False, report
    engine = search.backend()
    usable = engine.is_healthy() and not engine.rebuild_requested()
    report["index"] = "ok" if usable else "rebuilding"
    report["outbox"] = outbox
    report["jobs"] = jobs
    return usable, report
