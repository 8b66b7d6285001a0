"""Follows: what to save or follow, and the notifications a user may switch off."""

from market.inputs.fields import Boolean, Choice, InputSchema, RowId
from market.models.vocab import FOLLOW_KINDS


class FollowIn(InputSchema):
    """A listing to save (收藏), or an organisation or a technical field to follow (关注)."""

    kind = Choice(
        "关注类型",
        FOLLOW_KINDS,
        required=True,
        description="achievement（科技成果）、demand（技术需求）、equipment（仪器设备）、"
        "organisation（单位）或 field（技术领域）",
    )
    target_id = RowId(
        "关注对象",
        required=True,
        unknown="关注的对象不存在",
        description="成果、需求、设备、单位或领域的编号",
    )


class NotificationSettingsIn(InputSchema):
    """The kinds of notification a user may switch off; only the ones sent change."""

    updates = True

    follow = Boolean("关注动态", required=True, description="关注的单位或技术领域有新发布时是否通知")
