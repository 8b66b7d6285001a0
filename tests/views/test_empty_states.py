"""An empty page under /my/ points only to what the person looking at it can do (issue 18): a university's
empty 我的技术需求 told it to press a 发布技术需求 button that universities do not have."""

import html
import re

import pytest

from market.services.permissions import CREATOR_ROLES
from market.views.common import COLLECTIONS, KIND_NAMES

ROLES = ("university", "enterprise", "broker", "viewer", "admin")
FOLLOWING_TABS = ("achievement", "demand", "equipment", "organisation", "field")


def empty_state(response) -> str:
    """The visible text of the page's empty state (templates/_macros.html empty_state), links included."""
    assert response.status_code == 200, response.status_code
    page = response.get_data(as_text=True)
    found = re.search(r'data-testid="empty-state">(.*?)</div>', page, re.S)
    assert found, "no empty state on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


def actions_named(text: str) -> list[str]:
    """The buttons an empty state tells the person to press: the labels it quotes, “like this”."""
    return re.findall(r"“([^”]+)”", text)


@pytest.mark.parametrize("role", ROLES)
def test_an_empty_my_listings_page_offers_publishing_only_to_those_who_may_publish(
    client, login, make_user, role
):
    user = login(make_user(role))
    for collection, kind in COLLECTIONS.items():
        name = KIND_NAMES[kind]
        response = client.get(f"/my/{collection}")
        text = empty_state(response)
        page = response.get_data(as_text=True)
        new_link = f'href="/my/{collection}/new"'
        if role in CREATOR_ROLES[kind]:
            assert actions_named(text) == [f"发布{name}"], (role, text)
            assert new_link in page and f">发布{name}</a>" in page
        else:
            assert "发布" + name not in text.replace(f"不发布{name}", ""), (role, text)
            assert actions_named(text) == [] and new_link not in page, (role, text)
            assert f"{user.role_label}不发布{name}" in text
            assert f'href="/{collection}"' in page and f"浏览{name}库" in text  # what it can do instead
            assert client.get(f"/my/{collection}/new").status_code == 403  # and indeed it may not publish


def test_the_university_is_told_that_enterprises_publish_demands_and_sent_to_the_library(
    client, login, make_user
):
    login(make_user("university"))
    text = empty_state(client.get("/my/demands"))
    assert "高校院所不发布技术需求" in text and "技术需求由企业发布" in text
    assert "点击右上角" not in text


def test_a_filtered_empty_list_says_so_instead_of_saying_there_is_nothing(
    client, login, make_user, make_listing
):
    owner = login(make_user("enterprise"))
    make_listing("demand", owner, title="已发布的需求")
    text = empty_state(client.get("/my/demands?status=withdrawn"))
    assert "没有“已撤回”的技术需求" in text and "还没有" not in text


@pytest.mark.parametrize("role", ROLES)
def test_every_button_an_empty_follow_or_saved_search_page_names_is_there_for_the_role(
    client, login, make_user, make_listing, role
):
    owner = make_user("enterprise")
    listings = {kind: make_listing(kind, owner) for kind in ("achievement", "demand", "equipment")}
    login(make_user(role))
    # Where each button named by an empty state is found, for this person.
    where = {
        "☆ 收藏": [f"/{c}/{listings[k].id}" for c, k in COLLECTIONS.items()],
        "☆ 关注": [f"/orgs/{owner.organisation_id}", "/achievements?field=新材料"],
        "保存此搜索": ["/search?q=材料"],
    }
    texts = [empty_state(client.get(f"/my/following?tab={tab}")) for tab in FOLLOWING_TABS]
    texts.append(empty_state(client.get("/my/saved-searches")))
    texts.append(empty_state(client.get("/my/notifications")))
    named = {label for text in texts for label in actions_named(text)}
    assert named == set(where)  # a new label in an empty state needs a place here
    for label in named:
        for url in where[label]:
            page = html.unescape(client.get(url).get_data(as_text=True))
            assert label in page, (role, label, url)
