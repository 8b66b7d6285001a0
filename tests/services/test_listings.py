from datetime import timedelta

import pytest

from market.clock import today_in_beijing
from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.models import Achievement, AuditEntry
from market.services import listings, settings
from tests.conftest import ACHIEVEMENT, DEMAND


def test_verified_organisation_publishes_at_once(make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner)
    assert listing.status == "published"
    assert listing.published_at is not None
    assert listing.price_fen == 150_000_000


def test_unverified_organisation_waits_for_review_and_admin_approves(make_user, make_listing):
    owner = make_user("university", verified=False)
    admin = make_user("admin")
    listing = make_listing("achievement", owner)
    assert listing.status == "pending"
    assert listing.id in [a.id for a in listings.review_queue(admin, "achievement").items]
    listings.change_status(admin, "achievement", listing.id, "approve")
    assert listings.get_listing(None, "achievement", listing.id).status == "published"


def test_admin_can_turn_off_review_free_publishing(make_user, make_listing):
    admin = make_user("admin")
    settings.set_auto_publish_verified(admin, False)
    listing = make_listing("achievement", make_user("university"))
    assert listing.status == "pending"


def test_reject_needs_a_reason_and_returns_to_draft(make_user, make_listing):
    admin = make_user("admin")
    listing = make_listing("achievement", make_user("university", verified=False))
    with pytest.raises(ValidationFailed):
        listings.change_status(admin, "achievement", listing.id, "reject", "")
    listings.change_status(admin, "achievement", listing.id, "reject", "简介过短")
    listing = listings.get_listing(admin, "achievement", listing.id)
    assert (listing.status, listing.review_note) == ("draft", "简介过短")


def test_illegal_transition_is_an_error(make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner, submit=False)
    with pytest.raises(InvalidTransition):
        listings.change_status(owner, "achievement", listing.id, "withdraw")
    with pytest.raises(InvalidTransition):
        listings.change_status(owner, "achievement", listing.id, "reopen")


def test_withdraw_then_reopen_then_delete(make_user, make_listing, db):
    owner = make_user("university")
    listing = make_listing("achievement", owner)
    with pytest.raises(InvalidTransition):
        listings.delete_listing(owner, "achievement", listing.id)
    listings.change_status(owner, "achievement", listing.id, "withdraw")
    listings.change_status(owner, "achievement", listing.id, "reopen")
    listings.delete_listing(owner, "achievement", listing.id)
    assert db.session.get(Achievement, listing.id) is None
    actions = [e.action for e in db.session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions[-3:] == ["achievement.withdraw", "achievement.reopen", "achievement.delete"]


def test_other_organisation_cannot_edit_or_see_draft(make_user, make_listing):
    owner, other = make_user("university"), make_user("university")
    listing = make_listing("achievement", owner, submit=False)
    with pytest.raises(NotFound):
        listings.get_listing(other, "achievement", listing.id)
    with pytest.raises(NotFound):
        listings.update_listing(other, "achievement", listing.id, {"title": "改"}, partial=True)
    published = make_listing("achievement", owner)
    with pytest.raises(PermissionDenied):
        listings.update_listing(other, "achievement", published.id, {"title": "改"}, partial=True)


def test_enterprise_cannot_publish_for_achievement_role_rules(make_user):
    broker = make_user("broker")
    with pytest.raises(PermissionDenied):
        listings.create_listing(broker, "demand", DEMAND)


def test_bad_input_lists_every_field_and_writes_nothing(make_user, db):
    owner = make_user("enterprise")
    bad = {
        "title": "",
        "description": "<script>alert(1)</script>",
        "field": "不存在的领域",
        "budget_min_yuan": "abc",
        "budget_max_yuan": "1.234",
    }
    with pytest.raises(ValidationFailed) as caught:
        listings.create_listing(owner, "demand", bad)
    assert set(caught.value.fields) >= {"title", "description", "field", "budget_min_yuan", "budget_max_yuan"}
    assert listings.list_managed_listings(owner, "demand", {}).total == 0


def test_demand_past_deadline_is_not_live_and_expires(make_user, make_listing, db):
    owner = make_user("enterprise")
    demand = make_listing("demand", owner, deadline=(today_in_beijing() + timedelta(days=1)).isoformat())
    assert listings.list_public_listings("demand", {}).total == 1
    assert listings.expire_overdue_listings(on=today_in_beijing() + timedelta(days=2)) == 1
    assert listings.get_listing(None, "demand", demand.id).status == "expired"
    assert listings.list_public_listings("demand", {}).total == 0
    assert listings.list_public_listings("demand", {"status": "expired"}).total == 1


def test_editing_published_listing_of_unverified_org_returns_to_review(make_user, make_listing):
    admin = make_user("admin")
    owner = make_user("university", verified=False)
    listing = make_listing("achievement", owner)
    listings.change_status(admin, "achievement", listing.id, "approve")
    listings.update_listing(owner, "achievement", listing.id, {"title": "新标题"}, partial=True)
    assert listings.get_listing(owner, "achievement", listing.id).status == "pending"


def test_filters_by_field_region_and_budget(make_user, make_listing, make_org):
    owner = make_user("enterprise", org=make_org(kind="enterprise", region="秦汉"))
    make_listing("demand", owner, budget_min_yuan="100000", budget_max_yuan="200000")
    make_listing("demand", owner, field="人工智能", budget_min_yuan="5000000", budget_max_yuan=None)
    assert listings.list_public_listings("demand", {"field": "人工智能"}).total == 1
    assert listings.list_public_listings("demand", {"region": "秦汉"}).total == 2
    assert listings.list_public_listings("demand", {"region": "沣西"}).total == 0
    assert listings.list_public_listings("demand", {"budget_min_fen": 300_000_00}).total == 1


def test_instrument_is_open_for_booking_unless_said_otherwise(make_user):
    owner = make_user("university")
    listing = listings.create_listing(owner, "equipment", {"name": "核磁共振波谱仪", "category": "分析测试"})
    assert listing.open_for_booking is True


def test_only_admins_publish_for_another_organisation(make_user, make_org):
    other = make_org(kind="university")
    with pytest.raises(ValidationFailed) as caught:
        listings.create_listing(make_user("university"), "achievement", {**ACHIEVEMENT, "org_id": other.id})
    assert "org_id" in caught.value.fields
    listing = listings.create_listing(make_user("admin"), "achievement", {**ACHIEVEMENT, "org_id": other.id})
    assert listing.org_id == other.id
