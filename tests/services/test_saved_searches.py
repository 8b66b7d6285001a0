"""Saved searches: validated like /search, owned by one user, and checked for newly published results."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from market.errors import NotFound, ValidationFailed
from market.models import Notification, SavedSearch
from market.models.base import utcnow
from market.services import notifications, saved_searches
from market.services.listings import change_status
from market.services.saved_searches import check_saved_searches, save_search
from tests.api.conftest import CHINESE

UNRELATED = {
    "title": "显微图像深度学习去噪算法",
    "summary": "基于卷积网络的电镜图像去噪方法。",
    "keywords": ["图像"],
}


def later(minutes=2):
    """A check run a little later: the newest outbox rows are given a moment to settle."""
    return utcnow() + timedelta(minutes=minutes)


def notifications_of(db, user):
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)))


def errors_of(call) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        call()
    for message in [caught.value.message, *caught.value.fields.values()]:
        assert CHINESE.search(message), message
    return caught.value.fields


# ---- saving --------------------------------------------------------------------------------------------


def test_a_search_is_kept_with_only_the_conditions_that_matter(db, make_user):
    me = make_user("enterprise")
    saved = save_search(
        me,
        "  正极材料  ",
        {
            "q": " 正极材料 ",
            "kind": "achievement",
            "field": "",
            "sort": "date",
            "page": "3",
            "per_page": "50",
            "min": 1000,
        },
    )
    assert saved.name == "正极材料" and saved.notify
    assert saved.query == {"q": "正极材料", "kind": "achievement", "min": "1000"}
    assert [s.id for s in saved_searches.list_saved_searches(me)] == [saved.id]


@pytest.mark.parametrize(
    "name, query, field",
    [
        ("", {"q": "电池"}, "name"),
        ("   ", {"q": "电池"}, "name"),
        ("长" * 101, {"q": "电池"}, "name"),
        ("<b>x</b>", {"q": "电池"}, "name"),
        (None, {"q": "电池"}, "name"),
        ("电池", "q=电池", "query"),
        ("电池", None, "query"),
        ("电池", {"q": "电池", "owner": "me"}, "owner"),
        ("电池", {"kind": "policy"}, "kind"),
        ("电池", {"kind": "broker"}, "kind"),
        ("电池", {"status": "draft"}, "status"),
        ("电池", {"min": "一百万"}, "min"),
        ("电池", {"date_from": "2026-13-45"}, "date_from"),
        ("电池", {"q": ["列表"]}, "q"),
        ("电池", {"q": "电池" * 60}, "q"),
        ("电池", {"q": "电\x00池"}, "q"),
    ],
)
def test_bad_input_is_refused_in_chinese(db, make_user, name, query, field):
    me = make_user()
    fields = errors_of(lambda: save_search(me, name, query))
    assert field in fields
    assert saved_searches.list_saved_searches(me) == []


def test_the_same_conditions_are_not_saved_twice(db, make_user):
    me = make_user()
    save_search(me, "电池", {"q": "电池"})
    assert (
        "已保存过" in errors_of(lambda: save_search(me, "另一个名字", {"q": "电池", "sort": "date"}))["query"]
    )


def test_at_most_fifty_searches_per_user(db, make_user):
    me, other = make_user(), make_user()
    db.session.add_all(SavedSearch(user_id=me.id, name=f"搜索{n}", query={"q": f"词{n}"}) for n in range(50))
    db.session.commit()
    fields = errors_of(lambda: save_search(me, "第51个", {"q": "电池"}))
    assert "最多只能保存50个搜索" in fields["name"]
    assert save_search(other, "别人不受影响", {"q": "电池"}).id


def test_only_the_owner_may_change_or_delete_a_saved_search(db, make_user):
    me, other = make_user(), make_user()
    saved = save_search(me, "电池", {"q": "电池"})
    with pytest.raises(NotFound):
        saved_searches.delete_saved_search(other, saved.id)
    with pytest.raises(NotFound):
        saved_searches.set_saved_search_notify(other, saved.id, False)
    assert saved_searches.list_saved_searches(other) == []
    assert saved_searches.set_saved_search_notify(me, saved.id, "off").notify is False
    assert "notify" in errors_of(lambda: saved_searches.set_saved_search_notify(me, saved.id, "也许"))
    saved_searches.delete_saved_search(me, saved.id)
    assert saved_searches.list_saved_searches(me) == []
    with pytest.raises(NotFound):
        saved_searches.delete_saved_search(me, "abc")


# ---- checking for new results ----------------------------------------------------------------------------


@pytest.fixture
def watcher(make_user):
    return make_user("enterprise")


@pytest.fixture
def university(make_user):
    return make_user("university")


def test_a_newly_published_matching_listing_is_notified_once(db, watcher, university, make_listing):
    saved = save_search(watcher, "正极材料", {"q": "正极材料", "kind": "achievement"})
    listing = make_listing("achievement", university, title="富锂锰基正极材料制备技术")
    make_listing("achievement", university, **UNRELATED)
    assert check_saved_searches(later()) == 1
    [notification] = notifications_of(db, watcher)
    assert notification.title == "「正极材料」有 1 条新结果"
    assert notification.category == "saved_search" and listing.title in notification.body
    assert notification.link.startswith("/search?") and "sort=date" in notification.link
    assert notification.data["items"] == [{"kind": "achievement", "id": listing.id}]
    assert notifications.unread_count(watcher) == 1
    assert check_saved_searches(later(3)) == 0  # nothing new since
    db.session.refresh(saved)
    assert saved.last_checked_at > listing.published_at


def test_a_non_matching_listing_is_not_notified(db, watcher, university, make_listing):
    save_search(watcher, "正极材料", {"q": "正极材料"})
    make_listing("achievement", university, **UNRELATED)
    make_listing("achievement", university, title="正极材料包覆", field="人工智能")
    save_search(watcher, "只看新材料领域", {"q": "正极材料", "field": "生物医药"})
    assert check_saved_searches(later()) == 1  # the first search; the field filter keeps the second quiet
    assert [n.title for n in notifications_of(db, watcher)] == ["「正极材料」有 1 条新结果"]


def test_listings_published_before_saving_are_not_new(db, watcher, university, make_listing):
    make_listing("achievement", university)
    save_search(watcher, "正极材料", {"q": "正极材料"})
    assert check_saved_searches(later()) == 0
    assert notifications_of(db, watcher) == []


def test_drafts_and_own_listings_do_not_count(db, watcher, university, make_user, make_listing):
    save_search(watcher, "正极材料", {"q": "正极材料"})
    make_listing("achievement", university, submit=False)  # a draft
    make_listing("achievement", make_user("enterprise", org=watcher.organisation))  # my own organisation
    assert check_saved_searches(later()) == 0


def test_a_listing_withdrawn_before_the_check_is_not_notified(db, watcher, university, make_listing):
    save_search(watcher, "正极材料", {"q": "正极材料"})
    listing = make_listing("achievement", university)
    change_status(university, "achievement", listing.id, "withdraw")
    assert check_saved_searches(later()) == 0


def test_switched_off_searches_are_not_checked_and_restart_from_now(db, watcher, university, make_listing):
    saved = save_search(watcher, "正极材料", {"q": "正极材料"})
    saved_searches.set_saved_search_notify(watcher, saved.id, False)
    make_listing("achievement", university)
    assert check_saved_searches(later()) == 0
    saved_searches.set_saved_search_notify(watcher, saved.id, True)
    assert check_saved_searches(later()) == 0  # published while switched off: not news any more
    assert notifications_of(db, watcher) == []


def test_several_new_results_make_one_notification(db, watcher, university, make_listing):
    save_search(watcher, "全部成果", {"kind": "achievement"})
    for n in range(4):
        make_listing("achievement", university, title=f"正极材料技术{n}")
    assert check_saved_searches(later()) == 1
    [notification] = notifications_of(db, watcher)
    assert notification.title == "「全部成果」有 4 条新结果" and notification.body.endswith("等")


def test_results_not_yet_in_the_index_wait_for_the_next_check(db, watcher, university, make_listing):
    save_search(watcher, "正极材料", {"q": "正极材料"})
    make_listing("achievement", university)
    assert check_saved_searches(utcnow()) == 0  # too fresh: the index may not have it yet
    assert check_saved_searches(later()) == 1
