"""GET/POST /api/v1/notifications… and /api/v1/saved-searches…: my own rows only, shapes as documented."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from market.extensions import db as _db
from market.models import Notification, SavedSearch
from market.models.base import utcnow
from market.services.notifications import add_notifications
from market.services.saved_searches import check_saved_searches
from tests.api.conftest import error_of, field_errors

PREFIX = "/api/v1"


def notify(user, *titles, **kwargs):
    for title in titles:
        add_notifications([user.id], "match", title, **kwargs)
        _db.session.flush()
    _db.session.commit()
    return list(
        _db.session.scalars(
            select(Notification.id).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def test_notifications_list_read_and_delete(client, make_user, api_token, validate):  # noqa: F811
    me = make_user()
    headers = api_token(me)
    first, second, third = notify(me, "一", "二", "三", link="/demands/1", data={"score": 0.8})
    response = client.get(f"{PREFIX}/notifications", headers=headers)
    validate("/notifications", "get", response, 200)
    body = response.get_json()
    assert [n["title"] for n in body["items"]] == ["三", "二", "一"]
    assert body["meta"] == {"page": 1, "per_page": 20, "total": 3, "unread": 3}
    assert body["items"][0]["data"] == {"score": 0.8} and body["items"][0]["read_at"] is None
    read = client.post(f"{PREFIX}/notifications/{first}/read", headers=headers)
    validate("/notifications/{id}/read", "post", read, 200)
    assert read.get_json()["read_at"] is not None
    unread = client.get(f"{PREFIX}/notifications?unread=1", headers=headers).get_json()
    assert [n["id"] for n in unread["items"]] == [third, second] and unread["meta"]["unread"] == 2
    validate(
        "/notifications/{id}",
        "delete",
        client.delete(f"{PREFIX}/notifications/{second}", headers=headers),
        204,
    )
    validate(
        "/notifications/{id}",
        "delete",
        client.delete(f"{PREFIX}/notifications/{second}", headers=headers),
        404,
    )
    all_read = client.post(f"{PREFIX}/notifications/read-all", headers=headers)
    validate("/notifications/read-all", "post", all_read, 200)
    assert all_read.get_json() == {"updated": 1, "unread": 0}
    body = client.get(f"{PREFIX}/notifications", headers=headers).get_json()
    assert [n["id"] for n in body["items"]] == [third, first] and body["meta"]["unread"] == 0


def test_notifications_need_a_token(client, validate):  # noqa: F811
    validate("/notifications", "get", client.get(f"{PREFIX}/notifications"), 401)
    validate("/notifications/read-all", "post", client.post(f"{PREFIX}/notifications/read-all"), 401)
    validate("/saved-searches", "get", client.get(f"{PREFIX}/saved-searches"), 401)
    validate(
        "/saved-searches",
        "post",
        client.post(f"{PREFIX}/saved-searches", json={"name": "x", "query": {}}),
        401,
    )


def test_someone_elses_notification_is_a_404(client, make_user, api_token, validate):  # noqa: F811
    other = make_user()
    [theirs] = notify(other, "别人的")
    headers = api_token(make_user())
    assert client.get(f"{PREFIX}/notifications", headers=headers).get_json()["items"] == []
    validate(
        "/notifications/{id}/read",
        "post",
        client.post(f"{PREFIX}/notifications/{theirs}/read", headers=headers),
        404,
    )
    response = client.delete(f"{PREFIX}/notifications/{theirs}", headers=headers)
    validate("/notifications/{id}", "delete", response, 404)
    assert error_of(response, 404)["code"] == "not_found"
    assert client.get(f"{PREFIX}/notifications", headers=api_token(other)).get_json()["meta"]["unread"] == 1


@pytest.mark.parametrize(
    "query, field",
    [
        ("page=abc&per_page=2", "page"),
        ("page=-1", "page"),
        ("page=99999999999999999999", "page"),
        ("per_page=null", "per_page"),
        ("unread=maybe", "unread"),
    ],
)
def test_odd_paging_is_refused_with_the_parameter_named(client, make_user, api_token, query, field):
    response = client.get(f"{PREFIX}/notifications?{query}", headers=api_token(make_user()))
    assert set(field_errors(response)) == {field}


def test_more_than_a_hundred_per_page_are_read_as_a_hundred_as_documented(client, make_user, api_token):
    response = client.get(f"{PREFIX}/notifications?per_page=100000", headers=api_token(make_user()))
    assert response.status_code == 200 and response.get_json()["meta"]["per_page"] == 100


@pytest.mark.parametrize(
    "url", ["/notifications/99999999999999/read", "/notifications/0/read", "/notifications/abc/read"]
)
def test_bad_ids_are_a_404(client, make_user, api_token, url):
    error_of(client.post(PREFIX + url, headers=api_token(make_user())), 404)


def test_saved_searches_create_list_switch_delete(client, make_user, api_token, validate):  # noqa: F811
    headers = api_token(make_user())
    created = client.post(
        f"{PREFIX}/saved-searches",
        json={"name": "电池", "query": {"q": "电池", "kind": "demand"}},
        headers=headers,
    )
    validate("/saved-searches", "post", created, 201)
    saved = created.get_json()
    assert (saved["name"], saved["query"], saved["notify"]) == ("电池", {"q": "电池", "kind": "demand"}, True)
    listed = client.get(f"{PREFIX}/saved-searches", headers=headers)
    validate("/saved-searches", "get", listed, 200)
    assert [s["id"] for s in listed.get_json()["items"]] == [saved["id"]]
    url = f"{PREFIX}/saved-searches/{saved['id']}"
    switched = client.patch(url, json={"notify": False}, headers=headers)
    validate("/saved-searches/{id}", "patch", switched, 200)
    assert switched.get_json()["notify"] is False
    validate(
        "/saved-searches/{id}", "patch", client.patch(url, json={"notify": "也许"}, headers=headers), 422
    )
    validate("/saved-searches/{id}", "patch", client.patch(url, json={}, headers=headers), 422)
    validate("/saved-searches/{id}", "delete", client.delete(url, headers=headers), 204)
    validate("/saved-searches/{id}", "delete", client.delete(url, headers=headers), 404)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": "", "query": {"q": "电池"}}, "name"),
        ({"name": "电池"}, "query"),
        ({"name": "电池", "query": "电池"}, "query"),
        ({"name": "电池", "query": {"kind": "policy"}}, "kind"),
        ({"name": "电池", "query": {"max": "-5"}}, "max"),
        ({"name": "电池", "query": {"colour": "红"}}, "colour"),
        ({"name": "电池", "query": {}, "notify": True}, "notify"),
    ],
)
def test_bad_saved_searches_are_refused_in_chinese(client, make_user, api_token, validate, body, field):  # noqa: F811
    response = client.post(f"{PREFIX}/saved-searches", json=body, headers=api_token(make_user()))
    validate("/saved-searches", "post", response, 422)
    assert field in field_errors(response)
    assert _db.session.scalars(select(SavedSearch)).all() == []


def test_someone_elses_saved_search_is_a_404(client, make_user, api_token):
    owner = api_token(make_user())
    saved = client.post(
        f"{PREFIX}/saved-searches", json={"name": "电池", "query": {}}, headers=owner
    ).get_json()
    stranger = api_token(make_user())
    assert client.get(f"{PREFIX}/saved-searches", headers=stranger).get_json()["items"] == []
    error_of(
        client.patch(f"{PREFIX}/saved-searches/{saved['id']}", json={"notify": False}, headers=stranger), 404
    )
    error_of(client.delete(f"{PREFIX}/saved-searches/{saved['id']}", headers=stranger), 404)
    assert client.get(f"{PREFIX}/saved-searches", headers=owner).get_json()["items"][0]["notify"] is True


def test_a_saved_search_turns_a_new_listing_into_a_notification(client, make_user, make_listing, api_token):
    watcher = make_user("enterprise")
    headers = api_token(watcher)
    client.post(
        f"{PREFIX}/saved-searches", json={"name": "正极", "query": {"q": "正极材料"}}, headers=headers
    )
    listing = make_listing("achievement", make_user("university"))
    assert check_saved_searches(utcnow() + timedelta(minutes=2)) == 1
    body = client.get(f"{PREFIX}/notifications", headers=headers).get_json()
    [item] = body["items"]
    assert item["category"] == "saved_search" and item["title"] == "「正极」有 1 条新结果"
    assert (
        item["data"]["items"] == [{"kind": "achievement", "id": listing.id}] and body["meta"]["unread"] == 1
    )
