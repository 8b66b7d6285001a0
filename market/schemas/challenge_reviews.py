"""评榜 over JSON: the panel, a reviewer's queue and review, the ranking and the 路演答辩 slot. The API module
builds plain dicts from the services' results (market/api/challenge_reviews.py); these schemas give their
shape to the OpenAPI document. Scores are integers; weighted scores, totals and means are decimal strings
with two places (totals rounded half up from the exact value, which `total_exact` gives as a fraction)."""

from marshmallow import Schema, fields

from market.inputs.challenge_reviews import (  # noqa: F401 (declared with their rules)
    ChallengeConflictsIn,
    ChallengeReopenIn,
    ChallengeReviewerIn,
    ChallengeReviewIn,
    ChallengeShortlistIn,
)
from market.schemas.core import BeijingDateTime

TWO_PLACES = {"type": "string", "pattern": r"^\d+\.\d{2}$", "example": "83.42"}


def _decimal(description: str, **kwargs) -> fields.String:
    return fields.String(metadata={**TWO_PLACES, "description": description}, **kwargs)


class ReviewerPerson(Schema):
    id = fields.Integer(metadata={"description": "用户编号"})
    name = fields.String()
    role = fields.String(metadata={"description": "身份：broker 技术经纪人、university、enterprise 等"})
    organisation = fields.String(allow_none=True, metadata={"description": "所在单位"})


class PanelMemberOut(Schema):
    id = fields.Integer(metadata={"description": "评审席位编号（移出、重新开放声明时使用）"})
    user = fields.Nested(ReviewerPerson)
    expertise = fields.String(allow_none=True, metadata={"description": "专业方向"})
    declared = fields.Boolean(metadata={"description": "是否已声明利益冲突"})
    declared_at = BeijingDateTime(allow_none=True)
    has_conflicts = fields.Boolean(
        allow_none=True, metadata={"description": "是否声明了利益冲突（不说明与哪份方案）；未声明时为 null"}
    )
    submitted = fields.Integer(metadata={"description": "已提交的评分份数"})
    expected = fields.Integer(metadata={"description": "应评份数（无利益冲突的方案）"})
    drafts = fields.Integer(metadata={"description": "未提交的草稿份数"})


class PanelOut(Schema):
    challenge_id = fields.Integer()
    items = fields.List(fields.Nested(PanelMemberOut), metadata={"description": "评审专家，按加入先后"})


class ReviewQueueItemOut(Schema):
    application_id = fields.Integer()
    organisation = fields.String(metadata={"description": "申报单位"})
    status = fields.String(metadata={"description": "方案状态：submitted 已提交、shortlisted 入围答辩等"})
    own_org = fields.Boolean(metadata={"description": "是否为本人所在单位的方案（须声明冲突）"})
    conflict = fields.Boolean(metadata={"description": "本人是否声明了与该方案的利益冲突"})
    review_state = fields.String(
        metadata={
            "description": "本人评分：todo 待评分、draft 草稿、submitted 已提交、conflict 已回避",
            "enum": ["todo", "draft", "submitted", "conflict"],
        }
    )
    defense_at = BeijingDateTime(allow_none=True, metadata={"description": "路演答辩时间（有冲突时为 null）"})


class ReviewQueueOut(Schema):
    challenge_id = fields.Integer()
    stage = fields.String(
        metadata={
            "description": "waiting 申报未截止；declare 待声明利益冲突；review 评分中；closed 评审已结束",
            "enum": ["waiting", "declare", "review", "closed"],
        }
    )
    declared_at = BeijingDateTime(allow_none=True)
    close_on = fields.Date(metadata={"description": "申报截止日（北京时间）"})
    items = fields.List(fields.Nested(ReviewQueueItemOut))


class ReviewScoreOut(Schema):
    criterion_id = fields.Integer()
    name = fields.String(metadata={"description": "评审标准"})
    weight = fields.Integer(metadata={"description": "权重（%）"})
    score = fields.Integer(allow_none=True, metadata={"description": "评分；未评为 null"})
    comment = fields.String(allow_none=True)


