"""Pictures and documents of results, demands and instruments."""

from marshmallow import Schema, fields

from market.inputs.listing_files import ListingFileIn, ListingFileOrderIn  # noqa: F401 (declared with their rules)
from market.schemas.core import BeijingDateTime

COLLECTION_OF = {"achievement": "achievements", "demand": "demands", "equipment": "equipment"}


def _path(row, *tail: str) -> str:
    return "/".join([f"/{COLLECTION_OF[row.listing_kind]}/{row.listing_id}/files/{row.id}", *tail])


class ListingFileOut(Schema):
    id = fields.Integer()
    file_kind = fields.String(metadata={"description": "image（图片）或 pdf（PDF 文档），按文件内容判定"})
    name = fields.String(attribute="original_name", metadata={"description": "上传时的文件名，仅供显示"})
    caption = fields.String(allow_none=True, metadata={"description": "说明；没有时为 null"})
    content_type = fields.String(metadata={"description": "image/jpeg、image/png 或 application/pdf"})
    size = fields.Integer(metadata={"description": "字节数（图片为重新压缩后的大小）"})
    width = fields.Integer(
        allow_none=True, metadata={"description": "图片宽度（像素，最长边不超过 1600）；PDF 为 null"}
    )
    height = fields.Integer(allow_none=True, metadata={"description": "图片高度（像素）；PDF 为 null"})
    position = fields.Integer(metadata={"description": "展示顺序，从 0 开始；排在最前的图片是封面"})
    is_cover = fields.Boolean(metadata={"description": "是否为封面（排在最前的图片）"})
    url = fields.Function(
        lambda row: _path(row),
        metadata={"type": "string", "description": "网页上的地址（与该内容同样的可见范围，登录靠 Cookie）"},
    )
    thumbnail_url = fields.Function(
        lambda row: _path(row, "thumbnail") if row.thumb_name else None,
        allow_none=True,
        metadata={
            "type": "string",
            "nullable": True,
            "description": "缩略图地址（最长边 320 像素）；PDF 为 null",
        },
    )
    api_url = fields.Function(
        lambda row: "/api/v1" + _path(row),
        metadata={
            "type": "string",
            "description": "API 下载地址（带令牌可取草稿的文件；加 ?thumbnail=1 取缩略图）",
        },
    )
    uploaded_at = BeijingDateTime(attribute="created_at")
