"""Pictures and documents of a listing: managed on its edit page (routes of the workspace blueprint) and
served to readers with the listing's own visibility (routes of the public blueprint)."""

from flask import flash, redirect, request, url_for
from flask_login import current_user

from market.downloads import send_listing_file
from market.errors import InvalidTransition, ValidationFailed
from market.forms import ConfirmForm
from market.inputs.listing_files import MAX_FILES
from market.security import large_request
from market.services import listing_files
from market.views import public, workspace
from market.views.common import COLLECTIONS

COLLECTION = "<any(achievements, demands, equipment):collection>"
# Several files at once: every file at its limit, and room for the form around them.
UPLOAD_REQUEST_BYTES = MAX_FILES * listing_files.MAX_FILE_BYTES + 1024 * 1024
PUBLIC_MAX_AGE = (
    3600  # a published listing's files may be cached this long (seconds), by browsers and proxies
)
MOVED = {"up": "已上移", "down": "已下移", "first": "已移到最前（第一张图片即封面）"}


def _to_edit_page(collection, listing_id):
    return redirect(
        url_for("workspace.edit_listing", collection=collection, listing_id=listing_id, _anchor="files")
    )


@workspace.bp.post(f"/{COLLECTION}/<int:listing_id>/files")
@large_request(UPLOAD_REQUEST_BYTES)
def upload_listing_files(collection, listing_id):
    if ConfirmForm().validate_on_submit():
        received = listing_files.read_uploads(request.files.getlist("files"))
        try:
            added = listing_files.add_files(current_user, COLLECTIONS[collection], listing_id, received)
        except ValidationFailed as exc:
            flash("没有上传任何文件。" + "；".join(exc.fields.values()), "danger")
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        else:
            flash(f"已上传 {len(added)} 个文件：" + "、".join(f.original_name for f in added), "success")
    return _to_edit_page(collection, listing_id)


@workspace.bp.post(f"/{COLLECTION}/<int:listing_id>/files/<int:file_id>/delete")
def delete_listing_file(collection, listing_id, file_id):
    if ConfirmForm().validate_on_submit():
        try:
            listing_files.delete_file(current_user, COLLECTIONS[collection], listing_id, file_id)
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        else:
            flash("已删除该文件", "success")
    return _to_edit_page(collection, listing_id)


@workspace.bp.post(f"/{COLLECTION}/<int:listing_id>/files/<int:file_id>/<any(up, down, first):where>")
def move_listing_file(collection, listing_id, file_id, where):
    if ConfirmForm().validate_on_submit():
        try:
            listing_files.move_file(current_user, COLLECTIONS[collection], listing_id, file_id, where)
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        else:
            flash(MOVED[where], "success")
    return _to_edit_page(collection, listing_id)


@workspace.bp.post(f"/{COLLECTION}/<int:listing_id>/files/<int:file_id>/caption")
def caption_listing_file(collection, listing_id, file_id):
    if ConfirmForm().validate_on_submit():
        try:
            listing_files.set_caption(
                current_user, COLLECTIONS[collection], listing_id, file_id, request.form.get("caption", "")
            )
        except ValidationFailed as exc:
            flash("；".join(exc.fields.values()) or exc.message, "danger")
        except InvalidTransition as exc:
            flash(exc.message, "danger")
        else:
            flash("说明已保存", "success")
    return _to_edit_page(collection, listing_id)


@public.bp.get(f"/{COLLECTION}/<int:listing_id>/files/<int:file_id>")
def show_listing_file(collection, listing_id, file_id):
    return send_listing_file(
        listing_files.get_file(current_user, COLLECTIONS[collection], listing_id, file_id)
    )


@public.bp.get(f"/{COLLECTION}/<int:listing_id>/files/<int:file_id>/thumbnail")
def show_listing_thumbnail(collection, listing_id, file_id):
    return send_listing_file(
        listing_files.get_file(current_user, COLLECTIONS[collection], listing_id, file_id, thumbnail=True)
    )
