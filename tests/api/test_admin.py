"""Administration over JSON: only admins, bad input refused in Chinese, and a refusal writes nothing."""

import pytest
from sqlalchemy import select

from market.extensions import db
from market.models import AuditEntry, Field, Organisation, Setting, User
from market.services.codes import credit_code_with_check
from tests.api.conftest import PAYLOADS, all_row_counts, error_of, field_errors

ROLES = ("anonymous", "university", "enterprise", "broker", "unverified", "admin")


@pytest.fixture
def admin_headers(make_user, api_token):
    return api_token(make_user("admin"))


@pytest.fixture
def targets(make_org, make_user):
    """Fresh objects for every admin endpoint to act on."""
    return {
        "org": make_org(kind="enterprise", verification_state="pending"),
        "rejectable": make_org(kind="enterprise", verification_state="pending"),
        "user": make_user("enterprise"),
        "field": db.session.scalar(select(Field).where(Field.name == "光子")),
    }


def _requests(client, headers, t):
    """Every admin endpoint with a valid request; name → (send, status when an admin sends it)."""
    return {
        "list organisations": (lambda: client.get("/api/v1/organisations", headers=headers), 200),
        "update organisation": (
            lambda: client.patch(
                f"/api/v1/organisations/{t['org'].id}", json={"region": "空港"}, headers=headers
            ),
            200,
        ),
        "verify organisation": (
            lambda: client.post(f"/api/v1/organisations/{t['org'].id}/verify", headers=headers),
            200,
        ),
        "reject organisation": (
            lambda: client.post(
                f"/api/v1/organisations/{t['rejectable'].id}/reject",
                json={"note": "营业执照不清晰"},
                headers=headers,
            ),
            200,
        ),
        "list users": (lambda: client.get("/api/v1/users?role=enterprise", headers=headers), 200),
        "update user": (
            lambda: client.patch(f"/api/v1/users/{t['user'].id}", json={"active": False}, headers=headers),
            200,
        ),
        "list all fields": (lambda: client.get("/api/v1/fields?all=1", headers=headers), 200),
        "create field": (
            lambda: client.post("/api/v1/fields", json={"name": "量子信息"}, headers=headers),
            201,
        ),
        "update field": (
            lambda: client.patch(f"/api/v1/fields/{t['field'].id}", json={"active": False}, headers=headers),
            200,
        ),
        "read settings": (lambda: client.get("/api/v1/settings", headers=headers), 200),
        "update settings": (
            lambda: client.put("/api/v1/settings", json={"auto_publish_verified": False}, headers=headers),
            200,
        ),
        "audit trail": (lambda: client.get("/api/v1/audit", headers=headers), 200),
        "review queue": (lambda: client.get("/api/v1/review/achievements", headers=headers), 200),
    }


def _state(t) -> dict:
    """What the admin endpoints can change, read fresh from the database."""
    db.session.expire_all()
    org, rejectable = (
        db.session.get(Organisation, t["org"].id),
        db.session.get(Organisation, t["rejectable"].id),
    )
    user, field = db.session.get(User, t["user"].id), db.session.get(Field, t["field"].id)
    return {
        "org": (org.region, org.verification_state),
        "rejectable": rejectable.verification_state,
        "user": (user.role, user.active),
        "field": (field.name, field.active),
        "settings": db.session.get(Setting, "auto_publish_verified"),
        "rows": all_row_counts(),
    }


@pytest.mark.parametrize("role", ROLES)
def test_admin_endpoints_are_for_admins_only(client, make_user, api_token, targets, role):
    if role == "anonymous":
        headers = {}
    else:
        headers = api_token(
            make_user("enterprise", verified=False) if role == "unverified" else make_user(role)
        )
    before = _state(targets)
    expected, actual = {}, {}
    for name, (send, admin_status) in _requests(client, headers, targets).items():
        response = send()
        actual[name] = response.status_code
        expected[name] = {"anonymous": 401, "admin": admin_status}.get(role, 403)
        if response.status_code >= 400:
            error_of(response, response.status_code)
    assert actual == expected
    if role != "admin":
        assert _state(targets) == before  # a refusal writes nothing
    else:
        after = _state(targets)
        assert after["org"] == ("空港", "verified") and after["rejectable"] == "rejected"
        assert after["user"] == ("enterprise", False) and after["field"] == ("光子", False)
        assert after["settings"].value == "0"


