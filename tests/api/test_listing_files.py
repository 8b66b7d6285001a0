"""Pictures and PDFs of listings over JSON: list, upload, caption, reorder, download, delete, with the rules
of the pages and responses that match the OpenAPI document."""

import io

import pytest

from market.services import listings
from tests.api.conftest import error_of
from tests.conftest import ACHIEVEMENT
from tests.file_samples import PDF, SCRIPT, huge_canvas_png, phone_photo, picture, read


@pytest.fixture
def world(make_user):
    owner = make_user("university")
    return {
        "owner": owner,
        "colleague": make_user("university", org=owner.organisation),
        "other": make_user("university"),
        "admin": make_user("admin"),
        "enterprise": make_user("enterprise"),
    }


def _send(client, url, headers, *files):
    return client.post(
        url,
        data={"files": [(io.BytesIO(content), name) for name, content in files]},
        headers=headers,
        content_type="multipart/form-data",
    )


def test_upload_list_caption_reorder_and_delete(client, world, tokens, make_listing, validate):
    listing = make_listing("achievement", world["owner"])
    url = f"/api/v1/achievements/{listing.id}/files"
    created = _send(
        client, url, tokens("owner"), ("册.pdf", PDF), ("照片.jpg", phone_photo()), ("图.png", picture())
    )
    validate("/achievements/{id}/files", "post", created, 201)
    pdf, photo, image = created.get_json()["items"]
    assert (pdf["file_kind"], pdf["content_type"], pdf["thumbnail_url"], pdf["is_cover"]) == (
        "pdf",
        "application/pdf",
        None,
        False,
    )
    assert (photo["file_kind"], photo["width"], photo["height"], photo["is_cover"]) == (
        "image",
        200,
        400,
        True,
    )
    assert photo["url"] == f"/achievements/{listing.id}/files/{photo['id']}"
    assert photo["thumbnail_url"] == photo["url"] + "/thumbnail"
    assert photo["api_url"] == "/api/v1" + photo["url"]
    assert photo["uploaded_at"].endswith("+08:00")

    listed = client.get(url)  # a published listing's files: anyone
    validate("/achievements/{id}/files", "get", listed, 200)
    assert [f["name"] for f in listed.get_json()["items"]] == ["册.pdf", "照片.jpg", "图.png"]

    captioned = client.patch(f"{url}/{image['id']}", json={"caption": "样品"}, headers=tokens("owner"))
    validate("/achievements/{id}/files/{file_id}", "patch", captioned, 200)
    assert captioned.get_json()["caption"] == "样品"

    reordered = client.put(
        f"{url}/order", json={"ids": [image["id"], pdf["id"], photo["id"]]}, headers=tokens("colleague")
    )
    validate("/achievements/{id}/files/order", "put", reordered, 200)
    assert [(f["name"], f["position"], f["is_cover"]) for f in reordered.get_json()["items"]] == [
        ("图.png", 0, True),
        ("册.pdf", 1, False),
        ("照片.jpg", 2, False),
    ]

    deleted = client.delete(f"{url}/{pdf['id']}", headers=tokens("admin"))
    validate("/achievements/{id}/files/{file_id}", "delete", deleted, 204)
    assert [f["name"] for f in client.get(url).get_json()["items"]] == ["图.png", "照片.jpg"]


def test_downloads_carry_the_pages_headers(client, world, tokens, make_listing):
    listing = make_listing("demand", world["enterprise"])
    url = f"/api/v1/demands/{listing.id}/files"
    owner_token = tokens("enterprise")
    image, pdf = _send(client, url, owner_token, ("a.png", picture()), ("需求说明.pdf", PDF)).get_json()[
        "items"
    ]
    with client.get(image["api_url"] + "?thumbnail=1") as thumb:
        assert thumb.status_code == 200 and read(thumb.data).size == (320, 240)
        assert thumb.headers["Content-Disposition"].startswith("inline;")
        assert thumb.headers["X-Content-Type-Options"] == "nosniff"
        assert thumb.headers["Cache-Control"] == "public, max-age=3600"
    with client.get(pdf["api_url"]) as download:
        assert download.data == PDF and download.headers["Content-Disposition"].startswith("attachment;")
    error_of(client.get(pdf["api_url"] + "?thumbnail=1"), 404)


def test_a_drafts_files_are_for_its_managers_only(client, world, tokens):
    draft = listings.create_listing(world["owner"], "achievement", ACHIEVEMENT, submit=False)
    url = f"/api/v1/achievements/{draft.id}/files"
    (row,) = _send(client, url, tokens("owner"), ("a.png", picture())).get_json()["items"]
    for role in ("owner", "colleague", "admin"):
        assert client.get(url, headers=tokens(role)).status_code == 200
        with client.get(row["api_url"], headers=tokens(role)) as response:
            assert response.status_code == 200
            assert response.headers["Cache-Control"] == "private, no-store"
    for role in ("other", "anonymous"):
        error_of(client.get(url, headers=tokens(role)), 404)
        error_of(client.get(row["api_url"], headers=tokens(role)), 404)
        error_of(client.delete(row["api_url"], headers=tokens(role)), 401 if role == "anonymous" else 404)


def test_changes_need_a_token_and_the_right_to_edit(client, world, tokens, make_listing):
    listing = make_listing("achievement", world["owner"])
    url = f"/api/v1/achievements/{listing.id}/files"
    error_of(_send(client, url, {}, ("a.png", picture())), 401)
    error_of(_send(client, url, tokens("other"), ("a.png", picture())), 403)
    (row,) = _send(client, url, tokens("owner"), ("a.png", picture())).get_json()["items"]
    error_of(client.delete(f"{url}/{row['id']}", headers=tokens("other")), 403)
    error_of(client.put(f"{url}/order", json={"ids": [row["id"]]}, headers=tokens("other")), 403)
    error_of(client.patch(f"{url}/{row['id']}", json={"caption": "x"}, headers=tokens("other")), 403)
    error_of(client.delete(f"{url}/999999", headers=tokens("owner")), 404)


def test_refusals_name_the_file_and_the_reason(client, world, tokens, make_listing):
    listing = make_listing("achievement", world["owner"])
    url = f"/api/v1/achievements/{listing.id}/files"
    refused = error_of(
        _send(
            client,
            url,
            tokens("owner"),
            ("ok.png", picture()),
            ("x.jpg", SCRIPT),
            ("bomb.png", huge_canvas_png()),
        ),
        422,
    )
    assert (
        "x.jpg：只接受" in refused["fields"]["files"]
        and "bomb.png：图片像素过多" in refused["fields"]["files"]
    )
    assert refused["message"].startswith("文件未上传：")
    assert client.get(url).get_json()["items"] == []
    error_of(_send(client, url, tokens("owner")), 422)
    wrong_order = error_of(client.put(f"{url}/order", json={"ids": ["a"]}, headers=tokens("owner")), 422)
    assert "ids" in wrong_order["fields"]
    unknown = error_of(client.put(f"{url}/order", json={"ids": [], "x": 1}, headers=tokens("owner")), 422)
    assert unknown["fields"] == {"x": "未知字段"}
