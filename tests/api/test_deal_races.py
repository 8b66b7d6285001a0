"""Requests racing for one deal: ten identical opens make one deal, two claims make one winner and one clear
409.

Each request runs in its own thread with its own test client, app context, session and database connection,
all released together by a barrier, on SQLite and on PostgreSQL.
"""

import threading

import pytest
from sqlalchemy import func, select

from market.models import BrokerProfile, Deal, DealEvent, Field

RACERS = 10
pytestmark = pytest.mark.slow  # each racing thread has a connection of its own


def race(app, requests) -> list:
    """Send each request (a function of a test client) from its own thread at the same moment."""
    barrier, outcomes = threading.Barrier(len(requests)), [None] * len(requests)

    def run(n, send):
        client = app.test_client()
        barrier.wait(timeout=30)
        try:
            outcomes[n] = send(client)
        except BaseException as exc:  # noqa: BLE001 (anything that escaped would have been a 500)
            outcomes[n] = exc

    threads = [threading.Thread(target=run, args=(n, send)) for n, send in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_ten_simultaneous_identical_opens_make_one_deal(app, db, make_user, make_listing, api_token):
    result_id = make_listing("achievement", make_user("university")).id  # read here: threads have no session
    headers = api_token(make_user("enterprise"))
    responses = race(
        app,
        [lambda client: client.post("/api/v1/deals", json={"achievement_id": result_id}, headers=headers)]
        * RACERS,
    )
    assert [r for r in responses if not hasattr(r, "status_code")] == []
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * (RACERS - 1) + [201], [r.get_data(as_text=True)[:200] for r in responses]
    assert len({r.get_json()["id"] for r in responses}) == 1
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 1
    assert (
        db.session.scalar(select(func.count()).select_from(DealEvent).where(DealEvent.kind == "opened")) == 1
    )


def test_two_brokers_claiming_at_once_make_one_winner_and_one_clear_conflict(
    app, db, make_user, make_listing, api_token
):
    result = make_listing("achievement", make_user("university"))
    buyer = make_user("enterprise")
    field = db.session.scalar(select(Field).where(Field.name == "新材料"))
    brokers = [make_user("broker") for _ in range(2)]
    for broker in brokers:
        db.session.add(BrokerProfile(user_id=broker.id, specialties=[field]))
    db.session.commit()
    deal_id = (
        app.test_client()
        .post("/api/v1/deals", json={"achievement_id": result.id}, headers=api_token(buyer))
        .get_json()["id"]
    )
    tokens = [api_token(broker) for broker in brokers]
    responses = race(
        app, [lambda client, h=h: client.post(f"/api/v1/deals/{deal_id}/claim", headers=h) for h in tokens]
    )
    assert sorted(r.status_code for r in responses) == [200, 409], [
        r.get_data(as_text=True) for r in responses
    ]
    winner = next(r for r in responses if r.status_code == 200).get_json()
    loser = next(r for r in responses if r.status_code == 409).get_json()["error"]
    assert loser["code"] in ("conflict", "invalid_transition") and "技术经纪人" in loser["message"]
    db.session.rollback()
    assert db.session.get(Deal, deal_id).broker_id == winner["broker"]["id"]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(DealEvent)
            .where(DealEvent.deal_id == deal_id, DealEvent.kind == "broker")
        )
        == 1
    )
