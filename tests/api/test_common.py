"""The one error envelope, for routing errors and malformed bodies too."""

import pytest

from tests.api.conftest import error_of, field_errors, row_counts
from tests.conftest import ACHIEVEMENT


def test_unknown_api_url_is_a_json_404(client):
    assert error_of(client.get("/api/v1/no-such-collection"), 404)["code"] == "not_found"


def test_wrong_method_is_a_json_405(client):
    error_of(client.delete("/api/v1/achievements"), 405)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/achievements/99999999999999999999",
        "/api/v1/demands/2147483648",
        "/api/v1/policies/99999999999999999999",
        "/api/v1/equipment/0",
    ],
)
def test_out_of_range_id_is_404_not_a_server_error(client, url):
    error_of(client.get(url), 404)


def test_listing_body_that_is_not_an_object_is_422_and_writes_nothing(client, make_user, api_token):
    headers = api_token(make_user("university"))
    before = row_counts()
    for response in (
        client.post("/api/v1/achievements", json=[ACHIEVEMENT], headers=headers),
        client.post("/api/v1/achievements", json="标题", headers=headers),
        client.post(
            "/api/v1/achievements", data="{'title': 1}", content_type="application/json", headers=headers
        ),
        client.post("/api/v1/achievements", data=ACHIEVEMENT, headers=headers),
    ):
        assert "_body" in field_errors(response)
    assert row_counts() == before


def test_lifecycle_body_that_is_not_an_object_is_422(client, make_user, make_listing, api_token):
    owner = make_user("university")
    listing = make_listing("achievement", owner)
    headers = api_token(owner)
    for body in ([1], "撤回"):
        response = client.post(f"/api/v1/achievements/{listing.id}/withdraw", json=body, headers=headers)
        assert "_body" in field_errors(response)
    response = client.post(
        f"/api/v1/achievements/{listing.id}/withdraw", json={"reason": "x"}, headers=headers
    )
    assert field_errors(response) == {"reason": "未知字段"}
    assert client.get(f"/api/v1/achievements/{listing.id}").get_json()["status"] == "published"
