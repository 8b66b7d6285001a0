"""Saved searches: a name for a /search query, and whether new results are notified."""

from market.inputs.fields import Boolean, InputSchema, Object, Text


class SavedSearchIn(InputSchema):
    """The query's conditions are the search's to judge (market.services.saved_searches.clean_query)."""

    name = Text("名称", required=True, max_len=100, description="名称，1–100字")
    query = Object(
        "搜索条件",
        required=True,
        example='{"q": "电池"}',
        description="搜索条件，键与 GET /search 相同（kind 仅 achievement/demand/equipment；"
        "status 仅 published/expired）；sort、page、per_page 会被忽略",
    )


class SavedSearchUpdateIn(InputSchema):
    notify = Boolean("是否通知", required=True, description="有新发布的结果时是否通知")