@pytest.mark.parametrize(
    "method, url, body",
    [
        ("patch", "/api/v1/organisations/99999999999", {"region": "空港"}),
        ("patch", "/api/v1/organisations/2147483648", {"region": "空港"}),
        ("post", "/api/v1/organisations/123456/verify", None),
        ("post", "/api/v1/organisations/99999999999/reject", {"note": "x"}),
        ("patch", "/api/v1/users/99999999999", {"active": False}),
        ("patch", "/api/v1/users/123456", {"active": False}),
        ("patch", "/api/v1/fields/99999999999", {"name": "新名称"}),
        ("patch", "/api/v1/fields/0", {"name": "新名称"}),
        ("get", "/api/v1/review/policies", None),
    ],
)
def test_unknown_objects_are_404(client, admin_headers, method, url, body):
    before = all_row_counts()
    error_of(
        getattr(client, method)(url, json=body, headers=admin_headers)
        if body is not None
        else getattr(client, method)(url, headers=admin_headers),
        404,
    )
    assert all_row_counts() == before


# ---- organisations ----------------------------------------------------------------------------------------


def test_organisations_list_puts_pending_first_and_filters_by_state(client, make_org, admin_headers):
    verified = make_org(kind="enterprise")
    pending = make_org(kind="enterprise", verification_state="pending")
    rejected = make_org(kind="enterprise", verification_state="rejected", verification_note="材料不全")
    everyone = client.get("/api/v1/organisations", headers=admin_headers).get_json()
    ids = [item["id"] for item in everyone["items"]]
    assert ids[0] == pending.id and {verified.id, rejected.id} <= set(ids)
    only = client.get("/api/v1/organisations?state=rejected", headers=admin_headers).get_json()
    assert [(o["id"], o["verification_note"]) for o in only["items"]] == [(rejected.id, "材料不全")]
    assert only["items"][0]["credit_code"] == rejected.credit_code
    assert client.get("/api/v1/organisations?state=%00", headers=admin_headers).status_code == 200


def test_verifying_an_organisation_shows_its_members_contacts(
    client, make_user, make_listing, api_token, admin_headers
):
    member = make_user("enterprise", verified=False)
    listing = make_listing("achievement", make_user("university"))
    member_headers = api_token(member)
    assert (
        "contact" not in client.get(f"/api/v1/achievements/{listing.id}", headers=member_headers).get_json()
    )
    response = client.post(
        f"/api/v1/organisations/{member.organisation_id}/verify",
        json={"note": "材料齐全"},
        headers=admin_headers,
    )
    body = response.get_json()
    assert (body["verification_state"], body["verification_note"]) == ("verified", "材料齐全") and body[
        "verified_at"
    ]
    assert "contact" in client.get(f"/api/v1/achievements/{listing.id}", headers=member_headers).get_json()
    error_of(
        client.post(f"/api/v1/organisations/{member.organisation_id}/verify", headers=admin_headers), 409
    )


@pytest.mark.parametrize(
    "body, message_part",
    [
        (None, "原因"),
        ({}, "原因"),
        ({"note": "  "}, "原因"),
        ({"note": ["材料不全"]}, "文字"),
        ({"note": "长" * 501}, "500"),
        ({"note": "原因\x00"}, "空字符"),
        ({"note": "<script>x</script>"}, "HTML"),
    ],
)
def test_rejecting_an_organisation_needs_a_clean_reason(client, make_org, admin_headers, body, message_part):
    org = make_org(verification_state="pending")
    before = all_row_counts()
    url = f"/api/v1/organisations/{org.id}/reject"
    response = (
        client.post(url, json=body, headers=admin_headers)
        if body is not None
        else client.post(url, headers=admin_headers)
    )
    assert message_part in field_errors(response)["note"]
    assert all_row_counts() == before
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).verification_state == "pending"


def test_decision_body_refuses_unknown_fields(client, make_org, admin_headers):
    org = make_org(verification_state="pending")
    response = client.post(
        f"/api/v1/organisations/{org.id}/verify", json={"state": "verified"}, headers=admin_headers
    )
    assert field_errors(response) == {"state": "未知字段"}