class ReviewLineOut(Schema):
    reviewer = fields.String(
        metadata={"description": "评审专家：发榜单位和管理员看到姓名，评审专家看到编号（本人为“我”）"}
    )
    mine = fields.Boolean()
    scores = fields.List(fields.Nested(ReviewScoreOut))
    comment = fields.String(allow_none=True, metadata={"description": "总体评语"})
    weighted = _decimal("加权得分 Σ(权重×评分)/100")
    submitted_at = BeijingDateTime()


class CriterionMeanOut(Schema):
    criterion_id = fields.Integer()
    mean = _decimal("该标准的平均分（四舍五入到两位）", allow_none=True)


class MissingReviewOut(Schema):
    reviewer = fields.String()
    reason = fields.String(metadata={"description": "未声明利益冲突 / 评分草稿未提交 / 尚未评分"})


class ApplicationScoresOut(Schema):
    application_id = fields.Integer()
    organisation = fields.String()
    status = fields.String()
    rank = fields.Integer(
        allow_none=True, metadata={"description": "名次（并列同名次）；评审专家视图和尚无评分时为 null"}
    )
    tied = fields.Boolean(metadata={"description": "是否与其他方案并列"})
    total = _decimal("平均加权得分（四舍五入到两位）；尚无评分时为 null", allow_none=True)
    total_exact = fields.String(
        allow_none=True,
        metadata={"description": "平均加权得分的精确值（分数，如 24001/300）", "example": "24001/300"},
    )
    criterion_means = fields.List(fields.Nested(CriterionMeanOut))
    submitted = fields.Integer(metadata={"description": "已提交且计入的评分份数"})
    expected = fields.Integer(metadata={"description": "应评份数：与该方案无利益冲突的专家人数"})
    missing = fields.List(
        fields.Nested(MissingReviewOut), metadata={"description": "尚缺的评分（仅发榜单位和管理员）"}
    )
    reviews = fields.List(fields.Nested(ReviewLineOut))
    defense_at = BeijingDateTime(allow_none=True)
    defense_place = fields.String(allow_none=True)


class RankingCriterionOut(Schema):
    id = fields.Integer()
    name = fields.String()
    weight = fields.Integer()
    description = fields.String(allow_none=True)


class ChallengeRankingOut(Schema):
    challenge_id = fields.Integer()
    full = fields.Boolean(metadata={"description": "true：发榜单位和管理员的完整排名；false：评审专家视图"})
    complete = fields.Boolean(metadata={"description": "应评的评分是否已全部提交"})
    criteria = fields.List(fields.Nested(RankingCriterionOut))
    items = fields.List(
        fields.Nested(ApplicationScoresOut),
        metadata={"description": "按平均加权得分从高到低；并列按方案提交先后；尚无评分的在最后"},
    )


class ChallengeReviewOut(Schema):
    application_id = fields.Integer()
    state = fields.String(
        metadata={
            "description": "todo 未评、draft 草稿、submitted 已提交",
            "enum": ["todo", "draft", "submitted"],
        }
    )
    editable = fields.Boolean(metadata={"description": "现在能否修改（评审中且未提交）"})
    submitted_at = BeijingDateTime(allow_none=True)
    comment = fields.String(allow_none=True, metadata={"description": "总体评语"})
    weighted = _decimal("提交后的加权得分；未提交为 null", allow_none=True)
    scores = fields.List(fields.Nested(ReviewScoreOut), metadata={"description": "按评审标准顺序"})
    all_scores = fields.Nested(
        ApplicationScoresOut,
        allow_none=True,
        metadata={"description": "全部专家对该方案的评分：本人提交后、定榜前可见；否则为 null"},
    )


class DefenseSlotOut(Schema):
    application_id = fields.Integer()
    status = fields.String()
    defense_at = BeijingDateTime()
    defense_place = fields.String()
