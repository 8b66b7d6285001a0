"""Throttled sign-in (issue 16, part 1): waits after repeated failures per account and per address, shared by
every web worker, the same for unknown e-mails, audited; request rates per address on the four doors."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from market import create_app
from market.models import AuditEntry, SignInThrottle
from market.models.base import utcnow
from market.services import accounts, throttle
from tests.conftest import PASSWORD

WRONG = "Wrong-password-1"


def _login(client, email, password, address="10.0.0.1"):
    return client.post(
        "/login", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _token(client, email, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/tokens", json={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _end_waits(db):
    db.session.execute(update(SignInThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def test_the_sixth_try_is_refused_even_with_the_right_password_until_the_wait_ends(client, make_user, db):
    user = make_user()
    for attempt in range(1, 5):
        response = _login(client, user.email, WRONG)
        assert response.status_code == 401 and "邮箱或密码不正确" in response.get_data(as_text=True)
    fifth = _login(client, user.email, WRONG)
    assert fifth.status_code == 429 and "尝试次数过多，请在 1 分钟后再试" in fifth.get_data(as_text=True)
    sixth = _login(client, user.email, PASSWORD)
    assert sixth.status_code == 429 and "请在" in sixth.get_data(as_text=True)
    assert client.get("/my/").status_code == 302  # not signed in

    _end_waits(db)
    assert _login(client, user.email, PASSWORD).status_code == 302
    assert db.session.scalar(select(SignInThrottle).where(SignInThrottle.scope == "account")) is None


def test_each_failure_after_a_wait_doubles_the_next_wait(client, make_user, db):
    user = make_user()
    for _ in range(5):
        _login(client, user.email, WRONG)
    _end_waits(db)
    again = _login(client, user.email, WRONG)
    assert again.status_code == 429 and "请在 2 分钟后再试" in again.get_data(as_text=True)
    assert throttle.wait_after(12, 5) == timedelta(hours=1)  # never longer than an hour


def test_the_api_token_door_waits_too_and_says_how_long(client, make_user):
    user = make_user()
    for _ in range(4):
        assert _token(client, user.email, WRONG).status_code == 401
    refused = _token(client, user.email, WRONG)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_attempts"
    assert "分钟后再试" in refused.get_json()["error"]["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert _token(client, user.email, PASSWORD).status_code == 429  # the right password waits as well


def test_the_page_and_the_api_count_the_same_failures(client, make_user):
    user = make_user()
    for _ in range(3):
        _login(client, user.email, WRONG)
    _token(client, user.email, WRONG)
    assert _token(client, user.email, WRONG).status_code == 429


def test_an_unknown_email_is_throttled_and_answered_like_a_known_one(client, make_user):
    known = make_user()
    answers = {}
    for email in (known.email, "nobody@example.cn"):
        answers[email] = [
            (r.status_code, r.get_json()["error"]["message"])
            for r in (_token(client, email, WRONG) for _ in range(6))
        ]
    assert answers[known.email] == answers["nobody@example.cn"]


def test_an_unknown_email_costs_the_same_password_check(app, make_user, monkeypatch):
    """Timing cannot tell which accounts exist: an unknown e-mail also runs one full password-hash check."""
    known = make_user(password_hash=accounts.generate_password_hash(PASSWORD))  # the production hash method
    checked = []
    real = accounts.check_password_hash
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda stored, given: checked.append(stored) or real(stored, given)
    )
    for email in (known.email, "nobody@example.cn"):
        with pytest.raises(accounts.AuthenticationFailed):
            accounts.authenticate(email, WRONG)
    assert len(checked) == 2
    assert checked[0].split("$")[0] == checked[1].split("$")[0]  # same method and cost


def test_one_address_trying_many_accounts_waits_and_another_address_does_not(client, make_user):
    users = [make_user() for _ in range(5)]
    for n in range(20):
        _login(client, users[n % 5].email, WRONG, address="10.0.0.9")
    fresh = make_user()
    assert _login(client, fresh.email, PASSWORD, address="10.0.0.9").status_code == 429
    assert _login(client, fresh.email, PASSWORD, address="10.0.0.10").status_code == 302


def test_every_wait_is_in_the_audit_log(client, make_user, db):
    user = make_user()
    for _ in range(5):
        _login(client, user.email, WRONG)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "sign_in.throttled"))
    assert entry.changes["key"] == user.email and entry.changes["failures"] == 5
    assert entry.changes["wait_seconds"] == 60 and entry.changes["channel"] == "page"


@pytest.mark.slow  # the second app reads the failures the first one committed
def test_counts_are_shared_by_every_web_worker(app, client, make_user, db):
    """A second app on the same database (another gunicorn worker) sees the failures the first one counted."""
    email = make_user().email  # read here: an object of this app's session is not touched from the other's
    for _ in range(5):
        _login(client, email, WRONG)
    db.session.commit()
    other = create_app(
        {
            "DATABASE_URL": app.config["DATABASE_URL"],
            "SECRET_KEY": "test-secret",
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SEARCH_BACKEND": "memory",
            "INSTANCE_PATH": app.instance_path,
        }
    )
    with other.app_context():
        try:
            assert _login(other.test_client(), email, PASSWORD).status_code == 429
        finally:  # the second app's connections close with the test, not at garbage collection
            db.session.remove()
            db.engine.dispose()


def test_request_rates_per_address_on_each_door(app, client):
    app.config.update(
        RATE_LIMIT_SIGN_IN="3 per minute",
        RATE_LIMIT_REGISTRATION="2 per hour",
        RATE_LIMIT_PASSWORD_RESET="2 per hour",
    )
    for door, send in (
        ("login", lambda: _login(client, "a@example.cn", WRONG, address="10.1.0.1")),
        ("tokens", lambda: _token(client, "b@example.cn", WRONG, address="10.1.0.2")),
        ("register", lambda: client.post("/register", data={}, environ_base={"REMOTE_ADDR": "10.1.0.3"})),
        (
            "reset",
            lambda: client.post(
                "/api/v1/password-resets",
                json={"email": "c@example.cn"},
                environ_base={"REMOTE_ADDR": "10.1.0.4"},
            ),
        ),
    ):
        statuses = [send().status_code for _ in range(4)]
        assert 429 not in statuses[:2] and statuses[-1] == 429, (door, statuses)
    page = client.post("/register", data={}, environ_base={"REMOTE_ADDR": "10.1.0.3"})
    assert "请求过于频繁，请稍后再试" in page.get_data(as_text=True)
