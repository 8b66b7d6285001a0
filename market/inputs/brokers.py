"""A broker's profile (技术经纪人): what the broker or an admin may change."""

from market.inputs.fields import Choice, InputSchema, Text, TextList
from market.models.vocab import CERTIFICATION_LEVELS


class BrokerProfileIn(InputSchema):
    """Only the fields sent change; the certification level is the admins' to set."""

    updates = True

    bio = Text("个人简介", max_len=2000, multiline=True, description="个人简介，最多2000字；空串或 null 清空")
    specialties = TextList(
        "擅长领域",
        max_items=6,
        max_len=40,
        allow_none=False,
        description="擅长领域（最多6个），见 GET /api/v1/fields",
    )
    certification_level = Choice(
        "认证等级",
        tuple(CERTIFICATION_LEVELS),
        required=True,
        description="仅管理员：junior / intermediate / senior",
    )
