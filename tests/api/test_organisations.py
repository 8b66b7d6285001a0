"""GET /api/v1/orgs/<id>, its listings and its contracts: the organisation page over JSON."""

from tests.api.conftest import error_of


def test_an_organisations_profile_counts_and_no_contacts_for_the_public(
    client, make_user, make_listing, validate
):
    owner = make_user("university")
    make_listing("achievement", owner, contact_phone="029-12345678")
    response = client.get(f"/api/v1/orgs/{owner.organisation_id}")
    validate("/orgs/{id}", "get", response, 200)
    body = response.get_json()
    assert body["name"] == owner.organisation.name and body["verified"] is True
    assert body["counts"] == {"achievements": 1, "demands": 0, "equipment": 0}
    assert body["contracts_visible"] is False and "contacts" not in body
    assert "029-12345678" not in response.get_data(as_text=True)


def test_verified_readers_get_its_contacts_and_members_its_contracts(
    client, make_user, make_listing, api_token, validate
):
    owner = make_user("university")
    make_listing("achievement", owner, contact_name="王老师", contact_phone="029-12345678")
    as_other = client.get(f"/api/v1/orgs/{owner.organisation_id}", headers=api_token(make_user("enterprise")))
    as_member = client.get(f"/api/v1/orgs/{owner.organisation_id}", headers=api_token(owner))
    validate("/orgs/{id}", "get", as_other, 200)
    assert as_other.get_json()["contacts"] == [{"name": "王老师", "phone": "029-12345678", "email": None}]
    assert as_other.get_json()["contracts_visible"] is False
    assert as_member.get_json()["is_member"] is True and as_member.get_json()["contracts_visible"] is True


def test_a_pending_organisation_that_published_nothing_is_404(client, make_user, make_org, api_token):
    org = make_org(verification_state="pending")
    member = make_user("enterprise", org=org)
    error_of(client.get(f"/api/v1/orgs/{org.id}"), 404)
    error_of(client.get(f"/api/v1/orgs/{org.id}/demands"), 404)
    assert client.get(f"/api/v1/orgs/{org.id}", headers=api_token(member)).status_code == 200
    error_of(client.get("/api/v1/orgs/999999"), 404)


def test_its_listings_page_through_newest_first(client, make_user, make_listing, validate):
    owner = make_user("enterprise")
    titles = [make_listing("demand", owner, title=f"需求{n}").title for n in range(3)]
    make_listing("demand", owner, title="草稿", submit=False)
    make_listing("demand", make_user("enterprise"), title="别家需求")
    first = client.get(f"/api/v1/orgs/{owner.organisation_id}/demands?per_page=2")
    second = client.get(f"/api/v1/orgs/{owner.organisation_id}/demands?per_page=2&page=2")
    validate("/orgs/{id}/demands", "get", first, 200)
    assert [d["title"] for d in first.get_json()["items"]] == titles[::-1][:2]
    assert [d["title"] for d in second.get_json()["items"]] == titles[:1]
    assert first.get_json()["meta"] == {"page": 1, "per_page": 2, "total": 3}
    assert "contact" not in first.get_json()["items"][0]
    assert client.get(f"/api/v1/orgs/{owner.organisation_id}/equipment").get_json()["items"] == []


def test_its_contracts_need_a_token_and_membership(client, make_user, make_contract, api_token, validate):
    member = make_user("university")
    contract = make_contract(seller=member.organisation, status="registered")
    path = f"/api/v1/orgs/{member.organisation_id}/contracts"
    error_of(client.get(path), 401)
    error_of(client.get(path, headers=api_token(make_user("enterprise"))), 403)
    error_of(client.get(path, headers=api_token(make_user("viewer"))), 403)
    mine = client.get(path, headers=api_token(member))
    validate("/orgs/{id}/contracts", "get", mine, 200)
    assert [c["id"] for c in mine.get_json()["items"]] == [contract.id]
    assert client.get(path, headers=api_token(make_user("admin"))).get_json()["meta"]["total"] == 1
