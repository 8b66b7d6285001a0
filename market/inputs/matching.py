"""Matchmaking: a broker's decision on a suggested pair of a demand and a result."""

from market.inputs.fields import Choice, InputSchema, Number, RowId, Text
from market.models.vocab import MATCH_DECISIONS, MATCH_REJECT_REASONS


def _choices(vocabulary) -> str:
    return " / ".join(f"{code} {label}" for code, label in vocabulary.items())


class MatchDecisionIn(InputSchema):
    """Rejecting needs a reason (the service checks the two together); the listings must be published."""

    demand_id = RowId("需求", required=True, unknown="该需求不存在或未发布")
    achievement_id = RowId("成果", required=True, unknown="该成果不存在或未发布")
    decision = Choice(
        "接受或拒绝",
        tuple(MATCH_DECISIONS),
        required=True,
        description=_choices(MATCH_DECISIONS),
        metadata={"enum": list(MATCH_DECISIONS)},
    )
    reason_code = Choice(
        "拒绝原因",
        tuple(MATCH_REJECT_REASONS),
        description="拒绝时必填：" + _choices(MATCH_REJECT_REASONS),
        metadata={"enum": [*MATCH_REJECT_REASONS, None]},
    )
    note = Text("备注", max_len=500, multiline=True)
    score = Number("匹配度", low=0, high=1, description="决定时推荐的匹配度（0–1），可不填")
