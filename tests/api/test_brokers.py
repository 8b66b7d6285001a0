"""The broker directory over JSON: public reads, email only for verified users, profile edits by the broker or
an admin."""

import pytest

from market.extensions import db
from market.models import BrokerProfile, Field
from tests.api.conftest import all_row_counts, error_of, field_errors


@pytest.fixture
def make_broker(make_user):
    """A broker with a profile, optionally with specialties and a bio."""

    def make(specialties=(), bio="", **overrides):
        user = make_user("broker", **overrides)
        profile = BrokerProfile(
            user=user,
            bio=bio,
            specialties=[db.session.query(Field).filter_by(name=name).one() for name in specialties],
        )
        db.session.add(profile)
        db.session.commit()
        return profile

    return make


def _profile(profile_id) -> BrokerProfile:
    db.session.expire_all()
    return db.session.get(BrokerProfile, profile_id)


def test_directory_lists_active_brokers_and_filters_by_field(client, make_broker):
    hydrogen = make_broker(["氢能", "新材料"], bio="长期服务氢能企业")
    ai = make_broker(["人工智能"])
    make_broker(["氢能"], active=False)
    everyone = client.get("/api/v1/brokers").get_json()
    assert [item["id"] for item in everyone["items"]] == [hydrogen.id, ai.id]
    assert everyone["meta"] == {"page": 1, "per_page": 20, "total": 2}
    first = everyone["items"][0]
    assert first["display_name"] == hydrogen.user.display_name and first["bio"] == "长期服务氢能企业"
    assert first["specialties"] == ["氢能", "新材料"] and first["certification_level"] == "junior"
    assert first["organisation"]["id"] == hydrogen.user.organisation_id
    assert [item["id"] for item in client.get("/api/v1/brokers?field=氢能").get_json()["items"]] == [
        hydrogen.id
    ]
    assert client.get("/api/v1/brokers?field=不存在").get_json()["meta"]["total"] == 0
    assert client.get("/api/v1/brokers?field=%00氢能").get_json()["meta"]["total"] == 1  # NUL dropped, no 500
    paged = client.get("/api/v1/brokers?per_page=1&page=2").get_json()
    assert [item["id"] for item in paged["items"]] == [ai.id] and paged["meta"]["per_page"] == 1


@pytest.mark.parametrize(
    "viewer, sees_email",
    [("anonymous", False), ("unverified", False), ("enterprise", True), ("broker", True), ("admin", True)],
)
def test_email_only_for_signed_in_verified_users(
    client, make_user, make_broker, api_token, viewer, sees_email
):
    profile = make_broker()
    headers = (
        {}
        if viewer == "anonymous"
        else api_token(
            make_user("enterprise", verified=False) if viewer == "unverified" else make_user(viewer)
        )
    )
    for body in (
        client.get(f"/api/v1/brokers/{profile.id}", headers=headers).get_json(),
        client.get("/api/v1/brokers", headers=headers).get_json()["items"][0],
    ):
        assert ("contact" in body) is sees_email
        assert profile.user.email not in str(body) or sees_email
        if sees_email:
            assert body["contact"] == {"email": profile.user.email}


@pytest.mark.parametrize(
    "url", ["/api/v1/brokers/99999999999", "/api/v1/brokers/2147483648", "/api/v1/brokers/0"]
)
def test_unknown_broker_is_404(client, url):
    error_of(client.get(url), 404)


def test_a_deactivated_broker_or_a_former_broker_is_not_in_the_directory(client, make_broker):
    gone = make_broker(active=False)
    former = make_broker()
    former.user.role = "enterprise"
    db.session.commit()
    for profile in (gone, former):
        error_of(client.get(f"/api/v1/brokers/{profile.id}"), 404)


