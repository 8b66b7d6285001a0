"""Follows (收藏/关注) and the notification settings."""

from marshmallow import Schema, fields

from market.inputs.follows import FollowIn, NotificationSettingsIn  # noqa: F401 (declared with their rules)
from market.schemas.core import BeijingDateTime, OrganisationBrief


class FollowOut(Schema):
    """One thing the user follows (dumped from services.follows.FollowedItem)."""

    id = fields.Integer(attribute="follow.id")
    kind = fields.String(
        metadata={"description": "achievement、demand、equipment（收藏）；organisation、field（关注）"}
    )
    target_id = fields.Integer(attribute="follow.target_id", metadata={"description": "所关注对象的编号"})
    name = fields.String(metadata={"description": "成果、需求的标题，设备、单位、领域的名称"})
    link = fields.String(metadata={"description": "站内相对地址：详情页、单位主页，或该领域的成果列表"})
    organisation = fields.Nested(
        OrganisationBrief,
        allow_none=True,
        metadata={"description": "发布单位（成果、需求、设备）；单位和领域为 null"},
    )
    created_at = BeijingDateTime(attribute="follow.created_at", metadata={"description": "关注时间"})


class FollowStateOut(Schema):
    kind = fields.String()
    target_id = fields.Integer()
    following = fields.Boolean(metadata={"description": "当前用户是否已收藏或关注"})
    followers = fields.Integer(metadata={"description": "收藏或关注的人数"})


class NotificationSettingsOut(Schema):
    follow = fields.Boolean(metadata={"description": "关注动态：关注的单位或技术领域有新发布时是否通知"})
