"""Notifications: added inside other units of work, seen and dismissed only by their owner."""

import pytest
from sqlalchemy import func, select

from market.errors import NotFound
from market.models import Notification
from market.services import notifications
from market.services.notifications import add_notifications


def count_rows(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification))


def test_added_notifications_wait_for_the_callers_commit(db, make_user):
    user = make_user()
    assert add_notifications([user.id], "match", "新的匹配") == 1
    db.session.rollback()  # the caller's unit of work failed: nothing stays behind
    assert count_rows(db) == 0
    add_notifications([user.id], "match", "新的匹配")
    db.session.commit()
    assert notifications.unread_count(user) == 1


def test_one_row_per_user_even_when_a_user_is_named_twice(db, make_user):
    a, b = make_user(), make_user()
    assert (
        add_notifications(
            [a.id, b.id, a.id], "match", "标题", body="正文", link="/demands/1", data={"score": 0.9}
        )
        == 3 - 1
    )
    db.session.commit()
    row = db.session.scalars(select(Notification).where(Notification.user_id == b.id)).one()
    assert (row.title, row.body, row.link, row.data, row.read_at) == (
        "标题",
        "正文",
        "/demands/1",
        {"score": 0.9},
        None,
    )


def test_a_repeated_dedupe_key_is_skipped_without_failing(db, make_user):
    a, b = make_user(), make_user()
    assert add_notifications([a.id], "match", "第一次", dedupe_key="match:1:2") == 1
    db.session.commit()
    assert add_notifications([a.id, b.id], "match", "再一次", dedupe_key="match:1:2") == 1  # only b is new
    db.session.commit()
    assert add_notifications([a.id, b.id], "match", "第三次", dedupe_key="match:1:2") == 0
    db.session.commit()
    assert count_rows(db) == 2
    assert notifications.unread_count(a) == 1


def test_a_dedupe_key_already_pending_in_the_same_transaction_is_skipped(db, make_user):
    user = make_user()
    add_notifications([user.id], "match", "一", dedupe_key="k")
    assert add_notifications([user.id], "match", "二", dedupe_key="k") == 0
    db.session.commit()
    assert count_rows(db) == 1


def test_links_must_stay_on_the_site(make_user):
    user = make_user()
    for link in ("https://evil.example/x", "//evil.example", "javascript:alert(1)"):
        with pytest.raises(ValueError):
            add_notifications([user.id], "match", "标题", link=link)


def test_nobody_to_notify_adds_nothing(db):
    assert add_notifications([], "saved_search", "标题") == 0


def test_lists_show_only_my_own_newest_first_and_hide_dismissed(db, make_user):
    me, other = make_user(), make_user()
    for title in ("旧", "中", "新"):
        add_notifications([me.id], "match", title)
        db.session.flush()
    add_notifications([other.id], "match", "别人的")
    db.session.commit()
    page = notifications.list_notifications(me, 1, 20)
    assert [n.title for n in page.items] == ["新", "中", "旧"] and page.total == 3
    notifications.dismiss(me, page.items[0].id)
    assert [n.title for n in notifications.list_notifications(me, 1, 20).items] == ["中", "旧"]


def test_unread_only_and_the_count_follow_reading(db, make_user):
    me = make_user()
    add_notifications([me.id], "match", "一")
    add_notifications([me.id], "match", "二")
    db.session.commit()
    first = notifications.list_notifications(me, 1, 20).items[0]
    assert notifications.unread_count(me) == 2
    notifications.mark_read(me, first.id)
    assert notifications.unread_count(me) == 1
    assert first.id not in [n.id for n in notifications.list_notifications(me, 1, 20, unread_only=True).items]
    assert notifications.mark_all_read(me) == 1
    assert notifications.unread_count(me) == 0
    assert notifications.list_notifications(me, 1, 20, unread_only=True).total == 0
    assert notifications.mark_all_read(me) == 0


def test_dismissing_an_unread_notification_lowers_the_count(db, make_user):
    me = make_user()
    add_notifications([me.id], "match", "一")
    db.session.commit()
    notification_id = notifications.list_notifications(me, 1, 20).items[0].id
    notifications.dismiss(me, notification_id)
    assert notifications.unread_count(me) == 0
    with pytest.raises(NotFound):
        notifications.dismiss(me, notification_id)  # gone is gone


def test_someone_elses_notification_is_not_found(db, make_user):
    me, other = make_user(), make_user()
    add_notifications([other.id], "match", "别人的")
    db.session.commit()
    theirs = notifications.list_notifications(other, 1, 20).items[0].id
    for action in (notifications.mark_read, notifications.dismiss):
        with pytest.raises(NotFound):
            action(me, theirs)
    notifications.mark_all_read(me)
    assert notifications.unread_count(other) == 1


@pytest.mark.parametrize("bad_id", ["abc", 0, -1, 2**40, None, "1; DROP TABLE notifications"])
def test_bad_ids_are_not_found(db, make_user, bad_id):
    with pytest.raises(NotFound):
        notifications.mark_read(make_user(), bad_id)


def test_paging_input_is_clamped(db, make_user):
    me = make_user()
    add_notifications([me.id], "match", "一")
    db.session.commit()
    page = notifications.list_notifications(me, "x", 10**9)
    assert (page.page, page.per_page, page.total) == (1, 100, 1)
