"""The inputs of 评榜 (evaluate): a reviewer added to a call's panel, a reviewer's conflict declaration, a
review (a score and a comment per criterion), an admin reopening a declaration, and a shortlisted team's
路演答辩 slot (Beijing time).

A declaration and a review are lists of rows; the list field checks their shape, and the service reads each
row with its schema (ChallengeConflictIn, ChallengeScoreIn) so that a wrong row is reported under the
application or criterion it names, all at once."""

from marshmallow import ValidationError, fields

from market.inputs.fields import BeijingTime, Boolean, Email, InputSchema, Integer, RowId, Text, _Input
from market.models.challenge_vocab import SCORE_MAX, SCORE_MIN

MAX_ROWS = 200  # applications in one declaration, criteria in one review


class Rows(_Input, fields.List):
    """A list of JSON objects, each to be read by `row` (the service does, naming the row in its message);
    empty is the empty list."""

    def __init__(self, label: str, row, *, max_rows: int = MAX_ROWS, **kwargs):
        self.max_rows = max_rows
        super().__init__(label, fields.Nested(row), **kwargs)

    def empty(self):
        super().empty()
        return []

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, (list, tuple)) or any(not isinstance(row, dict) for row in value):
            raise ValidationError(f"{self.label}格式不正确，应为对象列表")
        if len(value) > self.max_rows:
            raise ValidationError(f"{self.label}最多{self.max_rows}项")
        return [dict(row) for row in value]


class ChallengeReviewerIn(InputSchema):
    """Who joins the panel: a user named by id (a broker picked from the list) or by the e-mail they
    registered with (a named expert); the service asks for one of the two."""

    user_id = RowId(
        "评审专家",
        unknown="未找到可担任评审专家的已认证用户",
        description="评审专家的用户编号（技术经纪人，或已注册的专家）；与 email 二选一",
    )
    email = Email("评审专家邮箱", description="评审专家的注册邮箱；与 user_id 二选一")
    expertise = Text(
        "专业方向", max_len=100, description="专业方向或入选理由（发榜单位和管理员可见），最多100字"
    )


class ChallengeConflictIn(InputSchema):
    """One application of a reviewer's declaration."""

    application_id = RowId("揭榜方案", required=True, unknown="揭榜方案不存在")
    conflict = Boolean("是否存在利益冲突", required=True)
    reason = Text(
        "冲突原因", max_len=300, description="存在冲突时必填：例如 同一单位、近三年合作、师生关系；最多300字"
    )


class ChallengeConflictsIn(InputSchema):
    declarations = Rows(
        "利益冲突声明",
        ChallengeConflictIn,
        required=True,
        may_be_empty=True,  # a call without applications: the declaration is empty
        description="对本榜单每一份揭榜方案各一项：[{application_id, conflict, reason}]；一经提交不能修改",
    )


class ChallengeScoreIn(InputSchema):
    """One criterion of a review."""

    criterion_id = RowId("评审标准", required=True, unknown="评审标准不存在")
    score = Integer(
        "评分",
        low=SCORE_MIN,
        high=SCORE_MAX,
        description=f"评分，{SCORE_MIN}–{SCORE_MAX} 的整数；草稿可留空（null）",
    )
    comment = Text("评语", max_len=500, multiline=True)


class ChallengeReviewIn(InputSchema):
    scores = Rows(
        "评分",
        ChallengeScoreIn,
        allow_none=False,
        description="每项评审标准的评分和评语：[{criterion_id, score, comment}]。保存草稿时整体替换："
        "未列出或未打分的标准记为未评；提交时每项标准都须打分",
    )
    comment = Text("总体评语", max_len=2000, multiline=True)


class ChallengeReopenIn(InputSchema):
    reason = Text(
        "原因", required=True, max_len=300, description="重新开放声明的原因（写入审计日志），最多300字"
    )


class ChallengeShortlistIn(InputSchema):
    defense_at = BeijingTime("答辩时间", required=True)
    defense_place = Text(
        "答辩地点或线上会议链接", required=True, max_len=200, description="答辩地点或线上会议链接，最多200字"
    )
