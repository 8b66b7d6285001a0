"""Domain events and the worker's jobs: queued with the change, run after it, retried, parked, retried by an
admin."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from market import events
from market.errors import InvalidTransition, PermissionDenied
from market.models import AuditEntry, EventJob, Notification
from market.models.base import utcnow
from market.models.deal import Deal
from market.services import contracts, deals, event_jobs
from market.services.base import unit_of_work
from tests.services.test_deals import add_profile


def jobs(db, **where) -> list[EventJob]:
    query = select(EventJob).order_by(EventJob.id)
    for name, value in where.items():
        query = query.where(getattr(EventJob, name) == value)
    db.session.expire_all()
    return list(db.session.scalars(query))


def notifications_of(db, user) -> list[str]:
    return list(db.session.scalars(select(Notification.title).where(Notification.user_id == user.id)))


def make_due(db) -> None:
    """Let backed-off jobs run now, as if their wait had passed."""
    db.session.execute(update(EventJob).where(EventJob.status == "pending").values(run_after=utcnow()))
    db.session.commit()


@pytest.fixture
def signing_deal(make_user, make_listing, db):
    """A deal at 签约 with its contract draft, and everyone in it."""
    seller, buyer, broker, admin = (
        make_user("university"),
        make_user("enterprise"),
        make_user("broker"),
        make_user("admin"),
    )
    add_profile(db, broker, "新材料")
    result = make_listing("achievement", seller)
    deal, _ = deals.open_deal(buyer, {"achievement_id": result.id})
    deals.claim_deal(broker, deal.id)
    deals.move_stage(broker, deal.id, "negotiation")
    deals.move_stage(broker, deal.id, "signing")
    contracts.submit_contract(seller, deal.contract_id)
    return deal, seller, buyer, broker, admin


@pytest.fixture
def failing_handler():
    """A handler subscribed to a test event that fails until told otherwise."""
    calls = []
    state = {"fail": True}

    @events.subscribe("test.happened")
    def flaky(payload):
        calls.append(payload)
        if state["fail"]:
            raise RuntimeError("对方系统暂时不可用")

    yield calls, state
    events._subscribers.pop("test.happened", None)


def record_event(name: str, **payload) -> None:
    """Record an event in a unit of work of its own, as a service would."""
    unit_of_work(lambda: events.record(name, **payload))()


def record_test_event(**payload):
    record_event("test.happened", **payload)


# ---- requests only write --------------------------------------------------------------------------------


def test_registering_a_contract_returns_before_the_deal_and_the_parties_hear_of_it(
    signing_deal, db, worker_off
):
    deal, seller, buyer, broker, admin = signing_deal
    contracts.register_contract(admin, deal.contract_id, {"recognised_amount": "1000000"})
    assert db.session.get(Deal, deal.id).stage == "signing"  # the follow-up is the worker's
    queued = {job.handler for job in jobs(db, status="pending", event="contract.registered")}
    assert queued == {
        "market.services.deals.stages:follow_contract_registration",
        "market.services.contracts.lifecycle:notify_contract_parties",
    }
    assert not any("已登记" in title for title in notifications_of(db, buyer))
    assert event_jobs.run_due_jobs() >= 2
    db.session.expire_all()
    assert db.session.get(Deal, deal.id).stage == "registered"
    assert any("已登记，登记编号" in title for title in notifications_of(db, buyer))
    assert any("的合同已登记" in title for title in notifications_of(db, broker))
    assert not any("已登记" in title for title in notifications_of(db, admin))  # not whoever acted


def test_a_rolled_back_change_queues_nothing(make_user, make_listing, db, worker_off):
    buyer, result = make_user("enterprise"), make_listing("achievement", make_user("university"))
    before = len(jobs(db))
    with pytest.raises(Exception):
        deals.open_deal(buyer, {"achievement_id": result.id, "message": "x" * (deals.MAX_MESSAGE_CHARS + 1)})
    assert len(jobs(db)) == before and db.session.scalar(select(func.count()).select_from(Deal)) == 0


def test_each_subscribed_handler_gets_its_own_job():
    names = events.subscriptions()
    assert "market.services.deals.stages:follow_contract_registration" in names["contract.registered"]
    assert "market.services.contracts.lifecycle:notify_contract_parties" in names["contract.registered"]
    assert all(names.values())


# ---- failures ----------------------------------------------------------------------------------------------


def test_a_failing_handler_is_retried_with_growing_waits_then_parked_with_its_error(
    app, db, failing_handler, worker_off
):
    calls, _state = failing_handler
    record_test_event(n=1)
    waits = []
    for attempt in range(1, event_jobs.MAX_ATTEMPTS + 1):
        assert event_jobs.run_due_jobs() == 1
        job = jobs(db, event="test.happened")[0]
        assert job.attempts == attempt and "对方系统暂时不可用" in job.last_error
        if attempt < event_jobs.MAX_ATTEMPTS:
            assert job.status == "pending" and event_jobs.run_due_jobs() == 0  # not before its wait is over
            waits.append((job.run_after - utcnow()).total_seconds())
            make_due(db)
    assert waits == sorted(waits) and waits[0] > 0
    assert job.status == "parked" and job.finished_at is not None
    assert len(calls) == event_jobs.MAX_ATTEMPTS
    make_due(db)
    assert event_jobs.run_due_jobs() == 0  # parked jobs wait for a person
    assert event_jobs.job_counts()["parked"] == 1


def test_one_failing_handler_does_not_hold_back_the_others(signing_deal, db, failing_handler, worker_off):
    deal, _seller, buyer, _broker, admin = signing_deal
    record_test_event(n=1)
    contracts.register_contract(admin, deal.contract_id, {"recognised_amount": "1000000"})
    event_jobs.run_due_jobs()
    assert [job.status for job in jobs(db, event="test.happened")] == ["pending"]
    assert all(job.status == "done" for job in jobs(db, event="contract.registered"))
    assert db.session.get(Deal, deal.id).stage == "registered"


def test_a_database_that_went_away_is_not_the_jobs_fault(app, db, worker_off):
    calls = []

    @events.subscribe("test.database")
    def needs_database(payload):
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    try:
        record_event("test.database")
        with pytest.raises(OperationalError):
            event_jobs.run_due_jobs()
        job = jobs(db, event="test.database")[0]
        assert job.attempts == 0 and job.status == "pending" and job.run_after > utcnow()
    finally:
        events._subscribers.pop("test.database", None)


def test_a_claimed_job_is_not_run_twice(app, db, failing_handler, worker_off):
    calls, state = failing_handler
    state["fail"] = False
    record_test_event(n=1)
    job = jobs(db, event="test.happened")[0]
    assert event_jobs._claim(job.id) is True  # another worker holds it
    assert event_jobs._claim(job.id) is False
    held = jobs(db, event="test.happened")[0]
    assert held.run_after > utcnow() + timedelta(seconds=60)  # its lease
    assert event_jobs.run_due_jobs() == 0 and calls == []


def test_a_job_naming_a_handler_this_process_does_not_know_is_parked_in_the_end(app, db, worker_off):
    db.session.add(EventJob(event="old.event", handler="market.services.gone:handler", payload={}))
    db.session.commit()
    for _ in range(event_jobs.MAX_ATTEMPTS):
        event_jobs.run_due_jobs()
        make_due(db)
    job = jobs(db, event="old.event")[0]
    assert job.status == "parked" and "market.services.gone:handler" in job.last_error


# ---- an admin looks and retries -------------------------------------------------------------------------


def park_one(db, failing_handler):
    calls, state = failing_handler
    record_test_event(n=7)
    for _ in range(event_jobs.MAX_ATTEMPTS):
        event_jobs.run_due_jobs()
        make_due(db)
    job = jobs(db, event="test.happened")[0]
    assert job.status == "parked"
    return job


def test_an_admin_retries_a_parked_job_once_its_cause_is_fixed(
    app, db, make_user, failing_handler, worker_off
):
    calls, state = failing_handler
    job = park_one(db, failing_handler)
    admin = make_user("admin")
    with pytest.raises(PermissionDenied):
        event_jobs.retry_job(make_user("enterprise"), job.id)
    state["fail"] = False
    event_jobs.retry_job(admin, job.id)
    assert jobs(db, event="test.happened")[0].status == "pending"
    assert event_jobs.run_due_jobs() == 1
    job = jobs(db, event="test.happened")[0]
    assert job.status == "done" and calls[-1] == {"n": 7}
    assert (
        db.session.scalar(select(AuditEntry.action).where(AuditEntry.object_type == "event_job"))
        == "job.retry"
    )
    with pytest.raises(InvalidTransition):
        event_jobs.retry_job(admin, job.id)


def test_the_admin_page_lists_parked_jobs_and_retries_them(
    app, db, client, login, make_user, failing_handler, worker_off
):
    job = park_one(db, failing_handler)
    login(make_user("admin"))
    page = client.get("/admin/search-index").get_data(as_text=True)
    assert 'data-testid="parked-jobs"' in page and "test.happened" in page and "对方系统暂时不可用" in page
    response = client.post(f"/admin/jobs/{job.id}/retry")
    assert response.status_code == 302
    assert jobs(db, event="test.happened")[0].status == "pending"
    assert "没有搁置的后台任务" in client.get("/admin/search-index").get_data(as_text=True)


def test_the_api_lists_parked_jobs_with_counts_and_retries_one(
    app, db, client, api_token, make_user, failing_handler, worker_off
):
    job = park_one(db, failing_handler)
    admin = api_token(make_user("admin"))
    body = client.get("/api/v1/admin/jobs", headers=admin).get_json()
    assert [item["id"] for item in body["items"]] == [job.id]
    assert body["items"][0]["status"] == "parked" and "对方系统暂时不可用" in body["items"][0]["last_error"]
    assert body["meta"]["counts"]["parked"] == 1
    assert client.get("/api/v1/admin/jobs", headers=api_token(make_user("broker"))).status_code == 403
    assert client.post(f"/api/v1/admin/jobs/{job.id}/retry", headers=admin).get_json()["status"] == "pending"
    assert client.post(f"/api/v1/admin/jobs/{job.id}/retry", headers=admin).status_code == 409


def test_index_status_lists_parked_jobs_and_retry_parked_requeues_them(app, db, failing_handler, worker_off):
    job = park_one(db, failing_handler)
    output = app.test_cli_runner().invoke(args=["market", "index-status"]).output
    assert "已搁置 1 个" in output and f"#{job.id} test.happened" in output and "对方系统暂时不可用" in output
    result = app.test_cli_runner().invoke(args=["market", "retry-parked"])
    assert result.exit_code == 0 and "已重新排队 1 个任务" in result.output
    assert jobs(db, event="test.happened")[0].status == "pending"


def test_finished_jobs_are_forgotten_after_a_week(app, db, failing_handler, worker_off):
    _calls, state = failing_handler
    state["fail"] = False
    record_test_event(n=1)
    event_jobs.run_due_jobs()
    assert event_jobs.prune_done_jobs() == 0
    assert event_jobs.prune_done_jobs(now=utcnow() + timedelta(days=8)) == 1
    assert jobs(db, event="test.happened") == []