def test_admin_corrects_an_organisation_profile(client, make_org, admin_headers):
    org = make_org(kind="university", region="其他", credit_code=None)
    code = credit_code_with_check("12610000MB0001234")
    response = client.patch(
        f"/api/v1/organisations/{org.id}",
        json={"kind": "institute", "credit_code": code.lower(), "name": "陕西某研究院"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["kind"], body["credit_code"], body["name"], body["region"]) == (
        "institute",
        code,
        "陕西某研究院",
        "其他",
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": "名" * 121}, "name"),
        ({"kind": "bank"}, "kind"),
        ({"region": "雁塔"}, "region"),
        ({"credit_code": "123"}, "credit_code"),
        ({"credit_code": ["x"]}, "credit_code"),
        ({"kind": "enterprise"}, "kind"),
        ({"verification_state": "verified"}, "verification_state"),
        ({"id": 5}, "id"),
    ],
)
def test_bad_organisation_update_is_422_and_changes_nothing(client, make_user, admin_headers, body, field):
    member = make_user("university")  # a university user: the kind cannot become "enterprise"
    org_id = member.organisation_id
    before = all_row_counts()
    db.session.expire_all()
    snapshot = {
        k: getattr(db.session.get(Organisation, org_id), k)
        for k in ("name", "kind", "region", "credit_code", "verification_state")
    }
    assert field in field_errors(
        client.patch(f"/api/v1/organisations/{org_id}", json=body, headers=admin_headers)
    )
    assert all_row_counts() == before
    db.session.expire_all()
    assert {k: getattr(db.session.get(Organisation, org_id), k) for k in snapshot} == snapshot


def test_organisation_name_and_credit_code_stay_unique(client, make_org, admin_headers):
    first, second = make_org(), make_org()
    url = f"/api/v1/organisations/{second.id}"
    assert "name" in field_errors(client.patch(url, json={"name": first.name}, headers=admin_headers))
    assert "credit_code" in field_errors(
        client.patch(url, json={"credit_code": first.credit_code}, headers=admin_headers)
    )


# ---- users ------------------------------------------------------------------------------------------------


def test_users_list_filters_by_text_and_role_and_never_shows_hashes(client, make_user, admin_headers):
    buyer = make_user("enterprise", display_name="采购王经理")
    make_user("university")
    found = client.get("/api/v1/users?q=王经理", headers=admin_headers).get_json()
    assert [u["id"] for u in found["items"]] == [buyer.id]
    assert set(found["items"][0]) == {
        "id",
        "email",
        "display_name",
        "role",
        "active",
        "verified",
        "organisation",
        "last_login_at",
        "created_at",
    }
    by_role = client.get("/api/v1/users?role=university", headers=admin_headers).get_json()
    assert {u["role"] for u in by_role["items"]} == {"university"} and by_role["meta"]["total"] == 1
    everyone = client.get("/api/v1/users?per_page=100", headers=admin_headers)
    assert "pbkdf2" not in everyone.get_data(as_text=True) and "password" not in everyone.get_data(
        as_text=True
    )
    assert client.get("/api/v1/users?q=%00王", headers=admin_headers).status_code == 200


def test_deactivating_a_user_stops_their_token_and_reactivating_restores_sign_in(
    client, make_user, api_token, admin_headers
):
    user = make_user("enterprise")
    user_headers = api_token(user)
    body = client.patch(f"/api/v1/users/{user.id}", json={"active": False}, headers=admin_headers).get_json()
    assert body["active"] is False
    error_of(client.get("/api/v1/me", headers=user_headers), 401)
    assert client.patch(f"/api/v1/users/{user.id}", json={"active": True}, headers=admin_headers).get_json()[
        "active"
    ]
    assert client.get("/api/v1/me", headers=user_headers).status_code == 200


def test_making_a_user_a_broker_gives_them_a_directory_entry(client, make_user, admin_headers):
    user = make_user("enterprise")
    body = client.patch(f"/api/v1/users/{user.id}", json={"role": "broker"}, headers=admin_headers).get_json()
    assert body["role"] == "broker"
    assert [b["display_name"] for b in client.get("/api/v1/brokers").get_json()["items"]] == [
        user.display_name
    ]


