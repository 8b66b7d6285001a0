"""GET /api/v1/summary: the home page's numbers, public, contacts only for verified users."""

import pytest

from tests.api.conftest import COLLECTION_OF


def test_summary_counts_live_listings_and_lists_the_latest(client, make_user, make_listing):
    university, enterprise = make_user("university"), make_user("enterprise")
    older = make_listing("achievement", university, title="较早发布的成果")
    newer = make_listing("achievement", university, title="最新发布的成果")
    make_listing("achievement", university, submit=False)  # a draft does not count
    make_listing("achievement", make_user("university", verified=False))  # waiting for review does not count
    make_listing("demand", enterprise)
    summary = client.get("/api/v1/summary").get_json()
    assert set(summary) == set(COLLECTION_OF.values())
    assert summary["achievements"]["count"] == 2
    assert [item["id"] for item in summary["achievements"]["latest"]] == [newer.id, older.id]
    assert summary["demands"]["count"] == 1 and summary["demands"]["latest"][0]["kind"] == "demand"
    assert summary["equipment"] == {"count": 0, "latest": []}


def test_summary_shows_at_most_six_of_each(client, make_user, make_listing):
    owner = make_user("enterprise")
    for n in range(8):
        make_listing("equipment", owner, name=f"仪器{n}")
    equipment = client.get("/api/v1/summary").get_json()["equipment"]
    assert equipment["count"] == 8 and len(equipment["latest"]) == 6


@pytest.mark.parametrize(
    "viewer, sees_contact", [("anonymous", False), ("unverified", False), ("broker", True)]
)
def test_summary_shows_contacts_only_to_verified_users(
    client, make_user, make_listing, api_token, viewer, sees_contact
):
    make_listing("demand", make_user("enterprise"))
    headers = (
        {}
        if viewer == "anonymous"
        else api_token(
            make_user("enterprise", verified=False) if viewer == "unverified" else make_user(viewer)
        )
    )
    latest = client.get("/api/v1/summary", headers=headers).get_json()["demands"]["latest"][0]
    assert ("contact" in latest) is sees_contact
