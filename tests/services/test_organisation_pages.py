"""An organisation's page (services/organisation_pages): who sees it, what it lists, contracts for members
only."""

import pytest

from market.errors import NotFound, PermissionDenied
from market.services import listings, organisation_pages


def test_a_verified_organisations_page_is_public_with_its_live_listings(make_user, make_listing):
    owner = make_user("university")
    make_listing("achievement", owner, title="已发布成果")
    make_listing("achievement", owner, title="草稿成果", submit=False)
    make_listing("equipment", owner)
    make_listing("achievement", make_user("university"), title="别家成果")

    page = organisation_pages.organisation_page(None, owner.organisation_id)

    assert page.organisation.id == owner.organisation_id
    assert page.counts == {"achievement": 1, "demand": 0, "equipment": 1}
    assert page.tab == "achievement" and [a.title for a in page.items.items] == ["已发布成果"]
    assert page.sees_contracts is False and page.contacts is None


def test_the_page_opens_on_the_first_kind_it_has_and_pages_through_it(make_user, make_listing):
    owner = make_user("enterprise")
    for n in range(3):
        make_listing("demand", owner, title=f"需求{n}")

    first = organisation_pages.organisation_page(None, owner.organisation_id, per_page=2)
    second = organisation_pages.list_organisation_listings(None, owner.organisation_id, "demand", 2, 2)

    assert first.tab == "demand" and first.items.total == 3
    assert [d.title for d in first.items.items] == ["需求2", "需求1"]
    assert [d.title for d in second.items] == ["需求0"]


def test_an_unverified_organisation_without_published_listings_is_not_found_but_for_members_and_admins(
    make_user, make_org
):
    for state in ("pending", "rejected"):
        org = make_org(verification_state=state)
        member = make_user("university", org=org)
        with pytest.raises(NotFound):
            organisation_pages.get_organisation_page(None, org.id)
        with pytest.raises(NotFound):
            organisation_pages.get_organisation_page(make_user("enterprise"), org.id)
        assert organisation_pages.get_organisation_page(member, org.id).is_member
        assert organisation_pages.get_organisation_page(make_user("admin"), org.id).organisation == org


def test_an_unverified_organisation_that_published_something_has_a_public_page(
    make_user, make_org, make_listing
):
    org = make_org(verification_state="pending")
    owner = make_user("university", org=org)
    listing = make_listing("achievement", owner)
    listings.change_status(make_user("admin"), "achievement", listing.id, "approve")

    page = organisation_pages.get_organisation_page(None, org.id)

    assert page.organisation.is_verified is False and page.counts["achievement"] == 1


def test_unknown_organisations_are_not_found(app):
    for org_id in (999999, "abc", -1):
        with pytest.raises(NotFound):
            organisation_pages.get_organisation_page(None, org_id)


def test_contracts_are_for_its_members_and_admins_only(make_user, make_contract):
    seller_member = make_user("university")
    seller = seller_member.organisation
    sold = make_contract(seller=seller, status="registered", number="HT-卖")
    bought = make_contract(buyer=seller, status="draft", number="HT-买")
    make_contract(status="registered", number="HT-无关")

    mine = organisation_pages.list_organisation_contracts(seller_member, seller.id)
    admins = organisation_pages.list_organisation_contracts(make_user("admin"), seller.id)

    assert {c.id for c in mine.items} == {sold.id, bought.id}
    assert {c.id for c in admins.items} == {sold.id, bought.id}
    for outsider in (None, make_user("enterprise"), make_user("viewer"), make_user("broker")):
        with pytest.raises(PermissionDenied):
            organisation_pages.list_organisation_contracts(outsider, seller.id)
    page = organisation_pages.organisation_page(make_user("enterprise"), seller.id, "contracts")
    assert page.tab != "contracts" and page.sees_contracts is False


def test_the_contracts_tab_shows_a_members_contracts(make_user, make_contract):
    member = make_user("enterprise")
    contract = make_contract(buyer=member.organisation, status="submitted")

    page = organisation_pages.organisation_page(member, member.organisation_id, "contracts")

    assert page.tab == "contracts" and [c.id for c in page.items.items] == [contract.id]


def test_contacts_come_from_its_live_listings_for_verified_readers(make_user, make_listing):
    owner = make_user("university")
    make_listing("achievement", owner, contact_name="王老师", contact_phone="029-11111111")
    make_listing("equipment", owner, contact_name="王老师", contact_phone="029-11111111")
    make_listing("achievement", owner, contact_name="李老师", contact_phone="029-22222222", submit=False)

    shown = organisation_pages.get_organisation_page(make_user("enterprise"), owner.organisation_id)
    hidden = organisation_pages.get_organisation_page(
        make_user("enterprise", verified=False), owner.organisation_id
    )

    assert [(c.name, c.phone) for c in shown.contacts] == [("王老师", "029-11111111")]
    assert hidden.contacts is None
