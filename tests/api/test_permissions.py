"""Who may write what through the API: every role × every write endpoint × whose object it is."""

import pytest
from sqlalchemy import delete, select

from market.extensions import db
from market.models import LISTING_MODELS, Policy
from market.models.base import utcnow
from market.services.listings import create_listing
from market.services.permissions import CREATOR_ROLES
from tests.api.conftest import COLLECTION_OF, PAYLOADS, TITLE_KEY, row_counts

ROLES = ("anonymous", "university", "enterprise", "broker", "admin", "unverified")
# The role each test user has; "unverified" is an enterprise user whose organisation is not verified yet.
ROLE_OF = {
    "university": "university",
    "enterprise": "enterprise",
    "broker": "broker",
    "admin": "admin",
    "unverified": "enterprise",
}
ACTIONS = ("patch", "put", "delete", "submit", "withdraw", "reopen", "approve", "reject")
# The state each action is legal from, so that the owner's request succeeds.
START_STATE = {
    "patch": "published",
    "put": "published",
    "delete": "draft",
    "submit": "draft",
    "withdraw": "published",
    "reopen": "withdrawn",
    "approve": "pending",
    "reject": "pending",
}
LEGAL_FROM = {
    "patch": {"draft", "pending", "published", "withdrawn"},
    "put": {"draft", "pending", "published", "withdrawn"},
    "delete": {"draft", "withdrawn"},
    "submit": {"draft"},
    "withdraw": {"pending", "published"},
    "reopen": {"withdrawn", "expired"},
    "approve": {"pending"},
    "reject": {"pending"},
}
SUCCESS = {"create": 201, "patch": 200, "put": 200, "delete": 204}
# own: the actor's organisation, in the action's start state; other: another organisation, same state;
# other_published: another organisation's published listing, whatever the action.
WHOSE = ("own", "other", "other_published")


def expected_status(role: str, kind: str, action: str, whose: str = "", state: str = "") -> int:
    """The status the API must answer, derived from the rules users were promised."""
    if role == "anonymous":
        return 401
    creator = ROLE_OF[role] in CREATOR_ROLES[kind]
    if action == "create":
        return 201 if creator else 403
    admin = role == "admin"
    manages = admin or (whose == "own" and creator)
    visible = state == "published" or manages
    if not visible:
        return 404  # others' unpublished listings look like they do not exist
    if not manages or (action in ("approve", "reject") and not admin):
        return 403
    return SUCCESS.get(action, 200) if state in LEGAL_FROM[action] else 409


@pytest.fixture
def actors(make_user, make_org):
    """One user per role; anonymous is None."""

    def make(role):
        if role == "anonymous":
            return None
        return make_user(ROLE_OF[role], verified=role != "unverified")

    return make


def _listing_in_state(admin, kind, org, state):
    """A listing of `org` put straight into `state` (set-up, not the behaviour under test)."""
    listing = create_listing(admin, kind, {**PAYLOADS[kind], "org_id": org.id}, submit=False)
    listing = db.session.get(LISTING_MODELS[kind], listing.id)
    listing.status = state
    listing.published_at = utcnow() if state == "published" else None
    db.session.commit()
    return listing.id


def _request(client, kind, action, listing_id, headers):
    url = f"/api/v1/{COLLECTION_OF[kind]}/{listing_id}"
    title = TITLE_KEY[kind]
    if action == "patch":
        return client.patch(url, json={title: "改过的名称"}, headers=headers)
    if action == "put":
        return client.put(url, json={**PAYLOADS[kind], title: "整体替换后的名称"}, headers=headers)
    if action == "delete":
        return client.delete(url, headers=headers)
    return client.post(f"{url}/{action}", json={"note": "材料不全，请补充"}, headers=headers)


@pytest.mark.parametrize("kind", sorted(COLLECTION_OF))
@pytest.mark.parametrize("role", ROLES)
def test_create_is_allowed_only_for_creator_roles(client, actors, headers_for, role, kind):
    actor = actors(role)
    expected = expected_status(role, kind, "create")
    response = client.post(f"/api/v1/{COLLECTION_OF[kind]}", json=PAYLOADS[kind], headers=headers_for(actor))
    assert response.status_code == expected, response.get_json()
    assert row_counts()[LISTING_MODELS[kind].__tablename__] == (1 if expected == 201 else 0)
    if expected == 201:
        assert response.get_json()["status"] == ("pending" if role == "unverified" else "published")


@pytest.mark.parametrize("whose", WHOSE)
@pytest.mark.parametrize("kind", sorted(COLLECTION_OF))
@pytest.mark.parametrize("role", ROLES)
def test_write_access_grid(client, make_user, make_org, actors, headers_for, role, kind, whose):
    """One row of the grid: every write endpoint, each on a fresh listing; a refusal changes nothing."""
    actor = actors(role)
    admin = actor if role == "admin" else make_user("admin")
    org = actor.organisation if whose == "own" and actor is not None else make_org(kind="enterprise")
    model = LISTING_MODELS[kind]
    headers = headers_for(actor)
    expected, actual, changed_by_refusal = {}, {}, []
    for action in ACTIONS:
        state = "published" if whose == "other_published" else START_STATE[action]
        listing_id = _listing_in_state(admin, kind, org, state)
        before = db.session.get(model, listing_id)
        before_values = (before.status, getattr(before, TITLE_KEY[kind]))

        response = _request(client, kind, action, listing_id, headers)

        expected[action] = expected_status(role, kind, action, whose, state)
        actual[action] = response.status_code
        db.session.expire_all()
        after = db.session.get(model, listing_id)
        if response.status_code >= 400:
            assert response.get_json()["error"]["message"], action
            if after is None or (after.status, getattr(after, TITLE_KEY[kind])) != before_values:
                changed_by_refusal.append(action)
        elif response.status_code == 204:
            assert after is None, action
        else:
            assert response.get_json()["id"] == listing_id
    assert actual == expected
    assert changed_by_refusal == []


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_write_policies(client, actors, headers_for, role):
    actor = actors(role)
    headers = headers_for(actor)
    body = {"title": "关于促进科技成果转化的若干措施", "issuer": "陕西省科学技术厅"}
    requests = {
        "create": lambda url: client.post("/api/v1/policies", json=body, headers=headers),
        "patch": lambda url: client.patch(url, json={"title": "改过的政策名称"}, headers=headers),
        "put": lambda url: client.put(url, json=body, headers=headers),
        "delete": lambda url: client.delete(url, headers=headers),
    }
    expected, actual, titles_after = {}, {}, {}
    for action, send in requests.items():
        db.session.execute(delete(Policy))
        existing = Policy(title="原政策", issuer="西咸新区管委会", summary="", body="", tags=[])
        db.session.add(existing)
        db.session.commit()
        actual[action] = send(f"/api/v1/policies/{existing.id}").status_code
        expected[action] = 401 if role == "anonymous" else (SUCCESS[action] if role == "admin" else 403)
        db.session.expire_all()
        titles_after[action] = sorted(p.title for p in db.session.scalars(select(Policy)))
    assert actual == expected
    if role == "admin":
        assert titles_after == {
            "create": ["关于促进科技成果转化的若干措施", "原政策"],
            "patch": ["改过的政策名称"],
            "put": ["关于促进科技成果转化的若干措施"],
            "delete": [],
        }
    else:
        assert all(titles == ["原政策"] for titles in titles_after.values()), titles_after
