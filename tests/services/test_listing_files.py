"""Pictures and PDFs on listings (issue 18, part 5): the type read from the bytes, limits with their messages,
pictures re-encoded without metadata, order and cover, and files gone with their listing."""

import pytest
from sqlalchemy import select

from market.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from market.models import AuditEntry, ListingFile
from market.services import listing_files, listings, uploads
from market.services.listing_files import Upload
from market.services.listing_gallery import AREA, covers, files_of
from tests.file_samples import (
    GPS_INFO,
    MAKE,
    ORIENTATION,
    PDF,
    SCRIPT,
    huge_canvas_png,
    phone_photo,
    picture,
    read,
    truncated_jpeg,
)


@pytest.fixture
def owner(make_user):
    return make_user("university")


@pytest.fixture
def listing(owner, make_listing):
    return make_listing("achievement", owner)


def _add(owner, listing, *files):
    return listing_files.add_files(owner, listing.kind, listing.id, [Upload(n, c) for n, c in files])


def _stored(app) -> list[str]:
    folder = uploads.file_path(AREA, "x").parent
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_a_png_named_pdf_is_taken_as_the_picture_it_is(app, owner, listing):
    (row,) = _add(owner, listing, ("专利证书.pdf", picture(400, 300)))
    assert (row.file_kind, row.content_type) == ("image", "image/jpeg")
    assert row.original_name == "专利证书.pdf"
    assert row.download_name == "专利证书.jpg"  # served as what it is
    assert read(uploads.file_path(AREA, row.stored_name).read_bytes()).format == "JPEG"


def test_a_pdf_is_kept_byte_for_byte_whatever_its_name(app, owner, listing):
    (row,) = _add(owner, listing, ("brochure.jpg", PDF))
    assert (row.file_kind, row.content_type, row.thumb_name) == ("pdf", "application/pdf", None)
    assert uploads.file_path(AREA, row.stored_name).read_bytes() == PDF
    assert row.sha256 == uploads.sha256(PDF)
    assert row.download_name == "brochure.pdf"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.jpg", SCRIPT, "只接受 JPG、PNG、GIF、WebP 图片或 PDF 文件"),
        ("photo.jpg", truncated_jpeg(), "图片文件已损坏或不完整"),
        ("bomb.png", huge_canvas_png(), "图片像素过多"),
        ("big.png", huge_canvas_png(9000, 9000), "图片像素过多（9000×9000"),
        ("empty.pdf", b"", "文件是空的"),
    ],
)
def test_what_is_not_a_picture_or_pdf_is_refused_by_its_bytes(app, owner, listing, name, content, message):
    with pytest.raises(ValidationFailed) as refused:
        _add(owner, listing, (name, content))
    assert message in refused.value.fields["files"]
    assert refused.value.fields["files"].startswith(f"{name}：")
    assert files_of(listing.kind, listing.id) == []
    assert _stored(app) == []


def test_one_wrong_file_refuses_the_whole_upload_and_names_each_wrong_one(app, owner, listing):
    with pytest.raises(ValidationFailed) as refused:
        _add(owner, listing, ("好.png", picture()), ("坏.jpg", SCRIPT), ("也坏.gif", truncated_jpeg()))
    message = refused.value.fields["files"]
    assert "坏.jpg：只接受" in message and "也坏.gif：图片文件已损坏" in message
    assert "好.png" not in message
    assert files_of(listing.kind, listing.id) == []
    assert _stored(app) == []  # not even the good picture


def test_a_file_over_10_mb_is_refused_with_the_limit(app, owner, listing):
    too_big = PDF + b"0" * (listing_files.MAX_FILE_BYTES - len(PDF) + 1)
    with pytest.raises(ValidationFailed) as refused:
        _add(owner, listing, ("厚.pdf", too_big))
    assert refused.value.fields["files"] == "厚.pdf：文件不能超过 10 MB"
    (row,) = _add(owner, listing, ("正好.pdf", too_big[:-1]))  # exactly 10 MB is fine
    assert row.size == listing_files.MAX_FILE_BYTES


