"""Pictures and PDF documents of results, demands and instruments over JSON, with the pages' rules: reading
follows the listing's visibility (a draft's files: its managers and admins; 404 for everyone else), changing
follows the right to edit it."""

from flask import jsonify, request

from market.api.blueprint import api_bp
from market.api.common import actor, json_body, reject_unknown_fields, require_actor
from market.api.docs import ALL_ERRORS, items_of, json_of, operation, query_params
from market.api.listings import COLLECTIONS
from market.downloads import send_listing_file
from market.inputs.listing_files import MAX_FILES
from market.schemas import ListingFileOut
from market.security import large_request
from market.services import listing_files
from market.services.listing_gallery import cover_id, files_of

LISTING = "/<any(achievements, demands, equipment):collection>/<int:listing_id>"
LABELS = {"achievements": "科技成果", "demands": "技术需求", "equipment": "仪器设备"}
UPLOAD_REQUEST_BYTES = MAX_FILES * listing_files.MAX_FILE_BYTES + 1024 * 1024
FILES_UPLOAD = {
    "type": "object",
    "required": ["files"],
    "properties": {
        "files": {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": "图片（JPG、PNG、GIF、WebP）或 PDF，可多个；每个最大 10 MB，"
            f"每条内容最多 {MAX_FILES} 个。类型按文件内容判定；"
            "图片会去除元数据并缩放（最长边 1600 像素，另生成 320 像素缩略图）",
        }
    },
}
FILE_CONTENT = {
    "description": "文件内容（图片 inline，PDF 作为附件下载）",
    "content": {
        media: {"schema": {"type": "string", "format": "binary"}}
        for media in ("image/jpeg", "image/png", "application/pdf")
    },
}


def _vary(summary: str):
    return lambda collection: {"summary": summary.format(label=LABELS[collection])}


def _dump(rows, everything=None) -> list[dict]:
    """Files with the cover marked: the first picture among all the listing's files (`everything`, read
    when not given)."""
    if everything is None and rows:
        everything = files_of(rows[0].listing_kind, rows[0].listing_id)
    cover = cover_id(everything or [])
    return [ListingFileOut().dump(row) | {"is_cover": row.id == cover} for row in rows]


@api_bp.get(f"{LISTING}/files")
@operation(responses={"200": items_of("ListingFileOut")}, errors=("404",), vary=_vary("{label}的图片和文档"))
def list_listing_files(collection, listing_id):
    rows = listing_files.list_files(actor(), COLLECTIONS[collection], listing_id)
    return jsonify({"items": _dump(rows, rows)})


@api_bp.post(f"{LISTING}/files")
@large_request(UPLOAD_REQUEST_BYTES)
@operation(
    secured=True,
    body={"multipart/form-data": FILES_UPLOAD},
    responses={"201": items_of("ListingFileOut")},
    errors=ALL_ERRORS,
    vary=_vary("为{label}上传图片或 PDF（与修改该内容的权限相同；有一个文件不合格则全部不上传）"),
)
def add_listing_files(collection, listing_id):
    user = require_actor()
    received = request.files.getlist("files") or request.files.getlist("file")
    rows = listing_files.add_files(
        user, COLLECTIONS[collection], listing_id, listing_files.read_uploads(received)
    )
    return jsonify({"items": _dump(rows)}), 201


@api_bp.put(f"{LISTING}/files/order")
@operation(
    secured=True,
    body="ListingFileOrderIn",
    responses={"200": items_of("ListingFileOut")},
    errors=ALL_ERRORS,
    vary=_vary("调整{label}的图片和文档顺序（排在最前的图片为封面）"),
)
def reorder_listing_files(collection, listing_id):
    user = require_actor()
    data = json_body()
    reject_unknown_fields(data, ("ids",))
    rows = listing_files.reorder_files(user, COLLECTIONS[collection], listing_id, data.get("ids"))
    return jsonify({"items": _dump(rows, rows)})


@api_bp.get(f"{LISTING}/files/<int:file_id>")
@operation(
    query=query_params(("thumbnail", "boolean", "取缩略图（仅图片）")),
    responses={"200": FILE_CONTENT},
    errors=("404",),
    vary=_vary("下载{label}的图片或文档"),
)
def get_listing_file(collection, listing_id, file_id):
    thumbnail = request.args.get("thumbnail") in ("1", "true")
    served = listing_files.get_file(actor(), COLLECTIONS[collection], listing_id, file_id, thumbnail)
    return send_listing_file(served)


@api_bp.patch(f"{LISTING}/files/<int:file_id>")
@operation(
    secured=True,
    body="ListingFileIn",
    responses={"200": json_of("ListingFileOut")},
    errors=ALL_ERRORS,
    vary=_vary("修改{label}图片或文档的说明"),
)
def update_listing_file(collection, listing_id, file_id):
    user = require_actor()
    data = json_body()
    reject_unknown_fields(data, ("caption",))
    row = listing_files.set_caption(user, COLLECTIONS[collection], listing_id, file_id, data.get("caption"))
    return jsonify(_dump([row])[0])


@api_bp.delete(f"{LISTING}/files/<int:file_id>")
@operation(
    secured=True,
    responses={"204": {"description": "已删除"}},
    errors=("401", "403", "404", "409"),
    vary=_vary("删除{label}的一个图片或文档"),
)
def delete_listing_file(collection, listing_id, file_id):
    listing_files.delete_file(require_actor(), COLLECTIONS[collection], listing_id, file_id)
    return "", 204
