"""The inputs of deals (对接): opening one, its broker, its stage, the next step, messages and notes."""

from market.inputs.fields import Choice, Date, InputSchema, RowId, Text
from market.models.vocab import DEAL_NOTE_KINDS, DEAL_STAGES, DEAL_TERMINATION_REASONS

MAX_MESSAGE_CHARS = 5000


def _choices(vocabulary) -> str:
    return "；".join(f"{key} {label}" for key, label in vocabulary.items())


class DealIn(InputSchema):
    achievement_id = RowId(
        "科技成果",
        unknown="该科技成果不存在或未发布",
        description="科技成果编号（企业对接成果）",
    )
    demand_id = RowId(
        "技术需求",
        unknown="该技术需求不存在或未发布",
        description="技术需求编号（高校院所对接需求）",
    )
    message = Text("留言", max_len=MAX_MESSAGE_CHARS, multiline=True)
    requested_broker_id = RowId(
        "技术经纪人",
        unknown="技术经纪人不存在",
        description="邀请的技术经纪人（用户编号）",
    )


class DealBrokerIn(InputSchema):
    broker_id = RowId(
        "技术经纪人", required=True, unknown="技术经纪人不存在", description="技术经纪人的用户编号"
    )


class DealStageIn(InputSchema):
    """The stage to move to; a reason (and a note) only when ending the deal, where the reason is required."""

    stage = Choice(
        "阶段",
        tuple(DEAL_STAGES),
        required=True,
        description="negotiation 对接洽谈 / signing 签约 / terminated 终止（只能推进一步；"
        "登记随合同登记自动完成）",
    )
    reason = Choice(
        "终止原因",
        DEAL_TERMINATION_REASONS,
        description="终止时必填：" + _choices(DEAL_TERMINATION_REASONS) + "（也接受中文名）",
    )
    note = Text("说明", max_len=500, multiline=True, description="终止说明，最多500字")


class DealNextActionIn(InputSchema):
    next_action = Text("下一步", max_len=200, description="下一步，最多200字；空为清除")
    next_action_due = Date("截止日期", within_years=3)


class DealMessageIn(InputSchema):
    body = Text(
        "留言",
        required=True,
        may_be_empty=True,  # with a file, a message may have no text (the service asks for one or the other)
        max_len=MAX_MESSAGE_CHARS,
        multiline=True,
    )


class DealNoteIn(InputSchema):
    kind = Choice(
        "记录类型",
        DEAL_NOTE_KINDS,
        required=True,
        description=_choices(DEAL_NOTE_KINDS) + "（也接受中文名）",
    )
    body = Text("内容", max_len=MAX_MESSAGE_CHARS, multiline=True)
