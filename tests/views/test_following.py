"""The 收藏/关注 buttons on listing, organisation and field pages, /my/following and 通知设置."""

import html
import re

from sqlalchemy import select

from market.models import Field
from market.services import follows, notifications
from market.services.listings import change_status


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.get_data(as_text=True))


def button(page: str) -> str:
    """The follow button's words and count, as a reader sees them."""
    found = re.search(r'data-testid="follow-button">(.*?)</(?:button|a)>', page, re.S)
    assert found, "no follow button on the page"
    return re.sub(r"<[^>]+>", "", found.group(1)).split()


def field_id(db, name) -> int:
    return db.session.scalar(select(Field.id).where(Field.name == name))


def test_visitors_see_the_count_and_are_asked_to_sign_in(client, make_user, make_listing):
    owner = make_user("university")
    listing = make_listing("achievement", owner)
    follows.follow(make_user("enterprise"), {"kind": "achievement", "target_id": listing.id})
    page = text_of(client.get(f"/achievements/{listing.id}"))
    assert button(page) == ["☆", "登录后收藏", "1"]
    assert f"/login?next=/achievements/{listing.id}" in page
    assert button(text_of(client.get(f"/orgs/{owner.organisation_id}"))) == ["☆", "登录后关注", "0"]
    for response in (
        client.get("/my/following"),
        client.post(f"/my/following/achievement/{listing.id}", data={"action": "follow"}),
        client.get("/my/notification-settings"),
    ):
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert follows.follow_state(None, "achievement", listing.id).followers == 1


def test_saving_a_listing_from_its_page_and_finding_it_in_the_workspace(
    client, make_user, make_listing, login
):
    listing = make_listing("demand", make_user("enterprise"))
    login(make_user("university"))
    page = text_of(client.get(f"/demands/{listing.id}"))
    assert button(page) == ["☆", "收藏", "0"] and 'name="submit_token"' in page
    response = client.post(
        f"/my/following/demand/{listing.id}", data={"action": "follow", "next": f"/demands/{listing.id}"}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/demands/{listing.id}")
    page = text_of(client.get(f"/demands/{listing.id}"))
    assert button(page) == ["★", "已收藏", "1"] and "已收藏，可在“我的关注”中查看" in page
    # sent twice (a second tab still showing 收藏): still one
    client.post(f"/my/following/demand/{listing.id}", data={"action": "follow"})
    mine = text_of(client.get("/my/following?tab=demand"))
    assert mine.count('data-testid="followed"') == 1 and listing.title in mine
    assert re.search(r"收藏的需求 <span[^>]*>1</span>", mine)
    client.post(
        f"/my/following/demand/{listing.id}", data={"action": "unfollow", "next": "/my/following?tab=demand"}
    )
    mine = text_of(client.get("/my/following?tab=demand"))
    assert "还没有收藏的技术需求" in mine and listing.title not in mine


def test_following_an_organisation_and_a_field_from_their_pages(client, db, make_user, make_listing, login):
    owner = make_user("university")
    make_listing("achievement", owner, field="人工智能")
    login(make_user("enterprise"))
    client.post(f"/my/following/organisation/{owner.organisation_id}", data={"action": "follow"})
    assert button(text_of(client.get(f"/orgs/{owner.organisation_id}"))) == ["★", "已关注", "1"]
    listing_page = text_of(client.get("/achievements"))
    assert 'data-testid="field-follow"' not in listing_page  # no field chosen: nothing to follow
    filtered = text_of(client.get("/achievements?field=人工智能"))
    assert button(filtered) == ["☆", "关注", "0"]
    ai = field_id(db, "人工智能")
    response = client.post(
        f"/my/following/field/{ai}", data={"action": "follow", "next": "/achievements?field=人工智能"}
    )
    assert "/achievements?field=" in response.headers["Location"]
    assert button(text_of(client.get("/demands?field=人工智能"))) == ["★", "已关注", "1"]
    mine = text_of(client.get("/my/following"))  # the first tab with something in it
    assert 'data-testid="tab-organisation"' in mine and owner.organisation.name in mine
    assert "已开启" in mine and "通知设置" in mine
    fields = text_of(client.get("/my/following?tab=field"))
    assert "人工智能" in fields and "/demands?field=" in fields


def test_what_the_user_cannot_see_is_not_found_and_the_tabs_say_when_empty(
    client, make_user, make_listing, login
):
    draft = make_listing("achievement", make_user("university"), submit=False)
    login(make_user("enterprise"))
    assert client.post(f"/my/following/achievement/{draft.id}", data={"action": "follow"}).status_code == 404
    assert client.post("/my/following/policy/1", data={"action": "unfollow"}).status_code == 404
    for tab, words in (
        ("achievement", "还没有收藏的科技成果"),
        ("equipment", "还没有收藏的仪器设备"),
        ("organisation", "还没有关注的单位"),
        ("field", "还没有关注的技术领域"),
    ):
        assert words in text_of(client.get(f"/my/following?tab={tab}"))


def test_a_withdrawn_listing_leaves_the_list_with_a_word_about_it(client, make_user, make_listing, login):
    owner = make_user("university")
    listing = make_listing("equipment", owner)
    me = login(make_user("enterprise"))
    follows.follow(me, {"kind": "equipment", "target_id": listing.id})
    change_status(owner, "equipment", listing.id, "withdraw")
    mine = text_of(client.get("/my/following?tab=equipment"))
    assert listing.title not in mine and "另有 1 项已撤回、过期或不再公开" in mine


def test_the_work_menu_leads_to_my_following(client, make_user, login):
    for role in ("university", "viewer", "admin"):
        login(make_user(role))
        page = text_of(client.get("/"))
        assert re.search(r'href="/my/following">我的关注</a>', page), role
        client.post("/logout")


def test_follow_updates_are_switched_off_and_on_in_notification_settings(client, make_user, login):
    me = login(make_user("enterprise"))
    page = text_of(client.get("/my/notification-settings"))
    assert "关注动态" in page and "已开启" in page and "始终发送" in page
    response = client.post(
        "/my/notification-settings", data={"category": "follow", "enabled": "false"}, follow_redirects=True
    )
    assert "已关闭“关注动态”通知" in text_of(response)
    assert notifications.notification_settings(me) == {"follow": False}
    assert "已关闭" in text_of(client.get("/my/following"))
    response = client.post(
        "/my/notification-settings", data={"category": "booking", "enabled": "false"}, follow_redirects=True
    )
    assert "没有这类可以设置的通知" in text_of(response)
    client.post("/my/notification-settings", data={"category": "follow", "enabled": "true"})
    assert notifications.notification_settings(me) == {"follow": True}
    assert "通知设置" in text_of(client.get("/my/notifications"))


def test_a_search_by_field_offers_to_follow_the_field(client, db, make_user, login):
    login(make_user("enterprise"))
    assert 'data-testid="field-follow"' not in text_of(client.get("/search?q=电池"))
    page = text_of(client.get("/search?field=氢能"))
    assert button(page) == ["☆", "关注", "0"]
    client.post(f"/my/following/field/{field_id(db, '氢能')}", data={"action": "follow"})
    assert button(text_of(client.get("/search?field=氢能&q=燃料电池"))) == ["★", "已关注", "1"]
