"""Pictures and PDFs on listing pages: uploaded on the edit page, shown in a gallery and on cards, served with
the listing's own visibility and safe headers."""

import io
import re
from urllib.parse import unquote

import pytest

from market.models import ListingFile
from market.services import listing_files, listings
from market.services.listing_files import Upload
from tests.conftest import ACHIEVEMENT
from tests.file_samples import PDF, SCRIPT, picture, read


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _upload(client, listing, *files, collection="achievements"):
    return client.post(
        f"/my/{collection}/{listing.id}/files",
        data={"files": [(io.BytesIO(content), name) for name, content in files]},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _add(owner, listing, *files):
    return listing_files.add_files(owner, listing.kind, listing.id, [Upload(n, c) for n, c in files])


@pytest.fixture
def owner(make_user):
    return make_user("university")


def test_the_owner_uploads_pictures_and_a_pdf_at_once_on_the_edit_page(
    client, login, owner, make_listing, db
):
    listing = make_listing("achievement", owner)
    login(owner)
    page = client.get(f"/my/achievements/{listing.id}/edit")
    assert 'enctype="multipart/form-data"' in page.get_data(as_text=True)
    assert "每个文件不超过 10 MB，每条内容最多 12 个" in _text(page)
    response = _upload(
        client,
        listing,
        ("中试线.jpg", picture(800, 600, "JPEG")),
        ("样品.png", picture()),
        ("宣传册.pdf", PDF),
    )
    assert response.status_code == 200
    assert "已上传 3 个文件：中试线.jpg、样品.png、宣传册.pdf" in _text(response)
    assert response.request.path == f"/my/achievements/{listing.id}/edit"
    assert [r.original_name for r in listing_files.list_files(owner, "achievement", listing.id)] == [
        "中试线.jpg",
        "样品.png",
        "宣传册.pdf",
    ]
    assert "封面" in _text(response) and "设为封面" in _text(response)


def test_a_wrong_file_is_named_with_its_reason_and_nothing_is_uploaded(client, login, owner, make_listing):
    listing = make_listing("achievement", owner)
    login(owner)
    response = _upload(client, listing, ("好.png", picture()), ("照片.jpg", SCRIPT))
    assert "没有上传任何文件。照片.jpg：只接受 JPG、PNG、GIF、WebP 图片或 PDF 文件" in _text(response)
    assert listing_files.list_files(owner, "achievement", listing.id) == []


def test_several_large_files_go_up_in_one_request_beyond_the_sites_usual_limit(
    app, client, login, owner, make_listing
):
    listing = make_listing("achievement", owner)
    login(owner)
    big = PDF + b"0" * (6 * 1024 * 1024)
    assert 3 * len(big) > app.config["MAX_CONTENT_LENGTH"]
    response = _upload(client, listing, ("一.pdf", big), ("二.pdf", big), ("三.pdf", big))
    assert "已上传 3 个文件" in _text(response)
    # the usual limit still holds everywhere else
    response = client.post(
        f"/my/achievements/{listing.id}/edit",
        data={"title": "x" * (app.config["MAX_CONTENT_LENGTH"] + 10)},
    )
    assert response.status_code == 413


def test_others_cannot_upload_to_a_listing(client, login, owner, make_user, make_listing):
    listing = make_listing("achievement", owner)
    response = _upload(client, listing, ("a.png", picture()))
    assert response.request.path == "/login"
    login(make_user("university"))
    response = client.post(
        f"/my/achievements/{listing.id}/files",
        data={"files": [(io.BytesIO(picture()), "a.png")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert listing_files.list_files(owner, "achievement", listing.id) == []


def test_delete_asks_first_and_move_and_cover_buttons_work(client, login, owner, make_listing, db):
    listing = make_listing("achievement", owner)
    pdf, a, b = _add(owner, listing, ("册.pdf", PDF), ("a.png", picture()), ("b.png", picture()))
    login(owner)
    page = client.get(f"/my/achievements/{listing.id}/edit").get_data(as_text=True)
    delete_form = f'action="/my/achievements/{listing.id}/files/{pdf.id}/delete" class="d-inline"'
    assert delete_form + ' data-confirm="确定删除“册.pdf”吗？' in page
    response = client.post(f"/my/achievements/{listing.id}/files/{b.id}/first", follow_redirects=True)
    assert "已移到最前" in _text(response)
    response = client.post(
        f"/my/achievements/{listing.id}/files/{a.id}/caption",
        data={"caption": "样品照片"},
        follow_redirects=True,
    )
    assert "说明已保存" in _text(response)
    response = client.post(f"/my/achievements/{listing.id}/files/{pdf.id}/delete", follow_redirects=True)
    assert "已删除该文件" in _text(response)
    rows = listing_files.list_files(owner, "achievement", listing.id)
    assert [(r.original_name, r.caption) for r in rows] == [("b.png", None), ("a.png", "样品照片")]


def test_the_detail_page_shows_a_gallery_and_the_pdfs_with_name_and_size(client, owner, make_listing):
    listing = make_listing("achievement", owner)
    image, pdf = _add(owner, listing, ("中试线.png", picture()), ("专利证书.pdf", PDF))
    listing_files.set_caption(owner, "achievement", listing.id, image.id, "中试线全景")
    page = client.get(f"/achievements/{listing.id}")
    html = page.get_data(as_text=True)
    assert f'href="/achievements/{listing.id}/files/{image.id}"' in html
    assert f'src="/achievements/{listing.id}/files/{image.id}/thumbnail"' in html
    assert 'alt="中试线全景"' in html and "中试线全景" in _text(page)
    assert f'href="/achievements/{listing.id}/files/{pdf.id}"' in html
    assert re.search(r"专利证书\.pdf \d+ 字节", _text(page))


@pytest.mark.parametrize("kind", ["achievement", "demand", "equipment"])
def test_every_kind_of_listing_shows_its_pictures_and_the_cover_on_its_card(
    client, make_user, make_listing, kind
):
    owner = make_user("enterprise")
    listing = make_listing(kind, owner)
    plain = make_listing(
        kind, owner, **({"name": "没有图片的仪器"} if kind == "equipment" else {"title": "没有图片的内容"})
    )
    pdf, image = _add(owner, listing, ("册.pdf", PDF), ("封面.png", picture()))
    collection = {"achievement": "achievements", "demand": "demands", "equipment": "equipment"}[kind]
    assert f"/{collection}/{listing.id}/files/{image.id}/thumbnail" in client.get(
        f"/{collection}/{listing.id}"
    ).get_data(as_text=True)
    cards = client.get(f"/{collection}").get_data(as_text=True)
    assert cards.count('data-testid="listing-cover"') == 1
    assert f"/{collection}/{listing.id}/files/{image.id}/thumbnail" in cards
    assert f"/{collection}/{plain.id}/files/" not in cards
    org_page = client.get(f"/orgs/{owner.organisation_id}?tab={collection}").get_data(as_text=True)
    assert f"/{collection}/{listing.id}/files/{image.id}/thumbnail" in org_page


def _draft_and_published(owner, make_listing):
    draft = listings.create_listing(owner, "achievement", {**ACHIEVEMENT, "title": "草稿成果"}, submit=False)
    published = make_listing("achievement", owner)
    return {
        "draft": (draft, _add(owner, draft, ("a.png", picture()))[0]),
        "published": (published, _add(owner, published, ("a.png", picture()))[0]),
    }


@pytest.mark.parametrize(
    ("who", "draft_status"),
    [("owner", 200), ("colleague", 200), ("admin", 200), ("other_org", 404), ("anonymous", 404)],
)
def test_who_fetches_a_file_follows_who_sees_the_listing(
    client, login, owner, make_user, make_listing, who, draft_status
):
    files = _draft_and_published(owner, make_listing)
    person = {
        "owner": owner,
        "colleague": make_user("university", org=owner.organisation),
        "admin": make_user("admin"),
        "other_org": make_user("university"),
        "anonymous": None,
    }[who]
    if person is not None:
        login(person)
    for state, expected in (("draft", draft_status), ("published", 200)):
        listing, row = files[state]
        for tail in ("", "/thumbnail"):
            with client.get(f"/achievements/{listing.id}/files/{row.id}{tail}") as response:
                assert response.status_code == expected, (state, tail)
                if expected == 200:
                    assert read(response.data).format == "JPEG"


def test_a_picture_is_served_inline_and_cached_only_when_public(client, login, owner, make_listing):
    files = _draft_and_published(owner, make_listing)
    listing, row = files["published"]
    with client.get(f"/achievements/{listing.id}/files/{row.id}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "image/jpeg"
        assert response.headers["Content-Disposition"].startswith("inline;")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "public, max-age=3600"
        policy = response.headers["Content-Security-Policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy  # nothing in a file ever runs
        etag = response.headers["ETag"]
    with client.get(f"/achievements/{listing.id}/files/{row.id}", headers={"If-None-Match": etag}) as again:
        assert again.status_code == 304
    login(owner)
    listing, row = files["draft"]
    with client.get(f"/achievements/{listing.id}/files/{row.id}/thumbnail") as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "private, no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_pdf_downloads_under_its_chinese_name_safely_encoded(client, owner, make_listing):
    listing = make_listing("achievement", owner)
    (row,) = _add(owner, listing, ('专利证书 "最终版"\r\n.pdf', PDF))
    with client.get(f"/achievements/{listing.id}/files/{row.id}") as response:
        assert response.status_code == 200 and response.data == PDF
        assert response.headers["Content-Type"] == "application/pdf"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;")
        encoded = disposition.split("filename*=UTF-8''")[1]
        assert unquote(encoded) == '专利证书 "最终版".pdf'
        assert "\r" not in disposition and "\n" not in disposition
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_of_a_deleted_listing_is_gone(client, login, owner, make_listing, db):
    listing = listings.create_listing(owner, "achievement", ACHIEVEMENT, submit=False)
    (row,) = _add(owner, listing, ("a.png", picture()))
    login(owner)
    client.post(f"/my/achievements/{listing.id}/delete")
    assert db.session.get(ListingFile, row.id) is None
    assert client.get(f"/achievements/{listing.id}/files/{row.id}").status_code == 404
