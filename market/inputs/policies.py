"""The policy library (政策): what an admin writes about a policy."""

from market.inputs.fields import Date, InputSchema, Text, TextList, Url


class PolicyIn(InputSchema):
    """A policy; its expiry may not come before it takes effect (the service checks both together)."""

    title = Text("政策名称", required=True, max_len=200)
    issuer = Text("发布机构", required=True, max_len=120)
    doc_number = Text("文号", max_len=80)
    published_on = Date("发布日期")
    effective_on = Date("生效日期")
    expires_on = Date("失效日期", description="失效日期，年-月-日，不早于生效日期")
    summary = Text("摘要", max_len=2000, multiline=True, allow_none=False, metadata={"rows": 3})
    body = Text("正文", max_len=100000, multiline=True, allow_none=False, metadata={"rows": 10})
    tags = TextList("标签", max_items=10, max_len=20, allow_none=False, metadata={"hint": "用逗号分隔"})
    link = Url("原文链接")
