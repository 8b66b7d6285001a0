"""Organisations (单位): what an admin corrects in a profile, and the note of a verification decision."""

from market.inputs.fields import Choice, CreditCode, InputSchema, Text
from market.models.vocab import ORG_KINDS, REGIONS


class OrganisationUpdateIn(InputSchema):
    """Only the fields sent change; a name, kind or region sent may not be empty, a credit code sent empty
    is cleared. Names and codes used by another organisation are the service's to refuse."""

    updates = True

    name = Text("单位名称", required=True, max_len=120)
    kind = Choice(
        "单位类型",
        tuple(ORG_KINDS),
        required=True,
        description="单位类型：university / institute / enterprise / intermediary / government",
    )
    region = Choice("所在区域", REGIONS, required=True)
    credit_code = CreditCode(
        "统一社会信用代码", allow_none=True, description="18位统一社会信用代码；空串或 null 清空"
    )


class DecisionIn(InputSchema):
    """An admin's verification decision; the note is required when rejecting (the service checks)."""

    note = Text(
        "说明", max_len=500, multiline=True, allow_none=False, description="说明；不通过时必填，最多500字"
    )
