"""/api/v1/my/following and /api/v1/my/notification-settings: a token is needed, each user has only their own
follows, invisible targets are 404, and every answer is the one the OpenAPI document describes."""

from sqlalchemy import func, select

from market.models import Field, Follow, Notification
from market.services.listings import change_status
from tests.api.conftest import error_of, field_errors


def field_id(db, name) -> int:
    return db.session.scalar(select(Field.id).where(Field.name == name))


def test_without_a_token_every_route_answers_401(client, make_user, make_listing):
    listing = make_listing("achievement", make_user("university"))
    for method, path, body in (
        ("get", "/api/v1/my/following?kind=achievement", None),
        ("post", "/api/v1/my/following", {"kind": "achievement", "target_id": listing.id}),
        ("get", f"/api/v1/my/following/achievement/{listing.id}", None),
        ("delete", f"/api/v1/my/following/achievement/{listing.id}", None),
        ("get", "/api/v1/my/notification-settings", None),
        ("patch", "/api/v1/my/notification-settings", {"follow": False}),
    ):
        error_of(getattr(client, method)(path, json=body), 401)


def test_following_listing_state_and_unfollowing(client, db, make_user, make_listing, api_token, validate):
    owner = make_user("university")
    listing = make_listing("achievement", owner)
    me = api_token(make_user("enterprise"))
    created = client.post(
        "/api/v1/my/following", json={"kind": "achievement", "target_id": listing.id}, headers=me
    )
    validate("/my/following", "post", created, 201)
    body = created.get_json()
    assert body["kind"] == "achievement" and body["target_id"] == listing.id and body["name"] == listing.title
    assert (
        body["link"] == f"/achievements/{listing.id}" and body["organisation"]["id"] == owner.organisation_id
    )
    assert body["created_at"].endswith("+08:00")
    again = client.post(
        "/api/v1/my/following", json={"kind": "achievement", "target_id": listing.id}, headers=me
    )
    validate("/my/following", "post", again, 200)
    assert again.get_json()["id"] == body["id"]
    org = client.post(
        "/api/v1/my/following", json={"kind": "organisation", "target_id": owner.organisation_id}, headers=me
    )
    validate("/my/following", "post", org, 201)
    assert (
        org.get_json()["organisation"] is None and org.get_json()["link"] == f"/orgs/{owner.organisation_id}"
    )

    state = client.get(f"/api/v1/my/following/achievement/{listing.id}", headers=me)
    validate("/my/following/achievement/{id}", "get", state)
    assert state.get_json() == {
        "kind": "achievement",
        "target_id": listing.id,
        "following": True,
        "followers": 1,
    }

    page = client.get("/api/v1/my/following?kind=achievement", headers=me)
    validate("/my/following", "get", page)
    meta = page.get_json()["meta"]
    assert [item["name"] for item in page.get_json()["items"]] == [listing.title]
    assert meta["counts"] == {"achievement": 1, "demand": 0, "equipment": 0, "organisation": 1, "field": 0}
    assert (meta["total"], meta["hidden"], meta["kind"]) == (1, 0, "achievement")

    for _ in range(2):  # the second time there is nothing left to remove: still 204
        gone = client.delete(f"/api/v1/my/following/achievement/{listing.id}", headers=me)
        validate("/my/following/achievement/{id}", "delete", gone, 204)
    assert (
        client.get(f"/api/v1/my/following/achievement/{listing.id}", headers=me).get_json()["following"]
        is False
    )


def test_each_user_sees_only_their_own_follows(client, make_user, make_listing, api_token):
    listing = make_listing("demand", make_user("enterprise"))
    mine, theirs = api_token(make_user("university")), api_token(make_user("university"))
    client.post("/api/v1/my/following", json={"kind": "demand", "target_id": listing.id}, headers=mine)
    other = client.get("/api/v1/my/following?kind=demand", headers=theirs).get_json()
    assert other["items"] == [] and other["meta"]["total"] == 0
    client.delete(f"/api/v1/my/following/demand/{listing.id}", headers=theirs)
    assert client.get("/api/v1/my/following?kind=demand", headers=mine).get_json()["meta"]["total"] == 1
    state = client.get(f"/api/v1/my/following/demand/{listing.id}", headers=theirs).get_json()
    assert state["following"] is False and state["followers"] == 1


def test_invisible_or_unknown_targets_are_404_and_bad_input_422(
    client, db, make_user, make_listing, api_token
):
    draft = make_listing("achievement", make_user("university"), submit=False)
    me = api_token(make_user("enterprise"))
    for body in (
        {"kind": "achievement", "target_id": draft.id},
        {"kind": "equipment", "target_id": 999_999},
        {"kind": "organisation", "target_id": 999_999},
        {"kind": "field", "target_id": 999_999},
    ):
        error_of(client.post("/api/v1/my/following", json=body, headers=me), 404)
    error_of(client.get(f"/api/v1/my/following/achievement/{draft.id}", headers=me), 404)
    error_of(client.get("/api/v1/my/following/policy/1", headers=me), 404)
    assert "kind" in field_errors(
        client.post("/api/v1/my/following", json={"kind": "policy", "target_id": 1}, headers=me)
    )
    assert "target_id" in field_errors(
        client.post("/api/v1/my/following", json={"kind": "field"}, headers=me)
    )
    assert "extra" in field_errors(
        client.post("/api/v1/my/following", json={"kind": "field", "target_id": 1, "extra": 1}, headers=me)
    )
    assert "kind" in field_errors(client.get("/api/v1/my/following", headers=me))
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 0


def test_a_withdrawn_listing_is_counted_as_hidden(client, make_user, make_listing, api_token):
    owner = make_user("university")
    listing = make_listing("equipment", owner)
    me = api_token(make_user("enterprise"))
    client.post("/api/v1/my/following", json={"kind": "equipment", "target_id": listing.id}, headers=me)
    change_status(owner, "equipment", listing.id, "withdraw")
    body = client.get("/api/v1/my/following?kind=equipment", headers=me).get_json()
    assert body["items"] == [] and body["meta"]["hidden"] == 1 and body["meta"]["counts"]["equipment"] == 0


def test_notification_settings_switch_follow_updates(
    client, db, make_user, make_listing, api_token, validate
):
    owner = make_user("university")
    user = make_user("enterprise")
    me = api_token(user)
    client.post(
        "/api/v1/my/following", json={"kind": "field", "target_id": field_id(db, "新材料")}, headers=me
    )
    settings = client.get("/api/v1/my/notification-settings", headers=me)
    validate("/my/notification-settings", "get", settings)
    assert settings.get_json() == {"follow": True}
    off = client.patch("/api/v1/my/notification-settings", json={"follow": False}, headers=me)
    validate("/my/notification-settings", "patch", off)
    assert off.get_json() == {"follow": False}
    make_listing("achievement", owner, field="新材料")
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == user.id)
        )
        == 0
    )
    assert "follow" in field_errors(
        client.patch("/api/v1/my/notification-settings", json={"follow": None}, headers=me)
    )
    assert "other" in field_errors(
        client.patch("/api/v1/my/notification-settings", json={"other": True}, headers=me)
    )
    client.patch("/api/v1/my/notification-settings", json={"follow": True}, headers=me)
    make_listing("demand", make_user("enterprise"), field="新材料")
    listed = client.get("/api/v1/notifications", headers=me).get_json()["items"]
    assert [item["category"] for item in listed] == ["follow"] and listed[0]["link"].startswith("/demands/")