def test_broker_edits_their_own_profile_by_profile_id(client, make_broker, api_token):
    profile = make_broker(["光子"], bio="旧简介")
    headers = api_token(profile.user)
    response = client.patch(
        f"/api/v1/brokers/{profile.id}", json={"specialties": ["氢能", "新材料"]}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["specialties"] == ["氢能", "新材料"] and body["bio"] == "旧简介"  # only what was sent changes
    assert body["contact"] == {"email": profile.user.email}
    cleared = client.patch(f"/api/v1/brokers/{profile.id}", json={"bio": ""}, headers=headers).get_json()
    assert cleared["bio"] == "" and _profile(profile.id).bio == ""


def test_admin_sets_the_certification_level(client, make_broker, make_user, api_token):
    profile = make_broker()
    response = client.patch(
        f"/api/v1/brokers/{profile.id}",
        json={"certification_level": "senior"},
        headers=api_token(make_user("admin")),
    )
    assert response.get_json()["certification_level"] == "senior"
    assert response.get_json()["certification_label"] == "高级技术经理人"


def test_admin_may_edit_a_deactivated_brokers_profile_others_get_404(
    client, make_broker, make_user, api_token
):
    profile = make_broker(active=False)
    url = f"/api/v1/brokers/{profile.id}"
    error_of(client.patch(url, json={"bio": "改"}, headers=api_token(make_user("broker"))), 404)
    assert client.patch(url, json={"bio": "改"}, headers=api_token(make_user("admin"))).status_code == 200


@pytest.mark.parametrize(
    "who, status",
    [
        ("anonymous", 401),
        ("other_broker", 403),
        ("enterprise", 403),
        ("university", 403),
        ("unverified", 403),
    ],
)
def test_only_the_broker_or_an_admin_may_edit_and_a_refusal_writes_nothing(
    client, make_broker, make_user, api_token, who, status
):
    profile = make_broker(["光子"], bio="原简介")
    if who == "anonymous":
        headers = {}
    elif who == "other_broker":
        headers = api_token(make_broker().user)
    elif who == "unverified":
        headers = api_token(make_user("enterprise", verified=False))
    else:
        headers = api_token(make_user(who))
    before = all_row_counts()
    error_of(
        client.patch(
            f"/api/v1/brokers/{profile.id}", json={"bio": "被改了", "specialties": ["氢能"]}, headers=headers
        ),
        status,
    )
    assert all_row_counts() == before
    profile = _profile(profile.id)
    assert profile.bio == "原简介" and [f.name for f in profile.specialties] == ["光子"]


def test_editing_an_unknown_broker_is_404(client, make_user, api_token):
    headers = api_token(make_user("admin"))
    for url in ("/api/v1/brokers/99999999999", "/api/v1/brokers/12345"):
        error_of(client.patch(url, json={"bio": "改"}, headers=headers), 404)


@pytest.mark.parametrize(
    "body, field",
    [
        ({"certification_level": "senior"}, "certification_level"),  # a broker may not certify themself
        ({"specialties": ["不存在的领域"]}, "specialties"),
        (
            {
                "specialties": ["氢能"] * 3
                + ["光子", "新材料", "人工智能", "生物医药", "高端装备", "电子信息"]
            },
            "specialties",
        ),
        ({"specialties": [1, 2]}, "specialties"),
        ({"specialties": {"a": "氢能"}}, "specialties"),
        ({"bio": "<script>alert(1)</script>"}, "bio"),
        ({"bio": "简介\x00"}, "bio"),
        ({"bio": "长" * 2001}, "bio"),
        ({"bio": ["简介"]}, "bio"),
        ({"email": "new@example.cn"}, "email"),
        ({"user_id": 1}, "user_id"),
    ],
)
def test_bad_profile_input_is_422_in_chinese_and_writes_nothing(client, make_broker, api_token, body, field):
    profile = make_broker(["光子"], bio="原简介")
    before = all_row_counts()
    response = client.patch(f"/api/v1/brokers/{profile.id}", json=body, headers=api_token(profile.user))
    assert field in field_errors(response)
    assert all_row_counts() == before
    profile = _profile(profile.id)
    assert profile.bio == "原简介" and [f.name for f in profile.specialties] == ["光子"]
    assert profile.certification_level == "junior"


@pytest.mark.parametrize("level", [None, "", "expert", ["senior"]])
def test_admin_cannot_blank_or_invent_a_certification_level(client, make_broker, make_user, api_token, level):
    profile = make_broker()
    response = client.patch(
        f"/api/v1/brokers/{profile.id}",
        json={"certification_level": level},
        headers=api_token(make_user("admin")),
    )
    assert "certification_level" in field_errors(response)
    assert _profile(profile.id).certification_level == "junior"


def test_profile_body_must_be_a_json_object(client, make_broker, api_token):
    profile = make_broker()
    for body in (["bio"], "简介"):
        assert "_body" in field_errors(
            client.patch(f"/api/v1/brokers/{profile.id}", json=body, headers=api_token(profile.user))
        )