def test_a_listing_takes_at_most_12_files_and_says_how_many_more_fit(app, owner, listing):
    _add(owner, listing, *[(f"{n}.pdf", PDF) for n in range(10)])
    with pytest.raises(ValidationFailed) as refused:
        _add(owner, listing, *[(f"more{n}.pdf", PDF) for n in range(3)])
    assert refused.value.fields["files"] == "每条内容最多 12 个图片或文件：已有 10 个，本次最多还能上传 2 个"
    _add(owner, listing, ("10.pdf", PDF), ("11.pdf", PDF))
    with pytest.raises(ValidationFailed) as refused:
        _add(owner, listing, ("12.pdf", PDF))
    assert "请先删除不需要的再上传" in refused.value.fields["files"]


def test_nothing_chosen_is_a_message_not_an_empty_success(app, owner, listing):
    with pytest.raises(ValidationFailed) as refused:
        listing_files.add_files(owner, listing.kind, listing.id, [Upload("", b"")])
    assert refused.value.fields == {"files": "请选择要上传的图片或 PDF 文件"}


def test_a_phone_photo_is_turned_upright_and_loses_its_exif_and_position(app, owner, listing):
    original = phone_photo(400, 200, orientation=6)  # stored sideways: 400 wide, shown 200 wide
    assert read(original).getexif()[MAKE] == "PhoneMaker"
    (row,) = _add(owner, listing, ("IMG_0001.jpg", original))
    assert (row.width, row.height) == (200, 400)
    for name in (row.stored_name, row.thumb_name):
        stored = read(uploads.file_path(AREA, name).read_bytes())
        exif = stored.getexif()
        assert ORIENTATION not in exif and MAKE not in exif and GPS_INFO not in exif
        assert "exif" not in stored.info and "xmp" not in stored.info
        assert stored.height > stored.width
    # turned the right way: orientation 6 means "rotate 90° clockwise", so the green left half is on top
    upright = read(uploads.file_path(AREA, row.stored_name).read_bytes()).convert("RGB")
    top, bottom = upright.getpixel((100, 20)), upright.getpixel((100, 380))
    assert top[1] > 150 and top[0] < 100
    assert bottom[0] > 150 and bottom[1] < 100


def test_a_large_picture_is_bounded_and_gets_a_thumbnail(app, owner, listing):
    (row,) = _add(owner, listing, ("全景.jpg", picture(3000, 2000, "JPEG")))
    assert (row.width, row.height) == (1600, 1067)
    assert read(uploads.file_path(AREA, row.thumb_name).read_bytes()).size == (320, 213)
    assert row.size == uploads.file_path(AREA, row.stored_name).stat().st_size


def test_a_transparent_picture_stays_a_png(app, owner, listing):
    (row,) = _add(owner, listing, ("logo.png", picture(200, 100, color=(0, 0, 0, 0))))
    assert row.content_type == "image/png"
    assert read(uploads.file_path(AREA, row.stored_name).read_bytes()).mode == "RGBA"


def test_the_first_picture_is_the_cover_and_can_be_moved_and_reordered(app, owner, listing):
    pdf, first, second = _add(owner, listing, ("册.pdf", PDF), ("a.png", picture()), ("b.png", picture()))
    assert covers(listing.kind, [listing.id]) == {listing.id: first}
    listing_files.move_file(owner, listing.kind, listing.id, second.id, "first")
    assert [f.original_name for f in files_of(listing.kind, listing.id)] == ["b.png", "册.pdf", "a.png"]
    assert covers(listing.kind, [listing.id])[listing.id].id == second.id
    listing_files.move_file(owner, listing.kind, listing.id, pdf.id, "down")
    assert [f.original_name for f in files_of(listing.kind, listing.id)] == ["b.png", "a.png", "册.pdf"]
    listing_files.reorder_files(owner, listing.kind, listing.id, [pdf.id, first.id, second.id])
    assert [f.position for f in files_of(listing.kind, listing.id)] == [0, 1, 2]
    assert covers(listing.kind, [listing.id])[listing.id].id == first.id
    with pytest.raises(ValidationFailed) as refused:
        listing_files.reorder_files(owner, listing.kind, listing.id, [pdf.id, first.id])
    assert "全部图片和文件" in refused.value.fields["ids"]
    with pytest.raises(ValidationFailed) as refused:
        listing_files.reorder_files(owner, listing.kind, listing.id, [pdf.id, pdf.id, first.id])
    assert "重复" in refused.value.fields["ids"]


