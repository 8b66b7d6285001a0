"""/my/notifications, /my/saved-searches, the header badge and 保存此搜索 on /search."""

import re

import pytest
from sqlalchemy import select

from market.models import Notification, SavedSearch
from market.services import notifications
from market.services.notifications import add_notifications


def notify(db, user, title, **kwargs):
    add_notifications([user.id], kwargs.pop("category", "match"), title, **kwargs)
    db.session.commit()
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
    ).first()


def badge(html: str) -> str | None:
    found = re.search(r'data-testid="unread-badge">(\d+|99\+)<', html)
    return found.group(1) if found else None


def test_pages_ask_anonymous_visitors_to_sign_in(client):
    for url in ("/my/notifications", "/my/saved-searches"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/my/notifications/read-all").status_code == 302


def test_the_header_badge_counts_unread_and_drops_after_reading(client, db, make_user, login):
    me = login(make_user())
    assert badge(client.get("/").get_data(as_text=True)) is None
    first = notify(db, me, "第一条")
    notify(db, me, "第二条")
    html = client.get("/").get_data(as_text=True)
    assert badge(html) == "2" and "/my/notifications" in html
    response = client.post(f"/my/notifications/{first.id}/read", follow_redirects=True)
    assert response.status_code == 200 and badge(response.get_data(as_text=True)) == "1"
    response = client.post("/my/notifications/read-all", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert badge(html) is None and "已将 1 条通知标为已读" in html


def test_unread_notifications_are_highlighted_and_escaped(client, db, make_user, login):
    me = login(make_user())
    notify(db, me, "<script>alert(1)</script>新的匹配", body="正文<b>粗</b>")
    read = notify(db, me, "已经看过的")
    notifications.mark_read(me, read.id)
    html = client.get("/my/notifications").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;粗" in html
    assert html.count('data-testid="notification"') == 2 and html.count('data-unread="1"') == 1
    assert "全部标为已读" in html and "标为已读" in html
    unread_only = client.get("/my/notifications?unread=1").get_data(as_text=True)
    assert unread_only.count('data-testid="notification"') == 1 and "已经看过的" not in unread_only


def test_empty_list_says_so(client, make_user, login):
    login(make_user())
    html = client.get("/my/notifications").get_data(as_text=True)
    assert "暂无通知" in html and "全部标为已读" not in html


def test_delete_asks_first_and_hides_the_notification(client, db, make_user, login):
    me = login(make_user())
    item = notify(db, me, "要删除的通知")
    html = client.get("/my/notifications").get_data(as_text=True)
    assert re.search(rf'action="/my/notifications/{item.id}/dismiss"[^>]*data-confirm="[^"]+"', html)
    response = client.post(f"/my/notifications/{item.id}/dismiss", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已删除通知" in html and "要删除的通知" not in html and "暂无通知" in html
    assert client.post(f"/my/notifications/{item.id}/dismiss").status_code == 404


def test_opening_a_notification_marks_it_read_and_goes_to_its_link(client, db, make_user, login):
    me = login(make_user())
    item = notify(db, me, "新结果", link="/search?q=%E7%94%B5%E6%B1%A0")
    response = client.post(f"/my/notifications/{item.id}/open")
    assert response.status_code == 302 and response.headers["Location"].startswith("/search?q=")
    assert notifications.unread_count(me) == 0


def test_someone_elses_notification_is_a_404(client, db, make_user, login):
    other = make_user()
    theirs = notify(db, other, "别人的通知")
    login(make_user())
    assert "别人的通知" not in client.get("/my/notifications").get_data(as_text=True)
    for action in ("read", "open", "dismiss"):
        response = client.post(f"/my/notifications/{theirs.id}/{action}")
        assert response.status_code == 404 and "该通知不存在或已删除" in response.get_data(as_text=True)
    assert notifications.unread_count(other) == 1


@pytest.mark.parametrize(
    "url",
    [
        "/my/notifications?page=abc",
        "/my/notifications?page=-3&unread=x",
        "/my/notifications?page=99999999999999999999",
    ],
)
def test_odd_paging_never_fails(client, make_user, login, url):
    login(make_user())
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/my/notifications/99999999999999/read",
        "/my/notifications/0/dismiss",
        "/my/saved-searches/99999999999999/delete",
        "/my/saved-searches/1/notify",
    ],
)
def test_bad_ids_are_a_404(client, make_user, login, url):
    login(make_user())
    assert client.post(url).status_code == 404
    assert client.post("/my/notifications/abc/read").status_code == 404


def test_state_changes_need_a_csrf_token(app, db, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    me = make_user()
    item = notify(db, me, "通知")
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    assert (
        client.post(
            "/login", data={"email": me.email, "password": "Passw0rd!", "csrf_token": token}
        ).status_code
        == 302
    )
    assert client.post(f"/my/notifications/{item.id}/dismiss").status_code == 302  # refused, sent back
    assert client.post("/my/saved-searches", data={"name": "电池", "q": "电池"}).status_code == 302
    assert notifications.unread_count(me) == 1
    assert db.session.scalars(select(SavedSearch)).all() == []


# ---- saved searches --------------------------------------------------------------------------------------


def test_search_page_offers_to_save_only_to_signed_in_users(client, make_user, login):
    html = client.get("/search?q=电池").get_data(as_text=True)
    assert "保存此搜索" not in html
    login(make_user())
    html = client.get("/search?q=电池&kind=achievement&field=新材料&sort=date").get_data(as_text=True)
    form = re.search(r'<form[^>]*data-testid="save-search".*?</form>', html, re.S).group(0)
    assert (
        'name="q" value="电池"' in form
        and 'name="field" value="新材料"' in form
        and 'name="sort"' not in form
    )
    assert 'name="name" value="电池"' in form
    assert "保存此搜索" not in client.get("/search?kind=policy").get_data(as_text=True)


def test_saving_from_the_search_page_then_listing_toggling_and_deleting(client, db, make_user, login):
    me = login(make_user())
    response = client.post(
        "/my/saved-searches", data={"name": "电池 <新>", "q": "电池", "kind": "achievement"}
    )
    assert response.status_code == 302 and response.headers["Location"].startswith("/search?")
    html = client.get("/my/saved-searches").get_data(as_text=True)
    assert (
        "电池 &lt;新&gt;" in html and "关键词：电池" in html and "类型：科技成果" in html and "已开启" in html
    )
    saved = db.session.scalars(select(SavedSearch).where(SavedSearch.user_id == me.id)).one()
    assert re.search(rf'action="/my/saved-searches/{saved.id}/delete"[^>]*data-confirm=', html)
    html = client.post(
        f"/my/saved-searches/{saved.id}/notify", data={"notify": "off"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "已关闭通知" in html and "开启通知" in html
    html = client.post(f"/my/saved-searches/{saved.id}/delete", follow_redirects=True).get_data(as_text=True)
    assert "已删除保存的搜索" in html and "还没有保存的搜索" in html


def test_saving_bad_input_shows_chinese_messages(client, db, make_user, login):
    login(make_user())
    html = client.post("/my/saved-searches", data={"name": "", "q": "电池"}, follow_redirects=True).get_data(
        as_text=True
    )
    assert "未能保存搜索：请填写名称" in html
    html = client.post(
        "/my/saved-searches", data={"name": "x", "min": "很多"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "未能保存搜索：金额" in html
    assert db.session.scalars(select(SavedSearch)).all() == []


def test_someone_elses_saved_search_is_a_404(client, db, make_user, login):
    from market.services.saved_searches import save_search

    theirs = save_search(make_user(), "别人的搜索", {"q": "电池"})
    login(make_user())
    assert "别人的搜索" not in client.get("/my/saved-searches").get_data(as_text=True)
    assert client.post(f"/my/saved-searches/{theirs.id}/delete").status_code == 404
    assert client.post(f"/my/saved-searches/{theirs.id}/notify", data={"notify": "off"}).status_code == 404
    assert db.session.get(SavedSearch, theirs.id).notify is True


def test_times_are_beijing_time_on_the_page_and_in_the_api_with_their_offset(
    client, db, make_user, login, api_token
):
    from datetime import datetime, timezone

    me = login(make_user())
    late_evening_utc = datetime(2026, 12, 7, 17, 30, tzinfo=timezone.utc)  # 01:30 the next day in Beijing
    note = notify(db, me, "凌晨的通知")
    note.created_at = late_evening_utc
    db.session.commit()
    html = client.get("/my/notifications").get_data(as_text=True)
    assert "2026-12-08 01:30" in html and "2026-12-07 17:30" not in html
    assert "本站时间均为北京时间（UTC+8）" in html
    listed = client.get("/api/v1/notifications", headers=api_token(me))
    assert listed.get_json()["items"][0]["created_at"] == "2026-12-08T01:30:00+08:00"
