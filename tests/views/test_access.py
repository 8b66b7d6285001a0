"""Access-control grid for the HTML write endpoints: every role × endpoint × own/other's listing."""

import pytest

from market.models import LISTING_MODELS
from market.services.permissions import CREATOR_ROLES

ROLES = ["anonymous", "university", "enterprise", "broker", "admin"]
COLLECTIONS = {"achievement": "achievements", "demand": "demands", "equipment": "equipment"}
OWNER_ROLE = {"achievement": "university", "demand": "enterprise", "equipment": "university"}
ACTIONS = ["edit", "withdraw", "delete"]


def _request(client, collection, listing_id, action):
    if action == "edit":
        return client.get(f"/my/{collection}/{listing_id}/edit")
    return client.post(f"/my/{collection}/{listing_id}/{action}")


# Anonymous visitors own nothing, so they only appear with other organisations' listings.
GRID = [
    (kind, role, whose, action)
    for kind in COLLECTIONS
    for role in ROLES
    for whose in ("own", "other")
    for action in ACTIONS
    if not (role == "anonymous" and whose == "own")
]


@pytest.mark.parametrize("kind,role,whose,action", GRID)
def test_write_endpoint_grid(client, make_user, make_listing, login, db, kind, role, whose, action):
    collection = COLLECTIONS[kind]
    if role == "anonymous":
        owner = make_user(OWNER_ROLE[kind])
        actor = None
    else:
        actor = make_user(role)
        same_org = whose == "own" and role in CREATOR_ROLES[kind] and role != "admin"
        owner = make_user(role, org=actor.organisation) if same_org else make_user(OWNER_ROLE[kind])
        login(actor)
    listing = make_listing(kind, owner)
    status_before = listing.status
    response = _request(client, collection, listing.id, action)
    allowed = actor is not None and (role == "admin" or (whose == "own" and role in CREATOR_ROLES[kind]))
    db.session.expire_all()
    current = db.session.get(LISTING_MODELS[kind], listing.id)
    if actor is None:
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert current.status == status_before
    elif allowed:
        assert response.status_code in (200, 302)
        if action == "withdraw":
            assert current.status == "withdrawn"
        if action == "delete":  # published listings must be withdrawn first: refused, nothing lost
            assert current is not None and current.status == status_before
    else:
        assert response.status_code == 403
        assert current.status == status_before


@pytest.mark.parametrize("role", ["anonymous", "university", "enterprise", "broker"])
@pytest.mark.parametrize("path", ["/admin/", "/admin/users", "/admin/review/demands", "/admin/fields"])
def test_admin_area_is_closed_to_everyone_else(client, make_user, login, role, path):
    if role != "anonymous":
        login(make_user(role))
    response = client.get(path)
    assert response.status_code == (302 if role == "anonymous" else 403)


@pytest.mark.parametrize(
    "role,kind,allowed",
    [
        ("university", "achievement", True),
        ("enterprise", "achievement", True),
        ("broker", "achievement", False),
        ("enterprise", "demand", True),
        ("university", "demand", False),
        ("broker", "demand", False),
        ("university", "equipment", True),
        ("broker", "equipment", False),
    ],
)
def test_only_publishing_roles_get_the_new_listing_form(client, make_user, login, role, kind, allowed):
    login(make_user(role))
    assert client.get(f"/my/{COLLECTIONS[kind]}/new").status_code == (200 if allowed else 403)