def test_a_caption_is_kept_and_limited(app, owner, listing):
    (row,) = _add(owner, listing, ("a.png", picture()))
    listing_files.set_caption(owner, listing.kind, listing.id, row.id, "  中试线全景  ")
    assert row.caption == "中试线全景"
    with pytest.raises(ValidationFailed) as refused:
        listing_files.set_caption(owner, listing.kind, listing.id, row.id, "长" * 101)
    assert "100" in refused.value.fields["caption"]
    listing_files.set_caption(owner, listing.kind, listing.id, row.id, "")
    assert row.caption is None


def test_deleting_a_file_removes_it_from_disk_and_closes_the_gap(app, owner, listing):
    a, b, c = _add(owner, listing, ("a.png", picture()), ("b.pdf", PDF), ("c.png", picture()))
    listing_files.delete_file(owner, listing.kind, listing.id, a.id)
    assert [(f.original_name, f.position) for f in files_of(listing.kind, listing.id)] == [
        ("b.pdf", 0),
        ("c.png", 1),
    ]
    assert not uploads.file_path(AREA, a.stored_name).exists()
    assert not uploads.file_path(AREA, a.thumb_name).exists()
    assert uploads.file_path(AREA, c.stored_name).exists()
    with pytest.raises(NotFound):
        listing_files.delete_file(owner, listing.kind, listing.id, a.id)


def test_deleting_a_listing_deletes_its_files(app, db, owner, make_listing):
    listing = make_listing("achievement", owner, submit=False)
    keep = make_listing("achievement", owner, submit=False, title="另一项成果的标题")
    rows = _add(owner, listing, ("a.png", picture()), ("b.pdf", PDF))
    (kept,) = _add(owner, keep, ("c.png", picture()))
    names = [n for r in rows for n in (r.stored_name, r.thumb_name) if n]
    listings.delete_listing(owner, "achievement", listing.id)
    assert db.session.scalars(select(ListingFile)).all() == [kept]
    assert not any(uploads.file_path(AREA, n).exists() for n in names)
    assert uploads.file_path(AREA, kept.stored_name).exists()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "achievement.delete")).one()
    assert entry.changes["files"] == 2


def test_only_those_who_may_edit_the_listing_change_its_files(app, owner, listing, make_user):
    other = make_user("university")
    colleague = make_user("university", org=owner.organisation)
    admin = make_user("admin")
    with pytest.raises(PermissionDenied):
        _add(other, listing, ("a.png", picture()))  # published: seen, not editable
    draft = listings.create_listing(
        owner, "achievement", {**_achievement(), "title": "草稿成果"}, submit=False
    )
    with pytest.raises(NotFound):
        _add(other, draft, ("a.png", picture()))  # a draft of another organisation does not exist for them
    (row,) = _add(colleague, listing, ("a.png", picture()))
    _add(admin, listing, ("b.png", picture()))
    with pytest.raises(PermissionDenied):
        listing_files.delete_file(other, listing.kind, listing.id, row.id)
    assert len(files_of(listing.kind, listing.id)) == 2


def _achievement():
    from tests.conftest import ACHIEVEMENT

    return dict(ACHIEVEMENT)


