"""A client that retries with its Idempotency-Key, or a form sent twice, writes once."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from market.models import Achievement, Deal, IdempotencyKey
from market.models.base import utcnow
from market.services.idempotency import prune_idempotency_keys
from tests.api.conftest import error_of
from tests.conftest import ACHIEVEMENT
from tests.views.test_duplicates import FORM

KEY = "3f1c9a52-7c0e-4d7e-9d3a-0b8f2e6a1c44"


def achievements(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Achievement))


def create(client, headers, key=KEY, **overrides):
    return client.post(
        "/api/v1/achievements", json={**ACHIEVEMENT, **overrides}, headers={**headers, "Idempotency-Key": key}
    )


@pytest.fixture
def university(make_user, api_token):
    user = make_user("university")
    return user, api_token(user)


def test_a_retry_with_the_same_key_gets_the_first_response_and_writes_nothing(client, db, university):
    _user, headers = university
    first = create(client, headers)
    assert first.status_code == 201
    again = create(client, headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first.get_json()
    assert achievements(db) == 1


def test_another_key_writes_again_and_no_key_behaves_as_before(client, db, university):
    _user, headers = university
    assert create(client, headers).status_code == 201
    assert create(client, headers, key="another-key-1").status_code == 201
    assert client.post("/api/v1/achievements", json=ACHIEVEMENT, headers=headers).status_code == 201
    assert achievements(db) == 3


def test_the_same_key_with_another_body_is_refused(client, db, university):
    _user, headers = university
    create(client, headers)
    error = error_of(create(client, headers, title="另一个成果"), 422)
    assert error["code"] == "idempotency_key_reused" and "Idempotency-Key" in error["message"]
    assert achievements(db) == 1


def test_keys_belong_to_their_user(client, db, university, make_user, api_token):
    _user, headers = university
    create(client, headers)
    other = api_token(make_user("university"))
    assert "Idempotent-Replayed" not in create(client, other).headers
    assert achievements(db) == 2


def test_a_refused_request_leaves_the_key_free_for_the_corrected_one(client, db, university):
    _user, headers = university
    assert create(client, headers, title="").status_code == 422
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    response = create(client, headers, title="高镍三元正极材料表面包覆改性技术（修订）")
    assert response.status_code == 201 and achievements(db) == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "含中文的键", "has space"])
def test_a_malformed_key_is_refused_before_anything_is_written(client, db, university, key):
    _user, headers = university
    error = error_of(create(client, headers, key=key), 400)
    assert error["code"] == "bad_idempotency_key"
    assert achievements(db) == 0


def test_a_retry_while_the_first_is_still_running_is_told_to_wait(client, db, university):
    user, headers = university
    # The first request has claimed the key in its transaction but not answered yet.
    from market.services.idempotency import request_hash

    body = client.application.json.dumps({**ACHIEVEMENT}).encode()
    db.session.add(
        IdempotencyKey(
            scope=f"user:{user.id}", key=KEY, request_hash=request_hash("POST", "/api/v1/achievements", body)
        )
    )
    db.session.commit()
    response = client.post(
        "/api/v1/achievements",
        data=body,
        content_type="application/json",
        headers={**headers, "Idempotency-Key": KEY},
    )
    assert error_of(response, 409)["code"] == "request_in_progress"
    assert achievements(db) == 0


def test_two_requests_claiming_one_key_write_once(app, db, university):
    """The claim is part of the write's transaction: the second unit of work to claim the key fails whole."""
    from market.errors import Conflict
    from market.services.base import expect_idempotency_key
    from market.services.listings import create_listing

    user, _headers = university
    expect_idempotency_key(f"user:{user.id}", KEY, "h")
    create_listing(user, "achievement", ACHIEVEMENT)
    expect_idempotency_key(f"user:{user.id}", KEY, "h")
    with pytest.raises(Conflict):
        create_listing(user, "achievement", {**ACHIEVEMENT, "title": "同一键的第二次写入"})
    assert achievements(db) == 1


def test_opening_a_deal_with_a_key_twice_returns_the_same_deal(
    client, db, make_user, make_listing, api_token
):
    result = make_listing("achievement", make_user("university"))
    headers = {**api_token(make_user("enterprise")), "Idempotency-Key": "open-deal-1"}
    first = client.post("/api/v1/deals", json={"achievement_id": result.id}, headers=headers)
    again = client.post("/api/v1/deals", json={"achievement_id": result.id}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 1


def test_keys_are_forgotten_after_a_day(client, db, university):
    _user, headers = university
    create(client, headers)
    assert prune_idempotency_keys() == 0
    assert prune_idempotency_keys(now=utcnow() + timedelta(hours=25)) == 1


# ---- forms ------------------------------------------------------------------------------------------------


def test_a_form_sent_twice_saves_once_and_leads_where_the_first_did(client, db, make_user, login):
    login(make_user("university"))
    form = client.get("/my/achievements/new").get_data(as_text=True)
    assert 'name="submit_token"' in form
    data = {**FORM, "submit_token": "form-token-abc123"}
    first = client.post("/my/achievements/new", data=data)
    assert first.status_code == 302
    again = client.post("/my/achievements/new", data=data)
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"]
    assert achievements(db) == 1
    assert "该表单已经提交过" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_each_rendering_of_a_form_carries_a_fresh_token(client, make_user, login):
    import re

    login(make_user("university"))
    tokens = [
        re.search(
            r'name="submit_token" value="([^"]+)"', client.get("/my/achievements/new").get_data(as_text=True)
        ).group(1)
        for _ in range(2)
    ]
    assert tokens[0] != tokens[1]


def test_a_double_click_on_open_deal_opens_one(client, db, make_user, make_listing, login):
    result = make_listing("achievement", make_user("university"))
    login(make_user("enterprise"))
    data = {"achievement_id": result.id, "message": "想了解许可费用", "submit_token": "deal-click-1"}
    first, second = client.post("/deals/", data=data), client.post("/deals/", data=data)
    assert first.status_code == 302 and second.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Deal)) == 1


def test_a_request_that_died_after_its_commit_sends_retries_to_what_it_made(client, db, university, app):
    """A web worker killed between its commit and its response: the key is claimed, the response was never
    kept."""
    user, headers = university
    from market.services.base import expect_idempotency_key
    from market.services.idempotency import request_hash
    from market.services.listings import create_listing

    body = app.json.dumps(ACHIEVEMENT).encode()
    expect_idempotency_key(f"user:{user.id}", KEY, request_hash("POST", "/api/v1/achievements", body))
    made = create_listing(user, "achievement", ACHIEVEMENT)  # committed with the key; no response follows
    send = dict(data=body, content_type="application/json", headers={**headers, "Idempotency-Key": KEY})
    assert client.post("/api/v1/achievements", **send).status_code == 409  # it might still be running
    key = db.session.scalar(select(IdempotencyKey))
    key.created_at = utcnow() - timedelta(seconds=app.config["IDEMPOTENCY_RESPONSE_WAIT"] + 1)
    db.session.commit()
    response = client.post("/api/v1/achievements", **send)
    assert response.status_code == 303 and response.headers["Location"] == f"/api/v1/achievements/{made.id}"
    assert client.get(response.headers["Location"], headers=headers).get_json()["id"] == made.id
    assert achievements(db) == 1