def test_admin_cannot_change_their_own_account(client, make_user, api_token):
    admin = make_user("admin")
    error_of(client.patch(f"/api/v1/users/{admin.id}", json={"active": False}, headers=api_token(admin)), 403)
    db.session.expire_all()
    assert db.session.get(User, admin.id).active is True


@pytest.mark.parametrize(
    "body, field",
    [
        ({"active": "maybe"}, "active"),
        ({"active": 2}, "active"),
        ({"active": None}, "active"),
        ({"active": [False]}, "active"),
        ({"role": "superuser"}, "role"),
        ({"role": ["admin"]}, "role"),
        ({"role": None}, "role"),
        ({"role": ""}, "role"),
        ({"email": "x@example.cn"}, "email"),
        ({"password_hash": "x"}, "password_hash"),
    ],
)
def test_bad_user_update_is_422_and_changes_nothing(client, make_user, admin_headers, body, field):
    user = make_user("enterprise")
    before = all_row_counts()
    assert field in field_errors(client.patch(f"/api/v1/users/{user.id}", json=body, headers=admin_headers))
    assert all_row_counts() == before
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert (user.role, user.active) == ("enterprise", True)


# ---- fields -----------------------------------------------------------------------------------------------


def test_admin_adds_renames_retires_and_restores_a_field(client, admin_headers):
    created = client.post("/api/v1/fields", json={"name": "量子信息", "position": 3}, headers=admin_headers)
    assert created.status_code == 201
    field = created.get_json()
    assert (field["name"], field["position"], field["active"]) == ("量子信息", 3, True)
    assert "量子信息" in [f["name"] for f in client.get("/api/v1/fields").get_json()["items"]]
    url = f"/api/v1/fields/{field['id']}"
    renamed = client.patch(url, json={"name": "量子科技"}, headers=admin_headers).get_json()
    assert (renamed["name"], renamed["position"]) == ("量子科技", 3)  # only the name changes
    assert client.patch(url, json={"active": False}, headers=admin_headers).get_json()["active"] is False
    assert "量子科技" not in [f["name"] for f in client.get("/api/v1/fields").get_json()["items"]]
    everything = client.get("/api/v1/fields?all=1", headers=admin_headers).get_json()["items"]
    assert {"id": field["id"], "name": "量子科技", "position": 3, "active": False} in everything
    assert (
        client.patch(url, json={"active": "true"}, headers=admin_headers).status_code == 422
    )  # a JSON boolean
    assert client.patch(url, json={"active": True}, headers=admin_headers).get_json()["active"] is True


def test_new_field_without_a_position_goes_last(client, admin_headers):
    last = max(f["position"] for f in client.get("/api/v1/fields").get_json()["items"])
    assert (
        client.post("/api/v1/fields", json={"name": "海洋"}, headers=admin_headers).get_json()["position"]
        == last + 1
    )


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "新材料"}, "name"),
        ({"name": "长" * 41}, "name"),
        ({"name": ["量子"]}, "name"),
        ({"name": "量子\x00"}, "name"),
        ({"name": "量子", "position": "第一"}, "position"),
        ({"name": "量子", "position": -1}, "position"),
        ({"name": "量子", "position": True}, "position"),
        ({"name": "量子", "active": False}, "active"),  # a new field starts active
    ],
)
def test_bad_new_field_is_422_and_writes_nothing(client, admin_headers, body, field):
    before = all_row_counts()
    assert field in field_errors(client.post("/api/v1/fields", json=body, headers=admin_headers))
    assert all_row_counts() == before


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "新材料"}, "name"),
        ({"position": 10000}, "position"),
        ({"active": "maybe"}, "active"),
        ({"active": None}, "active"),
        ({"active": [1]}, "active"),
        ({"id": 1}, "id"),
    ],
)
def test_bad_field_update_is_422_and_changes_nothing(client, admin_headers, body, field):
    target = db.session.scalar(select(Field).where(Field.name == "光子"))
    snapshot = (target.name, target.position, target.active)
    before = all_row_counts()
    assert field in field_errors(
        client.patch(f"/api/v1/fields/{target.id}", json=body, headers=admin_headers)
    )
    assert all_row_counts() == before
    db.session.expire_all()
    target = db.session.get(Field, target.id)
    assert (target.name, target.position, target.active) == snapshot