def test_a_draft_file_is_found_only_by_its_managers(app, owner, make_user):
    draft = listings.create_listing(owner, "achievement", _achievement(), submit=False)
    (row,) = _add(owner, draft, ("a.png", picture()))
    assert listing_files.get_file(owner, "achievement", draft.id, row.id).public is False
    assert listing_files.get_file(make_user("admin"), "achievement", draft.id, row.id, thumbnail=True)
    for outsider in (None, make_user("university"), make_user("enterprise")):
        with pytest.raises(NotFound):
            listing_files.get_file(outsider, "achievement", draft.id, row.id)
        with pytest.raises(NotFound):
            listing_files.list_files(outsider, "achievement", draft.id)


def test_a_file_is_only_found_under_its_own_listing(app, owner, listing, make_listing):
    other = make_listing("achievement", owner, title="另一项成果的标题")
    (row,) = _add(owner, listing, ("a.png", picture()))
    with pytest.raises(NotFound):
        listing_files.get_file(None, "achievement", other.id, row.id)
    with pytest.raises(NotFound):
        listing_files.get_file(None, "demand", listing.id, row.id)
    pdf = _add(owner, listing, ("b.pdf", PDF))[0]
    with pytest.raises(NotFound):
        listing_files.get_file(None, "achievement", listing.id, pdf.id, thumbnail=True)


def test_uploads_and_deletions_are_in_the_audit_log(app, db, owner, listing):
    (row,) = _add(owner, listing, ("证书.pdf", PDF))
    listing_files.delete_file(owner, listing.kind, listing.id, row.id)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.in_(["achievement.add_file", "achievement.delete_file"]))
    ).all()
    assert [(e.action, e.changes["file"], e.actor_id) for e in entries] == [
        ("achievement.add_file", "证书.pdf", owner.id),
        ("achievement.delete_file", "证书.pdf", owner.id),
    ]
    assert entries[0].changes["sha256"] == uploads.sha256(PDF)
    assert entries[0].action_label == "上传科技成果的图片或文档"


def test_new_pictures_on_a_published_listing_of_an_unverified_organisation_go_to_review(
    app, make_user, make_listing
):
    from market.services import settings

    settings.set_auto_publish_verified(make_user("admin"), True)
    verified = make_user("university")
    listing = make_listing("achievement", verified)
    assert listing.status == "published"
    _add(verified, listing, ("a.png", picture()))
    assert listing.status == "published"  # a verified organisation skips review, as for an edit

    admin = make_user("admin")
    unverified = make_user("university", verified=False)
    other = make_listing("achievement", unverified, title="未认证单位的成果")
    listings.change_status(admin, "achievement", other.id, "approve")
    _add(unverified, other, ("a.png", picture()))
    assert other.status == "pending"


def test_an_expired_listing_takes_no_files_until_reopened(app, make_user, make_listing):
    owner = make_user("enterprise")
    demand = make_listing("demand", owner)
    listings.change_status(owner, "demand", demand.id, "withdraw")
    _add(owner, demand, ("a.png", picture()))  # withdrawn is still edited
    demand.status = "expired"
    with pytest.raises(InvalidTransition):
        _add(owner, demand, ("b.png", picture()))


def test_a_call_takes_new_files_until_an_application_is_in_then_it_stays_as_applicants_read_it(
    app, publish_call, make_user
):
    """New files send a 揭榜挂帅 call back to the admin's review: fine before anyone has answered it, refused
    after (it would disappear from the list while teams work on it), as the call's own edit page refuses."""
    from market.services import challenges
    from tests.challenge_support import PLAN_FILE, application_payload

    call = publish_call()
    owner, demand = call.created_by, call.demand
    _add(owner, demand, ("封面.png", picture()))
    assert demand.status == "pending"  # back to the admin's review, as any change of a call
    listings.change_status(make_user("admin"), "demand", demand.id, "approve")
    applicant = make_user("university")
    challenges.create_application(
        applicant, call.id, application_payload(call), submit=True, plan_file=PLAN_FILE
    )
    with pytest.raises(InvalidTransition, match="已有单位提交揭榜方案，榜单内容不能再修改"):
        _add(owner, demand, ("说明.pdf", PDF))
    assert demand.status == "published" and len(files_of("demand", demand.id)) == 1
