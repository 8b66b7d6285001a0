"""Follows: signed-in users save listings and follow organisations and fields, see and change only their own,
cannot follow what they cannot see, and lose sight of what is no longer public."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from market.errors import NotFound, PermissionDenied, ValidationFailed
from market.models import Field, Follow
from market.services import follows, taxonomy
from market.services.listings import change_status


def field_id(db, name="新材料") -> int:
    return db.session.scalar(select(Field.id).where(Field.name == name))


def follow(user, kind, target_id):
    return follows.follow(user, {"kind": kind, "target_id": target_id})


def names(page) -> list[str]:
    return [item.name for item in page.items]


@pytest.mark.parametrize("anonymous", [None, AnonymousUserMixin()])
def test_anonymous_visitors_can_neither_follow_nor_list_nor_unfollow(make_user, make_listing, anonymous):
    listing = make_listing("achievement", make_user("university"))
    with pytest.raises(PermissionDenied):
        follow(anonymous, "achievement", listing.id)
    with pytest.raises(PermissionDenied):
        follows.list_following(anonymous, "achievement")
    with pytest.raises(PermissionDenied):
        follows.unfollow(anonymous, "achievement", listing.id)
    with pytest.raises(PermissionDenied):
        follows.following_counts(anonymous)
    state = follows.follow_state(anonymous, "achievement", listing.id)
    assert state == follows.FollowState(following=False, followers=0)


@pytest.mark.parametrize("role", ["enterprise", "university", "broker", "viewer", "admin"])
def test_every_signed_in_role_saves_a_listing_once_however_often_it_clicks(db, make_user, make_listing, role):
    listing = make_listing("achievement", make_user("university"))
    me = make_user(role)
    first, target, created = follow(me, "achievement", listing.id)
    again, _target, created_again = follow(me, "achievement", str(listing.id))
    assert created and not created_again and first.id == again.id and target.id == listing.id
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 1
    assert follows.follow_state(me, "achievement", listing.id) == follows.FollowState(True, 1)
    assert follows.following_counts(me)["achievement"] == 1
    assert follows.unfollow(me, "achievement", listing.id) is True
    assert follows.unfollow(me, "achievement", listing.id) is False  # already gone: harmless
    assert follows.follow_state(me, "achievement", listing.id) == follows.FollowState(False, 0)


def test_each_user_sees_and_removes_only_their_own_follows(make_user, make_listing):
    university = make_user("university")
    listing = make_listing("achievement", university)
    me, other = make_user("enterprise"), make_user("enterprise")
    follow(me, "achievement", listing.id)
    follow(me, "organisation", university.organisation_id)
    assert names(follows.list_following(me, "achievement")) == [listing.title]
    assert follows.list_following(other, "achievement").items == []
    assert follows.list_following(other, "organisation").total == 0
    assert follows.unfollow(other, "achievement", listing.id) is False  # it removes nothing of mine
    assert names(follows.list_following(me, "achievement")) == [listing.title]
    assert follows.follow_state(other, "achievement", listing.id) == follows.FollowState(False, 1)
    follow(other, "achievement", listing.id)
    assert follows.follow_state(me, "achievement", listing.id) == follows.FollowState(True, 2)


def test_what_the_user_cannot_see_cannot_be_followed(db, make_user, make_listing, make_org):
    owner = make_user("university")
    draft = make_listing("achievement", owner, submit=False)
    pending_org = make_org(kind="enterprise", verification_state="pending")  # nothing published: no page
    retired = taxonomy.create_field(make_user("admin"), {"name": "退役领域"})
    taxonomy.update_field(make_user("admin"), retired.id, {"active": False})
    me = make_user("enterprise")
    for kind, target_id in (
        ("achievement", draft.id),
        ("achievement", 999_999),
        ("demand", draft.id),  # an achievement's id is no demand
        ("organisation", pending_org.id),
        ("organisation", 999_999),
        ("field", retired.id),
        ("field", 999_999),
    ):
        with pytest.raises(NotFound):
            follow(me, kind, target_id)
        with pytest.raises(NotFound):
            follows.get_follow_state(me, kind, target_id)
    with pytest.raises(ValidationFailed) as caught:
        follow(me, "policy", 1)
    assert "关注类型" in caught.value.fields["kind"]
    with pytest.raises(ValidationFailed) as caught:
        follow(me, "achievement", "abc")
    assert caught.value.fields["target_id"] == "关注的对象不存在"
    with pytest.raises(ValidationFailed) as caught:
        follows.list_following(me, "policy")
    assert "organisation" in caught.value.fields["kind"]
    assert db.session.scalar(select(func.count()).select_from(Follow)) == 0
    # its own members see the pending organisation's page, so they may follow it
    member = make_user("enterprise", org=pending_org)
    assert follow(member, "organisation", pending_org.id)[2]
    assert follows.list_following(member, "organisation").total == 1


def test_a_withdrawn_listing_leaves_the_list_and_comes_back_when_published_again(make_user, make_listing):
    owner = make_user("enterprise")
    demand, other = make_listing("demand", owner), make_listing("demand", owner, title="另一个需求标题内容")
    me = make_user("university")
    follow(me, "demand", demand.id)
    follow(me, "demand", other.id)
    change_status(owner, "demand", demand.id, "withdraw")
    page = follows.list_following(me, "demand")
    assert names(page) == [other.title] and page.total == 1 and page.hidden == 1
    assert follows.following_counts(me)["demand"] == 1
    change_status(owner, "demand", demand.id, "reopen")
    change_status(owner, "demand", demand.id, "submit")
    page = follows.list_following(me, "demand")
    assert page.total == 2 and page.hidden == 0
    assert follows.unfollow(me, "demand", other.id) is True


def test_an_expired_demand_and_a_retired_field_are_left_out(db, make_user, make_listing):
    from datetime import timedelta

    from market.services.listings import expire_overdue_listings, today

    owner = make_user("enterprise")
    demand = make_listing("demand", owner, deadline=(today() + timedelta(days=1)).isoformat())
    me = make_user("university")
    follow(me, "demand", demand.id)
    follow(me, "field", field_id(db))
    expire_overdue_listings(on=today() + timedelta(days=2))
    assert follows.list_following(me, "demand").hidden == 1
    taxonomy.update_field(make_user("admin"), field_id(db), {"active": False})
    page = follows.list_following(me, "field")
    assert page.items == [] and page.hidden == 1


def test_lists_are_paged_most_recent_first_with_every_tabs_count(db, make_user, make_listing):
    owner = make_user("university")
    made = [make_listing("equipment", owner, name=f"仪器{n}号") for n in range(3)]
    me = make_user("enterprise")
    for listing in made:
        follow(me, "equipment", listing.id)
    follow(me, "organisation", owner.organisation_id)
    follow(me, "field", field_id(db, "人工智能"))
    first = follows.list_following(me, "equipment", page=1, per_page=2)
    second = follows.list_following(me, "equipment", page=2, per_page=2)
    assert names(first) + names(second) == ["仪器2号", "仪器1号", "仪器0号"]
    assert (first.total, first.pages, first.has_next, second.has_next) == (3, 2, True, False)
    assert first.counts == {"achievement": 0, "demand": 0, "equipment": 3, "organisation": 1, "field": 1}
    org_page = follows.list_following(me, "organisation")
    assert (
        names(org_page) == [owner.organisation.name]
        and org_page.items[0].link == f"/orgs/{owner.organisation_id}"
    )
    field_page = follows.list_following(me, "field")
    assert names(field_page) == ["人工智能"] and field_page.items[0].link.startswith("/achievements?field=")