def test_retired_fields_need_an_admin_token(client, make_user, api_token):
    error_of(client.get("/api/v1/fields?all=1"), 401)
    error_of(client.get("/api/v1/fields?all=1", headers=api_token(make_user("university"))), 403)
    assert client.get("/api/v1/fields?all=0").status_code == 200


# ---- settings ---------------------------------------------------------------------------------------------


def test_turning_off_auto_publish_sends_verified_listings_to_review(
    client, make_user, api_token, admin_headers
):
    assert client.get("/api/v1/settings", headers=admin_headers).get_json() == {
        "auto_publish_verified": True,
        "deal_stale_days": 14,
    }
    response = client.put("/api/v1/settings", json={"auto_publish_verified": False}, headers=admin_headers)
    assert response.get_json() == {"auto_publish_verified": False, "deal_stale_days": 14}
    assert client.get("/api/v1/settings", headers=admin_headers).get_json() == {
        "auto_publish_verified": False,
        "deal_stale_days": 14,
    }
    created = client.post(
        "/api/v1/achievements", json=PAYLOADS["achievement"], headers=api_token(make_user("university"))
    )
    assert created.get_json()["status"] == "pending"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "setting.update"))
    assert entry.changes == {"auto_publish_verified": ["1", "0"]}


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "auto_publish_verified"),
        ({"auto_publish_verified": None}, "auto_publish_verified"),
        ({"auto_publish_verified": ""}, "auto_publish_verified"),
        ({"auto_publish_verified": "maybe"}, "auto_publish_verified"),
        ({"auto_publish_verified": 0.5}, "auto_publish_verified"),
        ({"auto_publish_verified": [False]}, "auto_publish_verified"),
        ({"auto_publish_verified": False, "site_name": "x"}, "site_name"),
    ],
)
def test_bad_settings_are_422_and_change_nothing(client, admin_headers, body, field):
    before = all_row_counts()
    assert field in field_errors(client.put("/api/v1/settings", json=body, headers=admin_headers))
    assert all_row_counts() == before
    assert client.get("/api/v1/settings", headers=admin_headers).get_json() == {
        "auto_publish_verified": True,
        "deal_stale_days": 14,
    }


# ---- audit trail and review queue -------------------------------------------------------------------------


def test_audit_trail_is_newest_first_and_filters_by_type(client, make_org, admin_headers):
    org = make_org(verification_state="pending")
    client.post(f"/api/v1/organisations/{org.id}/verify", headers=admin_headers)
    client.post("/api/v1/fields", json={"name": "量子信息"}, headers=admin_headers)
    entries = client.get("/api/v1/audit", headers=admin_headers).get_json()["items"]
    assert [e["action"] for e in entries] == ["field.create", "organisation.verify"]
    assert entries[1]["object_id"] == org.id and entries[1]["changes"]["verification_state"] == [
        "pending",
        "verified",
    ]
    assert entries[1]["actor"]["email"].endswith("@example.cn") and set(entries[1]["actor"]) == {
        "id",
        "email",
        "display_name",
    }
    only = client.get("/api/v1/audit?type=organisation", headers=admin_headers).get_json()
    assert [e["action"] for e in only["items"]] == ["organisation.verify"] and only["meta"]["total"] == 1
    assert client.get("/api/v1/audit?type=%00", headers=admin_headers).get_json()["meta"]["total"] == 2


