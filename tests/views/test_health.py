"""/healthz and /readyz, as a load balancer or systemd asks them."""

from sqlalchemy.exc import OperationalError

from market.extensions import db as _db


def test_healthz_answers_while_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_reports_the_database_the_index_and_the_lag(client, make_user, make_listing, worker_off):
    make_listing("achievement", make_user("university"))
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready" and body["database"] == "ok" and body["index"] == "ok"
    assert body["outbox"]["pending"] > 0 and body["outbox"]["oldest_pending_seconds"] >= 0
    assert body["jobs"]["pending"] >= 0 and set(body["jobs"]) == {
        "pending",
        "due",
        "parked",
        "oldest_pending_seconds",
    }


def test_readyz_is_503_when_the_database_cannot_be_reached(client, monkeypatch):
    def unreachable(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(_db.session, "execute", unreachable)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "not_ready",
        "database": "unavailable",
        "error": "OperationalError",
    }
