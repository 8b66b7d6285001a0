"""The inputs of 定榜 and 攻关与验收: the selection (one winner, the racing teams, the final winners), an
elimination, a progress report, a milestone decision (中期检查 / 验收) and a tranche payment."""

from marshmallow import ValidationError

from market.inputs.fields import Choice, Date, InputSchema, Money, Text
from market.inputs.listing_files import RowIdList
from market.models.challenge_vocab import MAX_RACE_TEAMS

SELECTION_ACTIONS = {"select": "确定揭榜方", "race": "赛马制入围攻关"}
MILESTONE_DECISIONS = {"accepted": "通过", "rejected": "不通过"}
MAX_REASON = 2000
MAX_REPORT = 10000
MAX_STAGE = 30


def _choices(vocabulary) -> str:
    return "；".join(f"{key} {label}" for key, label in vocabulary.items())


class PickedIds(RowIdList):
    """Row ids picked from a list: at least one."""

    ask = "请选择"

    def _deserialize(self, value, attr, data, **kwargs):
        numbers = super()._deserialize(value, attr, data, **kwargs)
        if not numbers:
            raise ValidationError(self.asking())
        return numbers


class SelectionIn(InputSchema):
    """Single mode: select one application. 赛马制: race (keep up to race_teams teams), then select the
    winner(s) among the racing teams. The reason stays with the owner and admins."""

    action = Choice(
        "定榜方式",
        SELECTION_ACTIONS,
        required=True,
        description=_choices(SELECTION_ACTIONS) + "（赛马制先 race 再 select；单一揭榜方直接 select）",
    )
    application_ids = PickedIds(
        "入选的揭榜方案",
        required=True,
        max_items=MAX_RACE_TEAMS,
        description="入选的揭榜方案编号：单一揭榜方 1 个；赛马制入围不超过榜单的赛马团队数；"
        "最终定榜须是赛马中的团队",
    )
    reason = Text(
        "定榜理由",
        required=True,
        max_len=MAX_REASON,
        multiline=True,
        description=f"定榜理由，最多{MAX_REASON}字；仅发榜单位和管理员可见，不公开、不告知其他揭榜方",
    )


class EliminationIn(InputSchema):
    reason = Text(
        "淘汰理由",
        required=True,
        max_len=MAX_REASON,
        multiline=True,
        description=f"淘汰理由，最多{MAX_REASON}字；仅发榜单位和管理员可见",
    )
    stage = Text(
        "阶段",
        max_len=MAX_STAGE,
        description=f"在哪个阶段淘汰（如“中期检查”），最多{MAX_STAGE}字；会出现在公开的榜单进展中",
    )


class ProgressReportIn(InputSchema):
    text = Text(
        "进展报告",
        required=True,
        max_len=MAX_REPORT,
        multiline=True,
        description=f"进展报告：完成了什么、考核指标的达成情况，最多{MAX_REPORT}字；PDF 附件另传",
    )


class MilestoneDecisionIn(InputSchema):
    decision = Choice(
        "结论",
        MILESTONE_DECISIONS,
        required=True,
        description=_choices(MILESTONE_DECISIONS) + "（也接受中文名）",
    )
    note = Text(
        "检查意见",
        required=True,
        max_len=MAX_REASON,
        multiline=True,
        description=f"中期检查或验收意见，最多{MAX_REASON}字；揭榜方可见",
    )


class TranchePaymentIn(InputSchema):
    amount = Money(
        "拨付金额",
        required=True,
        positive=True,
        attribute="amount_fen",
        description="拨付金额，元，大于0，不超过该里程碑尚未拨付的部分（字符串，最多两位小数，可带单位如“150万”）",
        metadata={"example": "400000.00"},
    )
    paid_on = Date("拨付日期", required=True, description="拨付日期，年-月-日，不晚于今天（北京时间）")
    reference = Text("拨付凭证号", required=True, max_len=100, description="转账流水号或凭证号，最多100字")