def test_audit_trail_names_actions_and_reads_changes_as_text(
    client, make_user, make_contract, api_token, validate
):
    admin = make_user("admin", display_name="登记员老王")
    contract = make_contract(status="registered", recognised="1400000")
    headers = api_token(admin)
    client.post(
        f"/api/v1/contracts/{contract.id}/correct",
        json={"amount": "1600000", "reason": "补充协议增加金额"},
        headers=headers,
    )
    response = client.get("/api/v1/audit?type=contract", headers=headers)
    validate("/audit", "get", response, 200)
    entries = {e["action"]: e for e in response.get_json()["items"]}
    registered = entries["contract.register"]
    assert (registered["action_label"], registered["object_type"], registered["object_type_label"]) == (
        "登记合同",
        "contract",
        "技术合同",
    )
    assert registered["changes"]["recognised_fen"] == 140_000_000  # the stored record is kept as it was
    readable = {c["field"]: c for c in registered["readable_changes"]}
    assert readable["recognised_fen"] == {
        "field": "recognised_fen",
        "label": "核定技术交易额",
        "before": None,
        "after": "140万元",
    }
    corrected = entries["contract.correct"]
    assert corrected["action_label"] == "更正合同" and corrected["actor"]["display_name"] == "登记员老王"
    assert corrected["changes"] == {"amount_fen": [150_000_000, 160_000_000], "reason": "补充协议增加金额"}
    assert corrected["readable_changes"] == [
        {"field": "amount_fen", "label": "合同金额", "before": "150万元", "after": "160万元"},
        {"field": "reason", "label": "更正原因", "before": None, "after": "补充协议增加金额"},
    ]
    for entry in response.get_json()["items"]:
        assert set(entry) == {
            "id",
            "created_at",
            "actor",
            "action",
            "action_label",
            "object_type",
            "object_type_label",
            "object_id",
            "changes",
            "readable_changes",
        }
        for change in entry["readable_changes"]:
            for text in (change["before"], change["after"]):
                assert text is None or (isinstance(text, str) and "\\u" not in text and text[:1] not in "{[")


def test_review_queue_lists_pending_listings_oldest_first_with_contacts(
    client, make_user, make_listing, admin_headers
):
    owner = make_user("enterprise", verified=False)
    first = make_listing("demand", owner, title="第一个待审核需求")
    second = make_listing("demand", owner, title="第二个待审核需求")
    make_listing("demand", make_user("enterprise"))  # published straight away
    make_listing("demand", owner, submit=False)  # a draft is not in the queue
    queue = client.get("/api/v1/review/demands", headers=admin_headers).get_json()
    assert [item["id"] for item in queue["items"]] == [first.id, second.id]
    assert queue["items"][0]["contact"]["name"] == PAYLOADS["demand"]["contact_name"]
    assert client.get("/api/v1/review/achievements", headers=admin_headers).get_json()["meta"]["total"] == 0
    client.post(f"/api/v1/demands/{first.id}/approve", headers=admin_headers)
    assert [
        i["id"] for i in client.get("/api/v1/review/demands", headers=admin_headers).get_json()["items"]
    ] == [second.id]


# ---- the deal stale-days setting ---------------------------------------------------------------------------


def test_stale_days_are_read_and_set_and_old_clients_keep_them(client, admin_headers):
    response = client.put(
        "/api/v1/settings", json={"auto_publish_verified": True, "deal_stale_days": 7}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.get_json() == {"auto_publish_verified": True, "deal_stale_days": 7}
    assert client.get("/api/v1/settings", headers=admin_headers).get_json()["deal_stale_days"] == 7
    # a client written before the setting existed sends only auto_publish_verified
    response = client.put("/api/v1/settings", json={"auto_publish_verified": False}, headers=admin_headers)
    assert response.get_json() == {"auto_publish_verified": False, "deal_stale_days": 7}
    response = client.put(
        "/api/v1/settings",
        json={"auto_publish_verified": False, "deal_stale_days": None},
        headers=admin_headers,
    )
    assert response.get_json()["deal_stale_days"] == 7


@pytest.mark.parametrize("value", [0, 366, "", "两周", 2.5, True, [14]])
def test_bad_stale_days_are_422_and_change_nothing(client, admin_headers, value):
    before = all_row_counts()
    response = client.put(
        "/api/v1/settings",
        json={"auto_publish_verified": False, "deal_stale_days": value},
        headers=admin_headers,
    )
    assert "对接停滞提醒天数" in field_errors(response)["deal_stale_days"]
    assert all_row_counts() == before
    assert client.get("/api/v1/settings", headers=admin_headers).get_json() == {
        "auto_publish_verified": True,
        "deal_stale_days": 14,
    }


@pytest.mark.parametrize("role", ["university", "enterprise", "broker"])
def test_only_admins_set_stale_days(client, make_user, api_token, role):
    response = client.put(
        "/api/v1/settings",
        json={"auto_publish_verified": True, "deal_stale_days": 3},
        headers=api_token(make_user(role)),
    )
    error_of(response, 403)
    error_of(client.put("/api/v1/settings", json={"auto_publish_verified": True, "deal_stale_days": 3}), 401)
