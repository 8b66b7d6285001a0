"""Pictures and documents on a listing, in a real browser (issue 18, part 5): the owner picks two pictures and
a PDF at once on the edit page, makes the second picture the cover, and a visitor sees the gallery
(thumbnails that open the full picture), the PDF with its size, and the cover on the listing's card."""

import pytest
from playwright.sync_api import expect

from tests.file_samples import PDF, phone_photo, picture

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # the live server is a second app, in other threads


def test_the_owner_uploads_two_pictures_and_a_pdf_and_a_visitor_sees_the_gallery(
    new_page, sign_in, make_user, make_listing, tmp_path
):
    owner = make_user("university")
    listing = make_listing("achievement", owner, title="高镍正极材料包覆技术")
    files = {
        "中试线.jpg": phone_photo(800, 400),
        "样品.png": picture(640, 480, color=(250, 200, 30)),
        "专利证书.pdf": PDF,
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)

    page = new_page()
    sign_in(page, owner.email)
    page.goto(f"/my/achievements/{listing.id}/edit")
    panel = page.get_by_test_id("listing-files")
    expect(panel).to_contain_text("还没有图片或文档")
    panel.get_by_label("选择图片或 PDF（可一次选多个）").set_input_files([str(tmp_path / n) for n in files])
    panel.get_by_role("button", name="上传").click()
    expect(page.get_by_role("alert").filter(has_text="已上传 3 个文件")).to_be_visible()
    rows = page.get_by_test_id("listing-file")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("封面")
    expect(rows.nth(0).locator("img.file-thumb")).to_have_js_property(
        "naturalWidth", 160
    )  # 800×400 sideways → 160×320

    rows.nth(1).get_by_role("button", name="设为封面").click()
    expect(page.get_by_role("alert").filter(has_text="已移到最前")).to_be_visible()
    expect(rows.nth(0)).to_contain_text("样品.png")
    expect(rows.nth(0)).to_contain_text("封面")
    rows.nth(0).get_by_placeholder("说明（可选）").fill("样品外观")
    rows.nth(0).get_by_role("button", name="保存说明").click()
    expect(page.get_by_role("alert").filter(has_text="说明已保存")).to_be_visible()

    visitor = new_page()
    visitor.goto(f"/achievements/{listing.id}")
    gallery = visitor.get_by_test_id("gallery")
    thumbs = gallery.locator("img")
    expect(thumbs).to_have_count(2)
    expect(thumbs.first).to_have_attribute("alt", "样品外观")
    for index in range(2):
        expect(thumbs.nth(index)).not_to_have_js_property("naturalWidth", 0)  # the thumbnails really load
    expect(gallery).to_contain_text("样品外观")
    documents = visitor.get_by_test_id("documents")
    expect(documents).to_contain_text("专利证书.pdf")
    expect(documents).to_contain_text("字节")

    with visitor.expect_popup() as opened:
        gallery.get_by_role("link").first.click()
    full = opened.value
    full.wait_for_load_state()
    assert full.evaluate("document.contentType") == "image/jpeg"
    assert full.evaluate("document.images[0].naturalWidth") == 640

    with visitor.expect_download() as downloading:
        documents.get_by_role("link", name="专利证书.pdf").click()
    assert downloading.value.suggested_filename == "专利证书.pdf"

    visitor.goto("/achievements")
    cover = visitor.get_by_test_id("listing-cover")
    expect(cover).to_have_count(1)
    expect(cover).not_to_have_js_property("naturalWidth", 0)
