"""The technical-field taxonomy (技术领域) the admins keep."""

from market.inputs.fields import Boolean, InputSchema, Integer, Text

POSITIONS = {"low": 0, "high": 9999}


class FieldIn(InputSchema):
    name = Text("领域名称", required=True, max_len=40)
    position = Integer("排序", **POSITIONS, description="排序 0–9999；不填排在最后")


class FieldUpdateIn(InputSchema):
    """Only the attributes sent change; a name sent may not be empty."""

    updates = True

    name = Text("领域名称", required=True, max_len=40)
    position = Integer("排序", **POSITIONS)
    active = Boolean("是否启用", allow_none=False, description="false 停用（已有内容保留该领域，但不能再选）")
