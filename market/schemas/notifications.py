"""Notifications and saved searches."""

from marshmallow import Schema, fields

from market.inputs.saved_searches import SavedSearchIn, SavedSearchUpdateIn  # noqa: F401 (declared with their rules)
from market.schemas.core import BeijingDateTime


class NotificationOut(Schema):
    id = fields.Integer()
    category = fields.String(
        metadata={
            "description": "match（匹配推荐）、saved_search（保存的搜索）、contract（技术合同）、"
            "deal（对接）、booking（仪器预约）、follow（关注动态）或 challenge（揭榜挂帅）"
        }
    )
    title = fields.String()
    body = fields.String(allow_none=True)
    link = fields.String(allow_none=True, metadata={"description": "站内相对地址，如 /search?q=…"})
    data = fields.Dict(keys=fields.String(), metadata={"description": "随类别而定的附加数据"})
    created_at = BeijingDateTime()
    read_at = BeijingDateTime(allow_none=True, metadata={"description": "null 为未读"})


class SavedSearchOut(Schema):
    id = fields.Integer()
    name = fields.String()
    query = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={
            "description": "搜索条件，键与 GET /search 相同：q、kind、field、maturity、region、status、min、"
            "max、date_from、date_to"
        },
    )
    notify = fields.Boolean(metadata={"description": "有新发布的结果时是否通知"})
    created_at = BeijingDateTime()
    last_checked_at = BeijingDateTime()
